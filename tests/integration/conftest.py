"""What the integration tests share: a PostgreSQL schema of their own, dropped afterwards."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
import sqlalchemy

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def tenant(postgres_server_url: str) -> Iterator[str]:
    """A schema name not yet in the database; dropped (if made) after the test."""
    schema = f"it_{uuid.uuid4().hex[:12]}"
    yield schema
    engine = sqlalchemy.create_engine(postgres_server_url)
    try:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()
