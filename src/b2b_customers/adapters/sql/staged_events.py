"""Events a large PostgreSQL unit of work sends before its commit wait in a table of its own.

The outbox promises positions in commit order, so on PostgreSQL events join
it under a transaction-scoped advisory lock held to the commit. A unit of
work that records more than ``EVENTS_HELD`` events (a bulk import) cannot
keep them all in memory; were it to insert them into the outbox early, it
would take that lock early too, and every other unit of work that records
an event would wait for the whole import, minutes for a large one.

Instead, such events go to a temporary table of the unit of work's own
connection (created on first use, dropped at the end of the transaction,
so a rollback takes the events with it), in the order they were recorded.
At commit, under the outbox lock, one ``INSERT ... SELECT`` moves them into
the outbox, followed by the events still in memory: the lock is held for
that copy only. An event id the outbox holds already is found then, by the
outbox's unique constraint, as for events held in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Column, MetaData, Table, insert, select, text

from b2b_customers.adapters.sql.mapping import OUTBOX_COLUMNS
from b2b_customers.adapters.sql.queries import insert_rows
from b2b_customers.adapters.sql.tables import outbox

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from b2b_customers.adapters.sql.session import Session

__all__ = ["move_staged_events", "stage_events"]

_NAME = "b2b_staged_events"

staged_events = Table(
    _NAME,
    MetaData(),
    Column("position", BigInteger(), nullable=False),
    *(Column(column.name, column.type) for column in outbox.c if column.name != "position"),
    schema="pg_temp",  # not translated to the store's schema: the connection's own
)
"""The staging table: the outbox's columns; ``position`` counts the events in recorded order."""

_STAGED_COLUMNS = ("position", *OUTBOX_COLUMNS)


def stage_events(connection: Connection, session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Add outbox rows (`event_values`'s) to the staging table, made first if there is none yet."""
    if not session.staged:
        schema = session.store.schema
        where = f"{connection.dialect.identifier_preparer.quote_schema(schema)}." if schema else ""
        connection.execute(
            text(f"CREATE TEMPORARY TABLE {_NAME} (LIKE {where}outbox) ON COMMIT DROP")
        )
    first = session.staged + 1
    staged = [(first + number, *row) for number, row in enumerate(rows)]
    insert_rows(connection, staged_events, _STAGED_COLUMNS, staged, raw=False)
    session.staged += len(rows)


def move_staged_events(connection: Connection) -> None:
    """Insert the staged events into the outbox, in the order they were recorded."""
    columns = [staged_events.c[name] for name in OUTBOX_COLUMNS]
    connection.execute(
        insert(outbox).from_select(
            list(OUTBOX_COLUMNS), select(*columns).order_by(staged_events.c.position)
        )
    )
