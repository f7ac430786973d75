"""The shipped Alembic migrations build exactly the tables the adapter uses.

``migrate`` brings an empty database to the head revision, does nothing the
second time, and a store refuses a database that was not migrated. On
PostgreSQL every test works in a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import pathlib

import pytest
import sqlalchemy
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from b2b_customers.adapters.sql import HEAD_REVISION, SqlStore, migrate
from b2b_customers.adapters.sql.migrate import MIGRATIONS, VERSION_TABLE
from b2b_customers.adapters.sql.tables import metadata
from b2b_customers.errors import SchemaNotReady, StorageError, ValidationError
from b2b_customers.ports import CustomerQuery


@pytest.fixture
def sqlite_url(tmp_path: pathlib.Path) -> str:
    return f"sqlite:///{tmp_path / 'shop.db'}"


@pytest.fixture
def postgres_url(postgres_server_url: str) -> str:
    return postgres_server_url


def _differences(url: str, schema: str | None = None) -> list[object]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            if schema is not None:
                connection.execute(sqlalchemy.text(f'SET search_path TO "{schema}"'))
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _versions(url: str, schema: str | None = None) -> list[str]:
    engine = sqlalchemy.create_engine(url)
    table = f'"{schema}".{VERSION_TABLE}' if schema else VERSION_TABLE
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(sqlalchemy.text(f"SELECT version_num FROM {table}")).scalars()  # noqa: S608  (a schema name the test made)
            )
    finally:
        engine.dispose()


class TestTheShippedScripts:
    def test_the_head_revision_is_the_one_the_library_expects(self):
        config = Config()
        config.set_main_option("script_location", MIGRATIONS)
        assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION

    def test_the_scripts_ship_inside_the_package(self):
        location = pathlib.Path(MIGRATIONS)
        assert (location / "env.py").is_file()
        assert (location / "script.py.mako").is_file()
        assert list((location / "versions").glob("0001_*.py"))
        assert location.is_relative_to(pathlib.Path(__file__).parents[2] / "src")

    def test_alembic_refuses_to_run_the_environment_without_migrate(self):
        config = Config()
        config.set_main_option("script_location", MIGRATIONS)
        with pytest.raises(StorageError, match="migrate"):
            command.upgrade(config, "head")


@pytest.mark.sqlite
class TestMigratingSqlite:
    def test_the_migrated_schema_equals_the_tables(self, sqlite_url):
        migrate(sqlite_url)
        assert _differences(sqlite_url) == []

    def test_migrating_twice_changes_nothing(self, sqlite_url):
        migrate(sqlite_url)
        migrate(sqlite_url)
        assert _versions(sqlite_url) == [HEAD_REVISION]
        assert _differences(sqlite_url) == []

    def test_a_store_on_an_unmigrated_database_raises_schema_not_ready(self, sqlite_url):
        store = SqlStore(sqlite_url)
        try:
            with pytest.raises(SchemaNotReady, match=r"migrate\(url\)"):
                store.unit_of_work().__enter__()
            store.migrate()
            with store.unit_of_work() as uow:
                assert uow.companies.search().total == 0
        finally:
            store.dispose()

    def test_a_store_on_a_schema_of_another_revision_raises_schema_not_ready(self, sqlite_url):
        migrate(sqlite_url)
        engine = sqlalchemy.create_engine(sqlite_url)
        with engine.begin() as connection:
            connection.execute(
                sqlalchemy.text(f"UPDATE {VERSION_TABLE} SET version_num = '0000'")  # noqa: S608
            )
        engine.dispose()
        with SqlStore(sqlite_url) as store, pytest.raises(SchemaNotReady, match="0000"):
            store.unit_of_work().__enter__()

    def test_a_missing_table_raises_schema_not_ready_too(self, sqlite_url):
        migrate(sqlite_url)
        engine = sqlalchemy.create_engine(sqlite_url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text("DROP TABLE customer_tags"))
        engine.dispose()
        with (
            SqlStore(sqlite_url) as store,
            store.unit_of_work() as uow,
            pytest.raises(SchemaNotReady, match="customer_tags"),
        ):
            uow.customers.search(CustomerQuery(tag="vip"))

    def test_downgrading_removes_every_table(self, sqlite_url):
        migrate(sqlite_url)
        engine = sqlalchemy.create_engine(sqlite_url)
        config = Config()
        config.set_main_option("script_location", MIGRATIONS)
        config.attributes["schema"] = None
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with engine.connect() as connection:
            assert sqlalchemy.inspect(connection).get_table_names() == [VERSION_TABLE]
        engine.dispose()
        migrate(sqlite_url)
        assert _differences(sqlite_url) == []

    def test_an_in_memory_database_is_migrated_by_its_store(self):
        with SqlStore("sqlite://") as store, store.unit_of_work() as uow:
            assert uow.companies.search().total == 0

    def test_a_schema_name_is_refused_for_sqlite(self, sqlite_url):
        with pytest.raises(ValidationError, match="PostgreSQL"):
            migrate(sqlite_url, schema="tenant")

    def test_an_unreachable_database_raises_storage_error(self, tmp_path):
        with pytest.raises(StorageError):
            migrate(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'shop.db'}")


@pytest.mark.postgresql
class TestMigratingPostgres:
    def test_the_migrated_schema_equals_the_tables(self, postgres_url, tenant):
        migrate(postgres_url, schema=tenant)
        assert _differences(postgres_url, tenant) == []

    def test_migrating_twice_changes_nothing(self, postgres_url, tenant):
        migrate(postgres_url, schema=tenant)
        migrate(postgres_url, schema=tenant)
        assert _versions(postgres_url, tenant) == [HEAD_REVISION]
        assert _differences(postgres_url, tenant) == []

    def test_the_schema_holds_every_table_and_the_version_table(self, postgres_url, tenant):
        migrate(postgres_url, schema=tenant)
        engine = sqlalchemy.create_engine(postgres_url)
        try:
            with engine.connect() as connection:
                names = set(sqlalchemy.inspect(connection).get_table_names(schema=tenant))
        finally:
            engine.dispose()
        assert names == {*metadata.tables, VERSION_TABLE}

    def test_a_store_on_an_unmigrated_schema_raises_schema_not_ready(self, postgres_url, tenant):
        with SqlStore(postgres_url, schema=tenant) as store:
            with pytest.raises(SchemaNotReady, match=r"migrate\(url\)"):
                store.unit_of_work().__enter__()
            store.migrate()
            with store.unit_of_work() as uow:
                assert uow.companies.search().total == 0

    def test_a_bad_schema_name_is_refused(self, postgres_url):
        for name in ("", "1abc", 'a"; DROP TABLE x; --', "x" * 64):
            with pytest.raises(ValidationError):
                migrate(postgres_url, schema=name)
