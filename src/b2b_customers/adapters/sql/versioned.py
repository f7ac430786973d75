"""Saving a versioned aggregate kept in one row: the optimistic-concurrency update.

Repositories whose aggregate is one row of one table (limits, approver limits,
approval groups, approval policies) save the same way: read the stored
version, refuse a stale copy, stamp the next version, and update only if the
row still has the version read (a concurrent writer in between makes the
update touch no row, which is a stale copy too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select, update

from b2b_customers.adapters.sql.mapping import stamped, stored_bookkeeping, stored_time
from b2b_customers.adapters.sql.queries import stale
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import NotFound

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy import Connection, Table

__all__ = ["update_versioned"]

E = TypeVar("E", bound=Versioned)


def update_versioned(
    connection: Connection,
    table: Table,
    entity: E,
    *,
    kind: str,
    row: Callable[[E], dict[str, Any]],
    now: datetime,
    key_column: str = "id",
    key: str | None = None,
) -> E:
    """Store a changed ``entity`` over its row in ``table``; return the stored copy.

    Args:
        connection: The unit of work's connection, inside a write.
        table: The aggregate's table (``id``, ``version``, ``created_at`` columns).
        entity: The changed copy; it has ``id`` and ``version``.
        kind: The aggregate's name, for the errors (``"PurchasingLimit"``).
        row: The table's column values for an entity.
        now: The time of the save (``updated_at``).
        key_column: The table's key column (``id`` unless the aggregate is
            keyed otherwise, as payment terms are by ``code_key``).
        key: The entity's key in that column (its ``id`` by default).

    Raises:
        NotFound: No row has the entity's id.
        StaleVersion: The copy's version is not the stored one.
    """
    entity_id: str = entity.id if key is None else key  # type: ignore[attr-defined]
    column = table.c[key_column]
    given = entity.version
    found = stored_bookkeeping(
        connection,
        select(table.c.version, table.c.created_at).where(column == entity_id),
        table=table.name,
        key=entity_id,
    )
    if found is None:
        raise NotFound(kind, entity_id)
    version, created_at = found
    if version != given:
        raise stale(kind, entity_id, version, given)
    stored = stamped(
        entity, version=version + 1, created_at=stored_time(created_at), updated_at=now
    )
    values = row(stored)
    del values[key_column]
    result = connection.execute(
        update(table).where(column == entity_id, table.c.version == version).values(**values)
    )
    if result.rowcount != 1:
        raise stale(kind, entity_id, version + 1, given)
    return stored
