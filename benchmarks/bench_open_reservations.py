"""Placing an order costs the same whether its credit line holds 2,000 open orders or none.

Ours and the baseline are the same use case, ``app.orders.place`` (an allowed
order, with a monthly budget and a credit line), timed over ``--orders``
orders (200) one after another; the figure is the median time per order.

* **Baseline:** the line holds no open reservation when the timing starts.
* **Ours:** the line holds ``--open`` (2,000) open reservations first,
  placed through the same use case (so they are real orders, with their
  reservation rows, ledger entries, events and audit entries).

Target (issue 11): ours / baseline <= 1.2 on SQLite and on PostgreSQL
(before the write-path redesign: 6 ms at 100 open reservations, 26 ms at
1,000 and 45 ms at 2,000 on SQLite, because the account carried its
reservations and every event and audit entry copied the account).

PostgreSQL is measured when ``B2B_TEST_POSTGRES_URL`` is set, in fresh schemas.

Run: python benchmarks/bench_open_reservations.py [--open 2000] [--orders 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from moneyed import Money

sys.path.insert(0, str(Path(__file__).parent))

from stores import fresh_postgres_store, fresh_sqlite_store
from timing import Result, report

from b2b_customers.app import App
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.ids import RandomIds
from b2b_customers.testing.concurrency import BUYER_EMAIL, COMPANY, RaceSetup, prepare_race

if TYPE_CHECKING:
    from b2b_customers.adapters.sql import SqlStore

TOTAL = Money("10.00", "EUR")
SETUP = RaceSetup(
    order_total=TOTAL, credit_limit=Money(10_000_000, "EUR"), budget=Money(10_000_000, "EUR")
)


def per_order(store: SqlStore, open_first: int, orders: int) -> float:
    """Return the median seconds per order after ``open_first`` orders are open on the line."""
    prepare_race(store, SETUP)
    app = App(store, ids=RandomIds())
    with store.unit_of_work() as uow:
        buyer = uow.customers.get_by_email(BUYER_EMAIL)
    draft = OrderDraft(
        company_id=COMPANY,
        buyer_id=buyer.id,
        lines=[OrderLine(sku="BENCH-1", quantity=1, unit_price=TOTAL)],
    )
    for _ in range(open_first):
        app.orders.place(actor=buyer, order=draft)
    timings = []
    for _ in range(orders):
        began = time.perf_counter()
        placement = app.orders.place(actor=buyer, order=draft)
        timings.append(time.perf_counter() - began)
        assert placement.placed
    with store.unit_of_work() as uow:
        account = uow.credit.for_company(COMPANY)
        assert len(uow.credit.reservations(account.id)) == open_first + orders
    return statistics.median(timings)


def sqlite_pair(open_first: int, orders: int) -> tuple[float, float]:
    results = []
    for first in (open_first, 0):
        with fresh_sqlite_store() as store:
            results.append(per_order(store, first, orders))
    return results[0], results[1]


def postgres_pair(url: str, open_first: int, orders: int) -> tuple[float, float]:
    results = []
    for first in (open_first, 0):
        with fresh_postgres_store(url) as store:
            results.append(per_order(store, first, orders))
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=2000, help="open reservations first")
    parser.add_argument("--orders", type=int, default=200, help="orders timed")
    args = parser.parse_args()
    results = []
    ours, baseline = sqlite_pair(args.open, args.orders)
    results.append(
        Result(f"SQLite: per order, {args.open:,} open vs none", ours, baseline, "<= 1.2x")
    )
    url = os.environ.get("B2B_TEST_POSTGRES_URL")
    if url:
        ours, baseline = postgres_pair(url, args.open, args.orders)
        results.append(
            Result(f"PostgreSQL: per order, {args.open:,} open vs none", ours, baseline, "<= 1.2x")
        )
    else:
        print("B2B_TEST_POSTGRES_URL is not set: PostgreSQL skipped\n")
    report(results)


if __name__ == "__main__":
    main()
