"""Eight processes placing orders against one shared credit line, on PostgreSQL.

Ours: :func:`b2b_customers.testing.concurrency.race_for_credit`: ``--workers``
processes (8) each place ``--orders`` orders (1,000) through
``app.orders.place`` against one credit line that covers about three quarters
of them. Each order is a whole use case: authorize, read the company, the
buyer, the limits and the credit line, decide, reserve the credit, record the
order with its spend and its events, commit; a version conflict starts the
unit of work again (at most three attempts). Afterwards the run is checked:
reserved == placed orders' totals <= limit, and the ledger replays to the
account.

Baseline: the same processes, the same number of attempts, each one a raw
conditional ``UPDATE ... SET reserved = reserved + :amount WHERE id = :id AND
credit_limit - reserved >= :amount`` in its own transaction on the driver's
connection (psycopg), against a one-row table in the same database.

Target (issue 6): baseline throughput / ours <= 2.

Needs ``B2B_POSTGRES_URL``; runs in a fresh schema, dropped afterwards.

Run: python benchmarks/bench_concurrent_orders.py [--workers 8] [--orders 1000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import sqlalchemy
from moneyed import Money

sys.path.insert(0, str(Path(__file__).parent))

from timing import Result, report

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.testing.concurrency import prepare_race, race_for_credit

if TYPE_CHECKING:
    import threading

ORDER_TOTAL = Money("10.00", "EUR")


def raw_worker(dsn: str, schema: str, attempts: int, ready: threading.Barrier) -> tuple[int, float]:
    """Reserve ``attempts`` times with a conditional UPDATE; return (reserved, seconds)."""
    reserved = 0
    with psycopg.connect(dsn, autocommit=True) as connection:
        sql = (
            f'UPDATE "{schema}".raw_credit SET reserved = reserved + %s '  # noqa: S608
            "WHERE id = 1 AND credit_limit - reserved >= %s"
        )
        amount = ORDER_TOTAL.amount
        ready.wait()
        began = time.perf_counter()
        for _ in range(attempts):
            with connection.transaction():
                reserved += connection.execute(sql, (amount, amount)).rowcount
        return reserved, time.perf_counter() - began


def raw_race(dsn: str, schema: str, workers: int, attempts: int, limit: Money) -> tuple[float, int]:
    """Run the baseline; return (throughput per second, orders reserved)."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(
            f'CREATE TABLE "{schema}".raw_credit '
            "(id integer PRIMARY KEY, credit_limit numeric NOT NULL, reserved numeric NOT NULL)"
        )
        connection.execute(
            f'INSERT INTO "{schema}".raw_credit VALUES (1, %s, 0)',  # noqa: S608
            (limit.amount,),
        )
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ready = manager.Barrier(workers + 1)
        with context.Pool(workers) as pool:
            pending = [
                pool.apply_async(raw_worker, (dsn, schema, attempts, ready)) for _ in range(workers)
            ]
            ready.wait()
            began = time.perf_counter()
            outcomes = [result.get() for result in pending]
            seconds = time.perf_counter() - began
    with psycopg.connect(dsn) as connection:
        row = connection.execute(f'SELECT reserved FROM "{schema}".raw_credit').fetchone()  # noqa: S608
    placed = sum(count for count, _ in outcomes)
    if row is None or not row[0] == ORDER_TOTAL.amount * placed <= limit.amount:
        raise SystemExit(f"the raw baseline over-committed: {row}")
    return workers * attempts / seconds, placed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--orders", type=int, default=1000, help="orders per worker")
    args = parser.parse_args()
    url = os.environ.get("B2B_POSTGRES_URL")
    if not url:
        sys.exit("set B2B_POSTGRES_URL (postgresql+psycopg://...) to run this benchmark")
    dsn = (
        sqlalchemy.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    attempts = args.workers * args.orders
    limit = ORDER_TOTAL * (attempts * 3 // 4)  # about a quarter of the orders find the line used up

    schema = f"bench_race_{uuid.uuid4().hex[:10]}"
    migrate(url, schema=schema)
    try:
        store = SqlStore(url, schema=schema)
        prepare_race(store, credit_limit=limit)
        store.dispose()
        race = race_for_credit(
            url,
            schema=schema,
            workers=args.workers,
            orders_each=args.orders,
            order_total=ORDER_TOTAL,
            credit_limit=limit,
        )
        race.check()
        raw_throughput, raw_placed = raw_race(dsn, schema, args.workers, args.orders, limit)
    finally:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()

    gave_up = sum(tally.gave_up for tally in race.tallies)
    print(
        f"{args.workers} workers x {args.orders:,} orders of {ORDER_TOTAL} "
        f"against a line of {limit}"
    )
    print(
        f"ours: {race.placed:,} placed, {race.attempted - race.placed - gave_up:,} refused, "
        f"{gave_up:,} gave up after retries; reserved {race.account.reserved} "
        f"(checked against the ledger); {race.throughput:,.0f} orders/s"
    )
    print(f"raw UPDATE: {raw_placed:,} reserved; {raw_throughput:,.0f} attempts/s\n")
    report(
        [
            Result(
                "seconds per order, all workers (ours vs raw UPDATE)",
                1 / race.throughput,
                1 / raw_throughput,
                "<= 2x",
            )
        ]
    )


if __name__ == "__main__":
    main()
