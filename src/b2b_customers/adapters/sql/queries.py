"""Query building blocks the repositories share: look-ups in chunks, the tree, pages.

The company tree is walked with recursive common table expressions, up
(`ancestor_rows`, `parents_of`) or down (`descendant_rows`,
`subtree_ids`), each bounded by [`MAX_DEPTH`][b2b_customers.domain.MAX_DEPTH]
so that even damaged data cannot make a query run forever.

Statements that run again and again are built once, at import, with bound
parameters (``bindparam``; ``expanding`` ones for ``IN`` lists): building a
SQLAlchemy statement costs far more than running a cached one, and a
statement built once keeps its cache key, so the engine's compiled cache
finds its SQL at once. ``data`` columns are read as JSON text
(`DATA_TEXT`), for the store's `Decoder`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    CTE,
    JSON,
    BindParameter,
    Select,
    Text,
    bindparam,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB

from b2b_customers.adapters.sql.tables import companies
from b2b_customers.domain import MAX_DEPTH
from b2b_customers.domain.hierarchy import too_deep
from b2b_customers.errors import StaleVersion
from b2b_customers.ids import CompanyId
from b2b_customers.ports import Page

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Sequence

    from sqlalchemy import ColumnElement, Connection, Dialect, Table
    from sqlalchemy.sql.elements import UnaryExpression

    from b2b_customers.adapters.sql.mapping import Decoder

__all__ = [
    "ANCESTOR_IDS",
    "ANCESTOR_ROWS",
    "DESCENDANT_ROWS",
    "SUBTREE_HEIGHT",
    "ancestor_ids",
    "ancestor_rows",
    "chunked",
    "data_text",
    "descendant_rows",
    "existing",
    "ids_param",
    "insert_rows",
    "json_text",
    "lookup",
    "page",
    "parents_of",
    "paused_gc",
    "sort_order",
    "stale",
    "subtree_height",
    "subtree_ids",
]

T = TypeVar("T")

_WALK_LIMIT = MAX_DEPTH + 1


def data_text(table: Table) -> ColumnElement[str]:
    """Return ``table.data`` read as JSON text (``CAST(data AS TEXT)``; free on SQLite)."""
    return cast(table.c.data, Text())


def ids_param(name: str = "ids") -> BindParameter[Any]:
    """Return an ``expanding`` bound parameter for ``column.in_(...)`` in a prebuilt statement."""
    return bindparam(name, expanding=True)


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield ``items`` in lists of at most ``size`` (for ``IN`` lists the driver accepts)."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


BULK = 5000
"""From this many items on, a bulk write or read pauses the cyclic garbage collector."""


@contextlib.contextmanager
def paused_gc(items: int) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bulk write or read of ``items`` runs.

    A bulk import (or the read of a large subtree) makes thousands of rows and
    entities that all live on; the collector would walk them again and again
    (a third of the time of a large import) to find no garbage. Reference counting still
    frees what is dropped. The collector runs again afterwards, if it ran before.
    """
    if items < BULK or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    raw: bool,
) -> None:
    """Insert ``rows`` (values in ``columns`` order) with one ``executemany``.

    Args:
        connection: Where to insert.
        table: The table.
        columns: The column of each value.
        rows: The rows.
        raw: The values are ready for the SQLite driver (see
            `mapping`): hand them to it as
            they are, without SQLAlchemy's per-row processing.
    """
    if not rows:
        return
    if raw:
        connection.exec_driver_sql(_insert_sql(connection.dialect, table, tuple(columns)), rows)
        return
    statement, keys = _insert_statement(table, tuple(columns), connection.dialect.name)
    connection.execute(statement, [dict(zip(keys, row, strict=True)) for row in rows])


@functools.lru_cache(maxsize=64)  # statements for a few fixed column sets
def _insert_statement(
    table: Table, columns: tuple[str, ...], dialect: str
) -> tuple[Any, list[str]]:
    """An INSERT taking JSON columns as text (cast on the server, not encoded again); built once."""
    statement = table.insert()
    keys = list(columns)
    casts: dict[str, Any] = {}
    for position, name in enumerate(keys):
        if isinstance(table.c[name].type, JSON):
            keys[position] = f"{name}_json"
            text = bindparam(keys[position], type_=Text())
            casts[name] = cast(text, JSONB()) if dialect == "postgresql" else text
    if casts:
        statement = statement.values(**casts)
    return statement, keys


def json_text(text: str, connection: Connection) -> ColumnElement[Any]:
    """Return JSON text as a value for a ``data`` column, bound as text, not encoded again."""
    return _json_expression(literal(text, Text()), connection)


def _json_expression(value: ColumnElement[Any], connection: Connection) -> ColumnElement[Any]:
    return cast(value, JSONB()) if connection.dialect.name == "postgresql" else value


def _insert_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    if dialect.paramstyle != "qmark":  # pragma: no cover  (raw rows are for SQLite)
        message = f"raw rows need the qmark parameter style, not {dialect.paramstyle}"
        raise ValueError(message)
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(column) for column in columns)
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"  # noqa: S608  (quoted identifiers of our own tables)


@functools.lru_cache(maxsize=64)  # statements for a few fixed column sets
def _in_list(*columns: ColumnElement[Any]) -> Select[Any]:
    """``SELECT columns WHERE columns[0] IN :ids``, built once per set of columns."""
    return select(*columns).where(columns[0].in_(ids_param()))


def existing(
    connection: Connection, column: ColumnElement[Any], values: Collection[Any], size: int
) -> set[Any]:
    """Return which of ``values`` occur in ``column`` (one query per chunk of values)."""
    found: set[Any] = set()
    statement = _in_list(column)
    for chunk in chunked(sorted(values), size):
        found.update(connection.execute(statement, {"ids": chunk}).scalars())
    return found


def lookup(
    connection: Connection,
    key: ColumnElement[Any],
    value: ColumnElement[Any],
    keys: Collection[Any],
    size: int,
) -> dict[Any, Any]:
    """Return ``{key: value}`` for the rows whose ``key`` is one of ``keys``."""
    found: dict[Any, Any] = {}
    statement = _in_list(key, value)
    for chunk in chunked(sorted(keys), size):
        for row in connection.execute(statement, {"ids": chunk}):
            found[row[0]] = row[1]
    return found


def sort_order(
    columns: Sequence[ColumnElement[Any]], *, descending: bool, nulls_last: bool = False
) -> list[UnaryExpression[Any]]:
    """Return ORDER BY terms for ``columns``, all ascending or all descending.

    With ``nulls_last``, the first column puts missing values last when
    ascending (and first when descending), as Python sorts ``(value is None, value)``.
    """
    terms: list[UnaryExpression[Any]] = []
    for position, column in enumerate(columns):
        term = column.desc() if descending else column.asc()
        if nulls_last and position == 0:
            term = term.nulls_first() if descending else term.nulls_last()
        terms.append(term)
    return terms


def page(
    connection: Connection,
    decode: Decoder,
    cls: type[T],
    table: Table,
    *,
    conditions: Sequence[ColumnElement[bool]],
    order_by: Sequence[UnaryExpression[Any]],
    offset: int,
    limit: int,
) -> Page[T]:
    """Return one page of ``table``'s entities matching every condition, and the total."""
    total = connection.execute(
        select(func.count()).select_from(table).where(*conditions)
    ).scalar_one()
    items: tuple[T, ...] = ()
    if offset < total:
        key = table.c.get("id", table.c.get("entry_id"))  # names a damaged row
        statement = (
            select(key if key is not None else literal(None), data_text(table))
            .where(*conditions)
            .order_by(*order_by)
            .offset(offset)
            .limit(limit)
        )
        items = tuple(decode(cls, data, key) for key, data in connection.execute(statement))
    return Page(items=items, total=total, offset=offset, limit=limit)


# -- the company tree


def _upward(start: Select[Any]) -> CTE:
    chain = start.cte("chain", recursive=True)
    above = companies.alias("above")
    return chain.union_all(
        select(above.c.id, above.c.parent_id, chain.c.depth + 1).where(
            above.c.id == chain.c.parent_id, chain.c.depth < _WALK_LIMIT
        )
    )


def _chain_from(condition: ColumnElement[bool]) -> CTE:
    return _upward(
        select(companies.c.id, companies.c.parent_id, literal(0).label("depth")).where(condition)
    )


_PARENTS_CHAIN = _chain_from(companies.c.id.in_(ids_param()))
_PARENTS = select(_PARENTS_CHAIN.c.id, _PARENTS_CHAIN.c.parent_id).distinct()

_CHAIN = _chain_from(companies.c.id == bindparam("id"))
ANCESTOR_IDS = select(_CHAIN.c.id).where(_CHAIN.c.depth > 0).order_by(_CHAIN.c.depth)
"""The ids of the ancestors of company ``:id``, nearest first."""
ANCESTOR_ROWS = (
    select(companies.c.id, data_text(companies))
    .join(_CHAIN, _CHAIN.c.id == companies.c.id)
    .order_by(_CHAIN.c.depth, companies.c.id)
)
"""``(id, data as text)`` of company ``:id`` and its ancestors: the company first, nearest next."""


def parents_of(connection: Connection, company_ids: Collection[str], size: int) -> dict[str, Any]:
    """Return ``{id: parent_id}`` for these companies and all their ancestors that exist."""
    found: dict[str, Any] = {}
    for chunk in chunked(sorted(company_ids), size):
        for row in connection.execute(_PARENTS, {"ids": chunk}):
            found[row[0]] = row[1]
    return found


def ancestor_ids(connection: Connection, company_id: str) -> list[CompanyId]:
    """Return the ids of a company's parent, grandparent, ..., nearest first."""
    return list(connection.execute(ANCESTOR_IDS, {"id": company_id}).scalars())


def _downward(start: ColumnElement[Any]) -> CTE:
    tree = (
        select(companies.c.id, literal(0).label("depth"))
        .where(companies.c.id == start)
        .cte("tree", recursive=True)
    )
    below = companies.alias("below")
    return tree.union_all(
        select(below.c.id, tree.c.depth + 1).where(
            below.c.parent_id == tree.c.id, tree.c.depth < _WALK_LIMIT
        )
    )


_TREE = _downward(bindparam("id"))
DESCENDANT_ROWS = (
    select(companies.c.id, data_text(companies), _TREE.c.depth)
    .join(_TREE, _TREE.c.id == companies.c.id)
    .order_by(_TREE.c.depth, companies.c.id)
)
"""``(id, data as text, level)`` of company ``:id`` and everything below it, by level and id."""

SUBTREE_HEIGHT = select(func.max(_TREE.c.depth) + 1)
"""How many levels the subtree of company ``:id`` has (itself included); NULL if it is not stored.

The walk stops past [`MAX_DEPTH`][b2b_customers.domain.MAX_DEPTH], which is enough to refuse a move.
"""


def ancestor_rows(connection: Connection, company_id: str) -> list[tuple[CompanyId, Any]]:
    """Return ``(id, data)`` of a company and its ancestors, the company first, nearest next.

    Raises:
        HierarchyError: The chain is longer than ``MAX_DEPTH`` (the walk stops
            there: the answer would be cut short).
    """
    rows = [(row[0], row[1]) for row in connection.execute(ANCESTOR_ROWS, {"id": company_id})]
    if len(rows) > MAX_DEPTH:
        raise too_deep(CompanyId(company_id))
    return rows


def descendant_rows(connection: Connection, company_id: str) -> list[tuple[CompanyId, Any]]:
    """Return ``(id, data)`` of a company and everything below it, level by level, by id.

    Raises:
        HierarchyError: The subtree is ``MAX_DEPTH`` levels deep or more (the
            walk stops there: the answer would be cut short).
    """
    rows = connection.execute(DESCENDANT_ROWS, {"id": company_id}).all()
    if rows and rows[-1][2] >= MAX_DEPTH:
        raise too_deep(CompanyId(company_id))
    return [(company, data) for company, data, _depth in rows]


def subtree_height(connection: Connection, company_id: str) -> int:
    """Return how many levels the stored subtree of a company has (0 if it is not stored)."""
    return int(connection.execute(SUBTREE_HEIGHT, {"id": company_id}).scalar_one() or 0)


def subtree_ids(company_id: str) -> Select[Any]:
    """Return a SELECT of the ids of a company and of every company below it."""
    tree = _downward(literal(company_id))
    return select(tree.c.id)


# -- messages


def stale(entity: str, entity_id: str, stored: int, given: int) -> StaleVersion:
    """Return the error for saving a copy whose version is not the stored one."""
    return StaleVersion(
        f"{entity} {entity_id!r} is at version {stored}, but the copy saved is version {given}; "
        "reload it, apply the change again and save"
    )
