"""The library's migrations and a host application's own Alembic history share one database.

The host application here is a tiny Alembic project written to a temporary
folder: two revisions, ``0001`` and ``0002`` (the same ids as the library's
first revisions, on purpose), that make two tables of its own, with
Alembic's default ``alembic_version`` table. Both histories run in either
order, again as at the next deploy, and neither sees the other's revisions.
A database migrated by an earlier version of the library (its revision in
``alembic_version``) is moved over to the library's own version table.

On PostgreSQL each test works in a schema of its own, made the connection's
``search_path``: both histories use the default schema, as one application's
database would.
"""

from __future__ import annotations

import textwrap
import uuid
from typing import TYPE_CHECKING

import pytest
import sqlalchemy
from alembic import command
from alembic.config import Config

from b2b_customers.adapters.sql import HEAD_REVISION, SqlStore, migrate
from b2b_customers.adapters.sql.migrate import (
    LEGACY_VERSION_TABLE,
    MIGRATIONS,
    VERSION_TABLE,
    adopt_legacy_version,
)
from b2b_customers.adapters.sql.tables import metadata
from b2b_customers.domain import Company
from b2b_customers.ids import CompanyId

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterator

HOST_HEAD = "0002"
HOST_TABLES = {"host_invoices", "host_shipments"}

_HOST_ENV = """
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.begin() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
"""

_HOST_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = {down_revision!r}
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("{table}")
"""


def _host_application(folder: pathlib.Path, url: str) -> Config:
    """Write the host's Alembic project to ``folder``; return its configuration."""
    (folder / "versions").mkdir(parents=True)
    (folder / "env.py").write_text(textwrap.dedent(_HOST_ENV), encoding="utf-8")
    for revision, down_revision, table in (
        ("0001", None, "host_invoices"),
        ("0002", "0001", "host_shipments"),
    ):
        (folder / "versions" / f"{revision}_{table}.py").write_text(
            _HOST_REVISION.format(revision=revision, down_revision=down_revision, table=table),
            encoding="utf-8",
        )
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[str]:
    """The URL of an empty database (on PostgreSQL: a fresh schema as the search path)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.db'}"
        return
    server: str = request.getfixturevalue("postgres_server_url")
    schema = f"hosted_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(server)
    try:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
        url = sqlalchemy.make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def host(database: str, tmp_path: pathlib.Path) -> Config:
    """The host application's Alembic configuration, on the same database."""
    return _host_application(tmp_path / "host_migrations", database)


def _versions(url: str, table: str) -> list[str]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sqlalchemy.inspect(connection).has_table(table):
                return []
            rows = connection.execute(sqlalchemy.text(f"SELECT version_num FROM {table}"))  # noqa: S608  (one of two fixed names)
            return sorted(rows.scalars())
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return set(sqlalchemy.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _assert_both_at_head(url: str) -> None:
    assert _versions(url, VERSION_TABLE) == [HEAD_REVISION]
    assert _versions(url, LEGACY_VERSION_TABLE) == [HOST_HEAD]
    assert _tables(url) == {*metadata.tables, *HOST_TABLES, VERSION_TABLE, LEGACY_VERSION_TABLE}
    with SqlStore(url) as store, store.unit_of_work() as uow:
        uow.companies.add(Company(id=CompanyId("acme"), name="ACME GmbH", currency="EUR"))
        uow.commit()


LAST_LEGACY_REVISION = "0003"
"""The newest revision releases before the library's own version table wrote."""


def _library_at(url: str, revision: str) -> None:
    """Run the library's migrations up to ``revision`` (into its own version table)."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["schema"] = None
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def _as_an_earlier_version_left_it(url: str, revision: str = LAST_LEGACY_REVISION) -> None:
    """Put the library's revision where versions before its own table kept it."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP TABLE {VERSION_TABLE}"))
            connection.execute(
                sqlalchemy.text(
                    f"CREATE TABLE {LEGACY_VERSION_TABLE} ("
                    "version_num VARCHAR(32) NOT NULL PRIMARY KEY)"
                )
            )
            connection.execute(
                sqlalchemy.text(f"INSERT INTO {LEGACY_VERSION_TABLE} VALUES (:revision)"),  # noqa: S608
                {"revision": revision},
            )
    finally:
        engine.dispose()


class TestTwoHistoriesInOneDatabase:
    def test_the_library_first_then_the_host(self, database, host):
        migrate(database)
        command.upgrade(host, "head")
        _assert_both_at_head(database)

    def test_the_host_first_then_the_library(self, database, host):
        command.upgrade(host, "head")
        migrate(database)
        _assert_both_at_head(database)

    def test_the_next_deploy_runs_both_again_and_changes_nothing(self, database, host):
        command.upgrade(host, "head")
        migrate(database)
        migrate(database)
        command.upgrade(host, "head")
        _assert_both_at_head(database)

    def test_the_host_may_downgrade_its_history_without_touching_the_library(self, database, host):
        migrate(database)
        command.upgrade(host, "head")
        command.downgrade(host, "base")
        assert _versions(database, VERSION_TABLE) == [HEAD_REVISION]
        assert _versions(database, LEGACY_VERSION_TABLE) == []
        assert not HOST_TABLES & _tables(database)


class TestMovingAnEarlierVersionsRevision:
    def test_migrate_moves_the_revision_out_of_alembic_version(self, database, host):
        _library_at(database, LAST_LEGACY_REVISION)
        _as_an_earlier_version_left_it(database)
        migrate(database)
        assert _versions(database, VERSION_TABLE) == [HEAD_REVISION]
        assert LEGACY_VERSION_TABLE not in _tables(database)
        command.upgrade(host, "head")  # fails with "Can't locate revision" if the row stayed
        _assert_both_at_head(database)

    def test_an_older_revision_is_moved_over_and_then_upgraded(self, database):
        _library_at(database, "0002")
        _as_an_earlier_version_left_it(database, "0002")
        migrate(database)
        assert _versions(database, VERSION_TABLE) == [HEAD_REVISION]
        assert "audit_log" in _tables(database)

    def test_a_host_revision_with_the_same_id_stays_where_it_is(self, database, host):
        command.upgrade(host, "0001")  # the host's own "0001", not the library's
        engine = sqlalchemy.create_engine(database)
        try:
            with engine.begin() as connection:
                assert adopt_legacy_version(connection) is None
        finally:
            engine.dispose()
        migrate(database)
        assert _versions(database, LEGACY_VERSION_TABLE) == ["0001"]
        command.upgrade(host, "head")
        _assert_both_at_head(database)
