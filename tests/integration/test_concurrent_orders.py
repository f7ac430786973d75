"""Eight processes race for one credit line on PostgreSQL: credit is never over-committed.

Each worker process places orders through ``app.orders.place`` with a store of
its own; the line covers three quarters of them. Afterwards the reserved total
equals the placed orders' totals, stays within the limit, and the ledger
replays to the account.

``B2B_RACE_ORDERS`` sets the orders per worker: 150 by default, so that the
race stays within CI's time on a 2-core machine (each order is a whole use
case, and the orders queue on the line's lock); issue 6's full figure, 8 x
1,000, is ``B2B_RACE_ORDERS=1000`` or ``benchmarks/bench_concurrent_orders.py``,
which runs the same check.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest
import sqlalchemy
from moneyed import Money

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.testing.concurrency import prepare_race, race_for_credit

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]

WORKERS = 8
ORDERS_EACH = int(os.environ.get("B2B_RACE_ORDERS", "150"))
ORDER_TOTAL = Money("10.00", "EUR")
LIMIT = ORDER_TOTAL * (WORKERS * ORDERS_EACH * 3 // 4)


@pytest.fixture
def race_schema() -> Iterator[tuple[str, str]]:
    url = os.environ.get("B2B_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set B2B_TEST_POSTGRES_URL: PostgreSQL tests may not skip in CI")
        pytest.skip("B2B_TEST_POSTGRES_URL is not set")
    schema = f"race_{uuid.uuid4().hex[:12]}"
    migrate(url, schema=schema)
    try:
        yield url, schema
    finally:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_eight_processes_never_over_commit_one_credit_line(race_schema: tuple[str, str]) -> None:
    url, schema = race_schema
    store = SqlStore(url, schema=schema)
    prepare_race(store, credit_limit=LIMIT)
    store.dispose()

    report = race_for_credit(
        url,
        schema=schema,
        workers=WORKERS,
        orders_each=ORDERS_EACH,
        order_total=ORDER_TOTAL,
        credit_limit=LIMIT,
    )

    report.check()
    assert report.attempted == WORKERS * ORDERS_EACH
    # The line covers exactly three quarters: every covered order is placed (the
    # queue on the locked account leaves nobody giving up), the rest refused.
    assert report.placed == WORKERS * ORDERS_EACH * 3 // 4
    assert report.account.reserved == LIMIT
    assert all(tally.gave_up == 0 for tally in report.tallies)
