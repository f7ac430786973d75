"""A unit of work's connection, lent to its repositories one operation at a time.

Each repository write runs inside a SAVEPOINT (:meth:`Session.write`): when
it fails, the database is where it was before the call (on PostgreSQL the
transaction stays usable), and the driver's error becomes one of the
library's (see :mod:`b2b_customers.adapters.sql.errors`), explained in the
domain's words when the repository can.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from b2b_customers.adapters.sql.errors import Violation, classify, translate
from b2b_customers.errors import B2BError, StorageError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from sqlalchemy import NestedTransaction

    from b2b_customers.adapters.sql.store import SqlStore
    from b2b_customers.domain import DomainEvent

__all__ = ["OUTBOX_LOCK", "TREE_LOCK", "Explain", "Session"]

Explain: TypeAlias = Callable[[Connection, Violation], B2BError | None]
"""A repository's explanation of a constraint violation (``None``: use the generic one)."""

OUTBOX_LOCK = 1647469155
"""Advisory lock kind held while events join the outbox (PostgreSQL)."""

TREE_LOCK = 1647469156
"""Advisory lock kind held while a company moves in the tree (PostgreSQL)."""


class Session:
    """A unit of work's connection, as its repositories use it.

    Not part of the public API: repositories call :meth:`read` and
    :meth:`write`; the unit of work opens and closes it.

    Args:
        store: The store whose engine, clock and settings apply.
    """

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.decode = store.decode
        self.postgres = store.dialect == "postgresql"
        self.chunk_size = store.chunk_size
        self.connection: Connection | None = None
        self.recorded: list[DomainEvent] = []
        self.recorded_ids: set[str] = set()
        self.marks: dict[str, datetime] = {}

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
        """Lend the connection for one write operation, inside a SAVEPOINT.

        Args:
            explain: Called after a constraint violation (and the rollback to
                the savepoint) to describe it in the domain's words; it may
                query the connection.

        Raises:
            B2BError: Whatever the operation raised, or the translation of a
                database error; in both cases nothing of the operation is written.
        """
        connection = self.active()
        try:
            self.begin_write(connection)
            savepoint = connection.begin_nested()
        except SQLAlchemyError as error:
            raise translate(error) from error
        try:
            yield connection
        except SQLAlchemyError as error:
            _undo(savepoint)
            raise _explained(connection, error, explain) from error
        except BaseException:
            _undo(savepoint)
            raise
        try:
            savepoint.commit()
        except SQLAlchemyError as error:
            _undo(savepoint)
            raise translate(error) from error

    def lock(self, connection: Connection, kind: int) -> None:
        """On PostgreSQL, take a transaction-scoped advisory lock of ``kind`` for this schema."""
        if self.postgres:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:kind, :key)"),
                {"kind": kind, "key": self.store.lock_key},
            )

    def clear(self) -> None:
        """Forget the events and marks of the transaction that ended."""
        self.recorded = []
        self.recorded_ids = set()
        self.marks = {}


def _undo(savepoint: NestedTransaction) -> None:
    if savepoint.is_active:
        with contextlib.suppress(SQLAlchemyError):
            savepoint.rollback()


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
