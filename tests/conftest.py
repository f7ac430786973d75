"""Test configuration: Hypothesis profiles, the PostgreSQL URL, and the database markers.

Profiles (``HYPOTHESIS_PROFILE``, or pytest's ``--hypothesis-profile``):
``ci`` (the default under ``CI=true``: more examples, derandomised), ``dev``
(the default) and ``fast`` (for the quick loop, see docs/development.md).

The PostgreSQL tests use the server at ``B2B_TEST_POSTGRES_URL`` (each test
module in schemas of its own, dropped afterwards). The old name
``B2B_POSTGRES_URL`` still works, with a note in the header of the run.

Markers choose a database: ``postgresql`` (needs the server) and ``sqlite``
(runs on SQLite files); a test parametrized over the stores gets the marker
of its store here, so ``-m sqlite`` or ``-m "not sqlite and not postgresql"``
runs one database's share of the suite (``nox -s tests`` does).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

POSTGRES_URL_VARIABLE = "B2B_TEST_POSTGRES_URL"
"""The environment variable naming the PostgreSQL server the tests may use."""

DEPRECATED_POSTGRES_URL_VARIABLE = "B2B_POSTGRES_URL"
"""Its earlier name, still read."""

_deprecated_url = os.environ.get(DEPRECATED_POSTGRES_URL_VARIABLE)
if _deprecated_url and not os.environ.get(POSTGRES_URL_VARIABLE):
    os.environ[POSTGRES_URL_VARIABLE] = _deprecated_url
if os.environ.get(POSTGRES_URL_VARIABLE):
    # Tests written before the rename read the old name; both say the same.
    os.environ[DEPRECATED_POSTGRES_URL_VARIABLE] = os.environ[POSTGRES_URL_VARIABLE]

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
settings.register_profile("fast", max_examples=10, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)

_STORE_MARKERS = {"sqlite": pytest.mark.sqlite, "postgresql": pytest.mark.postgresql}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark a test parametrized with a store (``"sqlite"``, ``"postgresql"``) for that database."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        for value in callspec.params.values():
            marker = _STORE_MARKERS.get(value) if isinstance(value, str) else None
            if marker is not None:
                item.add_marker(marker)


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
