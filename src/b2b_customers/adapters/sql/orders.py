"""The order history and its daily spend buckets in SQL.

Recording an order books its total into ``spend_buckets`` as its
[`SpendPosting`][b2b_customers.limits.SpendPosting] says: per key the order
counts for, per local day in the ordering company's time zone, per currency,
with orders pending approval apart. The posting is kept with the order, so a
later status change moves exactly that spend, even after the company moved
in the tree or changed time zone. The order service passes the posting it
worked out from what it loaded: then `SqlOrderRepository.add` is two
statements, the order's ``INSERT`` and the buckets' upsert, and the foreign
keys check the company and buyer.

Bucket amounts are exact decimals, added to in the upsert, so concurrent
orders never lose an update: ``amount = amount + excluded.amount`` on
PostgreSQL; on SQLite, which keeps them as text, through the exact decimal
addition every connection of the store has
(`DECIMAL_ADD`). [`spent`][b2b_customers.adapters.memory.MemoryOrderRepository.spent]
reads the buckets of the window's days, one indexed range of the buckets'
primary key: the history is never scanned.

`add_many` imports history in bulk: the references are checked with
one query per thousands of orders, the rows go to the database in
``executemany`` batches, and the spend is summed in Python per bucket
(key, day, currency, pending) and upserted once per bucket. `add` is
the same path with one order.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import attrs
from sqlalchemy import Text, bindparam, cast, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.functions import Function

from b2b_customers.adapters.sql.engines import DECIMAL_ADD
from b2b_customers.adapters.sql.mapping import (
    ORDER_COLUMNS,
    Decoder,
    Stamp,
    amount_key,
    decimal_amount,
    decode,
    encode,
    json_value,
    order_values,
    stored_time,
    utc,
)
from b2b_customers.adapters.sql.queries import (
    chunked,
    data_text,
    existing,
    insert_rows,
    lookup,
    page,
    parents_of,
    paused_gc,
    sort_order,
    stale,
    subtree_ids,
)
from b2b_customers.adapters.sql.tables import companies, customers, orders, spend_buckets
from b2b_customers.domain import MAX_DEPTH
from b2b_customers.domain.order import OrderRecord, OrderStatus
from b2b_customers.errors import AlreadyExists, B2BError, DamagedRow, NotFound, ValidationError
from b2b_customers.limits.decision_record import DecisionRecord
from b2b_customers.limits.periods import CalendarPeriod, window_of
from b2b_customers.limits.spend import Bucket, SpendKey, SpendPosting, spend_keys
from b2b_customers.ports import OrderQuery, OrderSort, Page

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy import ColumnElement, Connection
    from sqlalchemy.sql.dml import Update

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import CompanyId, OrderId
    from b2b_customers.limits.periods import Window

__all__ = ["SqlOrderRepository", "amount_key"]

_ZERO = Decimal(0)
_ROWS_PER_BATCH = 10_000  # orders per executemany
# What a saved copy may change; everything else must be as stored.
_MAY_CHANGE = frozenset({"status", "version", "created_at", "updated_at"})
_SORT_COLUMNS: dict[OrderSort, Sequence[ColumnElement[Any]]] = {
    OrderSort.PLACED_AT: (orders.c.placed_at, orders.c.id),
    OrderSort.TOTAL: (orders.c.total_key, orders.c.id),
    OrderSort.ID: (orders.c.id,),
}
_BUCKET_KEY = ("kind", "company_id", "other_id", "day", "currency", "pending")
_DECODE: Final = Decoder(0)  # orders are read once, not again and again: remember none

# -- statements, built once

_DATA = data_text(orders)
_GET = select(_DATA).where(orders.c.id == bindparam("id"))
_FOR_SAVE = select(orders.c.version, orders.c.created_at, orders.c.posting, _DATA).where(
    orders.c.id == bindparam("id")
)
_COMPANY_DATA = data_text(companies)
_DECISION = select(cast(orders.c.decision, Text())).where(orders.c.id == bindparam("id"))


def _saving(data: ColumnElement[Any]) -> Update:
    return (
        update(orders)
        .where(orders.c.id == bindparam("order_id"), orders.c.version == bindparam("expected"))
        .values(
            version=bindparam("new_version"),
            updated_at=bindparam("updated", type_=orders.c.updated_at.type),
            status=bindparam("new_status"),
            data=data,
        )
    )


_SAVE_TEXT = bindparam("data_json", type_=Text())
_SAVE = {False: _saving(_SAVE_TEXT), True: _saving(cast(_SAVE_TEXT, postgresql.JSONB()))}

_bucket = spend_buckets.c
_IN_WINDOW = (
    _bucket.kind == bindparam("kind"),
    _bucket.company_id == bindparam("company"),
    _bucket.other_id == bindparam("other"),
    _bucket.day >= bindparam("first"),
    _bucket.day <= bindparam("last"),
)
_PLACED_ONLY = _bucket.pending.is_(False)
# SQLite keeps amounts as text: the rows are summed in Python. PostgreSQL sums per currency.
_SPENT = {
    (False, True): select(_bucket.currency, _bucket.amount, _bucket.amount).where(*_IN_WINDOW),
    (False, False): select(_bucket.currency, _bucket.amount, _bucket.amount).where(
        *_IN_WINDOW, _PLACED_ONLY
    ),
    (True, True): select(_bucket.currency, func.sum(_bucket.amount), func.min(_bucket.amount))
    .where(*_IN_WINDOW)
    .group_by(_bucket.currency),
    (True, False): select(_bucket.currency, func.sum(_bucket.amount), func.min(_bucket.amount))
    .where(*_IN_WINDOW, _PLACED_ONLY)
    .group_by(_bucket.currency),
}
"""``(postgres, include_pending)`` -> the range of one key's buckets over the window's days.

Each row is (currency, amount, smallest bucket): PostgreSQL sums in SQL, so
its smallest bucket is selected too, to catch a damaged (negative) one
hidden in the sum; SQLite sums the rows in Python, each checked.
"""

_postgres_upsert = postgresql.insert(spend_buckets)
_sqlite_upsert = sqlite.insert(spend_buckets)
_BOOK = {
    True: _postgres_upsert.on_conflict_do_update(
        index_elements=list(_BUCKET_KEY),
        set_={"amount": _bucket.amount + _postgres_upsert.excluded.amount},
    ),
    False: _sqlite_upsert.on_conflict_do_update(
        index_elements=list(_BUCKET_KEY),
        set_={
            "amount": Function(
                DECIMAL_ADD, _bucket.amount, _sqlite_upsert.excluded.amount, type_=Text()
            )
        },
    ),
}
"""``postgres`` -> add each row's amount to its bucket (made when missing), exactly."""


class SqlOrderRepository:
    """The order history and its daily spend buckets, in SQL.

    Implements [`OrderRepository`][b2b_customers.ports.OrderRepository] (and so
    [`SpendLookup`][b2b_customers.limits.SpendLookup]). A status change may go
    any way; the services decide which transitions are allowed.

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        order: OrderRecord,
        *,
        posting: SpendPosting | None = None,
        decision: DecisionRecord | None = None,
    ) -> OrderRecord:
        """Record an order (placed or pending approval); return the stored copy.

        Its total is booked as ``posting`` says; without one, the posting is
        worked out from the company's time zone and ancestors as they are now.
        ``decision`` goes into the order's row, in the same ``INSERT``.

        Raises:
            AlreadyExists: The id is taken.
            ValidationError: The company or buyer does not exist.
        """
        if decision is not None and not isinstance(decision, DecisionRecord):
            raise ValidationError(
                f"expected a DecisionRecord, got {type(decision).__name__}", field="decision"
            )
        decision_json = None if decision is None else encode(decision)
        if posting is None:
            return self._insert(
                [order], {} if decision_json is None else {order.id: decision_json}
            )[0]
        _require_orders([order])
        if not isinstance(posting, SpendPosting):
            raise ValidationError(
                f"expected a SpendPosting, got {type(posting).__name__}", field="posting"
            )
        session = self._session
        now = session.now()
        stamp = Stamp(1, now, now)
        stored = stamp.apply(order)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            found = lookup(connection, companies.c.id, companies.c.id, {order.company_id}, 1)
            buyers = existing(connection, customers.c.id, {order.buyer_id}, 1)
            return _missing_reference(order, found, buyers) or _taken(connection, [order], 1)

        raw = not session.postgres
        with session.write(explain) as connection:
            row = order_values(
                stored,
                stamp,
                _posting_json(posting),
                raw=raw,
                decision=decision_json,
            )
            insert_rows(connection, orders, ORDER_COLUMNS, [row], raw=raw)
            _book(connection, posting.amounts(stored), postgres=session.postgres)
        return stored

    def add_many(self, orders: Iterable[OrderRecord]) -> list[OrderRecord]:
        """Record many orders at once (a bulk import of history), all or none.

        The checks, errors and spend are those of `add`, for every order
        (the error is the first order's that fails); the rows go to the
        database in batches and each spend bucket is written once.

        Raises:
            AlreadyExists: An id is taken (or given twice).
            ValidationError: A company or buyer does not exist.
        """
        items = list(orders)
        with paused_gc(len(items)):
            return self._insert(items)

    def save(self, order: OrderRecord) -> OrderRecord:
        """Store a status change (pending to placed, or cancelled); spend moves with it.

        Raises:
            NotFound: No order has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: Anything but the status (and version) changed.
        """
        _require_orders([order])
        session = self._session
        now = session.now()
        with session.write() as connection:
            row = connection.execute(_FOR_SAVE, {"id": order.id}).first()
            if row is None:
                raise NotFound("OrderRecord", order.id)
            version, created_at, posting, data = row
            if version != order.version:
                raise stale("OrderRecord", order.id, version, order.version)
            before = _DECODE(OrderRecord, data)
            _check_change(before, order)
            stamp = Stamp(version + 1, stored_time(created_at), now)
            saved = stamp.apply(order)
            result = connection.execute(
                _SAVE[session.postgres],
                {
                    "order_id": order.id,
                    "expected": version,
                    "new_version": stamp.version,
                    "updated": stamp.updated_utc,
                    "new_status": saved.status.value,
                    "data_json": encode(saved),
                },
            )
            if result.rowcount != 1:
                raise stale("OrderRecord", order.id, version + 1, order.version)
            _book(
                connection,
                _posting_from(posting, order.id).moves(before, saved),
                postgres=session.postgres,
            )
        return saved

    def get(self, order_id: OrderId) -> OrderRecord:
        """Return the order with ``order_id``.

        Raises:
            NotFound: No order has this id.
        """
        with self._session.read() as connection:
            data = connection.execute(_GET, {"id": order_id}).scalar_one_or_none()
        if data is None:
            raise NotFound("OrderRecord", order_id)
        return _DECODE(OrderRecord, data)

    def decision_of(self, order_id: OrderId) -> DecisionRecord | None:
        """Return the decision recorded with the order (``None``: recorded without one).

        Raises:
            NotFound: No order has this id.
            DamagedRow: The stored decision is not a valid record.
        """
        with self._session.read() as connection:
            row = connection.execute(_DECISION, {"id": order_id}).first()
        if row is None:
            raise NotFound("OrderRecord", order_id)
        stored: str | None = row[0]  # NULL: recorded without a decision
        if stored is None:
            return None
        return decode(DecisionRecord, stored, table="orders", key=order_id)

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
                _DECODE,
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
        session = self._session
        parameters = {
            "kind": key.kind,
            "company": key.company_id,
            "other": key.other_id or "",
            "first": window.first_day,
            "last": window.last_day,
        }
        result: dict[str, Decimal] = {}
        with session.read() as connection:
            rows = connection.execute(_SPENT[session.postgres, bool(include_pending)], parameters)
            where = (key.kind, key.company_id, key.other_id)
            for currency, amount, smallest in rows:
                decimal_amount(smallest, table="spend_buckets", key=where, non_negative=True)
                total = decimal_amount(amount, table="spend_buckets", key=where)
                result[currency] = result.get(currency, _ZERO) + total
        return {currency: amount for currency, amount in result.items() if amount}

    def _insert(
        self, items: list[OrderRecord], decisions: dict[str, str] | None = None
    ) -> list[OrderRecord]:
        """Insert ``items`` (with the JSON of each one's decision, by id) and book their spend."""
        _require_orders(items)
        if not items:
            return []
        session = self._session
        now = session.now()
        stamp = Stamp(1, now, now)
        stored = [stamp.apply(order) for order in items]
        raw = not session.postgres
        sent = len(stored)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _taken(connection, stored[:sent], session.chunk_size)

        with session.write(explain) as connection:
            postings = _Postings(connection, stored, session.chunk_size)
            failure = postings.failure
            sent = failure[0] if failure is not None else len(stored)
            for chunk in chunked(stored[:sent] if failure is not None else stored, _ROWS_PER_BATCH):
                rows = [
                    order_values(
                        order,
                        stamp,
                        postings.post(order),
                        raw=raw,
                        decision=None if decisions is None else decisions.get(order.id),
                    )
                    for order in chunk
                ]
                insert_rows(connection, orders, ORDER_COLUMNS, rows, raw=raw)
            if failure is not None:
                raise failure[1]
            _book(connection, postings.buckets(), postgres=session.postgres)
        return stored


class _Postings:
    """Where a batch of orders is booked, and the spend it adds to each bucket.

    Looks up the companies (their time zones and ancestors) and buyers of
    the whole batch at once; `failure` is the first order (index and
    error) that names a company or buyer that does not exist.
    """

    def __init__(self, connection: Connection, items: list[OrderRecord], size: int) -> None:
        data = lookup(
            connection, companies.c.id, _COMPANY_DATA, {order.company_id for order in items}, size
        )
        buyers = existing(connection, customers.c.id, {order.buyer_id for order in items}, size)
        self.failure: tuple[int, ValidationError] | None = None
        for index, order in enumerate(items):
            problem = _missing_reference(order, data, buyers)
            if problem is not None:
                self.failure = (index, problem)
                break
        parent_of = parents_of(connection, set(data), size) if data else {}
        zones: dict[str, _LocalDays] = {}  # companies in one zone share its days
        self._days = {
            company: zones.setdefault(zone, _LocalDays(zone))
            for company, text in data.items()
            for zone in [str(json.loads(text)["time_zone"])]
        }
        self._ancestors = {company: _chain(company, parent_of) for company in data}
        # (company, buyer, location) -> the keys its orders count for (shared, made once)
        self._keys: dict[tuple[str, str, str | None], tuple[SpendKey, ...]] = {}
        self._sums: dict[Bucket, Decimal] = {}

    def post(self, order: OrderRecord) -> str:
        """Add the order's spend to its buckets; return its posting as JSON text."""
        company = order.company_id
        where = (company, order.buyer_id, order.location_id)
        keys = self._keys.get(where)
        if keys is None:
            keys = self._keys[where] = tuple(spend_keys(order, self._ancestors[company]))
        posting = SpendPosting(
            keys=keys,
            day=self._days[company].of(order.placed_at),
            currency=order.total.currency.code,
        )
        for bucket, amount in posting.amounts(order).items():
            self._sums[bucket] = self._sums.get(bucket, _ZERO) + amount
        return _posting_json(posting)

    def buckets(self) -> dict[Bucket, Decimal]:
        """Return the spend added to each bucket."""
        return self._sums


_ONE_DAY = CalendarPeriod(unit="day")
_INSTANT = timedelta(microseconds=1)


class _LocalDays:
    """The local days of instants in one time zone, for many orders.

    Each local day found is remembered as its window of instants, filed under
    the UTC dates it overlaps, so the orders of one day cost one window
    ([`window_of`][b2b_customers.limits.window_of]) between them. An
    instant lies in a day's window exactly when that is its local day.
    """

    __slots__ = ("_windows", "_zone")

    def __init__(self, time_zone: str) -> None:
        self._zone = time_zone
        self._windows: dict[date, list[tuple[datetime, datetime, date]]] = {}

    def of(self, instant: datetime) -> date:
        """Return the local day of an aware ``instant``."""
        moment = instant if instant.tzinfo is UTC else instant.astimezone(UTC)
        for start, end, day in self._windows.get(moment.date(), ()):
            if start <= moment < end:
                return day
        window = window_of(_ONE_DAY, moment, time_zone=self._zone)
        start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
        filed = (start, end, window.first_day)
        utc_day, last = start.date(), (end - _INSTANT).date()
        while utc_day <= last:
            self._windows.setdefault(utc_day, []).append(filed)
            utc_day += timedelta(days=1)
        return window.first_day


def _chain(company_id: str, parent_of: dict[str, Any]) -> list[CompanyId]:
    """Return the ancestors of a company, nearest first, from ``{id: parent_id}``."""
    found: list[CompanyId] = []
    current = parent_of.get(company_id)
    while current is not None and len(found) <= MAX_DEPTH:
        found.append(current)
        current = parent_of.get(current)
    return found


def _posting_json(posting: SpendPosting) -> str:
    """Return the posting as stored in ``orders.posting``: keys as triples, day, currency."""
    keys = [[key.kind, key.company_id, key.other_id] for key in posting.keys]
    return json.dumps(
        {"keys": keys, "day": posting.day.isoformat(), "currency": posting.currency},
        separators=(",", ":"),
    )


def _posting_from(stored: Any, order_id: str) -> SpendPosting:  # noqa: ANN401  (JSON as read)
    """Read an order's posting column back.

    Raises:
        DamagedRow: It is not a posting the library wrote.
    """
    data = json_value(stored, table="orders", key=order_id, field="posting")
    try:
        return SpendPosting(
            keys=tuple(SpendKey(kind, company, other) for kind, company, other in data["keys"]),
            day=date.fromisoformat(data["day"]),
            currency=str(data["currency"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise DamagedRow(
            "orders", order_id, f"not a spend posting ({error!r:.80})", field="posting"
        ) from None


def _book(connection: Connection, buckets: dict[Bucket, Decimal], *, postgres: bool) -> None:
    """Add each amount to its bucket, in batches of one upsert each."""
    rows = [
        {
            "kind": key.kind,
            "company_id": key.company_id,
            "other_id": key.other_id or "",
            "day": day,
            "currency": currency,
            "pending": pending,
            "amount": amount if postgres else str(amount),
        }
        for (key, day, currency, pending), amount in sorted(
            buckets.items(), key=_bucket_order
        )  # one order of locks for every writer
        if amount
    ]
    for chunk in chunked(rows, _ROWS_PER_BATCH):
        connection.execute(_BOOK[postgres], chunk)


def _bucket_order(item: tuple[Bucket, Decimal]) -> tuple[str, str, str, date, str, bool]:
    (key, day, currency, pending), _ = item
    return (key.kind, key.company_id, key.other_id or "", day, currency, pending)


def _require_orders(items: Sequence[object]) -> None:
    for item in items:
        if not isinstance(item, OrderRecord):
            raise ValidationError(f"expected an OrderRecord, got {type(item).__name__} {item!r}")


def _missing_reference(
    order: OrderRecord, companies_found: dict[Any, Any], buyers: set[Any]
) -> ValidationError | None:
    if order.company_id not in companies_found:
        return ValidationError(
            f"company {order.company_id!r} of order {order.id!r} does not exist; "
            "store the company first",
            field="company_id",
        )
    if order.buyer_id not in buyers:
        return ValidationError(
            f"buyer {order.buyer_id!r} of order {order.id!r} does not exist; "
            "store the customer first",
            field="buyer_id",
        )
    return None


def _taken(connection: Connection, items: list[OrderRecord], size: int) -> B2BError | None:
    """Name the first order whose id is stored already, or given twice in the batch."""
    stored = existing(connection, orders.c.id, {order.id for order in items}, size)
    seen: set[str] = set()
    for order in items:
        if order.id in stored or order.id in seen:
            return AlreadyExists(
                f"a OrderRecord with id {order.id!r} exists already; choose another id, "
                "or load and save the stored one"
            )
        seen.add(order.id)
    return None


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
