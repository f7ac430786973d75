"""The SQL store keeps the repository contract on PostgreSQL.

Each test class migrates a schema of its own; the tables are emptied before
every store the suite asks for (``DELETE``, quicker than ``TRUNCATE`` on small
tables), so tests stay independent. Without
``B2B_TEST_POSTGRES_URL`` the tests skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest
import sqlalchemy

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.adapters.sql.tables import metadata
from b2b_customers.testing.contract import StoreContract

if TYPE_CHECKING:
    from collections.abc import Iterator

POSTGRES_URL = os.environ.get("B2B_TEST_POSTGRES_URL")

pytestmark = pytest.mark.postgresql


@pytest.fixture(scope="module")
def postgres_url() -> str:
    """The server's URL; skips without one, except in CI, where that is a failure."""
    if not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set B2B_TEST_POSTGRES_URL: PostgreSQL tests may not skip in CI")
        pytest.skip("B2B_TEST_POSTGRES_URL is not set")
    return POSTGRES_URL


@pytest.fixture(scope="class")
def tenant(postgres_url: str) -> Iterator[tuple[sqlalchemy.Engine, str]]:
    """A freshly migrated schema and an engine shared by the stores of one test class."""
    schema = f"contract_{uuid.uuid4().hex[:12]}"
    migrate(postgres_url, schema=schema)
    engine = sqlalchemy.create_engine(
        postgres_url, connect_args={"options": "-c lock_timeout=10000"}
    )
    try:
        yield engine, schema
    finally:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


# Children first; DELETE is much quicker than TRUNCATE on tables this small.
_EMPTY = [
    f'DELETE FROM "{{schema}}"."{table.name}"'  # noqa: S608  (our own table names)
    for table in reversed(metadata.sorted_tables)
]


class TestPostgresStore(StoreContract):
    property_examples = 15

    @pytest.fixture(autouse=True)
    def _tenant(self, tenant: tuple[sqlalchemy.Engine, str]) -> None:
        self._engine, self._schema = tenant

    def make_store(self, clock):
        with self._engine.begin() as connection:
            for statement in _EMPTY:
                connection.execute(sqlalchemy.text(statement.format(schema=self._schema)))
        return SqlStore(self._engine, schema=self._schema, clock=clock)
