"""How often a customer usually orders, and whether they have stopped.

A company's **usual interval** is the median time between its consecutive
placed orders (the median, so one long holiday or one rush week does not
move it). A company has **lapsed** when the time since its last order is
more than ``factor`` times its usual interval; exactly ``factor`` times is
not lapsed yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING

from attrs import frozen

from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["MIN_ORDERS", "OrderRhythm", "checked_factor", "checked_min_orders", "rhythm_of"]

MIN_ORDERS = 3
"""The fewest placed orders that show a rhythm (two intervals)."""


@frozen(kw_only=True)
class OrderRhythm:
    """How often a company orders.

    Attributes:
        orders: How many placed orders it was computed from.
        last_order_at: When the latest was placed.
        usual_interval: The median time between consecutive orders.
    """

    orders: int
    last_order_at: datetime
    usual_interval: timedelta

    def silent_for(self, now: datetime) -> timedelta:
        """Return the time since the last order."""
        return now - self.last_order_at

    def lapsed(self, now: datetime, factor: Decimal | int) -> bool:
        """Tell whether no order came within ``factor`` times the usual interval.

        Args:
            now: The moment of the check.
            factor: How many usual intervals of silence count as stopped, more than 0.

        Raises:
            ValidationError: ``factor`` is not a positive number.
        """
        checked_factor(factor)
        waited = Decimal(self.silent_for(now) // timedelta(microseconds=1))
        usual = Decimal(self.usual_interval // timedelta(microseconds=1))
        return waited > usual * Decimal(factor)


def rhythm_of(placed_at: Iterable[datetime], *, min_orders: int = MIN_ORDERS) -> OrderRhythm | None:
    """Return the rhythm of orders placed at these instants, or ``None`` with too few.

    Args:
        placed_at: When each placed order was placed, in any order.
        min_orders: The fewest orders that make a rhythm (at least 2).

    Raises:
        ValidationError: ``min_orders`` is less than 2.
    """
    checked_min_orders(min_orders)
    moments = sorted(placed_at)
    if len(moments) < min_orders:
        return None
    gaps = sorted(later - earlier for earlier, later in pairwise(moments))
    middle = len(gaps) // 2
    usual = gaps[middle] if len(gaps) % 2 else (gaps[middle - 1] + gaps[middle]) / 2
    if usual <= timedelta(0):
        return None
    return OrderRhythm(orders=len(moments), last_order_at=moments[-1], usual_interval=usual)


def checked_factor(factor: Decimal | int) -> Decimal | int:
    """Return ``factor`` if it is a finite number of usual intervals, more than 0.

    Raises:
        ValidationError: It is not an int or a Decimal, not finite, or not more than 0.
    """
    value: object = factor
    if (
        isinstance(value, bool)
        or not isinstance(value, Decimal | int)
        or (isinstance(value, Decimal) and not value.is_finite())
        or value <= 0
    ):
        raise ValidationError(
            f"must be a finite number of intervals more than 0 (an int or a Decimal), "
            f"got {factor!r}",
            field="factor",
        )
    return factor


def checked_min_orders(min_orders: int) -> int:
    """Return ``min_orders`` if it is a whole number of at least 2 (one interval needs two orders).

    Raises:
        ValidationError: It is not.
    """
    fewest: object = min_orders
    if isinstance(fewest, bool) or not isinstance(fewest, int) or fewest < 2:  # noqa: PLR2004  (one interval needs two orders)
        raise ValidationError(
            f"must be a whole number >= 2, got {min_orders!r}", field="min_orders"
        )
    return min_orders
