"""Buyers with budgets of their own, ordering at once on PostgreSQL: do they queue?

``--workers`` processes (8), each a different buyer of one company with a
monthly budget of their own (scope: that customer), place ``--orders``
orders each (200) through ``app.orders.place``, released together. No
credit line, so nothing else is shared but the company's rows and the outbox.

* ours: an order holds the budgets that cover it
  ([budgets_covering][b2b_customers.limits.budgets_covering]): each buyer
  their own;
* the baseline, in the same run: every active budget set on the company
  chain, as orders held them before (all eight buyers' budgets), put in
  place of ``budgets_covering`` in each worker.

Each side runs in a fresh schema; afterwards every order must have been
placed (the budgets are large enough). The figure is seconds per order over
all workers (lower is better).

Needs ``B2B_TEST_POSTGRES_URL``; the schemas are dropped afterwards.

Run: python benchmarks/bench_budget_locks.py [--workers 8] [--orders 200]
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

import sqlalchemy
from moneyed import Money

sys.path.insert(0, str(Path(__file__).parent))

from timing import Result, report

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.app import App
from b2b_customers.domain import Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.ids import CompanyId, CustomerId
from b2b_customers.limits import BudgetLimit, CalendarPeriod, LimitScope
from b2b_customers.services import Staff, StaffRole

if TYPE_CHECKING:
    import threading

    from b2b_customers.ids import LimitId
    from b2b_customers.limits import DecisionContext

COMPANY = CompanyId("budget-co")
STAFF = Staff(id="s-bench", name="Bench Staff", roles={StaffRole.ADMINISTRATOR})
TOTAL = Money("10.00", "EUR")


def prepare(url: str, schema: str, workers: int, orders: int) -> list[CustomerId]:
    """A company with one buyer per worker, each under a monthly budget of their own."""
    store = SqlStore(url, schema=schema)
    app = App(store)
    app.companies.onboard(actor=STAFF, id=COMPANY, name="Budget Co", currency="EUR")
    buyers = []
    for number in range(workers):
        buyer = app.customers.invite(
            actor=STAFF,
            company=COMPANY,
            email=f"buyer{number}@budget.example",
            first_name="Bea",
            last_name=f"Buyer {number}",
            roles=[Role.BUYER],
            active=True,
        )
        app.limits.set(
            actor=STAFF,
            scope=LimitScope(kind="customer", company_id=COMPANY, target=str(buyer.id)),
            rule=BudgetLimit(maximum=TOTAL * (orders * 2), period=CalendarPeriod(unit="month")),
            on_exceed="deny",
            name=f"Budget of buyer {number}",
        )
        buyers.append(buyer.id)
    store.dispose()
    return buyers


def _every_budget_on_the_chain(order: object, context: DecisionContext) -> list[LimitId]:
    """The lock set before: every active budget set on the company chain."""
    del order
    return [
        limit.id for limit in context.limits if limit.active and isinstance(limit.rule, BudgetLimit)
    ]


def worker(
    url: str, schema: str, buyer_id: str, orders: int, ready: threading.Barrier, *, previous: bool
) -> int:
    """Place ``orders`` orders as one buyer; return how many were placed."""
    if previous:
        import b2b_customers.services.orders as order_service

        order_service.budgets_covering = _every_budget_on_the_chain  # type: ignore[attr-defined]
    store = SqlStore(url, schema=schema)
    app = App(store)
    with store.unit_of_work() as uow:
        buyer = uow.customers.get(CustomerId(buyer_id))
    draft = OrderDraft(
        company_id=COMPANY,
        buyer_id=buyer.id,
        lines=[OrderLine(sku="BUDGET-1", quantity=1, unit_price=TOTAL)],
    )
    app.orders.place(actor=buyer, order=draft)  # warm up: connections, caches
    ready.wait()
    placed = sum(app.orders.place(actor=buyer, order=draft).placed for _ in range(orders))
    store.dispose()
    return placed


def race(url: str, workers: int, orders: int, *, previous: bool) -> float:
    """Run one side in a fresh schema; return seconds per order over all workers."""
    schema = f"bench_budgets_{uuid.uuid4().hex[:10]}"
    migrate(url, schema=schema)
    try:
        buyers = prepare(url, schema, workers, orders)
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager:
            ready = manager.Barrier(workers + 1)
            with context.Pool(workers) as pool:
                pending = [
                    pool.apply_async(
                        worker,
                        (url, schema, buyer, orders, ready),
                        {"previous": previous},
                    )
                    for buyer in buyers
                ]
                ready.wait()
                began = time.perf_counter()
                placed = [result.get() for result in pending]
                seconds = time.perf_counter() - began
    finally:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
    if placed != [orders] * workers:
        raise SystemExit(f"every order should have been placed, got {placed}")
    return seconds / (workers * orders)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--orders", type=int, default=200, help="orders per worker")
    args = parser.parse_args()
    url = os.environ.get("B2B_TEST_POSTGRES_URL")
    if not url:
        sys.exit("set B2B_TEST_POSTGRES_URL (postgresql+psycopg://...) to run this benchmark")
    ours = race(url, args.workers, args.orders, previous=False)
    before = race(url, args.workers, args.orders, previous=True)
    print(f"{args.workers} buyers x {args.orders:,} orders, each under a budget of their own\n")
    report(
        [
            Result(
                "seconds per order, all workers (own budgets vs every budget held)",
                ours,
                before,
                "(reported)",
            )
        ]
    )


if __name__ == "__main__":
    main()
