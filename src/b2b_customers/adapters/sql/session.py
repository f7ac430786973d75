"""A unit of work's connection, lent to its repositories one operation at a time.

Writes go straight to the transaction, without a SAVEPOINT around each one
(two more round trips per write, most of a lean use case's cost). The price:
when a write fails (`Session.write`), the whole transaction is rolled
back and the unit of work is finished; the next read, write or commit raises
[`StorageError`][b2b_customers.StorageError], and nothing of it is written.
The driver's error becomes one of the library's (see
[`b2b_customers.adapters.sql.errors`][]), explained in the domain's words
when the repository can (its explanation reads the committed state).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Connection, Table, text
from sqlalchemy.exc import SQLAlchemyError

from b2b_customers.adapters.sql.errors import Violation, classify, translate
from b2b_customers.adapters.sql.queries import insert_rows
from b2b_customers.errors import B2BError, StorageError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime

    from b2b_customers.adapters.sql.store import SqlStore
    from b2b_customers.domain import DomainEvent

__all__ = ["OUTBOX_LOCK", "ROWS_HELD", "STATES_HELD", "TREE_LOCK", "Explain", "Session"]

Explain: TypeAlias = Callable[[Connection, Violation], B2BError | None]
"""A repository's explanation of a constraint violation (``None``: use the generic one)."""

OUTBOX_LOCK = 1647469155
"""Advisory lock kind held while events join the outbox (PostgreSQL)."""

TREE_LOCK = 1647469156
"""Advisory lock kind held while a company moves in the tree (PostgreSQL)."""

ROWS_HELD = 5000
"""The most deferred rows of one table a unit of work holds before sending them."""

STATES_HELD = 5000
"""The most audit entry states whose JSON text a unit of work keeps for their events."""


class Session:
    """A unit of work's connection, as its repositories use it.

    Not part of the public API: repositories call `read` and
    `write`; the unit of work opens and closes it.

    Args:
        store: The store whose engine, clock and settings apply.
    """

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.decode = store.decode
        self.postgres = store.dialect == "postgresql"
        self.chunk_size = store.chunk_size
        self.connection: Connection | None = None
        self.failure: B2BError | None = None
        self.deferred: dict[Table, tuple[tuple[str, ...], list[tuple[Any, ...]], Explain]] = {}
        self._deferred_ids: dict[str, set[str]] = {}
        self.recorded: list[DomainEvent] = []
        self.recorded_ids: set[str] = set()
        self.sent_early = False
        """Some recorded events left memory before the commit (see ``EVENTS_HELD``)."""
        self.staged = 0
        """How many of them wait in the staging table (PostgreSQL; see ``staged_events``)."""
        self.marks: dict[str, datetime] = {}
        self.state_texts: dict[int, tuple[Mapping[str, Any], str]] = {}
        """The JSON text of audit entries' states, by the state's identity, for their events.

        An event and its audit entry made together share one state object
        (see [`Creations`][b2b_customers.domain.creations.Creations]): its
        text, written for the entry, is taken (and dropped) by the event's row.
        """

        self.written: dict[int, tuple[object, str]] = {}
        """The JSON text of the aggregates the last small ``add_many`` wrote, by identity.

        A bulk import records each aggregate it adds in its ``*.created``
        event and audit entry; that JSON is the row's ``data``, written a
        moment before (see `remember_written`).
        """

    def now(self) -> datetime:
        """Return the store's clock reading."""
        return self.store.clock.now()

    def active(self) -> Connection:
        """Return the open connection.

        Raises:
            StorageError: The unit of work is not inside its ``with`` block.
        """
        if self.connection is None:
            raise StorageError(
                "this unit of work is not open; use it inside 'with store.unit_of_work() as uow:'"
            )
        if self.failure is not None:
            raise StorageError(
                f"a write of this unit of work failed ({self.failure}), so it was rolled back "
                "whole; leave its 'with' block and start a new unit of work"
            )
        return self.connection

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """Lend the connection for reading; database errors become the library's."""
        connection = self.active()
        try:
            yield connection
        except SQLAlchemyError as error:
            raise translate(error) from error

    def begin_write(self, connection: Connection) -> None:
        """Make sure the transaction may write (on SQLite: hold the write lock)."""
        if self.postgres:
            return
        dbapi_connection: Any = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    @contextlib.contextmanager
    def write(self, explain: Explain | None = None) -> Iterator[Connection]:
        """Lend the connection for one write operation; a failure ends the unit of work.

        Args:
            explain: Called after a constraint violation (and the rollback)
                to describe it in the domain's words; it may query the
                connection, which then sees the committed state.

        Raises:
            B2BError: Whatever the operation raised, or the translation of a
                database error; either way the transaction was rolled back
                whole, and the unit of work refuses any further use.
        """
        connection = self.active()
        try:
            self.begin_write(connection)
        except SQLAlchemyError as error:
            raise translate(error) from error
        try:
            yield connection
        except SQLAlchemyError as error:
            self._roll_back(connection)
            failure = _explained(connection, error, explain)
            self.failure = failure
            raise failure from error
        except B2BError as error:
            self._roll_back(connection)
            self.failure = error
            raise
        except BaseException:
            self._roll_back(connection)
            self.failure = StorageError("the operation was interrupted")
            raise

    def fail(self, error: B2BError) -> B2BError:
        """End the transaction as a failed `write` does; return ``error`` to raise.

        For a write a repository refuses before it reaches the database: the
        unit of work is finished all the same, as after any failed write.
        """
        self._roll_back(self.active())
        self.failure = error
        return error

    def deferred_ids(self, table: Table) -> set[str]:
        """The set of ids a repository appended to ``table`` in this transaction.

        The same set object for the whole life of the session: emptied (not
        replaced) whenever the transaction ends.
        """
        return self._deferred_ids.setdefault(table.name, set())

    def defer(
        self, table: Table, columns: tuple[str, ...], row: tuple[Any, ...], explain: Explain
    ) -> None:
        """Insert ``row`` (values in ``columns`` order) with the next `flush`: appends batch.

        The row is as `insert_rows` takes it: JSON columns as text, times as
        text on SQLite. Every row of a table comes with the same ``columns``.

        Once `ROWS_HELD` rows wait, they are flushed at once, so a bulk
        unit of work does not hold every row it appends until it commits.

        Raises:
            B2BError: A flush failed; the unit of work is rolled back, as by `write`.
        """
        self.active()
        _, rows, _ = self.deferred.setdefault(table, (columns, [], explain))
        rows.append(row)
        if len(rows) >= ROWS_HELD:
            self.flush()

    def flush(self) -> None:
        """Send the deferred inserts, one batch per table (at commit, and before reading them).

        Raises:
            B2BError: An insert failed; the unit of work is rolled back, as by `write`.
        """
        while self.deferred:
            table, (columns, rows, explain) = self.deferred.popitem()
            with self.write(explain) as connection:
                insert_rows(connection, table, columns, rows, raw=not self.postgres)

    def _roll_back(self, connection: Connection) -> None:
        with contextlib.suppress(SQLAlchemyError):
            connection.rollback()
        self.recorded = []
        self.recorded_ids = set()
        self.sent_early = False
        self.staged = 0
        self.marks = {}
        self.state_texts = {}
        self.written = {}
        self.deferred = {}
        for ids in self._deferred_ids.values():
            ids.clear()

    def remember_state(self, state: Mapping[str, Any], text: str) -> None:
        """Keep the JSON text of an entry's state until its event's row takes it."""
        if len(self.state_texts) < STATES_HELD:
            self.state_texts[id(state)] = (state, text)

    def state_text(self, state: Mapping[str, Any]) -> str | None:
        """Take the JSON text kept for ``state`` (this very object), if any."""
        kept = self.state_texts.pop(id(state), None)
        return kept[1] if kept is not None and kept[0] is state else None

    def remember_written(self, aggregates: Sequence[object], texts: Sequence[str]) -> None:
        """Keep the JSON text of the aggregates an ``add_many`` wrote, in place of the last ones.

        Only a batch of at most `STATES_HELD`: a larger one is not kept, so a
        bulk load holds no second copy of its rows.
        """
        if len(aggregates) <= STATES_HELD:
            self.written = {
                id(aggregate): (aggregate, text)
                for aggregate, text in zip(aggregates, texts, strict=True)
            }
        else:
            self.written = {}

    def written_text(self, aggregate: object) -> str | None:
        """Take the JSON text kept for ``aggregate`` (this very object), if any."""
        kept = self.written.pop(id(aggregate), None)
        return kept[1] if kept is not None and kept[0] is aggregate else None

    def lock(self, connection: Connection, kind: int) -> None:
        """On PostgreSQL, take a transaction-scoped advisory lock of ``kind`` for this schema."""
        if self.postgres:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:kind, :key)"),
                {"kind": kind, "key": self.store.lock_key},
            )

    def lock_name(self, connection: Connection, name: str) -> None:
        """On PostgreSQL, take a transaction-scoped advisory lock on ``name`` within this schema.

        The lock's key is a 64-bit hash of the schema and the name (the
        one-key form of ``pg_advisory_xact_lock``, a key space apart from the
        two-key `lock`); two names that share a hash only queue behind each
        other.
        """
        if self.postgres:
            digest = hashlib.blake2b(
                f"{self.store.lock_key}:{name}".encode(), digest_size=8
            ).digest()
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"),
                {"key": int.from_bytes(digest, "big", signed=True)},
            )

    def clear(self) -> None:
        """Forget the events, deferred rows, marks and failure of the transaction that ended."""
        self.deferred = {}
        for ids in self._deferred_ids.values():
            ids.clear()
        self.recorded = []
        self.recorded_ids = set()
        self.sent_early = False
        self.staged = 0
        self.marks = {}
        self.state_texts = {}
        self.written = {}
        self.failure = None


def _explained(
    connection: Connection,
    error: SQLAlchemyError,
    explain: Explain | None,
) -> B2BError:
    violation = classify(error)
    if violation is not None and explain is not None:
        try:
            specific = explain(connection, violation)
        except B2BError as explained:
            return explained
        except SQLAlchemyError:
            specific = None
        if specific is not None:
            return specific
    return translate(error)
