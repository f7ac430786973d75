"""Opening the database a command works on, with errors that say which command fixes them.

Every command but ``db upgrade`` works on a database that exists and is
migrated: an SQLite file that is not there is refused (instead of being
created empty), and a schema that is missing or out of date is reported with
the ``b2b-customers db upgrade`` command line that fixes it.
"""

from __future__ import annotations

import contextlib
import pathlib
import re
from typing import TYPE_CHECKING

from b2b_customers.cli.passwords import shown
from b2b_customers.errors import MissingDependency, SchemaNotReady, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from b2b_customers.adapters.sql import SqlStore
    from b2b_customers.ports import Clock

__all__ = ["require_database_url", "sqlite_path", "store_at", "upgrade", "upgrade_hint"]

_SQLITE_FILE = re.compile(r"^sqlite(\+\w+)?:///(?P<path>[^?]+)")


def upgrade_hint(url: str, schema: str | None) -> str:
    """Return the command line that creates or upgrades the schema at ``url``."""
    option = f" --schema {schema}" if schema else ""
    return f"run `b2b-customers db upgrade --url {shown(url)}{option}`"


def sqlite_path(url: str) -> pathlib.Path | None:
    """Return the file an ``sqlite:///path`` URL names, or ``None`` for any other URL."""
    match = _SQLITE_FILE.match(url)
    if match is None or match.group("path") == ":memory:":
        return None
    return pathlib.Path(match.group("path"))


def require_database_url(url: str) -> None:
    """Refuse a URL the command line cannot keep data in.

    Raises:
        ValidationError: ``url`` is neither an SQLite file nor a PostgreSQL database.
    """
    if not url.startswith(("sqlite", "postgres")):
        raise ValidationError(
            f"the command line works on SQLite or PostgreSQL, not {shown(url)!r}; give "
            "--url sqlite:///shop.db or --url postgresql+psycopg://user:password@host/db",
            field="--url",
        )
    if url in {"sqlite://", "sqlite:///:memory:"}:
        raise ValidationError(
            "an SQLite database in memory is gone when the command ends; give a file, "
            "such as --url sqlite:///shop.db",
            field="--url",
        )


@contextlib.contextmanager
def store_at(
    url: str, *, schema: str | None = None, clock: Clock | None = None
) -> Iterator[SqlStore]:
    """Open the migrated database at ``url`` for one command; close it afterwards.

    Args:
        url: ``sqlite:///path.db`` or ``postgresql+psycopg://user:password@host/db``.
        schema: The PostgreSQL schema (one per tenant).
        clock: The store's clock (the system's by default).

    Raises:
        ValidationError: The URL is not a usable database URL.
        SchemaNotReady: The SQLite file does not exist, or the schema is
            missing or out of date (the message names the command that fixes it).
        MissingDependency: The ``sql`` extra is not installed.
        StorageError: The database cannot be reached.
    """
    require_database_url(url)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise SchemaNotReady(
            f"there is no database file at {path}; create it with "
            f"`b2b-customers db upgrade --url {url}`"
        )
    store = _sql_store(url, schema, clock)
    try:
        yield store
    except SchemaNotReady as error:
        raise SchemaNotReady(
            f"{_without_python_hint(error)}; {upgrade_hint(url, schema)}"
        ) from None
    finally:
        store.dispose()


def upgrade(url: str, schema: str | None = None) -> str:
    """Create or upgrade the schema at ``url``; return the revision it is at now.

    Raises:
        ValidationError: The URL or schema name is not usable.
        MissingDependency: The ``sql`` extra is not installed.
        StorageError: The database cannot be reached, failed, or is newer than
            this version of the library.
    """
    require_database_url(url)
    _sql_adapter()
    from b2b_customers.adapters.sql import HEAD_REVISION, migrate  # noqa: PLC0415

    migrate(url, schema=schema)
    return HEAD_REVISION


def _sql_adapter() -> None:
    try:
        import b2b_customers.adapters.sql  # noqa: F401, PLC0415
    except ImportError:
        raise MissingDependency(
            'the command line keeps its data in SQL: pip install "b2b-customers[sql]" '
            '(and "b2b-customers[postgres]" for PostgreSQL)'
        ) from None


def _sql_store(url: str, schema: str | None, clock: Clock | None) -> SqlStore:
    _sql_adapter()
    from b2b_customers.adapters.sql import SqlStore  # noqa: PLC0415

    return SqlStore(url, schema=schema, clock=clock)


def _without_python_hint(error: SchemaNotReady) -> str:
    from b2b_customers.adapters.sql.errors import MIGRATE_HINT  # noqa: PLC0415

    return str(error).removesuffix(f"; {MIGRATE_HINT}")
