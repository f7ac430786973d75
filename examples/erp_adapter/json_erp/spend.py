"""Where each order's spend is booked, and the spend of a key in a window.

An ERP knows the order history, but not the library's daily spend buckets.
So when an order is recorded the adapter writes a :class:`SpendPosting`
beside it: the spend keys the order counts for (with the subtrees of the
company's ancestors *as the tree stands then*) and its local day (in the
company's time zone *then*). Spend is the orders' totals summed over their
postings, counted by their current status: a cancelled order counts no more,
a pending one counts only when asked to. So a status change moves exactly
the spend that was booked, even after the company moved in the tree.

The sum scans the postings, which is plain and fast enough for an export of
some thousands of orders. A real ERP adapter would ask the ERP for daily
totals per key instead, as the memory and SQL stores keep them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from attrs import frozen

from b2b_customers.ids import OrderId
from b2b_customers.limits import SpendKey, SpendTotals, local_day

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from b2b_customers.domain.order import OrderRecord
    from b2b_customers.ids import CompanyId
    from b2b_customers.limits import Window

__all__ = ["SpendPosting", "posting_for", "spent_in"]

# keys_for reads no state of the totals: one instance lists the keys of any order.
_KEYS = SpendTotals()


@frozen(kw_only=True)
class SpendPosting:
    """Where an order's spend is booked, fixed when the order is recorded.

    Attributes:
        order_id: The order.
        keys: Every spend key the order counts for.
        day: The order's local day in its company's time zone.
    """

    order_id: OrderId
    keys: tuple[SpendKey, ...]
    day: date


def posting_for(order: OrderRecord, ancestors: Iterable[CompanyId], time_zone: str) -> SpendPosting:
    """Return where ``order`` is booked, for a company with these ancestors and time zone."""
    return SpendPosting(
        order_id=order.id,
        keys=tuple(_KEYS.keys_for(order, ancestors)),
        day=local_day(order.placed_at, time_zone),
    )


def spent_in(
    orders: Iterable[OrderRecord],
    postings: Mapping[str, SpendPosting],
    key: SpendKey,
    window: Window,
    *,
    include_pending: bool,
) -> dict[str, Decimal]:
    """Return the spend per currency of ``key`` in ``window``, zero sums left out.

    Args:
        orders: The order history.
        postings: Where each order of the history is booked, by order id.
        key: Whose spend.
        window: The budget period.
        include_pending: Count orders pending approval too.
    """
    totals: dict[str, Decimal] = {}
    for order in orders:
        if not order.counts_against_budgets or (order.is_pending and not include_pending):
            continue
        posting = postings[order.id]
        if key in posting.keys and window.first_day <= posting.day <= window.last_day:
            currency = str(order.total.currency.code)
            totals[currency] = totals.get(currency, Decimal(0)) + order.total.amount
    return {currency: amount for currency, amount in totals.items() if amount}
