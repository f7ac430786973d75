"""Running spend totals per scope and local day, so a budget check never scans the history.

Every order that counts against budgets (placed, or pending approval) is
added to daily buckets, keyed by who it counts for and by the local calendar
day in the company's time zone:

* the company itself, and each of its ancestors' *subtree* totals (for
  shared group budgets);
* the location it was for;
* the buyer, within the company.

A budget check sums the buckets of the days in its window: at most 366 look-ups
for a yearly budget, however long the history. Orders pending approval are
kept in buckets of their own, so a check may count them (the default: two
parallel requests cannot each slip under the same budget) or leave them out.
Cancelling an order subtracts it again; placing a pending one moves it.

Where an order is booked is its [`SpendPosting`][b2b_customers.limits.SpendPosting], worked out
once, here, from what the service that records the order has loaded (the company's time
zone and ancestors), and stored with the order, so that a later status change
moves exactly that spend even after the company moved in the tree or changed
its time zone. Every store books the amounts the posting lists
([`SpendPosting.amounts`][b2b_customers.limits.SpendPosting.amounts],
[`SpendPosting.moves`][b2b_customers.limits.SpendPosting.moves]); none works out keys or days of its
own.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from attrs import field, frozen

from b2b_customers.ids import CompanyId, CustomerId, LocationId
from b2b_customers.limits.periods import Window, local_day

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.domain.order import OrderRecord

__all__ = ["Bucket", "SpendKey", "SpendLookup", "SpendPosting", "SpendTotals", "spend_keys"]


@frozen
class SpendKey:
    """Who spend is counted for.

    Attributes:
        kind: ``"company"``, ``"subtree"`` (a company and everything below it),
            ``"location"`` or ``"buyer"``.
        company_id: The company (for ``subtree``: the top of the subtree).
        other_id: The location or customer id, for those kinds.
    """

    kind: str
    company_id: CompanyId
    other_id: str | None = None

    @classmethod
    def company(cls, company_id: CompanyId) -> SpendKey:
        """Spend of one company alone."""
        return cls("company", company_id)

    @classmethod
    def subtree(cls, company_id: CompanyId) -> SpendKey:
        """Spend of a company and all its subsidiaries."""
        return cls("subtree", company_id)

    @classmethod
    def location(cls, company_id: CompanyId, location_id: LocationId) -> SpendKey:
        """Spend for one location of a company."""
        return cls("location", company_id, location_id)

    @classmethod
    def buyer(cls, company_id: CompanyId, customer_id: CustomerId) -> SpendKey:
        """Spend of one customer for one company."""
        return cls("buyer", company_id, customer_id)


def spend_keys(order: OrderRecord, ancestors: Iterable[CompanyId] = ()) -> list[SpendKey]:
    """Return every key an order counts for: its company, subtrees, buyer and location.

    The subtrees are the company's own and each of its ``ancestors``'.
    """
    keys = [
        SpendKey.company(order.company_id),
        SpendKey.subtree(order.company_id),
        SpendKey.buyer(order.company_id, order.buyer_id),
    ]
    keys.extend(SpendKey.subtree(ancestor) for ancestor in ancestors)
    if order.location_id is not None:
        keys.append(SpendKey.location(order.company_id, order.location_id))
    return keys


Bucket = tuple[SpendKey, date, str, bool]
"""A spend bucket: whose spend, which local day, which currency, pending approval or not."""


def _keys(value: Iterable[SpendKey]) -> tuple[SpendKey, ...]:
    return tuple(value)


@frozen
class SpendPosting:
    """Where an order's spend is booked: fixed when the order is recorded.

    Attributes:
        keys: Every key the order counts for (with its company's ancestors
            as the tree stood then).
        day: The order's local day in its company's time zone then.
        currency: The order's currency.
    """

    keys: tuple[SpendKey, ...] = field(converter=_keys)
    day: date
    currency: str

    @classmethod
    def of(
        cls, order: OrderRecord, *, time_zone: str, ancestors: Iterable[CompanyId] = ()
    ) -> SpendPosting:
        """Return where ``order`` is booked, for a company in ``time_zone`` with ``ancestors``.

        Args:
            order: The order.
            time_zone: The ordering company's IANA time zone.
            ancestors: The company's ancestors' ids, nearest first.
        """
        return cls(
            keys=spend_keys(order, ancestors),
            day=local_day(order.placed_at, time_zone),
            currency=str(order.total.currency.code),
        )

    def amounts(self, order: OrderRecord, sign: int = 1) -> dict[Bucket, Decimal]:
        """Return what ``order`` (as it stands) adds to each bucket; empty if it does not count.

        Placed orders and orders pending approval count against budgets
        (pending ones in buckets of their own); cancelled ones do not.
        """
        if not order.counts_against_budgets:
            return {}
        amount = sign * order.total.amount
        return {(key, self.day, self.currency, order.is_pending): amount for key in self.keys}

    def moves(self, before: OrderRecord, after: OrderRecord) -> dict[Bucket, Decimal]:
        """Return how the buckets move when an order changes from ``before`` to ``after``."""
        moved = self.amounts(before, -1)
        for bucket, amount in self.amounts(after).items():
            moved[bucket] = moved.get(bucket, Decimal(0)) + amount
        return {bucket: amount for bucket, amount in moved.items() if amount}


class SpendLookup(Protocol):
    """Answers how much was spent for a key in a window, per currency."""

    def spent(
        self, key: SpendKey, window: Window, *, include_pending: bool = True
    ) -> dict[str, Decimal]:
        """Return the spend per currency code of ``key`` in ``window`` (empty when none).

        Args:
            key: Whose spend.
            window: The budget period.
            include_pending: Count orders pending approval too (the default).
        """
        ...


class SpendTotals:
    """Daily spend buckets in memory: the reference `SpendLookup`.

    Args:
        time_zone_of: The IANA time zone of each company, for the local day.
    """

    def __init__(self, time_zone_of: dict[CompanyId, str] | None = None) -> None:
        self._zones = dict(time_zone_of or {})
        # key -> local day -> (currency, pending) -> amount
        self._buckets: defaultdict[
            SpendKey, defaultdict[date, defaultdict[tuple[str, bool], Decimal]]
        ] = defaultdict(lambda: defaultdict(lambda: defaultdict(Decimal)))

    def set_time_zone(self, company_id: CompanyId, time_zone: str) -> None:
        """Tell the totals a company's time zone (before recording its orders)."""
        self._zones[company_id] = time_zone

    def record(self, order: OrderRecord, ancestors: Iterable[CompanyId] = ()) -> None:
        """Add an order's total to its buckets, if it counts (placed or pending approval)."""
        self._book(self._posting(order, ancestors).amounts(order))

    def remove(self, order: OrderRecord, ancestors: Iterable[CompanyId] = ()) -> None:
        """Take an order's total out of its buckets again (before it changes status)."""
        self._book(self._posting(order, ancestors).amounts(order, -1))

    def change(
        self, before: OrderRecord, after: OrderRecord, ancestors: Iterable[CompanyId] = ()
    ) -> None:
        """Move an order from its old buckets to its new ones (placed, cancelled, ...)."""
        ancestors = tuple(ancestors)
        self.remove(before, ancestors)
        self.record(after, ancestors)

    def spent(
        self, key: SpendKey, window: Window, *, include_pending: bool = True
    ) -> dict[str, Decimal]:
        """Return the spend per currency of ``key`` in ``window``."""
        days = self._buckets.get(key)
        if not days:
            return {}
        first, last = window.first_day, window.last_day
        if len(days) < (last - first).days + 1:
            # Fewer recorded days than days in the window: walk the recorded ones.
            chosen = [amounts for day, amounts in days.items() if first <= day <= last]
        else:
            chosen = [days[day] for day in window.days() if day in days]
        result: defaultdict[str, Decimal] = defaultdict(Decimal)
        for amounts in chosen:
            for (currency, pending), amount in amounts.items():
                if include_pending or not pending:
                    result[currency] += amount
        return {currency: amount for currency, amount in result.items() if amount}

    def _posting(self, order: OrderRecord, ancestors: Iterable[CompanyId]) -> SpendPosting:
        zone = self._zones.get(order.company_id, "UTC")
        return SpendPosting.of(order, time_zone=zone, ancestors=ancestors)

    def _book(self, amounts: dict[Bucket, Decimal]) -> None:
        for (key, day, currency, pending), amount in amounts.items():
            self._buckets[key][day][currency, pending] += amount
