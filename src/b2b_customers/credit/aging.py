"""Aging of open items: what is owed, how late, and how a payment settles it.

An [`OpenItem`][b2b_customers.credit.OpenItem] is what is still owed on one instalment of one
invoice. [`age`][b2b_customers.credit.age] sorts open items into
[`AgingBucket`][b2b_customers.credit.AgingBucket] by days past due and totals them;
[`settle`][b2b_customers.credit.settle] applies a payment to them, oldest first or as the payer
allocated it ([`Allocation`][b2b_customers.credit.Allocation]), taking the early-payment discount of
every instalment it pays inside the discount window.

Days past due are ``(as_of - due_date).days``. An item is overdue from the day
*after* its due date: an instalment due today is ``NOT_DUE``. The buckets'
upper bounds are inclusive: 1-30, 31-60, 61-90, 91-120, then 121 days and over.

Rules where the choice was ours:

- Oldest first means by due date, then invoice date, then invoice id, then
  instalment number. The same order is used everywhere (settlement, the
  items of a bucket), so the results do not depend on the order of the input.
- [`settle`][b2b_customers.credit.settle] returns the items still open, oldest first; fully paid
  items (and items that came in at zero) are left out, and ``applied`` records
  what each payment paid. Without a payment date, settling in one payment
  leaves the same items open as settling the same total in several.
- [`age`][b2b_customers.credit.age] leaves out items with nothing open: they owe nothing and are
  never overdue.
- One (invoice id, instalment) may appear only once in a list of items.
- Early-payment discounts (when [`settle`][b2b_customers.credit.settle] is given the payment date):
  an instalment paid on or before its ``discount_until`` needs only its open
  amount less its discount; when the payment covers that, the instalment is
  settled and the discount is listed in ``Settlement.discounts`` (the ledger
  books it as an entry of its own). A payment that does not cover it pays
  part of the instalment and earns no discount; a later payment inside the
  window that covers the rest earns it then.
- Aging with other bucket boundaries: [`age_ranges`][b2b_customers.credit.age_ranges] gives the
  [`AgeRange`][b2b_customers.credit.AgeRange] columns for any boundaries, and
  [`AgingReport.totals_by_range`][b2b_customers.credit.AgingReport.totals_by_range] totals a report
  in them.
"""

from __future__ import annotations

import itertools
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
    optional,
)
from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DEFAULT_BOUNDARIES",
    "AgeRange",
    "AgingBucket",
    "AgingReport",
    "Allocation",
    "OpenItem",
    "ReceivablesAging",
    "ReceivablesRow",
    "Settlement",
    "age",
    "age_ranges",
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


DEFAULT_BOUNDARIES = (30, 60, 90, 120)
"""The last day past due of each default bucket but the last: 1-30 ... 91-120, over 120."""

_MAX_BOUNDARIES = 24


@frozen(kw_only=True)
class AgeRange:
    """A column of an aging report: a range of days past due, both ends inclusive.

    Attributes:
        first: The first day past due, or ``None`` for "not yet due" (0 days or fewer).
        last: The last day past due, or ``None`` for the open-ended last column.
    """

    first: int | None
    last: int | None

    @property
    def label(self) -> str:
        """The heading: ``"not yet due"``, ``"1-30"``, ``"over 120"``."""
        if self.first is None:
            return "not yet due"
        if self.last is None:
            return f"over {self.first - 1}"
        return f"{self.first}-{self.last}"

    def holds(self, days: int) -> bool:
        """Whether an item ``days`` past due belongs in this range."""
        if self.first is None:
            return days <= (self.last or 0)
        return self.first <= days and (self.last is None or days <= self.last)


def age_ranges(boundaries: Sequence[int] = DEFAULT_BOUNDARIES) -> tuple[AgeRange, ...]:
    """Return the columns of an aging report with the given bucket boundaries.

    ``age_ranges((15, 45))`` is not yet due, 1-15, 16-45 and over 45 days.
    The columns partition every number of days past due: each falls in one.

    Args:
        boundaries: The last day past due of each column but the last (and
            but "not yet due"): whole numbers above 0, strictly increasing,
            at most 24 of them; empty gives "not yet due" and "over 0".

    Raises:
        ValidationError: The boundaries are not such numbers.
    """
    listed = items_of(boundaries)
    if (
        listed is None
        or len(listed) > _MAX_BOUNDARIES
        or not all(isinstance(day, int) and not isinstance(day, bool) for day in listed)
        or any(day < 1 for day in listed)
        or any(later <= earlier for earlier, later in itertools.pairwise(listed))
    ):
        raise ValidationError(
            "give up to 24 whole numbers of days above 0, strictly increasing, such as "
            f"(30, 60, 90, 120), got {boundaries!r}",
            field="boundaries",
        )
    firsts = [1, *(day + 1 for day in listed)]
    lasts: list[int | None] = [*listed, None]
    return (
        AgeRange(first=None, last=0),
        *(AgeRange(first=first, last=last) for first, last in zip(firsts, lasts, strict=True)),
    )


@frozen(kw_only=True)
class OpenItem:
    """What is still owed on one instalment of one invoice.

    Attributes:
        invoice_id: The invoice's id.
        instalment: The instalment's number, from 1.
        invoice_date: The invoice date.
        due_date: When the instalment falls due.
        open_amount: What is still owed, zero or more.
        discount: The early-payment discount still to be earned, or ``None``.
        discount_until: The last day the discount can be earned, or ``None``.
    """

    invoice_id: str = field(validator=identifier)
    instalment: int = field(validator=whole_number(1, MAX_INSTALMENTS))
    invoice_date: date = field(validator=calendar_date)
    due_date: date = field(validator=calendar_date)
    open_amount: Money = field(validator=money_amount(non_negative=True))
    discount: Money | None = field(
        default=None, validator=optional(money_amount(non_negative=True))
    )
    discount_until: date | None = field(default=None, validator=optional(calendar_date))

    def __attrs_post_init__(self) -> None:
        if (self.discount is None) != (self.discount_until is None):
            raise ValidationError(
                "give both discount and discount_until, or neither", field="discount"
            )
        if self.discount is not None:
            ensure_same_currency(self.open_amount, self.discount, context="an open item")

    @classmethod
    def for_instalment(
        cls, invoice_id: str, invoice_date: date, instalment: Instalment
    ) -> OpenItem:
        """Return the open item of a freshly scheduled instalment, nothing paid yet.

        Args:
            invoice_id: The invoice's id.
            invoice_date: The invoice date the schedule was made for.
            instalment: One instalment of
                [`PaymentTerms.schedule`][b2b_customers.credit.PaymentTerms.schedule].
        """
        return cls(
            invoice_id=invoice_id,
            instalment=instalment.number,
            invoice_date=invoice_date,
            due_date=instalment.due_date,
            open_amount=instalment.amount,
            discount=instalment.discount,
            discount_until=instalment.discount_until,
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

    def discount_on(self, payment_date: date | None) -> Decimal:
        """Return the discount a payment made on ``payment_date`` earns (0 outside the window).

        It is never more than what is open. ``None`` (no payment date): no discount.
        """
        if payment_date is None or self.discount is None or self.discount_until is None:
            return Decimal(0)
        if check_date(payment_date, field="paid_on") > self.discount_until:
            return Decimal(0)
        return min(self.discount.amount, self.open_amount.amount)

    def matches(self, allocation: Allocation) -> bool:
        """Whether ``allocation`` names this item (its invoice, and its instalment if given)."""
        return self.invoice_id == allocation.invoice_id and allocation.instalment in {
            None,
            self.instalment,
        }


@frozen(kw_only=True)
class Allocation:
    """Where (part of) a payment goes: an invoice, or one instalment of it.

    Attributes:
        invoice_id: The invoice (its number).
        instalment: One instalment of it, or ``None`` for all its open
            instalments, oldest first.
        amount: How much of the payment to apply, or ``None`` for whatever
            the invoice (or instalment) needs, less any discount earned, or
            what is left of the payment when that is less.
    """

    invoice_id: str = field(validator=identifier)
    instalment: int | None = field(
        default=None, validator=optional(whole_number(1, MAX_INSTALMENTS))
    )
    amount: Money | None = field(default=None, validator=optional(money_amount()))

    def __attrs_post_init__(self) -> None:
        if self.amount is not None and self.amount.amount <= 0:
            raise ValidationError(
                f"must be more than zero, got {self.amount.amount}", field="amount"
            )


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
            with the amount applied to it, oldest first (in allocation order
            when allocated).
        unapplied: What is left of the payment (zero unless it exceeded
            what it was applied to).
        discounts: Each item settled inside its discount window (as it was
            before the payment) with the discount it earned.
    """

    items: tuple[OpenItem, ...]
    applied: tuple[tuple[OpenItem, Money], ...]
    unapplied: Money = field(validator=money_amount(non_negative=True))
    discounts: tuple[tuple[OpenItem, Money], ...] = ()

    @property
    def settled(self) -> Money:
        """The part of the payment applied to items: the payment less ``unapplied``."""
        return total(
            (amount for _item, amount in self.applied),
            self.unapplied.currency.code,
            context="a settlement",
        )

    @property
    def discounted(self) -> Money:
        """The discounts earned, together."""
        return total(
            (amount for _item, amount in self.discounts),
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


class _Ledger:
    """The running state of one settlement: what is open, applied and discounted."""

    def __init__(self, items: list[OpenItem], currency: str, paid_on: date | None) -> None:
        self.open = {item.key: item for item in items}
        self.order = [item.key for item in items]
        self.currency = currency
        self.paid_on = paid_on
        self.applied: list[tuple[OpenItem, Money]] = []
        self.discounts: list[tuple[OpenItem, Money]] = []

    def pay(self, keys: Sequence[tuple[str, int]], budget: Decimal) -> Decimal:
        """Pay the items ``keys`` in order from ``budget``; return what is left of it."""
        for key in keys:
            if budget <= 0:
                break
            item = self.open[key]
            owed = item.open_amount.amount
            if owed <= 0:
                continue
            discount = item.discount_on(self.paid_on)
            needed = owed - discount
            taken = min(needed, budget)
            earned = discount if budget >= needed else Decimal(0)
            if taken > 0:
                self.applied.append((item, Money(taken, self.currency)))
            if earned > 0:
                self.discounts.append((item, Money(earned, self.currency)))
            budget -= taken
            self.open[key] = item.with_open_amount(Money(owed - taken - earned, self.currency))
        return budget

    def still_open(self) -> tuple[OpenItem, ...]:
        return tuple(self.open[key] for key in self.order if self.open[key].open_amount.amount > 0)

    def allocate(self, allocation: Allocation, budget: Decimal) -> Decimal:
        """Apply one allocation from ``budget``; return what is left of the budget."""
        keys = [key for key in self.order if self.open[key].matches(allocation)]
        owed = sum(
            (
                self.open[key].open_amount.amount - self.open[key].discount_on(self.paid_on)
                for key in keys
            ),
            Decimal(0),
        )
        named = allocation.invoice_id + (
            "" if allocation.instalment is None else f" instalment {allocation.instalment}"
        )
        if not keys or owed <= 0:
            raise ValidationError(
                f"invoice {named} has nothing open to allocate to; check the invoice "
                "number (and instalment)",
                field="allocations",
            )
        wanted = min(owed, budget) if allocation.amount is None else allocation.amount.amount
        if allocation.amount is not None:
            ensure_same_currency(
                zero(self.currency), allocation.amount, context="allocating a payment"
            )
        if wanted > owed:
            raise ValidationError(
                f"{wanted} {self.currency} is more than invoice {named} needs ({owed}); "
                "allocate at most that, and leave the rest on account",
                field="allocations",
            )
        if wanted > budget:
            raise ValidationError(
                f"the allocations come to more than the payment: {wanted} {self.currency} "
                f"for invoice {named} with {budget} left",
                field="allocations",
            )
        left = self.pay(keys, wanted)
        return budget - wanted + left


def settle(
    items: Sequence[OpenItem],
    payment: Money,
    *,
    paid_on: date | None = None,
    allocations: Sequence[Allocation] | None = None,
) -> Settlement:
    """Apply a payment to open items: oldest first, or as allocated.

    Each item, oldest first (see the module documentation), takes as much of
    what is left of the payment as it owes, less the discount it earns when
    ``paid_on`` is inside its discount window and the payment covers it.

    Args:
        items: The open items of one customer.
        payment: The amount paid, more than zero.
        paid_on: The day the payment was made; ``None`` earns no discount.
        allocations: Apply the payment to these invoices (or instalments) in
            this order, each for its amount or what it needs; what is left
            stays unapplied. ``None``: oldest first.

    Returns:
        The items still open, what was applied to which item, the discounts
        earned, and what is left over.

    Raises:
        ValidationError: ``payment`` is not a Money of more than zero, an
            item is listed twice, or an allocation names nothing open, asks
            more than it needs or more than the payment has left.
        CurrencyMismatch: An item or an allocation is in another currency than ``payment``.
    """
    _check_payment(payment)
    currency = payment.currency.code
    ordered = _checked_items(items, currency, context="settling a payment against open items")
    ledger = _Ledger(ordered, currency, paid_on)
    if allocations is None:
        left = ledger.pay(ledger.order, payment.amount)
    else:
        left = payment.amount
        listed = items_of(allocations)
        if listed is None:
            raise ValidationError(
                f"allocations must be a collection of Allocation (or None), got {allocations!r}",
                field="allocations",
            )
        for allocation in listed:
            if not isinstance(allocation, Allocation):
                raise ValidationError(
                    f"every allocation must be an Allocation, got {type(allocation).__name__}",
                    field="allocations",
                )
            left = ledger.allocate(allocation, left)
    return Settlement(
        items=ledger.still_open(),
        applied=tuple(ledger.applied),
        unapplied=Money(left, currency),
        discounts=tuple(ledger.discounts),
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

    Build it with [`age`][b2b_customers.credit.age].

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

    def items_by_range(
        self, boundaries: Sequence[int] = DEFAULT_BOUNDARIES
    ) -> Mapping[AgeRange, tuple[OpenItem, ...]]:
        """Return the open items in the columns of `age_ranges`, oldest first.

        Raises:
            ValidationError: The boundaries are not valid (see
                [`age_ranges`][b2b_customers.credit.age_ranges]).
        """
        ranges = age_ranges(boundaries)
        items = sorted(
            (item for bucket_items in self.items_by_bucket.values() for item in bucket_items),
            key=lambda item: item.sort_key,
        )
        return MappingProxyType(
            {
                column: tuple(
                    item for item in items if column.holds(days_past_due(item.due_date, self.as_of))
                )
                for column in ranges
            }
        )

    def totals_by_range(
        self, boundaries: Sequence[int] = DEFAULT_BOUNDARIES
    ) -> Mapping[AgeRange, Money]:
        """Return what is open in each column of `age_ranges` (zero when empty).

        Raises:
            ValidationError: The boundaries are not valid (see
                [`age_ranges`][b2b_customers.credit.age_ranges]).
        """
        return MappingProxyType(
            {
                column: total(
                    (item.open_amount for item in items), self.currency, context="an aging report"
                )
                for column, items in self.items_by_range(boundaries).items()
            }
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


@frozen(kw_only=True)
class ReceivablesRow:
    """One account's line of an AR aging report.

    Attributes:
        company_id: The company that owns the account.
        account_id: The credit account.
        report: Its open items in aging buckets.
    """

    company_id: str
    account_id: str
    report: AgingReport


@frozen(kw_only=True)
class ReceivablesAging:
    """Accounts receivable aging over many companies, as of one day.

    Attributes:
        as_of: The day of the report.
        boundaries: The bucket boundaries of
            [`totals`][b2b_customers.credit.ReceivablesAging.totals] (see
            [`age_ranges`][b2b_customers.credit.age_ranges]).
        rows: One row per credit account, by company id.
    """

    as_of: date
    boundaries: tuple[int, ...]
    rows: tuple[ReceivablesRow, ...]

    @property
    def ranges(self) -> tuple[AgeRange, ...]:
        """The columns of the report."""
        return age_ranges(self.boundaries)

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currencies of the accounts, sorted."""
        return tuple(sorted({row.report.currency for row in self.rows}))

    def totals(self, currency: str) -> Mapping[AgeRange, Money]:
        """Return every column's total over the accounts kept in ``currency``.

        Raises:
            ValidationError: ``currency`` is not a currency code.
        """
        code = zero(normalize_code(currency)).currency.code
        columns = {column: zero(code) for column in self.ranges}
        for row in self.rows:
            if row.report.currency != code:
                continue
            for column, amount in row.report.totals_by_range(self.boundaries).items():
                columns[column] += amount
        return MappingProxyType(columns)
