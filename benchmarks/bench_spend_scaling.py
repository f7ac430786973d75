"""Decision time with a long order history against a short one (memory, SQLite, PostgreSQL).

A budget check reads running daily totals, so deciding an order should cost
the same whether the company has 1,000 recorded orders or 1,000,000. This
benchmark imports both histories through the store's own repository
(``uow.orders.add_many``, in units of work of 100,000 orders), then times the
same whole check against each: one unit of work that reads the company, its
ancestors, the buyer and the limits set on them, and decides the order (a
monthly group budget and a weekly buyer cap, each one ``orders.spent``, and a
per-order limit).

Baseline: the same check against the short history (1,000 orders) of the
same kind of store. Target (issue 4): time at 1,000,000 orders / time at
1,000 <= 1.3. For scale, each SQL store's check is also set against the
memory store's on the short history (no target).

``postgresql`` needs ``B2B_TEST_POSTGRES_URL``; each history gets a fresh schema,
dropped afterwards.

Run: python benchmarks/bench_spend_scaling.py [--large N] [--small N]
     [--stores memory,sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from moneyed import Money

sys.path.insert(0, str(Path(__file__).parent))

from timing import Result, best_time, report

from b2b_customers.adapters.memory import MemoryStore
from b2b_customers.clock import ManualClock
from b2b_customers.domain import Company, Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderRecord
from b2b_customers.limits import (
    BudgetLimit,
    CalendarPeriod,
    DecisionContext,
    LimitScope,
    OrderTotalLimit,
    PurchasingLimit,
    decide,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.ports import Store

NOW = datetime(2026, 6, 17, 10, tzinfo=UTC)
ZONE = "Europe/Berlin"
BATCH = 100_000
STORES = ("memory", "sqlite", "postgresql")


def make_store(kind: str, folder: Path, label: str) -> tuple[Store, Callable[[], None]]:
    """Return an empty store of ``kind`` and how to dispose of it."""
    clock = ManualClock(NOW)
    if kind == "memory":
        return MemoryStore(clock=clock), lambda: None
    import sqlalchemy

    from b2b_customers.adapters.sql import SqlStore, migrate

    if kind == "sqlite":
        url = f"sqlite:///{folder / f'{label}.db'}"
        migrate(url)
        store = SqlStore(url, clock=clock)
        return store, store.dispose
    url = os.environ["B2B_TEST_POSTGRES_URL"]
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    migrate(url, schema=schema)
    store = SqlStore(url, schema=schema, clock=clock)

    def drop() -> None:
        store.dispose()
        engine = sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()

    return store, drop


def fill(store: Store, orders: int) -> float:
    """Record the companies, the buyer, the limits and ``orders`` orders; return the seconds."""
    started = time.perf_counter()
    with store.unit_of_work() as uow:
        uow.companies.add(Company(id="hq", name="HQ", currency="EUR", time_zone=ZONE))
        uow.companies.add(
            Company(id="branch", name="Branch", currency="EUR", time_zone=ZONE, parent_id="hq")
        )
        buyer = Customer(id="bob", email="bob@x.example", first_name="Bob", last_name="B")
        uow.customers.add(buyer.with_roles("branch", [Role.BUYER]))
        for limit in limits():
            uow.limits.add(limit)
        uow.commit()
    # Spread the history over about three years, newest last, all of it counting.
    step = timedelta(days=3 * 365) / max(orders, 1)
    for first in range(0, orders, BATCH):
        history = [
            OrderRecord(
                id=f"o{number}",
                company_id="branch",
                buyer_id="bob",
                total=Money("1.25", "EUR"),
                placed_at=NOW - step * (orders - number),
            )
            for number in range(first, min(first + BATCH, orders))
        ]
        with store.unit_of_work() as uow:
            uow.orders.add_many(history)
            uow.commit()
    return time.perf_counter() - started


def limits() -> list[PurchasingLimit]:
    return [
        PurchasingLimit(
            id="group-month",
            scope=LimitScope(kind="company", company_id="hq", include_subtree=True),
            rule=BudgetLimit(maximum=Money("500000", "EUR"), period=CalendarPeriod(unit="month")),
        ),
        PurchasingLimit(
            id="bob-week",
            scope=LimitScope(kind="customer", company_id="branch", target="bob"),
            rule=BudgetLimit(maximum=Money("20000", "EUR"), period=CalendarPeriod(unit="week")),
        ),
        PurchasingLimit(
            id="per-order",
            scope=LimitScope(kind="company", company_id="branch"),
            rule=OrderTotalLimit(maximum=Money("5000", "EUR")),
        ),
    ]


def decision_time(store: Store) -> float:
    """Time one whole check: read the context from the store and decide, in one unit of work."""
    order = OrderDraft(
        company_id="branch",
        buyer_id="bob",
        lines=[OrderLine(sku="DRILL-9", quantity=1, unit_price=Money("120", "EUR"))],
    )

    def check() -> None:
        with store.unit_of_work() as uow:
            company = uow.companies.get("branch")
            ancestors = tuple(c.id for c in uow.companies.ancestors(company.id))
            context = DecisionContext(
                company=company,
                buyer=uow.customers.get("bob"),
                limits=uow.limits.set_on((company.id, *ancestors)),
                spend=uow.orders,
                ancestors=ancestors,
            )
            decision = decide(order, context, NOW)
            assert decision.allowed, decision

    check()
    return best_time(check, repeat=7, number=50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--stores", default="memory,sqlite", help=", ".join(STORES))
    arguments = parser.parse_args()
    kinds = arguments.stores.split(",")
    unknown = sorted(set(kinds) - set(STORES))
    if unknown:
        parser.error(f"unknown store(s) {', '.join(unknown)}; choose from {', '.join(STORES)}")
    if "postgresql" in kinds and not os.environ.get("B2B_TEST_POSTGRES_URL"):
        parser.error("--stores postgresql needs B2B_TEST_POSTGRES_URL")
    results = []
    small_times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            timings = {}
            for size in (arguments.small, arguments.large):
                store, dispose = make_store(kind, Path(folder), f"{kind}-{size}")
                try:
                    loaded = fill(store, size)
                    timings[size] = decision_time(store)
                finally:
                    dispose()
                print(
                    f"{kind}: imported {size:,} orders in {loaded:.1f} s "
                    f"({size / loaded:,.0f} orders/s); check {timings[size] * 1e6:.0f} µs",
                    flush=True,
                )
            small_times[kind] = timings[arguments.small]
            results.append(
                Result(
                    f"{kind}: check at {arguments.large:,} vs {arguments.small:,} orders",
                    timings[arguments.large],
                    timings[arguments.small],
                    "<= 1.3x",
                )
            )
    if "memory" in small_times:
        results.extend(
            Result(
                f"{kind} vs memory, both at {arguments.small:,} orders",
                small_times[kind],
                small_times["memory"],
                "(for scale)",
            )
            for kind in kinds
            if kind != "memory"
        )
    print()
    report(results)


if __name__ == "__main__":
    main()
