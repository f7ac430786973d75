"""Where each order's spend is booked, and the spend of a key in a window.

An ERP knows the order history, but not the library's daily spend buckets.
So when an order is recorded the adapter writes the order's
`SpendPosting` beside it (an
`OrderPosting` row): the spend keys the order counts for (with the
subtrees of the company's ancestors *as the tree stands then*) and its local
day (in the company's time zone *then*), as the library works them out.
Spend is the orders' totals summed over their postings, counted by their
current status: a cancelled order counts no more, a pending one counts only
when asked to. So a status change moves exactly
the spend that was booked, even after the company moved in the tree.

The sum scans the postings, which is plain and fast enough for an export of
some thousands of orders. A real ERP adapter would ask the ERP for daily
totals per key instead, as the memory and SQL stores keep them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from attrs import frozen

from b2b_customers.ids import OrderId
from b2b_customers.limits import DecisionRecord, SpendPosting

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from b2b_customers.domain.order import OrderRecord
    from b2b_customers.limits import SpendKey, Window

__all__ = ["OrderPosting", "spent_in"]


@frozen(kw_only=True)
class OrderPosting:
    """Where one order's spend is booked, fixed when the order is recorded.

    Attributes:
        order_id: The order.
        posting: Its keys, local day and currency, as the library worked them out.
        decision: What the order was decided on, when the service recorded it.
    """

    order_id: OrderId
    posting: SpendPosting
    decision: DecisionRecord | None = None


def spent_in(
    orders: Iterable[OrderRecord],
    postings: Mapping[str, OrderPosting],
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
        posting = postings[order.id].posting
        if key in posting.keys and window.first_day <= posting.day <= window.last_day:
            currency = str(order.total.currency.code)
            totals[currency] = totals.get(currency, Decimal(0)) + order.total.amount
    return {currency: amount for currency, amount in totals.items() if amount}
