"""Creating and upgrading the schema with Alembic, from code: no ``alembic.ini`` needed.

The migration scripts ship inside the package
(``b2b_customers/adapters/sql/migrations``). :func:`migrate` runs every
script the database has not seen yet, in one transaction, and records the
revision in ``alembic_version`` (in the tenant's schema, when one is given).
Running it again does nothing.
"""

from __future__ import annotations

import importlib.resources
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateSchema

from b2b_customers.adapters.sql import engines
from b2b_customers.adapters.sql.errors import translate
from b2b_customers.errors import B2BError, StorageError

__all__ = ["HEAD_REVISION", "MIGRATIONS", "migrate"]

HEAD_REVISION: Final = "0004"
"""The schema revision this version of the library works with."""

MIGRATIONS: Final = str(importlib.resources.files("b2b_customers.adapters.sql") / "migrations")
"""Where the Alembic scripts are (``env.py``, ``versions/``)."""

_MIGRATION_LOCK = 1647469157
_DEFAULT_LOCK_TIMEOUT = 60.0


def migrate(url: str | URL | Engine, *, schema: str | None = None) -> None:
    """Bring the database at ``url`` to the newest schema: create it, or upgrade it.

    Safe to run at every start of an application: a database that is up to
    date is left alone. On PostgreSQL the schema is created if it is missing,
    and concurrent runs wait for each other.

    Args:
        url: A database URL (``"sqlite:///shop.db"``,
            ``"postgresql+psycopg://user:password@host/db"``) or an engine.
        schema: The PostgreSQL schema to keep the tables in (one per tenant).

    Raises:
        ValidationError: The URL or schema name is not usable.
        StorageError: The database failed, or holds a revision this version of
            the library does not know (it is newer).
    """
    if isinstance(url, Engine):
        engine = url
        owns_engine = False
        engines.prepare_engine(engine, lock_timeout=_DEFAULT_LOCK_TIMEOUT)
    else:
        engine = engines.create(
            engines.parse_url(url), lock_timeout=_DEFAULT_LOCK_TIMEOUT, for_migrations=True
        )
        owns_engine = True
    try:
        engines.validate_schema_name(schema, engine.dialect.name)
        _upgrade(engine, schema)
    finally:
        if owns_engine:
            engine.dispose()


def _upgrade(engine: Engine, schema: str | None) -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["schema"] = schema
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:kind, 0)"), {"kind": _MIGRATION_LOCK}
                )
                if schema is not None:
                    connection.execute(CreateSchema(schema, if_not_exists=True))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except B2BError:
        raise
    except SQLAlchemyError as error:
        raise translate(error) from error
    except CommandError as error:
        raise StorageError(
            f"cannot migrate the schema: {error}; is the database used by a newer version "
            "of b2b-customers?"
        ) from error
