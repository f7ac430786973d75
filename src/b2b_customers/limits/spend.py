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
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from attrs import frozen

from b2b_customers.ids import CompanyId, CustomerId, LocationId
from b2b_customers.limits.periods import Window, local_day

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from b2b_customers.domain.order import OrderRecord

__all__ = ["SpendKey", "SpendLookup", "SpendTotals"]


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
    """Daily spend buckets in memory: the reference :class:`SpendLookup`.

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

    def keys_for(self, order: OrderRecord, ancestors: Iterable[CompanyId] = ()) -> list[SpendKey]:
        """Return every key an order counts for."""
        keys = [
            SpendKey.company(order.company_id),
            SpendKey.subtree(order.company_id),
            SpendKey.buyer(order.company_id, order.buyer_id),
        ]
        keys.extend(SpendKey.subtree(ancestor) for ancestor in ancestors)
        if order.location_id is not None:
            keys.append(SpendKey.location(order.company_id, order.location_id))
        return keys

    def record(self, order: OrderRecord, ancestors: Iterable[CompanyId] = ()) -> None:
        """Add an order's total to its buckets, if it counts (placed or pending approval)."""
        if order.counts_against_budgets:
            self._apply(order, ancestors, order.total.amount)

    def remove(self, order: OrderRecord, ancestors: Iterable[CompanyId] = ()) -> None:
        """Take an order's total out of its buckets again (before it changes status)."""
        if order.counts_against_budgets:
            self._apply(order, ancestors, -order.total.amount)

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

    def _apply(self, order: OrderRecord, ancestors: Iterable[CompanyId], amount: Decimal) -> None:
        zone = self._zones.get(order.company_id, "UTC")
        day = local_day(order.placed_at, zone)
        currency = str(order.total.currency.code)
        for key in self.keys_for(order, ancestors):
            self._buckets[key][day][currency, order.is_pending] += amount
