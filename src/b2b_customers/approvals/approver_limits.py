"""Approver limits: the largest order an approver may approve.

The rules:

* A limit is **inclusive**: an approver with a limit of 5,000 EUR may approve
  an order of exactly 5,000.00 EUR, not one of 5,000.01 EUR.
* A limit is set for one company, on a **customer** or on a **role** (every
  admin of ACME up to 20,000 EUR). For a customer, their own limit wins;
  without one, the highest limit of the roles they hold at the company
  applies (they may approve in any of their capacities).
* An approver **without** a limit is unlimited, unless the policy says
  ``approvers_need_limit``: then they may not approve at all.
* Limits are compared in the order's currency; a limit in another currency
  is refused with [`CurrencyMismatch`][b2b_customers.CurrencyMismatch] (as the
  engine does without exchange rates): set the limit in the company's
  currency.
* A limit may also cap what the approver approves **per period**
  (``per_period`` with a ``period``: at most 20,000 EUR a month). An approver
  who has approved *X* in the current window (counted in the company's time
  zone) may approve a request of total *T* only while *X* + *T* ≤ the cap
  (inclusive, like the per-order maximum); past it they are not eligible,
  so the request needs someone else or escalates, as with the per-order
  maximum. *X* sums the totals of the requests they gave an approval on in
  the window, at the limit's company, whatever became of those requests.
* When nobody at the requester's company can cover the amount, the request
  escalates (see `b2b_customers.approvals.routing`).
"""

from __future__ import annotations

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.domain.membership import Role
from b2b_customers.domain.money import format_money
from b2b_customers.domain.values import identifier, money_amount, of_type, optional
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.ids import ApproverLimitId, CompanyId, CustomerId
from b2b_customers.limits.periods import (
    CalendarPeriod,
    LifetimePeriod,
    Period,
    RecurrencePeriod,
    RollingPeriod,
)

__all__ = ["ApproverLimit", "covers", "within_period_cap"]


def _optional_role(value: Role | str | None) -> Role | None:
    return None if value is None else Role(value)


@frozen(kw_only=True)
class ApproverLimit(Versioned):
    """The largest order total a customer, or every holder of a role, may approve at a company.

    Attributes:
        id: The limit's id.
        company_id: The company where the limit applies.
        maximum: The largest order total they may approve (inclusive).
        customer_id: The customer it is set on (give this or ``role``).
        role: The role it is set on (give this or ``customer_id``).
        per_period: The most they may approve in one window of ``period``
            (inclusive, positive, in the currency of ``maximum``); ``None``:
            no cap per period.
        period: The period ``per_period`` counts in (a calendar, rolling,
            recurrence or lifetime period); given with ``per_period`` only.
    """

    id: ApproverLimitId = field(converter=ApproverLimitId, validator=identifier)
    company_id: CompanyId = field(converter=CompanyId, validator=identifier)
    maximum: Money = field(validator=money_amount(non_negative=True))
    customer_id: CustomerId | None = field(
        default=None,
        converter=attrs.converters.optional(CustomerId),
        validator=optional(identifier),
    )
    role: Role | None = field(default=None, converter=_optional_role)
    per_period: Money | None = field(default=None, validator=optional(money_amount()))
    period: Period | None = field(
        default=None,
        validator=optional(
            of_type(CalendarPeriod, RollingPeriod, RecurrencePeriod, LifetimePeriod)
        ),
    )

    def __attrs_post_init__(self) -> None:
        if (self.customer_id is None) == (self.role is None):
            raise ValidationError(
                "an approver limit is set on a customer or on a role: give exactly one of "
                "customer_id and role",
                field="customer_id",
            )
        self._check_per_period()

    def _check_per_period(self) -> None:
        if (self.per_period is None) != (self.period is None):
            raise ValidationError(
                "a cap per period needs both per_period (the amount) and period (such as "
                "CalendarPeriod(unit='month')); give both or neither",
                field="per_period" if self.per_period is None else "period",
            )
        if self.per_period is None:
            return
        if self.per_period.amount <= 0:
            raise ValidationError(
                f"per_period must be more than zero, got {format_money(self.per_period)}; "
                "remove the cap instead of setting it to zero",
                field="per_period",
            )
        if self.per_period.currency != self.maximum.currency:
            raise CurrencyMismatch(
                f"the cap per period is in {self.per_period.currency.code} but the limit per "
                f"order in {self.maximum.currency.code}; give both in the company's currency"
            )

    @property
    def subject(self) -> str:
        """Whom the limit is on, for messages: ``"customer 'anna'"`` or ``"role 'admin'"``."""
        if self.role is not None:
            return f"role {self.role.value!r}"
        return f"customer {self.customer_id!r}"


def covers(maximum: Money | None, total: Money) -> bool:
    """Tell whether an approver limit of ``maximum`` covers an order of ``total`` (inclusive).

    ``None`` (no limit) covers everything.

    Raises:
        CurrencyMismatch: ``maximum`` is in another currency than ``total``.
    """
    if maximum is None:
        return True
    if maximum.currency != total.currency:
        raise CurrencyMismatch(
            f"an approver limit of {format_money(maximum)} meets an order in "
            f"{total.currency.code}; set approver limits in the order's currency"
        )
    return bool(total.amount <= maximum.amount)


def within_period_cap(cap: Money | None, approved: Money | None, total: Money) -> bool:
    """Tell whether approving ``total`` keeps ``approved`` so far within a cap per period.

    Inclusive: ``approved + total`` may equal ``cap``. ``None`` (no cap) allows
    everything; ``approved`` ``None`` means nothing approved yet.

    Raises:
        CurrencyMismatch: ``cap`` or ``approved`` is in another currency than ``total``.
    """
    if cap is None:
        return True
    for amount in (cap, approved):
        if amount is not None and amount.currency != total.currency:
            raise CurrencyMismatch(
                f"an approver limit of {format_money(amount)} per period meets an order in "
                f"{total.currency.code}; set approver limits in the order's currency"
            )
    so_far = approved.amount if approved is not None else 0
    return bool(so_far + total.amount <= cap.amount)
