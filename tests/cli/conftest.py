"""Running the command line in-process on SQLite files (and PostgreSQL for ``db upgrade``)."""

from __future__ import annotations

import pathlib
import shutil
import sqlite3

import pytest
from attrs import frozen

from b2b_customers.adapters.sql import migrate
from b2b_customers.cli import main

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "data"
"""The example import files the docs describe."""


@frozen
class Result:
    """What one run of the command line did."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``b2b-customers`` with the given arguments in-process; return a `Result`."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main([str(item) for item in argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """An empty, migrated SQLite file to copy (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def shop(tmp_path: pathlib.Path, migrated_template: pathlib.Path) -> str:
    """The URL of a fresh, migrated, empty SQLite file."""
    return fresh_copy(migrated_template, tmp_path / "shop.db")


def fresh_copy(template: pathlib.Path, path: pathlib.Path) -> str:
    """Copy the migrated template to ``path``; return its URL."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of an SQLite database, to compare before and after."""
    path = url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)  # noqa: S608
            for table in tables
        }
    finally:
        connection.close()


WALKTHROUGH = ("companies", "customers", "contacts", "limits", "credit")
"""Every example file, in the order the docs import them."""


def import_examples(
    cli, url: str, kinds: tuple[str, ...] = ("companies", "customers", "contacts")
) -> None:
    """Import example files into ``url`` (by default the people: no limits, no credit)."""
    for kind in kinds:
        result = cli("import", kind, EXAMPLES / f"{kind}.csv", "--url", url)
        assert result.code == 0, result.err
