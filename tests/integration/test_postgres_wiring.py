"""The PostgreSQL server CI starts is really there.

Under ``CI=true`` a missing ``B2B_TEST_POSTGRES_URL`` fails the run: PostgreSQL
tests never skip silently in CI. Elsewhere they skip, saying why.
"""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get("B2B_TEST_POSTGRES_URL")


def test_ci_provides_a_postgres_url():
    if os.environ.get("CI") != "true":
        pytest.skip("not in CI; set B2B_TEST_POSTGRES_URL to run the PostgreSQL tests")
    assert POSTGRES_URL, (
        "CI must export B2B_TEST_POSTGRES_URL (.ci/run does); PostgreSQL tests may not skip"
    )


@pytest.mark.postgresql
@pytest.mark.skipif(not POSTGRES_URL, reason="B2B_TEST_POSTGRES_URL is not set")
def test_connects_to_postgres_and_runs_a_query():
    sqlalchemy = pytest.importorskip("sqlalchemy")
    engine = sqlalchemy.create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            version = connection.execute(sqlalchemy.text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()
    assert int(str(version).split(".")[0]) >= 13
