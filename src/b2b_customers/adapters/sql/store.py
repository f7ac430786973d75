"""The SQL store: SQLite or PostgreSQL behind the library's ports."""

from __future__ import annotations

import threading
import zlib
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from b2b_customers.adapters.sql import engines
from b2b_customers.adapters.sql.errors import schema_not_ready, translate
from b2b_customers.adapters.sql.mapping import Decoder
from b2b_customers.adapters.sql.migrate import HEAD_REVISION, VERSION_TABLE, migrate
from b2b_customers.adapters.sql.unit_of_work import SqlUnitOfWork
from b2b_customers.clock import SystemClock
from b2b_customers.errors import (
    B2BError,
    ConflictError,
    SchemaNotReady,
    StorageError,
    ValidationError,
)

if TYPE_CHECKING:
    from types import TracebackType

    from b2b_customers.ports import Clock

__all__ = ["SqlStore"]

_CHUNK_SIZE = 5000
_INT4 = 2**31
_CACHE_SIZE = 4096

_version_table = Table(
    VERSION_TABLE, MetaData(), Column("version_num", String(32), primary_key=True)
)


class _Gate:
    """Lets one unit of work at a time use a store whose connection is shared (SQLite in memory)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None

    def enter(self, timeout: float) -> None:
        if self._owner == threading.get_ident():
            raise StorageError(
                "an SQLite database in memory has one connection, so its store runs one unit "
                "of work at a time; finish the open one first, or use a database file"
            )
        if not self._lock.acquire(timeout=timeout):
            raise ConflictError(
                f"another unit of work used the in-memory database for more than {timeout} s; "
                "retry, or use a database file"
            )
        self._owner = threading.get_ident()

    def leave(self) -> None:
        if self._lock.locked():
            self._owner = None
            self._lock.release()


class SqlStore:
    """Keeps the library's data in SQLite or PostgreSQL (SQLAlchemy Core).

    Implements [`Store`][b2b_customers.ports.Store]. Create the schema first
    with [`migrate`][b2b_customers.adapters.sql.migrate.migrate] (or
    [`migrate`][b2b_customers.adapters.sql.SqlStore.migrate]); a store refuses to work on a database
    whose schema is missing or at another revision
    ([`SchemaNotReady`][b2b_customers.SchemaNotReady]). An SQLite database in memory
    (``"sqlite://"``) is migrated when the store is made.

    Args:
        url_or_engine: A database URL (``"sqlite:///shop.db"``, ``"sqlite://"``,
            ``"postgresql+psycopg://user:password@host/db"``) or an SQLAlchemy
            engine to share with the host application.
        schema: A PostgreSQL schema to keep the tables in (one per tenant);
            ``None`` uses the connection's default (``public``).
        clock: Stamps ``created_at``, ``updated_at`` and ``published_at``; the
            system clock (UTC) when ``None``.
        lock_timeout: Seconds a writer waits for another writer's lock before
            [`ConflictError`][b2b_customers.ConflictError] (applies to engines the
            store creates, and to SQLite).
        cache_size: How many entities read to remember by their stored JSON
            text, so that reading an unchanged row again skips decoding it
            (see `Decoder`); 0
            remembers none. A company takes about 2 KB (its JSON and the
            entity), so the default 4,096 hold at most about 8 MB.

    Attributes:
        clock: The store's clock.
        schema: The PostgreSQL schema, or ``None``.
        dialect: ``"sqlite"`` or ``"postgresql"``.
        decode: Builds entities from ``data`` columns (remembering the latest).

    Raises:
        ValidationError: The URL, schema name, lock time-out or cache size is not usable.
        MissingDependency: The database driver is not installed.
    """

    def __init__(
        self,
        url_or_engine: str | URL | Engine,
        *,
        schema: str | None = None,
        clock: Clock | None = None,
        lock_timeout: float = 5.0,
        cache_size: int = _CACHE_SIZE,
    ) -> None:
        raw_size: object = cache_size
        if not isinstance(raw_size, int) or isinstance(raw_size, bool) or raw_size < 0:
            raise ValidationError(
                f"must be a whole number >= 0, got {cache_size!r}", field="cache_size"
            )
        raw_timeout: object = lock_timeout
        if (
            not isinstance(raw_timeout, int | float)
            or isinstance(raw_timeout, bool)
            or not (0 < raw_timeout < float("inf"))
        ):
            raise ValidationError(
                f"must be a number of seconds above 0, got {lock_timeout!r}", field="lock_timeout"
            )
        if isinstance(url_or_engine, Engine):
            engine = url_or_engine
            if engine.dialect.name not in engines.SUPPORTED:
                raise ValidationError(
                    f"the database {engine.dialect.name!r} is not supported; use SQLite or "
                    "PostgreSQL",
                    field="url_or_engine",
                )
            engines.prepare_engine(engine, lock_timeout=lock_timeout)
            owns_engine = False
        else:
            engine = engines.create(engines.parse_url(url_or_engine), lock_timeout=lock_timeout)
            owns_engine = True
        try:
            engines.validate_schema_name(schema, engine.dialect.name)
        except B2BError:
            if owns_engine:
                engine.dispose()
            raise
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.schema = schema
        self.dialect: str = engine.dialect.name
        self.decode = Decoder(cache_size)
        self._engine = engine
        self._owns_engine = owns_engine
        self._lock_timeout = float(lock_timeout)
        self._schema_ready = False
        memory = engines.is_memory_sqlite(engine.url)
        self._gate = _Gate() if memory else None
        if memory and owns_engine:
            self.migrate()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine the store uses."""
        return self._engine

    @property
    def chunk_size(self) -> int:
        """How many keys one ``IN (...)`` list holds."""
        return _CHUNK_SIZE

    @property
    def lock_key(self) -> int:
        """This store's key for PostgreSQL advisory locks (one per schema)."""
        digest = zlib.crc32((self.schema or "").encode())
        return digest - 2 * _INT4 if digest >= _INT4 else digest

    def unit_of_work(self) -> SqlUnitOfWork:
        """Return a new unit of work (begin it with ``with``)."""
        return SqlUnitOfWork(self)

    def migrate(self) -> None:
        """Create or upgrade this store's schema (see `migrate`).

        Raises:
            StorageError: The database failed.
        """
        migrate(self._engine, schema=self.schema)
        self._schema_ready = False

    def dispose(self) -> None:
        """Close the pooled connections of an engine the store created (a shared one is left)."""
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.dispose()

    def __repr__(self) -> str:
        url = self._engine.url.render_as_string(hide_password=True)
        schema = f" schema={self.schema!r}" if self.schema else ""
        return f"<SqlStore {url}{schema}>"

    # -- connections for units of work

    def open_connection(self) -> Connection:
        """Check out a connection for a unit of work (the unit of work calls this).

        Raises:
            StorageError: The database cannot be reached.
            SchemaNotReady: The schema is missing or at another revision.
        """
        if self._gate is not None:
            self._gate.enter(self._lock_timeout)
        try:
            connection = self._engine.connect()
        except SQLAlchemyError as error:
            self._leave()
            raise translate(error) from error
        try:
            options: dict[str, Any] = {engines.LAZY_BEGIN: True}
            if self.schema is not None:
                options["schema_translate_map"] = {None: self.schema}
            connection.execution_options(**options)
            if self.dialect == "sqlite":
                engines.prepare_sqlite_connection(connection, lock_timeout=self._lock_timeout)
            if not self._schema_ready:
                self._check_schema(connection)
                self._schema_ready = True
        except SQLAlchemyError as error:
            self.close_connection(connection)
            raise translate(error) from error
        except BaseException:
            self.close_connection(connection)
            raise
        return connection

    def close_connection(self, connection: Connection) -> None:
        """Return a unit of work's connection to the pool."""
        try:
            connection.close()
        except SQLAlchemyError:
            pass
        finally:
            self._leave()

    def _leave(self) -> None:
        if self._gate is not None:
            self._gate.leave()

    def _check_schema(self, connection: Connection) -> None:
        where = f"schema {self.schema!r}" if self.schema else "the database"
        try:
            versions = list(connection.execute(select(_version_table.c.version_num)).scalars())
        except SQLAlchemyError as error:
            translated = translate(error)
            connection.rollback()
            if isinstance(translated, SchemaNotReady):
                raise schema_not_ready(f"{where} has no b2b-customers tables") from None
            raise translated from error
        if versions != [HEAD_REVISION]:
            found = ", ".join(versions) or "none"
            raise schema_not_ready(
                f"{where} is at revision {found}; this version of b2b-customers needs "
                f"{HEAD_REVISION}"
            )
