"""An approval under a cap per period costs the same after 1,000 earlier approvals as after none.

Anna, an admin of ACME, may approve 10,000,000 EUR a month (a cap per
period, so each approval sums what she approved this month). Every order of
Bob's needs approval (a company limit of 100 EUR). Timed: ``--approvals``
(100) approvals of pending requests, one after another, through
``app.approvals.approve``; the figure is the median time per approval.

* **Baseline:** Anna has approved nothing before.
* **Ours:** Anna approved ``--history`` (1,000) requests in the months
  before, through the same use cases.

Target: ours / baseline <= 1.2 on SQLite and on PostgreSQL. Before
migration 0009 the tally searched every request's JSON and loaded every
request she had ever approved, on each approval.

PostgreSQL is measured when ``B2B_TEST_POSTGRES_URL`` is set, in fresh schemas.

Run: python benchmarks/bench_approver_tally.py [--history 1000] [--approvals 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from moneyed import Money

sys.path.insert(0, str(Path(__file__).parent))

from stores import fresh_postgres_store, fresh_sqlite_store
from timing import Result, report

from b2b_customers.app import App
from b2b_customers.clock import ManualClock
from b2b_customers.domain import Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.ids import CompanyId, RandomIds
from b2b_customers.limits import CalendarPeriod, LimitScope, OrderTotalLimit
from b2b_customers.services import Staff, StaffRole

if TYPE_CHECKING:
    from b2b_customers.adapters.sql import SqlStore

STAFF = Staff(id="s-admin", name="Ada Admin", roles={StaffRole.ADMINISTRATOR})
ACME = CompanyId("acme")
NOW = datetime(2026, 6, 15, 9, tzinfo=UTC)
MONTHS = 10
START = NOW - relativedelta(months=MONTHS)


def _eur(amount: int) -> Money:
    return Money(amount, "EUR")


class Shop:
    """ACME with Anna (admin, capped per month) and Bob (every order needs her approval)."""

    def __init__(self, store: SqlStore, clock: ManualClock) -> None:
        self.clock = clock
        self.app = app = App(store, ids=RandomIds())
        app.companies.onboard(actor=STAFF, id="acme", name="ACME GmbH", currency="EUR")
        self.anna = app.customers.invite(
            actor=STAFF,
            company=ACME,
            email="anna@acme.example",
            first_name="Anna",
            last_name="Admin",
            roles=[Role.ADMIN],
            active=True,
        )
        self.bob = app.customers.invite(
            actor=STAFF,
            company=ACME,
            email="bob@acme.example",
            first_name="Bob",
            last_name="Buyer",
            roles=[Role.BUYER],
            active=True,
        )
        app.limits.set(
            actor=STAFF,
            scope=LimitScope(kind="company", company_id=ACME),
            rule=OrderTotalLimit(maximum=_eur(100)),
        )
        app.approval_settings.set_approver_limit(
            actor=STAFF,
            company=ACME,
            customer=self.anna.id,
            maximum=_eur(10_000_000),
            per_period=_eur(10_000_000),
            period=CalendarPeriod(unit="month"),
        )

    def pending(self, count: int) -> list[str]:
        """Have Bob place ``count`` orders of 150 EUR; return their requests' ids."""
        found = []
        for _ in range(count):
            draft = OrderDraft(
                company_id=ACME,
                buyer_id=self.bob.id,
                lines=[OrderLine(sku="DRILL", quantity=1, unit_price=_eur(150))],
            )
            request = self.app.orders.place(actor=self.bob, order=draft).request
            assert request is not None
            found.append(request.id)
        return found

    def approve(self, request_id: str) -> None:
        self.app.approvals.approve(actor=self.anna, request=request_id)


def per_approval(store: SqlStore, clock: ManualClock, history: int, approvals: int) -> float:
    """Median seconds per approval, after ``history`` approvals in the months before."""
    shop = Shop(store, clock)
    for month in range(1, MONTHS + 1):  # the history, spread over the months before NOW
        for request_id in shop.pending(history // MONTHS):
            shop.approve(request_id)
        clock.set(START + relativedelta(months=month))
    timings = []
    for request_id in shop.pending(approvals):
        started = time.perf_counter()
        shop.approve(request_id)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def sqlite(history: int, approvals: int) -> list[Result]:
    figures = []
    for earlier in (history, 0):
        clock = ManualClock(START)
        with fresh_sqlite_store(clock) as store:
            figures.append(per_approval(store, clock, earlier, approvals))
    return [Result(f"approval after {history:,} approvals, SQLite", *figures, "<= 1.2x")]


def postgresql(url: str, history: int, approvals: int) -> list[Result]:
    figures = []
    for earlier in (history, 0):
        clock = ManualClock(START)
        with fresh_postgres_store(url, clock) as store:
            figures.append(per_approval(store, clock, earlier, approvals))
    return [Result(f"approval after {history:,} approvals, PostgreSQL", *figures, "<= 1.2x")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=1000)
    parser.add_argument("--approvals", type=int, default=100)
    arguments = parser.parse_args()
    results = sqlite(arguments.history, arguments.approvals)
    url = os.environ.get("B2B_TEST_POSTGRES_URL")
    if url:
        results += postgresql(url, arguments.history, arguments.approvals)
    report(results)


if __name__ == "__main__":
    main()
