"""Many writers placing orders on one company at once: the over-commit and overshoot check.

Credit and period budgets are the figures every order of a company competes
for. This module runs that race for real, so that a store (the shipped
memory, SQLite and PostgreSQL adapters, or an ERP adapter of your own) can be
shown never to over-commit a credit line nor overshoot a budget:

```python
setup = RaceSetup(order_total=Money(10, "EUR"), credit_limit=Money(6000, "EUR"))
prepare_race(SqlStore(url, schema="race"), setup)
report = race_in_processes(url, setup, schema="race", workers=8, orders_each=1000)
report.check()
```

[`prepare_race`][b2b_customers.testing.concurrency.prepare_race] sets up a company with a buyer, an
admin, and what the [`RaceSetup`][b2b_customers.testing.concurrency.RaceSetup] asks for: a credit
line, a monthly budget that denies or asks for approval past it, or both.
[`race_in_processes`][b2b_customers.testing.concurrency.race_in_processes] starts worker processes,
each with a store of its own (PostgreSQL, or an SQLite file);
[`race_in_threads`][b2b_customers.testing.concurrency.race_in_threads] runs worker threads on one
store (the memory store). Each worker places orders through
[`OrderService.place`][b2b_customers.services.orders.OrderService.place] as fast as it can; an order
is placed, waits for approval, or is refused with one of the library's errors.
[`RaceReport.check`][b2b_customers.testing.concurrency.RaceReport.check] then proves the invariants
from the store's own
records: the reserved total equals what the open orders hold and stays within
the limit, the ledger replays to the account, a deny budget's spend never
passes the budget, and the orders placed without approval never pass an
approval budget.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from attrs import field, frozen
from moneyed import Money

from b2b_customers.app import App
from b2b_customers.credit import CreditAccount
from b2b_customers.credit.ledger import LedgerTotals, replay
from b2b_customers.domain import Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderStatus
from b2b_customers.errors import B2BError
from b2b_customers.ids import CompanyId, RandomIds
from b2b_customers.limits import BudgetLimit, CalendarPeriod, LimitScope, OnExceed
from b2b_customers.ports import OrderQuery
from b2b_customers.services import Staff, StaffRole

if TYPE_CHECKING:
    from b2b_customers.ports import Store

__all__ = [
    "RaceReport",
    "RaceSetup",
    "WorkerTally",
    "prepare_race",
    "race_in_processes",
    "race_in_threads",
]

COMPANY = CompanyId("race-co")
BUYER_EMAIL = "buyer@race.example"
_STAFF = Staff(id="race-staff", name="Race Setup", roles={StaffRole.ADMINISTRATOR})
_PAGE = 1000


@frozen(kw_only=True)
class RaceSetup:
    """What the race's company buys under.

    Attributes:
        order_total: Each order's total.
        credit_limit: A credit line of this limit, or ``None`` for none.
        budget: A monthly company budget of this amount, or ``None`` for none.
        budget_outcome: What passing the budget means: ``deny`` or ``approval``.
    """

    order_total: Money
    credit_limit: Money | None = None
    budget: Money | None = None
    budget_outcome: OnExceed = field(default=OnExceed.DENY, converter=OnExceed)


@frozen
class WorkerTally:
    """What one worker did.

    Attributes:
        placed: Orders placed outright.
        pending: Orders waiting for approval (their credit reserved).
        refused: Orders refused with one of the library's errors (denied,
            credit refused, or given up after every conflict retry).
        seconds: The worker's wall time placing its orders.
    """

    placed: int
    pending: int
    refused: int
    seconds: float


@frozen
class RaceReport:
    """The outcome of a race, with what the store holds afterwards.

    Attributes:
        setup: What the company bought under.
        tallies: One per worker.
        seconds: Wall time from the first worker's start to the last one's end.
        placed_total: The stored orders placed outright, added up.
        pending_total: The stored orders waiting for approval, added up.
        account: The credit account as stored after the race (``None`` without one).
        ledger_totals: The account's whole ledger, replayed (``None`` without one).
        reserved_rows: The stored open reservations, added up.
    """

    setup: RaceSetup
    tallies: tuple[WorkerTally, ...]
    seconds: float
    placed_total: Money
    pending_total: Money
    account: CreditAccount | None
    ledger_totals: LedgerTotals | None
    reserved_rows: Money

    @property
    def placed(self) -> int:
        """Orders placed outright by all workers."""
        return sum(tally.placed for tally in self.tallies)

    @property
    def attempted(self) -> int:
        """Orders all workers tried to place."""
        return sum(tally.placed + tally.pending + tally.refused for tally in self.tallies)

    @property
    def throughput(self) -> float:
        """Orders decided per second, all workers together."""
        return self.attempted / self.seconds if self.seconds else float("inf")

    def check(self) -> None:
        """Raise `AssertionError` unless nothing was over-committed or overshot."""
        setup = self.setup
        counted = sum(t.placed for t in self.tallies), sum(t.pending for t in self.tallies)
        stored = (
            self.placed_total.amount / setup.order_total.amount,
            self.pending_total.amount / setup.order_total.amount,
        )
        if stored != tuple(Decimal(n) for n in counted):
            raise AssertionError(f"the workers counted {counted} orders, the store holds {stored}")
        if setup.budget is not None:
            within = self.placed_total
            if setup.budget_outcome is OnExceed.DENY:
                within = self.placed_total + self.pending_total
            if within.amount > setup.budget.amount:
                raise AssertionError(f"budget overshot: {within} > {setup.budget}")
        if self.account is not None and self.ledger_totals is not None:
            self._check_credit(self.account, self.ledger_totals)

    def _check_credit(self, account: CreditAccount, totals: LedgerTotals) -> None:
        holding = self.placed_total + self.pending_total
        if account.reserved != holding or self.reserved_rows != holding:
            raise AssertionError(
                f"reserved {account.reserved} (rows: {self.reserved_rows}), but the open "
                f"orders hold {holding}"
            )
        if account.reserved > account.credit_limit:
            raise AssertionError(
                f"over-committed: reserved {account.reserved} > limit {account.credit_limit}"
            )
        if totals.reserved != account.reserved or totals.balance != account.balance:
            raise AssertionError(
                f"the ledger adds up to balance {totals.balance} and reserved "
                f"{totals.reserved}, the account says {account.balance} and {account.reserved}"
            )


def prepare_race(store: Store, setup: RaceSetup) -> None:
    """Set up the race's company, buyer, admin, credit line and budget in an empty store.

    Args:
        store: An empty store (a fresh schema).
        setup: What the company buys under.
    """
    app = App(store)
    currency = setup.order_total.currency.code
    app.companies.onboard(actor=_STAFF, id=COMPANY, name="Race Co", currency=currency)
    for email, role in ((BUYER_EMAIL, Role.BUYER), ("admin@race.example", Role.ADMIN)):
        app.customers.invite(
            actor=_STAFF,
            company=COMPANY,
            email=email,
            first_name="Rae",
            last_name=role.value.title(),
            roles=[role],
            active=True,
        )
    if setup.budget is not None:
        app.limits.set(
            actor=_STAFF,
            scope=LimitScope(kind="company", company_id=COMPANY),
            rule=BudgetLimit(maximum=setup.budget, period=CalendarPeriod(unit="month")),
            on_exceed=setup.budget_outcome,
            name="Monthly budget",
        )
    if setup.credit_limit is not None:
        app.credit.open_account(actor=_STAFF, company=COMPANY, credit_limit=setup.credit_limit)


def _place_all(app: App, buyer: Customer, total: Money, orders: int) -> WorkerTally:
    draft = OrderDraft(
        company_id=COMPANY,
        buyer_id=buyer.id,
        lines=[OrderLine(sku="RACE-1", quantity=1, unit_price=total)],
    )
    placed = pending = refused = 0
    began = time.perf_counter()
    for _ in range(orders):
        try:
            placement = app.orders.place(actor=buyer, order=draft)
        except B2BError:
            refused += 1
        else:
            if placement.placed:
                placed += 1
            else:
                pending += 1
    return WorkerTally(
        placed=placed, pending=pending, refused=refused, seconds=time.perf_counter() - began
    )


def _buyer(store: Store) -> Customer:
    with store.unit_of_work() as uow:
        return uow.customers.get_by_email(BUYER_EMAIL)


def _process_worker(
    url: str, schema: str | None, orders: int, total: Money, ready: threading.Barrier
) -> WorkerTally:
    from b2b_customers.adapters.sql import SqlStore  # noqa: PLC0415  (each process opens its own)

    store = SqlStore(url, schema=schema)
    try:
        app = App(store, ids=RandomIds())
        buyer = _buyer(store)
        ready.wait()  # every process connected: go
        return _place_all(app, buyer, total, orders)
    finally:
        store.dispose()


def race_in_processes(
    url: str,
    setup: RaceSetup,
    *,
    schema: str | None = None,
    workers: int = 8,
    orders_each: int = 1000,
) -> RaceReport:
    """Let ``workers`` processes, each with a store of its own, place ``orders_each`` orders.

    The store at ``url``/``schema`` must have been set up with
    [`prepare_race`][b2b_customers.testing.concurrency.prepare_race] (and nothing placed since).

    Args:
        url: An SQLAlchemy URL every process can reach (PostgreSQL, an SQLite file).
        setup: What [`prepare_race`][b2b_customers.testing.concurrency.prepare_race] set up.
        schema: The PostgreSQL schema, if any.
        workers: How many processes race.
        orders_each: How many orders each places.

    Returns:
        What happened; call [`RaceReport.check`][b2b_customers.testing.concurrency.RaceReport.check]
        to prove nothing was over-committed or overshot.

    Raises:
        B2BError: Reading the outcome failed.
    """
    from b2b_customers.adapters.sql import SqlStore  # noqa: PLC0415

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ready = manager.Barrier(workers + 1)
        with context.Pool(workers) as pool:
            pending = [
                pool.apply_async(
                    _process_worker, (url, schema, orders_each, setup.order_total, ready)
                )
                for _ in range(workers)
            ]
            ready.wait()  # the clock starts when every worker has connected
            began = time.perf_counter()
            tallies = tuple(result.get() for result in pending)
            seconds = time.perf_counter() - began
    store = SqlStore(url, schema=schema)
    try:
        return _report(store, setup, tallies, seconds)
    finally:
        store.dispose()


def race_in_threads(
    store: Store, setup: RaceSetup, *, workers: int = 8, orders_each: int = 1000
) -> RaceReport:
    """Let ``workers`` threads place ``orders_each`` orders each on one shared store.

    Args:
        store: A store set up with [`prepare_race`][b2b_customers.testing.concurrency.prepare_race]
            (the memory store, say).
        setup: What [`prepare_race`][b2b_customers.testing.concurrency.prepare_race] set up.
        workers: How many threads race.
        orders_each: How many orders each places.

    Returns:
        What happened; call
        [`RaceReport.check`][b2b_customers.testing.concurrency.RaceReport.check].
    """
    app = App(store, ids=RandomIds())
    buyer = _buyer(store)
    ready = threading.Barrier(workers + 1)
    tallies: list[WorkerTally] = []
    failures: list[BaseException] = []

    def work() -> None:
        ready.wait()
        try:
            tallies.append(_place_all(app, buyer, setup.order_total, orders_each))
        except BaseException as error:  # noqa: BLE001  (reported to the caller below)
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    ready.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if failures:
        raise failures[0]
    return _report(store, setup, tuple(tallies), seconds)


def _report(
    store: Store, setup: RaceSetup, tallies: tuple[WorkerTally, ...], seconds: float
) -> RaceReport:
    currency = setup.order_total.currency.code
    totals = {status: Decimal(0) for status in OrderStatus}
    with store.unit_of_work() as uow:
        offset = 0
        while True:
            page = uow.orders.history(OrderQuery(company_id=COMPANY, offset=offset, limit=_PAGE))
            for order in page.items:
                totals[order.status] += order.total.amount
            if page.next_offset is None:
                break
            offset = page.next_offset
        account = ledger = None
        rows = Decimal(0)
        if setup.credit_limit is not None:
            account = uow.credit.for_company(COMPANY)
            ledger = replay(uow.credit.entries(account.id), account.currency)
            rows = sum((row.amount.amount for row in uow.credit.reservations(account.id)), rows)
    return RaceReport(
        setup=setup,
        tallies=tallies,
        seconds=seconds,
        placed_total=Money(totals[OrderStatus.PLACED], currency),
        pending_total=Money(totals[OrderStatus.PENDING_APPROVAL], currency),
        account=account,
        ledger_totals=ledger,
        reserved_rows=Money(rows, currency),
    )
