"""Orders race for one company's credit line and budgets: nothing is ever over-committed.

Eight processes on PostgreSQL, four on an SQLite file and eight threads on the
memory store place orders on one company at the same time, through
``app.orders.place``, in four set-ups: (a) a credit line only, (b) a monthly
budget that denies past it and no credit line, (c) both, (d) a monthly budget
that asks for approval past it. Afterwards, from the store's own records:
the credit reserved equals what the open orders hold, stays within the line
and agrees with the ledger; a deny budget's spend never passes it; the orders
placed without approval never pass an approval budget; and every order was
placed, is pending approval, or was refused with one of the library's errors.
The figures are exact: the set-ups are sized so that a known share fits.

``B2B_RACE_ORDERS`` sets the orders per worker (60 by default, to stay within
CI's time on a 2-core machine); ``benchmarks/bench_concurrent_orders.py``
runs the issue's full 8 x 1,000 on PostgreSQL with the same checks.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest
import sqlalchemy
from moneyed import Money

from b2b_customers.adapters.memory import MemoryStore
from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.limits import OnExceed
from b2b_customers.testing.concurrency import (
    RaceReport,
    RaceSetup,
    prepare_race,
    race_in_processes,
    race_in_threads,
)

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Callable, Iterator

pytestmark = pytest.mark.slow

ORDERS_EACH = int(os.environ.get("B2B_RACE_ORDERS", "60"))
TOTAL = Money("10.00", "EUR")


def _setups(orders: int) -> dict[str, tuple[RaceSetup, int, int]]:
    """Each set-up, with how many orders are placed outright and how many wait for approval."""
    three_quarters, half = TOTAL * (orders * 3 // 4), TOTAL * (orders // 2)
    return {
        "credit": (RaceSetup(order_total=TOTAL, credit_limit=three_quarters), orders * 3 // 4, 0),
        "deny-budget": (RaceSetup(order_total=TOTAL, budget=three_quarters), orders * 3 // 4, 0),
        "both": (
            RaceSetup(order_total=TOTAL, credit_limit=half, budget=three_quarters),
            orders // 2,
            0,
        ),
        "approval-budget": (
            RaceSetup(
                order_total=TOTAL,
                credit_limit=TOTAL * orders,
                budget=half,
                budget_outcome=OnExceed.APPROVAL,
            ),
            orders // 2,
            orders - orders // 2,
        ),
    }


SETUPS = list(_setups(8))


def _run_and_check(race: Callable[[RaceSetup, int], RaceReport], workers: int, name: str) -> None:
    setup, placed, pending = _setups(workers * ORDERS_EACH)[name]
    report = race(setup, workers)
    report.check()
    assert report.attempted == workers * ORDERS_EACH
    assert (report.placed, sum(t.pending for t in report.tallies)) == (placed, pending)


@pytest.fixture
def postgres_race(postgres_server_url: str) -> Iterator[Callable[[RaceSetup, int], RaceReport]]:
    postgres_url = postgres_server_url
    schema = f"race_{uuid.uuid4().hex[:12]}"
    migrate(postgres_url, schema=schema)

    def race(setup: RaceSetup, workers: int) -> RaceReport:
        store = SqlStore(postgres_url, schema=schema)
        prepare_race(store, setup)
        store.dispose()
        return race_in_processes(
            postgres_url, setup, schema=schema, workers=workers, orders_each=ORDERS_EACH
        )

    try:
        yield race
    finally:
        engine = sqlalchemy.create_engine(postgres_url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.mark.postgresql
@pytest.mark.parametrize("name", SETUPS)
def test_eight_processes_on_postgresql(
    postgres_race: Callable[[RaceSetup, int], RaceReport], name: str
) -> None:
    _run_and_check(postgres_race, 8, name)


@pytest.mark.parametrize("name", SETUPS)
def test_four_processes_on_an_sqlite_file(tmp_path: pathlib.Path, name: str) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    migrate(url)

    def race(setup: RaceSetup, workers: int) -> RaceReport:
        store = SqlStore(url)
        prepare_race(store, setup)
        store.dispose()
        return race_in_processes(url, setup, workers=workers, orders_each=ORDERS_EACH)

    _run_and_check(race, 4, name)


@pytest.mark.parametrize("name", SETUPS)
def test_eight_threads_on_the_memory_store(name: str) -> None:
    def race(setup: RaceSetup, workers: int) -> RaceReport:
        store = MemoryStore()
        prepare_race(store, setup)
        return race_in_threads(store, setup, workers=workers, orders_each=ORDERS_EACH)

    _run_and_check(race, 8, name)
