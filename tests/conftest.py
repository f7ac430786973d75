"""Test configuration: Hypothesis profiles, the PostgreSQL URL, and the database markers.

Profiles (``HYPOTHESIS_PROFILE``, or pytest's ``--hypothesis-profile``):
``ci`` (the default under ``CI=true``: more examples, derandomised), ``dev``
(the default) and ``fast`` (for the quick loop, see docs/development.md).

The PostgreSQL tests use the server at ``B2B_TEST_POSTGRES_URL`` (each test
module in schemas of its own, dropped afterwards). The old name
``B2B_POSTGRES_URL`` still works, with a note in the header of the run.

Markers choose a database: ``postgresql`` (needs the server) and ``sqlite``
(runs on SQLite files, given here, see `pytest_collection_modifyitems`).
``-m "not sqlite and not postgresql"``, ``-m "sqlite and not postgresql"`` and
``-m postgresql`` split the suite into three shares without overlap; the nox
session ``tests(database=...)`` runs one of them.
"""

from __future__ import annotations

import os
import pathlib

import pytest
from hypothesis import HealthCheck, settings

POSTGRES_URL_VARIABLE = "B2B_TEST_POSTGRES_URL"
"""The environment variable naming the PostgreSQL server the tests may use."""

DEPRECATED_POSTGRES_URL_VARIABLE = "B2B_POSTGRES_URL"
"""Its earlier name, still read."""

_deprecated_url = os.environ.get(DEPRECATED_POSTGRES_URL_VARIABLE)
if _deprecated_url and not os.environ.get(POSTGRES_URL_VARIABLE):
    os.environ[POSTGRES_URL_VARIABLE] = _deprecated_url

# The shipped contract suite asserts; let pytest explain its failures in detail.
pytest.register_assert_rewrite("b2b_customers.testing.contract")

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("fast", max_examples=5, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)

_CLI = pathlib.Path(__file__).parent / "cli"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL server's URL; the test skips without one (and fails under ``CI=true``)."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must set {POSTGRES_URL_VARIABLE}: PostgreSQL tests may not skip in CI")
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    return url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that run on SQLite files ``sqlite``, and the ERP example's contract run slow.

    The SQLite tests are those parametrized with the ``"sqlite"`` store, those
    that say SQLite in their name (``TestSqliteStore``, ``..._on_sqlite``), and
    the command line's (it keeps its data in SQLite files). PostgreSQL tests
    are marked ``postgresql`` where they are written. The contract suite run
    on the example ERP adapter (``TestJsonErpStore``) proves the example, not
    the library, which the memory and SQLite runs cover: the quick loop
    leaves it to the full run.
    """
    for item in items:
        if "sqlite" in item.nodeid.lower() or item.path.is_relative_to(_CLI):
            item.add_marker(pytest.mark.sqlite)
        if "::TestJsonErpStore::" in item.nodeid:
            item.add_marker(pytest.mark.slow)


def pytest_report_header() -> list[str]:
    """Say which PostgreSQL server the run uses, and whether by the deprecated name."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    lines = [f"PostgreSQL tests: {'on' if url else f'skipped ({POSTGRES_URL_VARIABLE} not set)'}"]
    if _deprecated_url and _deprecated_url == url:
        lines.append(
            f"note: {DEPRECATED_POSTGRES_URL_VARIABLE} is deprecated; "
            f"set {POSTGRES_URL_VARIABLE} instead"
        )
    return lines
