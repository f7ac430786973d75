"""Engines for the two supported databases, set up the way the adapter needs them.

* **SQLite** (``sqlite:///path/to/file.db``; ``sqlite://`` for a database in
  memory): foreign keys on, a busy time-out, write-ahead logging for files, and
  transactions the adapter controls. pysqlite's own implicit ``BEGIN`` is
  switched off (SQLAlchemy's "serializable isolation" recipe): other users of
  the engine get a plain ``BEGIN`` when their transaction starts, while a unit
  of work reads the latest committed state until its first write and then
  takes the write lock with ``BEGIN IMMEDIATE``. Every connection also gets
  `DECIMAL_ADD`, an exact decimal addition for amounts SQLite keeps as
  text (its own ``+`` would turn them into binary floats).
* **PostgreSQL** (``postgresql+psycopg://...``; ``postgresql://`` and
  ``postgres://`` mean psycopg 3 too): a lock time-out for writers waiting on
  each other.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool, StaticPool

from b2b_customers.errors import MissingDependency, StorageError, ValidationError

if TYPE_CHECKING:
    from sqlalchemy.pool import ConnectionPoolEntry

__all__ = [
    "DECIMAL_ADD",
    "DECIMAL_COVERS",
    "LAZY_BEGIN",
    "SUPPORTED",
    "create",
    "is_memory_sqlite",
    "parse_url",
    "prepare_engine",
    "prepare_sqlite_connection",
    "validate_schema_name",
]

SUPPORTED: Final = ("sqlite", "postgresql")
"""The database dialects the adapter supports."""

LAZY_BEGIN: Final = "b2b_customers_lazy_begin"
"""Execution option of a unit of work's connection: on SQLite, no ``BEGIN`` until it writes."""

DECIMAL_ADD: Final = "b2b_decimal_add"
"""SQL function on SQLite connections: the exact sum of two decimal texts, as text."""

DECIMAL_COVERS: Final = "b2b_decimal_covers"
"""SQL function on SQLite connections: ``limit - balance - reserved >= amount`` exactly, 1 or 0."""

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_PREPARED: Final = "b2b_customers_prepared"


def parse_url(url: str | URL) -> URL:
    """Parse a database URL; ``postgresql://`` and ``postgres://`` mean psycopg 3.

    Raises:
        ValidationError: The URL cannot be parsed or names an unsupported database.
    """
    if isinstance(url, str) and url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise ValidationError(
            f"cannot read the database URL ({error}); write it like 'sqlite:///shop.db' or "
            "'postgresql+psycopg://user:password@host/database'",
            field="url",
        ) from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise ValidationError(
            f"the database {parsed.get_backend_name()!r} is not supported; use SQLite "
            "('sqlite:///shop.db') or PostgreSQL ('postgresql+psycopg://...')",
            field="url",
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_memory_sqlite(url: URL) -> bool:
    """Tell whether ``url`` names an SQLite database that lives in memory."""
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return database in {"", ":memory:"} or url.query.get("mode") == "memory"


def validate_schema_name(schema: str | None, backend: str) -> None:
    """Refuse a schema name SQLite cannot use, or one that is not a plain identifier.

    Raises:
        ValidationError: ``schema`` is given for SQLite, or is not a name of
            letters, digits and underscores (at most 63 characters).
    """
    if schema is None:
        return
    if backend != "postgresql":
        raise ValidationError(
            "a schema (one per tenant) is a PostgreSQL feature; leave schema out for SQLite "
            "and give each tenant a database file of its own",
            field="schema",
        )
    raw: object = schema
    if not isinstance(raw, str) or not _SCHEMA_NAME.match(raw):
        raise ValidationError(
            f"must be a schema name of letters, digits and underscores (at most 63 "
            f"characters, not starting with a digit), got {schema!r}",
            field="schema",
        )


def create(url: URL, *, lock_timeout: float, for_migrations: bool = False) -> Engine:
    """Create an engine for ``url``, prepared with `prepare_engine`.

    Args:
        url: A parsed URL (see `parse_url`).
        lock_timeout: Seconds a writer waits for another's lock before giving up.
        for_migrations: Do not pool connections (a one-off engine).

    Raises:
        MissingDependency: The database driver is not installed.
        StorageError: SQLAlchemy cannot make an engine of the URL.
    """
    options: dict[str, Any] = {}
    backend = url.get_backend_name()
    if backend == "sqlite":
        options["connect_args"] = {"timeout": lock_timeout, "check_same_thread": False}
        if is_memory_sqlite(url):
            options["poolclass"] = StaticPool
        elif for_migrations:
            options["poolclass"] = NullPool
    else:
        milliseconds = max(1, round(lock_timeout * 1000))
        # Keep the URL's own server options (``?options=-csearch_path%3Dshop``).
        given = url.query.get("options")
        given = " ".join(given) if isinstance(given, tuple) else given
        lock = f"-c lock_timeout={milliseconds}"
        options["connect_args"] = {"options": f"{given} {lock}" if given else lock}
        if for_migrations:
            options["poolclass"] = NullPool
    try:
        engine = create_engine(url, **options)
    except (NoSuchModuleError, ImportError) as error:
        extra = "postgres" if backend == "postgresql" else "sql"
        raise MissingDependency(
            f"the driver for {url.drivername!r} is not installed ({error}); "
            f"pip install 'b2b-customers[{extra}]'"
        ) from None
    except SQLAlchemyError as error:
        raise StorageError(f"cannot create a database engine: {error}") from None
    prepare_engine(engine, lock_timeout=lock_timeout)
    return engine


def prepare_engine(engine: Engine, *, lock_timeout: float) -> None:
    """Install the SQLite set-up on ``engine`` (once); PostgreSQL engines need none.

    New connections get foreign keys, a busy time-out and pysqlite's implicit
    transactions switched off; a transaction started through the engine gets
    an explicit ``BEGIN``, except a unit of work's (see `LAZY_BEGIN`).
    """
    if engine.dialect.name != "sqlite" or event.contains(engine, "begin", _begin):
        return
    memory = is_memory_sqlite(engine.url)

    def connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:  # noqa: ANN401  (a DB-API connection)
        _setup_sqlite(dbapi_connection, lock_timeout=lock_timeout, wal=not memory)
        record.info[_PREPARED] = True

    event.listen(engine, "connect", connect)
    event.listen(engine, "begin", _begin)


def prepare_sqlite_connection(connection: Connection, *, lock_timeout: float) -> None:
    """Set up a pooled SQLite connection that predates `prepare_engine` (once)."""
    if connection.info.get(_PREPARED):
        return
    dbapi_connection = connection.connection.dbapi_connection
    _setup_sqlite(dbapi_connection, lock_timeout=lock_timeout, wal=False)
    connection.info[_PREPARED] = True


def _setup_sqlite(dbapi_connection: Any, *, lock_timeout: float, wal: bool) -> None:  # noqa: ANN401  (a DB-API connection)
    dbapi_connection.isolation_level = None  # we say BEGIN ourselves
    dbapi_connection.create_function(DECIMAL_ADD, 2, _add_decimals, deterministic=True)
    dbapi_connection.create_function(DECIMAL_COVERS, 4, _covers, deterministic=True)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {max(0, round(lock_timeout * 1000))}")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _covers(limit: str, balance: str, reserved: str, amount: str) -> int:
    """Whether a credit line's available credit covers ``amount`` (all decimal texts), exactly."""
    return int(Decimal(limit) - Decimal(balance) - Decimal(reserved) >= Decimal(amount))


def _add_decimals(first: str | None, second: str | None) -> str | None:
    """Add two amounts stored as decimal text, exactly (``NULL`` if either is ``NULL``)."""
    if first is None or second is None:
        return None
    return str(Decimal(first) + Decimal(second))


def _begin(connection: Connection) -> None:
    if connection.get_execution_options().get(LAZY_BEGIN):
        return
    dbapi_connection: Any = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:  # another listener may have begun already
        connection.exec_driver_sql("BEGIN")
