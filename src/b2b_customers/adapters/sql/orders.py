"""The order history and its daily spend buckets in SQL.

Recording an order books its total into ``spend_buckets``: per
:class:`~b2b_customers.limits.spend.SpendKey` the order counts for, per local
day in the ordering company's time zone, per currency, with orders pending
approval apart. Where an order was booked (its keys, with the subtrees of the
company's ancestors at the time, its local day and currency) is kept with
the order as its ``posting``, so a later status change moves exactly that
spend, even after the company moved in the tree or changed time zone.

Bucket amounts are exact decimals: PostgreSQL adds to them in the upsert
(``amount = amount + excluded.amount``), so concurrent orders never lose an
update; SQLite keeps them as text and adds in Python, which is safe because
an SQLite writer holds the database's write lock. :meth:`spent` reads the
buckets of the window's days: the history is never scanned.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from b2b_customers.adapters.sql.mapping import (
    bookkeeping,
    converter,
    load,
    stamped,
    stored_time,
    utc,
)
from b2b_customers.adapters.sql.queries import (
    ancestor_ids,
    page,
    sort_order,
    stale,
    subtree_ids,
)
from b2b_customers.adapters.sql.tables import companies, customers, orders, spend_buckets
from b2b_customers.domain.order import OrderRecord, OrderStatus
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError
from b2b_customers.limits.periods import local_day
from b2b_customers.limits.spend import SpendKey, SpendTotals
from b2b_customers.ports import OrderQuery, OrderSort, Page

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import ColumnElement, Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import OrderId
    from b2b_customers.limits.periods import Window

__all__ = ["SqlOrderRepository", "amount_key"]

_KEYS = SpendTotals()  # keys_for reads no state: one instance lists the keys of every order
_AMOUNT_DIGITS = 40
# What a saved copy may change; everything else must be as stored.
_MAY_CHANGE = frozenset({"status", "version", "created_at", "updated_at"})
_SORT_COLUMNS: dict[OrderSort, Sequence[ColumnElement[Any]]] = {
    OrderSort.PLACED_AT: (orders.c.placed_at, orders.c.id),
    OrderSort.TOTAL: (orders.c.total_key, orders.c.id),
    OrderSort.ID: (orders.c.id,),
}
_BUCKET_KEY = ("kind", "company_id", "other_id", "day", "currency", "pending")


def amount_key(amount: Decimal) -> str:
    """Return text that sorts as the (non-negative) ``amount`` does, equal for equal amounts.

    ``Decimal("2.50")`` and ``Decimal("2.5")`` give the same key; ``10`` sorts
    after ``9.99``.
    """
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    return f"{whole.zfill(_AMOUNT_DIGITS)}.{fraction.rstrip('0')}"


def _order_row(order: OrderRecord, posting: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": order.id,
        **bookkeeping(order),
        "company_id": order.company_id,
        "buyer_id": order.buyer_id,
        "location_id": order.location_id,
        "status": order.status.value,
        "placed_at": utc(order.placed_at),
        "total_key": amount_key(order.total.amount),
        "posting": posting,
        "data": converter().unstructure(order),
    }


class SqlOrderRepository:
    """The order history and its daily spend buckets, in SQL.

    Implements :class:`~b2b_customers.ports.OrderRepository` (and so
    :class:`~b2b_customers.limits.spend.SpendLookup`). A status change may go
    any way; the services decide which transitions are allowed.

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, order: OrderRecord) -> OrderRecord:
        """Record an order (placed or pending approval); return the stored copy.

        Its total is booked for the company, the subtree of the company and of
        each of its ancestors (as the tree stands now), the buyer and the
        location, on its local day in the company's time zone.

        Raises:
            AlreadyExists: The id is taken.
            ValidationError: The company or buyer does not exist.
        """
        _require_order(order)
        now = self._session.now()
        stored = stamped(order, version=1, created_at=now, updated_at=now)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            taken = connection.execute(select(orders.c.id).where(orders.c.id == order.id)).first()
            if taken is None:
                return None
            return AlreadyExists(
                f"a OrderRecord with id {order.id!r} exists already; choose another id, "
                "or load and save the stored one"
            )

        with self._session.write(explain) as connection:
            time_zone = _check_references(connection, order)
            posting = {
                "keys": [
                    [key.kind, key.company_id, key.other_id]
                    for key in _KEYS.keys_for(order, ancestor_ids(connection, order.company_id))
                ],
                "day": local_day(order.placed_at, time_zone).isoformat(),
                "currency": str(order.total.currency.code),
            }
            connection.execute(orders.insert(), [_order_row(stored, posting)])
            self._book(connection, posting, stored, Decimal(1))
        return stored

    def save(self, order: OrderRecord) -> OrderRecord:
        """Store a status change (pending to placed, or cancelled); spend moves with it.

        Raises:
            NotFound: No order has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: Anything but the status (and version) changed.
        """
        _require_order(order)
        now = self._session.now()
        with self._session.write() as connection:
            row = connection.execute(
                select(
                    orders.c.version, orders.c.created_at, orders.c.posting, orders.c.data
                ).where(orders.c.id == order.id)
            ).first()
            if row is None:
                raise NotFound("OrderRecord", order.id)
            version, created_at, posting, data = row
            if version != order.version:
                raise stale("OrderRecord", order.id, version, order.version)
            before = load(OrderRecord, data)
            _check_change(before, order)
            saved = stamped(
                order, version=version + 1, created_at=stored_time(created_at), updated_at=now
            )
            posting = json.loads(posting) if isinstance(posting, str) else posting
            values = _order_row(saved, posting)
            del values["id"]
            result = connection.execute(
                update(orders)
                .where(orders.c.id == order.id, orders.c.version == version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise stale("OrderRecord", order.id, version + 1, order.version)
            self._book(connection, posting, before, Decimal(-1))
            self._book(connection, posting, saved, Decimal(1))
        return saved

    def get(self, order_id: OrderId) -> OrderRecord:
        """Return the order with ``order_id``.

        Raises:
            NotFound: No order has this id.
        """
        with self._session.read() as connection:
            data = connection.execute(
                select(orders.c.data).where(orders.c.id == order_id)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("OrderRecord", order_id)
        return load(OrderRecord, data)

    def history(self, query: OrderQuery | None = None) -> Page[OrderRecord]:
        """Return one page of the orders matching ``query`` (default: all, newest first).

        ``include_subtree`` takes the subsidiaries as the tree stands now.
        Sorting by total compares amounts only, whatever their currency.
        """
        query = query if query is not None else OrderQuery()
        order = sort_order(_SORT_COLUMNS[OrderSort(query.sort)], descending=query.descending)
        with self._session.read() as connection:
            return page(
                connection,
                OrderRecord,
                orders,
                conditions=_conditions(query),
                order_by=order,
                offset=query.offset,
                limit=query.limit,
            )

    def spent(
        self, key: SpendKey, window: Window, *, include_pending: bool = True
    ) -> dict[str, Decimal]:
        """Return the spend per currency code of ``key`` in ``window`` (empty when none).

        One indexed range of daily buckets, whatever the length of the history.

        Args:
            key: Whose spend.
            window: The budget period.
            include_pending: Count orders pending approval too (the default).
        """
        bucket = spend_buckets.c
        conditions: list[ColumnElement[bool]] = [
            bucket.kind == key.kind,
            bucket.company_id == key.company_id,
            bucket.other_id == (key.other_id or ""),
            bucket.day >= window.first_day,
            bucket.day <= window.last_day,
        ]
        if not include_pending:
            conditions.append(bucket.pending.is_(False))
        with self._session.read() as connection:
            rows = connection.execute(select(bucket.currency, bucket.amount).where(*conditions))
            result: dict[str, Decimal] = {}
            for currency, amount in rows:
                result[currency] = result.get(currency, Decimal(0)) + Decimal(amount)
        return {currency: amount for currency, amount in result.items() if amount}

    def _book(
        self, connection: Connection, posting: dict[str, Any], order: OrderRecord, sign: Decimal
    ) -> None:
        """Add ``sign`` times the order's total to the buckets of its posting (if it counts)."""
        if not order.counts_against_budgets:
            return
        amount = sign * order.total.amount
        day = date.fromisoformat(posting["day"])
        rows = [
            {
                "kind": kind,
                "company_id": company_id,
                "other_id": other_id or "",
                "day": day,
                "currency": posting["currency"],
                "pending": order.is_pending,
                "amount": amount,
            }
            for kind, company_id, other_id in posting["keys"]
        ]
        if self._session.postgres:
            upsert = postgresql.insert(spend_buckets)
            connection.execute(
                upsert.on_conflict_do_update(
                    index_elements=list(_BUCKET_KEY),
                    set_={"amount": spend_buckets.c.amount + upsert.excluded.amount},
                ),
                rows,
            )
            return
        # SQLite: the write lock is held, so read, add and write back is safe.
        for row in rows:
            current = connection.execute(
                select(spend_buckets.c.amount).where(
                    *(spend_buckets.c[name] == row[name] for name in _BUCKET_KEY)
                )
            ).scalar_one_or_none()
            row["amount"] = str(row["amount"] + (Decimal(current) if current else 0))
        statement = sqlite.insert(spend_buckets)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=list(_BUCKET_KEY), set_={"amount": statement.excluded.amount}
            ),
            rows,
        )


def _require_order(order: object) -> None:
    if not isinstance(order, OrderRecord):
        raise ValidationError(f"expected an OrderRecord, got {type(order).__name__} {order!r}")


def _check_references(connection: Connection, order: OrderRecord) -> str:
    """Refuse an order of a missing company or buyer; return the company's time zone."""
    data = connection.execute(
        select(companies.c.data).where(companies.c.id == order.company_id)
    ).scalar_one_or_none()
    if data is None:
        raise ValidationError(
            f"company {order.company_id!r} of order {order.id!r} does not exist; "
            "store the company first",
            field="company_id",
        )
    buyer = connection.execute(select(customers.c.id).where(customers.c.id == order.buyer_id))
    if buyer.first() is None:
        raise ValidationError(
            f"buyer {order.buyer_id!r} of order {order.id!r} does not exist; "
            "store the customer first",
            field="buyer_id",
        )
    fields = json.loads(data) if isinstance(data, str) else data
    return str(fields["time_zone"])


def _check_change(stored: OrderRecord, changed: OrderRecord) -> None:
    for attribute in attrs.fields(OrderRecord):
        name = attribute.name
        if name not in _MAY_CHANGE and getattr(changed, name) != getattr(stored, name):
            raise ValidationError(
                f"order {stored.id!r} may change its status only, not {name}; "
                "record a new order instead",
                field=name,
            )


def _conditions(query: OrderQuery) -> list[ColumnElement[bool]]:
    column = orders.c
    conditions: list[ColumnElement[bool]] = []
    if query.company_id is not None:
        conditions.append(
            column.company_id.in_(subtree_ids(query.company_id))
            if query.include_subtree
            else column.company_id == query.company_id
        )
    if query.buyer_id is not None:
        conditions.append(column.buyer_id == query.buyer_id)
    if query.location_id is not None:
        conditions.append(column.location_id == query.location_id)
    if query.status is not None:
        conditions.append(column.status == OrderStatus(query.status).value)
    if query.placed_from is not None:
        conditions.append(column.placed_at >= utc(query.placed_from))
    if query.placed_before is not None:
        conditions.append(column.placed_at < utc(query.placed_before))
    return conditions
