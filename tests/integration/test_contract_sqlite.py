"""The SQL store keeps the repository contract on SQLite (a database file per test)."""

from __future__ import annotations

import shutil
import uuid
from typing import TYPE_CHECKING

import pytest

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.testing.contract import StoreContract

if TYPE_CHECKING:
    import pathlib


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """An SQLite file migrated once; every store starts from a copy of it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


class TestSqliteStore(StoreContract):
    property_examples = 20

    @pytest.fixture(autouse=True)
    def _database_files(self, tmp_path: pathlib.Path, migrated_template: pathlib.Path) -> None:
        self._directory = tmp_path
        self._template = migrated_template

    def make_store(self, clock):
        path = self._directory / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self._template, path)
        return SqlStore(f"sqlite:///{path}", clock=clock)

    def dispose_store(self, store):
        assert isinstance(store, SqlStore)
        store.dispose()
