"""The order history, in ``orders.json``, with where each order's spend is booked.

Recording an order also writes its `OrderPosting` to
``spend_postings.json`` (see `json_erp.spend`). Only an order's status
may change afterwards, so its posting never does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from b2b_customers import queries
from b2b_customers.domain.order import OrderRecord
from b2b_customers.errors import ValidationError
from b2b_customers.limits import DecisionRecord, SpendPosting
from b2b_customers.ports import OrderQuery, Page
from json_erp.repository import Repository
from json_erp.spend import OrderPosting, spent_in

if TYPE_CHECKING:
    from collections.abc import Iterable
    from decimal import Decimal

    from b2b_customers.ids import OrderId
    from b2b_customers.limits import SpendKey, Window
    from json_erp.table import Table
    from json_erp.workspace import Workspace

__all__ = ["JsonOrderRepository"]

# What a saved copy may change; everything else must be as stored.
_MAY_CHANGE = frozenset({"status", "version", "created_at", "updated_at"})


class JsonOrderRepository(Repository[OrderRecord]):
    """The order history and its spend. Implements `OrderRepository`.

    A status change may go any way; the services decide which transitions are allowed.

    Args:
        work: The unit of work's workspace.
        table: The orders.
        postings: Where each order's spend is booked, by order id.
    """

    entity = "OrderRecord"

    def __init__(
        self, work: Workspace, table: Table[OrderRecord], postings: Table[OrderPosting]
    ) -> None:
        super().__init__(work, table)
        self._postings = postings

    def add(
        self,
        order: OrderRecord,
        *,
        posting: SpendPosting | None = None,
        decision: DecisionRecord | None = None,
    ) -> OrderRecord:
        """Record an order (placed or pending approval); return the stored copy.

        ``decision`` (what the order was decided on) is kept with its posting.

        Its spend is booked as ``posting`` says; without one, as
        `SpendPosting.of` works it
        out from the tree and the company's time zone as they stand now.

        Raises:
            AlreadyExists: The id is taken.
            ValidationError: The company or buyer does not exist.
        """
        if decision is not None and not isinstance(decision, DecisionRecord):
            raise ValidationError(
                f"expected a DecisionRecord, got {type(decision).__name__}", field="decision"
            )
        with self._work.write():
            stored = self._insert(order)
            if posting is None:
                company = self._work.companies.rows[stored.company_id]
                posting = SpendPosting.of(
                    stored,
                    time_zone=company.time_zone,
                    ancestors=self._work.tree().ancestors(stored.company_id),
                )
            self._postings.put(OrderPosting(order_id=stored.id, posting=posting, decision=decision))
            return stored

    def add_many(self, orders: Iterable[OrderRecord]) -> list[OrderRecord]:
        """Record many orders at once (a bulk import of history), all or none.

        Raises:
            AlreadyExists: An id is taken (or given twice).
            ValidationError: A company or buyer does not exist.
        """
        with self._work.write():
            return [self.add(order) for order in orders]

    def save(self, order: OrderRecord) -> OrderRecord:
        """Store a status change (pending to placed, or cancelled); spend moves with it.

        Raises:
            NotFound: No order has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: Anything but the status (and version) changed.
        """
        return self._update(order)

    def get(self, order_id: OrderId) -> OrderRecord:
        """Return the order with ``order_id``.

        Raises:
            NotFound: No order has this id.
        """
        return self._find(order_id)

    def decision_of(self, order_id: OrderId) -> DecisionRecord | None:
        """Return the decision recorded with the order (``None``: recorded without one).

        Raises:
            NotFound: No order has this id.
        """
        self._find(order_id)
        posting = self._postings.rows.get(order_id)
        return None if posting is None else posting.decision

    def history(self, query: OrderQuery | None = None) -> Page[OrderRecord]:
        """Return one page of the orders matching ``query`` (default: all, newest first).

        ``include_subtree`` takes the subsidiaries as the tree stands now.
        Sorting by total compares amounts only, whatever their currency.
        """
        query = query if query is not None else OrderQuery()
        companies = None
        if query.company_id is not None:
            below = self._work.tree().descendants(query.company_id)
            companies = {query.company_id, *(below if query.include_subtree else ())}
        return queries.select(query, self._table, companies)

    def spent(
        self, key: SpendKey, window: Window, *, include_pending: bool = True
    ) -> dict[str, Decimal]:
        """Return the spend per currency code of ``key`` in ``window`` (empty when none).

        Args:
            key: Whose spend.
            window: The budget period.
            include_pending: Count orders pending approval too (the default).
        """
        return spent_in(
            self._table, self._postings.rows, key, window, include_pending=include_pending
        )

    def _check_references(self, row: OrderRecord) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of order {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
        if not self._work.customer_exists(row.buyer_id):
            raise ValidationError(
                f"buyer {row.buyer_id!r} of order {row.id!r} does not exist; "
                "store the customer first",
                field="buyer_id",
            )

    def _check_change(self, stored: OrderRecord, changed: OrderRecord) -> None:
        for attribute in attrs.fields(OrderRecord):
            name = attribute.name
            if name not in _MAY_CHANGE and getattr(changed, name) != getattr(stored, name):
                raise ValidationError(
                    f"order {stored.id!r} may change its status only, not {name}; "
                    "record a new order instead",
                    field=name,
                )
