"""Eight processes placing orders against one shared credit line, on PostgreSQL.

Ours: `b2b_customers.testing.concurrency.race_in_processes`: ``--workers``
processes (8) each place ``--orders`` orders (1,000) through
``app.orders.place`` against one credit line that covers about three quarters
of them. Each order is a whole use case: authorize, read the company, the
buyer, the limits and the credit line, decide, record the order with its
spend, reserve the credit in one conditional ``UPDATE`` (re-deciding if the
line was spent meanwhile), write its events and audit entries, commit.
Afterwards the run is checked: reserved == placed orders' totals <= limit,
the reservation rows agree, and the ledger replays to the account.

Baselines: the same processes, the same number of attempts, on the driver's
connection (psycopg), in the same database:

* **raw order** (issue 11's): one transaction doing the conditional ``UPDATE
  ... SET reserved = reserved + :amount WHERE id = :id AND credit_limit -
  reserved >= :amount`` of a credit row and the ``INSERT`` of an order row.
* **raw UPDATE** (issue 6's): the conditional ``UPDATE`` alone.

Target (issue 11): ours / raw order <= 3.

Needs ``B2B_TEST_POSTGRES_URL``; runs in a fresh schema, dropped afterwards.

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
from b2b_customers.testing.concurrency import RaceSetup, prepare_race, race_in_processes

if TYPE_CHECKING:
    import threading

ORDER_TOTAL = Money("10.00", "EUR")


def raw_worker(
    dsn: str, schema: str, attempts: int, ready: threading.Barrier, *, with_order: bool
) -> tuple[int, float]:
    """Reserve ``attempts`` times (and record an order row); return (reserved, seconds)."""
    reserved = 0
    with psycopg.connect(dsn, autocommit=True) as connection:
        sql = (
            f'UPDATE "{schema}".raw_credit SET reserved = reserved + %s '  # noqa: S608
            "WHERE id = 1 AND credit_limit - reserved >= %s"
        )
        insert = f'INSERT INTO "{schema}".raw_orders (id, total) VALUES (%s, %s)'  # noqa: S608
        amount = ORDER_TOTAL.amount
        ready.wait()
        began = time.perf_counter()
        for _ in range(attempts):
            with connection.transaction():
                taken = connection.execute(sql, (amount, amount)).rowcount
                if taken and with_order:
                    connection.execute(insert, (uuid.uuid4().hex, amount))
                reserved += taken
        return reserved, time.perf_counter() - began


def raw_race(
    dsn: str, schema: str, workers: int, attempts: int, limit: Money, *, with_order: bool
) -> tuple[float, int]:
    """Run a baseline; return (throughput per second, orders reserved)."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP TABLE IF EXISTS "{schema}".raw_credit')
        connection.execute(f'DROP TABLE IF EXISTS "{schema}".raw_orders')
        connection.execute(
            f'CREATE TABLE "{schema}".raw_credit '
            "(id integer PRIMARY KEY, credit_limit numeric NOT NULL, reserved numeric NOT NULL)"
        )
        connection.execute(
            f'CREATE TABLE "{schema}".raw_orders (id text PRIMARY KEY, total numeric NOT NULL)'
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
                pool.apply_async(
                    raw_worker, (dsn, schema, attempts, ready), {"with_order": with_order}
                )
                for _ in range(workers)
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
    url = os.environ.get("B2B_TEST_POSTGRES_URL")
    if not url:
        sys.exit("set B2B_TEST_POSTGRES_URL (postgresql+psycopg://...) to run this benchmark")
    dsn = (
        sqlalchemy.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    attempts = args.workers * args.orders
    limit = ORDER_TOTAL * (attempts * 3 // 4)  # about a quarter of the orders find the line used up

    setup = RaceSetup(order_total=ORDER_TOTAL, credit_limit=limit)
    schema = f"bench_race_{uuid.uuid4().hex[:10]}"
    migrate(url, schema=schema)
    try:
        store = SqlStore(url, schema=schema)
        prepare_race(store, setup)
        store.dispose()
        race = race_in_processes(
            url, setup, schema=schema, workers=args.workers, orders_each=args.orders
        )
        race.check()
        order_throughput, order_placed = raw_race(
            dsn, schema, args.workers, args.orders, limit, with_order=True
        )
        update_throughput, _ = raw_race(
            dsn, schema, args.workers, args.orders, limit, with_order=False
        )
    finally:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()

    refused = sum(tally.refused for tally in race.tallies)
    print(
        f"{args.workers} workers x {args.orders:,} orders of {ORDER_TOTAL} "
        f"against a line of {limit}"
    )
    account = race.account
    print(
        f"ours: {race.placed:,} placed, {refused:,} refused; reserved "
        f"{account.reserved if account else '-'} (checked against the rows and the ledger); "
        f"{race.throughput:,.0f} orders/s"
    )
    print(f"raw order (UPDATE + INSERT): {order_placed:,} reserved; {order_throughput:,.0f}/s")
    print(f"raw UPDATE alone: {update_throughput:,.0f} attempts/s\n")
    report(
        [
            Result(
                "seconds per order, all workers (ours vs raw order)",
                1 / race.throughput,
                1 / order_throughput,
                "<= 3x",
            ),
            Result(
                "seconds per order, all workers (ours vs raw UPDATE, issue 6's baseline)",
                1 / race.throughput,
                1 / update_throughput,
                "(reported)",
            ),
        ]
    )


if __name__ == "__main__":
    main()
