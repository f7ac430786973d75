"""The ``app`` fixture: the services over each of the three stores.

Every service test runs on the memory store, an SQLite file and PostgreSQL.
The PostgreSQL app uses one freshly migrated schema per test module, emptied
before each test; without ``B2B_POSTGRES_URL`` those tests skip, except under
``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
import sqlalchemy

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.adapters.sql.tables import metadata
from b2b_customers.app import App, connect
from b2b_customers.clock import ManualClock
from b2b_customers.ids import SequentialIds

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterator

NOW = datetime(2026, 4, 1, 9, tzinfo=UTC)
"""The instant every service test starts at (a Wednesday)."""

BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture(scope="module")
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A migrated PostgreSQL schema for one test module: ``(url, schema)``."""
    url = os.environ.get("B2B_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set B2B_POSTGRES_URL: PostgreSQL tests may not skip in CI")
        pytest.skip("B2B_POSTGRES_URL is not set")
    schema = f"services_{uuid.uuid4().hex[:12]}"
    migrate(url, schema=schema)
    try:
        yield url, schema
    finally:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _empty(url: str, schema: str) -> None:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(sqlalchemy.text(f'DELETE FROM "{schema}"."{table.name}"'))  # noqa: S608
    finally:
        engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """The clock every service in a test reads; starts at :data:`NOW`."""
    return ManualClock(NOW)


@pytest.fixture(params=BACKENDS)
def app(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path, clock: ManualClock
) -> Iterator[App]:
    """The services over a fresh, empty store of each kind, with a manual clock."""
    ids = SequentialIds("x-")
    if request.param == "memory":
        yield connect("memory://", clock=clock, ids=ids)
    elif request.param == "sqlite":
        yield connect(f"sqlite:///{tmp_path / 'shop.db'}", clock=clock, ids=ids)
    else:
        url, schema = request.getfixturevalue("postgres_schema")
        _empty(url, schema)
        store = SqlStore(url, schema=schema, clock=clock)
        try:
            yield App(store, ids=ids)
        finally:
            store.dispose()
