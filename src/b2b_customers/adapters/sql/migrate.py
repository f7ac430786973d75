"""Creating and upgrading the schema with Alembic, from code: no ``alembic.ini`` needed.

The migration scripts ship inside the package
(``b2b_customers/adapters/sql/migrations``). [`migrate`][b2b_customers.adapters.sql.migrate.migrate]
runs every script the database has not seen yet, in one transaction, and records the
revision in a version table of the library's own, ``b2b_customers_alembic_version``
(in the tenant's schema, when one is given). Alembic's default
``alembic_version`` table is left to the host application's own migrations,
so both histories live in one database. Running it again does nothing.

Earlier versions of the library recorded their revision in ``alembic_version``;
``migrate`` moves that row over the first time it runs (see
``adopt_legacy_version``).
"""

from __future__ import annotations

import importlib.resources
import logging
from typing import TYPE_CHECKING, Final

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Column, MetaData, String, Table, delete, insert, inspect, select, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateSchema

from b2b_customers.adapters.sql import engines
from b2b_customers.adapters.sql.errors import translate
from b2b_customers.errors import B2BError, StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = ["HEAD_REVISION", "MIGRATIONS", "VERSION_TABLE", "adopt_legacy_version", "migrate"]

HEAD_REVISION: Final = "0010"
"""The schema revision this version of the library works with."""

MIGRATIONS: Final = str(importlib.resources.files("b2b_customers.adapters.sql") / "migrations")
"""Where the Alembic scripts are (``env.py``, ``versions/``)."""

VERSION_TABLE: Final = "b2b_customers_alembic_version"
"""The table the library's migrations record their revision in (not Alembic's default)."""

LEGACY_VERSION_TABLE: Final = "alembic_version"
"""Where earlier versions recorded the library's revision (Alembic's default table)."""

_COMPANY_TABLES = ("companies", "company_tags", "company_custom_fields", "locations")
_CUSTOMER_TABLES = ("customers", "customer_tags", "memberships", "contact_assignments")
_GROUP_TABLES = ("customer_groups", "customer_group_members")
_ORDER_TABLES = ("purchasing_limits", "credit_accounts", "credit_coverage", "ledger_entries")
_SPEND_TABLES = ("orders", "spend_buckets", "outbox")
_REVISION_0001 = (
    *_COMPANY_TABLES,
    *_CUSTOMER_TABLES,
    *_GROUP_TABLES,
    *_ORDER_TABLES,
    *_SPEND_TABLES,
)
_REVISION_0002 = (
    *_REVISION_0001,
    "approval_requests",
    "approval_policies",
    "approval_groups",
    "approver_limits",
)
_LEGACY_REVISIONS: Final = {
    "0001": _REVISION_0001,
    "0002": _REVISION_0002,
    "0003": (*_REVISION_0002, "audit_log"),
}
"""The revisions older releases wrote into ``alembic_version``, with the tables each implies.

A row is only taken for the library's when its tables are there too: a host
application whose own revision happens to be called ``0001`` keeps it.
"""

_MIGRATION_LOCK = 1647469157
_DEFAULT_LOCK_TIMEOUT = 60.0

_log = logging.getLogger(__name__)


def migrate(url: str | URL | Engine, *, schema: str | None = None) -> None:
    """Bring the database at ``url`` to the newest schema: create it, or upgrade it.

    Safe to run at every start of an application: a database that is up to
    date is left alone. On PostgreSQL the schema is created if it is missing,
    and concurrent runs wait for each other. The revision is kept in the
    table ``b2b_customers_alembic_version``, so the host application's own
    Alembic history (in ``alembic_version``) is neither read nor changed.

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


def adopt_legacy_version(connection: Connection, schema: str | None = None) -> str | None:
    """Move the library's revision out of ``alembic_version`` into its own version table.

    Earlier versions of the library kept their revision (``0001`` to ``0003``) in
    Alembic's default table, where it clashed with the host application's
    own migrations. When the library's own table is not there yet and
    ``alembic_version`` holds one of those revisions (with the tables that
    revision made), the row moves to ``b2b_customers_alembic_version``;
    ``alembic_version`` is dropped if that leaves it empty. Anything else in
    ``alembic_version`` (the host's history) stays as it is.
    ``migrate`` calls this in its transaction; call it yourself only to
    move a database over without upgrading it.

    Args:
        connection: A connection inside a transaction (committed by the caller).
        schema: The PostgreSQL schema the library's tables are in.

    Returns:
        The revision moved over, or ``None`` when there was nothing to move.
    """
    inspector = inspect(connection)
    if inspector.has_table(VERSION_TABLE, schema=schema) or not inspector.has_table(
        LEGACY_VERSION_TABLE, schema=schema
    ):
        return None
    legacy = _version_table(LEGACY_VERSION_TABLE, schema)
    found = set(connection.execute(select(legacy.c.version_num)).scalars())
    tables = set(inspector.get_table_names(schema=schema))
    ours = [
        revision
        for revision, needs in _LEGACY_REVISIONS.items()
        if revision in found and tables.issuperset(needs)
    ]
    if len(ours) != 1:
        return None
    revision = ours[0]
    own = _version_table(VERSION_TABLE, schema)
    own.create(connection)
    connection.execute(insert(own).values(version_num=revision))
    connection.execute(delete(legacy).where(legacy.c.version_num == revision))
    if found == {revision}:
        legacy.drop(connection)
    _log.info(
        "moved the b2b-customers schema revision %s from %s to %s%s",
        revision,
        LEGACY_VERSION_TABLE,
        VERSION_TABLE,
        f" in schema {schema}" if schema else "",
    )
    return revision


def _version_table(name: str, schema: str | None) -> Table:
    return Table(
        name, MetaData(), Column("version_num", String(32), primary_key=True), schema=schema
    )


def _upgrade(engine: Engine, schema: str | None) -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["schema"] = schema
    where = f"schema {schema}" if schema else engine.url.render_as_string(hide_password=True)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:kind, 0)"), {"kind": _MIGRATION_LOCK}
                )
                if schema is not None:
                    connection.execute(CreateSchema(schema, if_not_exists=True))
            adopt_legacy_version(connection, schema)
            before = _current_revision(connection, schema)
            if before == HEAD_REVISION:
                _log.debug("b2b-customers schema of %s is up to date (%s)", where, before)
                return
            _log.info(
                "migrating the b2b-customers schema of %s from %s to %s",
                where,
                before or "empty",
                HEAD_REVISION,
            )
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
    _log.info("b2b-customers schema of %s is at revision %s", where, HEAD_REVISION)


def _current_revision(connection: Connection, schema: str | None) -> str | None:
    context = MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE, "version_table_schema": schema}
    )
    return context.get_current_revision()
