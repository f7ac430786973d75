"""Fresh, migrated SQL stores for one measurement each, removed afterwards."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy

from b2b_customers.adapters.sql import SqlStore, migrate

if TYPE_CHECKING:
    from collections.abc import Iterator

    from b2b_customers.ports import Clock

__all__ = ["fresh_postgres_store", "fresh_sqlite_store"]


@contextlib.contextmanager
def fresh_sqlite_store(clock: Clock | None = None) -> Iterator[SqlStore]:
    """A migrated SQLite file in a temporary folder, deleted with it."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate(url)
        store = SqlStore(url, clock=clock)
        try:
            yield store
        finally:
            store.dispose()


@contextlib.contextmanager
def fresh_postgres_store(url: str, clock: Clock | None = None) -> Iterator[SqlStore]:
    """A migrated PostgreSQL schema of its own, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    migrate(url, schema=schema)
    store = SqlStore(url, schema=schema, clock=clock)
    try:
        yield store
    finally:
        store.dispose()
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        finally:
            engine.dispose()
