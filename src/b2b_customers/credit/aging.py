"""Aging of open items: what is owed, how late, and how a payment settles it.

An :class:`OpenItem` is what is still owed on one instalment of one invoice.
:func:`age` sorts open items into :class:`AgingBucket` by days past due and
totals them; :func:`settle` applies a payment to them, oldest first.

Days past due are ``(as_of - due_date).days``. An item is overdue from the day
*after* its due date: an instalment due today is ``NOT_DUE``. The buckets'
upper bounds are inclusive: 1-30, 31-60, 61-90, 91-120, then 121 days and over.

Rules where the choice was ours:

- Oldest first means by due date, then invoice date, then invoice id, then
  instalment number. The same order is used everywhere (settlement, the
  items of a bucket), so the results do not depend on the order of the input.
- :func:`settle` returns the items still open, oldest first; fully paid items
  (and items that came in at zero) are left out, and ``applied`` records
  what each payment paid. Settling in one payment leaves the same items open
  as settling the same total in several.
- :func:`age` leaves out items with nothing open: they owe nothing and are
  never overdue.
- One (invoice id, instalment) may appear only once in a list of items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.credit.due_dates import calendar_date, check_date, whole_number
from b2b_customers.credit.payment_terms import MAX_INSTALMENTS, Instalment
from b2b_customers.domain.money import ensure_same_currency, total, zero
from b2b_customers.domain.values import (
    DomainEnum,
    currency_code,
    identifier,
    items_of,
    money_amount,
    normalize_code,
)
from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "AgingBucket",
    "AgingReport",
    "OpenItem",
    "Settlement",
    "age",
    "bucket_for",
    "days_past_due",
    "settle",
]


class AgingBucket(DomainEnum):
    """How late an open item is, by days past its due date (upper bounds inclusive)."""

    NOT_DUE = "not_due"
    """Due today or later."""
    DAYS_1_30 = "days_1_30"
    """1 to 30 days past due."""
    DAYS_31_60 = "days_31_60"
    """31 to 60 days past due."""
    DAYS_61_90 = "days_61_90"
    """61 to 90 days past due."""
    DAYS_91_120 = "days_91_120"
    """91 to 120 days past due."""
    OVER_120 = "over_120"
    """121 days past due or more."""

    @property
    def label(self) -> str:
        """The heading an aging report shows: ``"not yet due"``, ``"1-30"``, ... ``"over 120"``."""
        return _LABELS[self]


_BUCKETS = frozenset(AgingBucket)
_LABELS = {
    AgingBucket.NOT_DUE: "not yet due",
    AgingBucket.DAYS_1_30: "1-30",
    AgingBucket.DAYS_31_60: "31-60",
    AgingBucket.DAYS_61_90: "61-90",
    AgingBucket.DAYS_91_120: "91-120",
    AgingBucket.OVER_120: "over 120",
}

# The last day past due of each bucket but the last.
_UPPER_BOUNDS = (
    (0, AgingBucket.NOT_DUE),
    (30, AgingBucket.DAYS_1_30),
    (60, AgingBucket.DAYS_31_60),
    (90, AgingBucket.DAYS_61_90),
    (120, AgingBucket.DAYS_91_120),
)


def days_past_due(due_date: date, as_of: date) -> int:
    """Return how many days ``as_of`` is past ``due_date``: negative before, 0 on the day.

    Args:
        due_date: When the item falls due.
        as_of: The day of the report.

    Raises:
        ValidationError: Either argument is not a date.
    """
    return (check_date(as_of, field="as_of") - check_date(due_date, field="due_date")).days


def bucket_for(due_date: date, as_of: date) -> AgingBucket:
    """Return the aging bucket of an item due on ``due_date``, seen on ``as_of``.

    Args:
        due_date: When the item falls due.
        as_of: The day of the report.

    Raises:
        ValidationError: Either argument is not a date.
    """
    days = days_past_due(due_date, as_of)
    for upper, bucket in _UPPER_BOUNDS:
        if days <= upper:
            return bucket
    return AgingBucket.OVER_120


@frozen(kw_only=True)
class OpenItem:
    """What is still owed on one instalment of one invoice.

    Attributes:
        invoice_id: The invoice's id.
        instalment: The instalment's number, from 1.
        invoice_date: The invoice date.
        due_date: When the instalment falls due.
        open_amount: What is still owed, zero or more.
    """

    invoice_id: str = field(validator=identifier)
    instalment: int = field(validator=whole_number(1, MAX_INSTALMENTS))
    invoice_date: date = field(validator=calendar_date)
    due_date: date = field(validator=calendar_date)
    open_amount: Money = field(validator=money_amount(non_negative=True))

    @classmethod
    def for_instalment(
        cls, invoice_id: str, invoice_date: date, instalment: Instalment
    ) -> OpenItem:
        """Return the open item of a freshly scheduled instalment, nothing paid yet.

        Args:
            invoice_id: The invoice's id.
            invoice_date: The invoice date the schedule was made for.
            instalment: One instalment of :meth:`PaymentTerms.schedule`.
        """
        return cls(
            invoice_id=invoice_id,
            instalment=instalment.number,
            invoice_date=invoice_date,
            due_date=instalment.due_date,
            open_amount=instalment.amount,
        )

    @property
    def key(self) -> tuple[str, int]:
        """The item's identity: ``(invoice_id, instalment)``."""
        return (self.invoice_id, self.instalment)

    @property
    def sort_key(self) -> tuple[date, date, str, int]:
        """The oldest-first order: due date, invoice date, invoice id, instalment."""
        return (self.due_date, self.invoice_date, self.invoice_id, self.instalment)

    def with_open_amount(self, open_amount: Money) -> OpenItem:
        """Return a copy that owes ``open_amount``."""
        return attrs.evolve(self, open_amount=open_amount)


def _checked_items(items: Iterable[OpenItem], currency: str, *, context: str) -> list[OpenItem]:
    """Return the items oldest first, refusing non-items, duplicates and other currencies."""
    listed = items_of(items)
    if listed is None:
        raise ValidationError(f"must be a collection of OpenItem, got {items!r}", field="items")
    reference = zero(currency)
    seen: set[tuple[str, int]] = set()
    for item in listed:
        if not isinstance(item, OpenItem):
            raise ValidationError(
                f"every item must be an OpenItem, got {type(item).__name__}", field="items"
            )
        if item.key in seen:
            raise ValidationError(
                f"instalment {item.instalment} of invoice {item.invoice_id!r} is listed twice",
                field="items",
            )
        seen.add(item.key)
        ensure_same_currency(reference, item.open_amount, context=context)
    return sorted(cast("list[OpenItem]", listed), key=lambda item: item.sort_key)


@frozen(kw_only=True)
class Settlement:
    """The result of applying a payment to open items.

    Attributes:
        items: The items still open after the payment, oldest first; fully
            paid items are left out.
        applied: Each item the payment reached (as it was before the payment)
            with the amount applied to it, oldest first.
        unapplied: What is left of the payment (zero unless it exceeded
            everything open).
    """

    items: tuple[OpenItem, ...]
    applied: tuple[tuple[OpenItem, Money], ...]
    unapplied: Money = field(validator=money_amount(non_negative=True))

    @property
    def settled(self) -> Money:
        """The part of the payment applied to items: the payment less ``unapplied``."""
        return total(
            (amount for _item, amount in self.applied),
            self.unapplied.currency.code,
            context="a settlement",
        )


def _check_payment(payment: Any) -> None:  # noqa: ANN401  (checks what a caller passed)
    if not isinstance(payment, Money) or not isinstance(payment.amount, Decimal):
        raise ValidationError(
            f"must be a Money such as Money('100.00', 'EUR'), got {payment!r}", field="payment"
        )
    if not payment.amount.is_finite() or payment.amount <= 0:
        raise ValidationError(
            f"must be more than zero (a refund is not a payment), got "
            f"{payment.amount} {payment.currency.code}",
            field="payment",
        )


def settle(items: Sequence[OpenItem], payment: Money) -> Settlement:
    """Apply a payment to open items, oldest first.

    Each item, oldest first (see the module documentation), takes as much of
    what is left of the payment as it owes.

    Args:
        items: The open items of one customer.
        payment: The amount paid, more than zero.

    Returns:
        The items still open, what was applied to which item, and what is left over.

    Raises:
        ValidationError: ``payment`` is not a Money of more than zero, or an
            item is listed twice.
        CurrencyMismatch: An item is in another currency than ``payment``.
    """
    _check_payment(payment)
    currency = payment.currency.code
    ordered = _checked_items(items, currency, context="settling a payment against open items")
    left = payment.amount
    still_open: list[OpenItem] = []
    applied: list[tuple[OpenItem, Money]] = []
    for item in ordered:
        owed = item.open_amount.amount
        taken = min(owed, left)
        if taken > 0:
            applied.append((item, Money(taken, currency)))
            left -= taken
        if owed - taken > 0:
            still_open.append(item.with_open_amount(Money(owed - taken, currency)))
    return Settlement(
        items=tuple(still_open), applied=tuple(applied), unapplied=Money(left, currency)
    )


def _items_by_bucket(
    value: Mapping[AgingBucket | str, Iterable[OpenItem]],
) -> Mapping[AgingBucket, tuple[OpenItem, ...]]:
    """Fill in every bucket, sort each oldest first and freeze the mapping."""
    raw: object = value
    if not isinstance(raw, Mapping):
        raise ValidationError(
            f"must be a mapping of aging buckets to open items, got {type(raw).__name__}",
            field="items_by_bucket",
        )
    unknown = [key for key in raw if key not in _BUCKETS]
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not an aging bucket", field="items_by_bucket")
    filled: dict[AgingBucket, tuple[OpenItem, ...]] = {}
    for bucket in AgingBucket:
        items = items_of(raw.get(bucket, ()))
        if items is None or not all(isinstance(item, OpenItem) for item in items):
            raise ValidationError(
                f"bucket {bucket.value!r} must hold a collection of OpenItem",
                field="items_by_bucket",
            )
        filled[bucket] = tuple(sorted(items, key=lambda item: item.sort_key))
    return MappingProxyType(filled)


@frozen(kw_only=True)
class AgingReport:
    """Open items sorted into aging buckets as of one day, in one currency.

    Build it with :func:`age`.

    Attributes:
        as_of: The day of the report.
        currency: The currency of every item, such as ``"EUR"``.
        items_by_bucket: Every bucket, with its open items oldest first (an
            empty tuple when none).

    Raises:
        ValidationError: An item is in the wrong bucket, owes nothing, or the
            mapping has keys that are not buckets.
        CurrencyMismatch: An item is in another currency.
    """

    as_of: date = field(validator=calendar_date)
    currency: str = field(converter=normalize_code, validator=currency_code)
    items_by_bucket: Mapping[AgingBucket, tuple[OpenItem, ...]] = field(converter=_items_by_bucket)

    def __attrs_post_init__(self) -> None:
        items = [item for bucket_items in self.items_by_bucket.values() for item in bucket_items]
        _checked_items(items, self.currency, context="an aging report")
        for bucket, bucket_items in self.items_by_bucket.items():
            for item in bucket_items:
                if (
                    bucket_for(item.due_date, self.as_of) is not bucket
                    or item.open_amount.amount <= 0
                ):
                    raise ValidationError(
                        f"instalment {item.instalment} of invoice {item.invoice_id!r} does "
                        f"not belong in bucket {bucket.value!r}",
                        field="items_by_bucket",
                    )

    @property
    def totals(self) -> Mapping[AgingBucket, Money]:
        """What is open in each bucket; every bucket is present, zero when empty."""
        return MappingProxyType(
            {
                bucket: total(
                    (item.open_amount for item in items), self.currency, context="an aging report"
                )
                for bucket, items in self.items_by_bucket.items()
            }
        )

    @property
    def total_open(self) -> Money:
        """Everything open, due or not."""
        return total(self.totals.values(), self.currency, context="an aging report")

    @property
    def overdue_total(self) -> Money:
        """Everything open that is past its due date (every bucket but ``NOT_DUE``)."""
        return total(
            (amount for bucket, amount in self.totals.items() if bucket is not AgingBucket.NOT_DUE),
            self.currency,
            context="an aging report",
        )

    @property
    def oldest_days_past_due(self) -> int:
        """The days past due of the most overdue item; 0 when nothing is overdue."""
        latest = max(
            (
                days_past_due(item.due_date, self.as_of)
                for items in self.items_by_bucket.values()
                for item in items
            ),
            default=0,
        )
        return max(latest, 0)


def age(items: Iterable[OpenItem], as_of: date, currency: str) -> AgingReport:
    """Sort open items into aging buckets as of a day.

    Args:
        items: Open items, all in ``currency``; items owing nothing are left out.
        as_of: The day of the report.
        currency: The report's currency, such as ``"EUR"``.

    Returns:
        The report, with every bucket present.

    Raises:
        ValidationError: ``as_of`` is not a date, ``currency`` is unknown, or
            an item is listed twice.
        CurrencyMismatch: An item is in another currency.
    """
    check_date(as_of, field="as_of")
    report_currency = zero(normalize_code(currency)).currency.code
    ordered = _checked_items(items, report_currency, context="an aging report")
    grouped: dict[AgingBucket | str, list[OpenItem]] = {bucket: [] for bucket in AgingBucket}
    for item in ordered:
        if item.open_amount.amount > 0:
            grouped[bucket_for(item.due_date, as_of)].append(item)
    return AgingReport(as_of=as_of, currency=report_currency, items_by_bucket=grouped)
