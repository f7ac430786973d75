"""Many processes placing orders against one shared credit line: the over-commit check.

Credit is the one figure every order of a company competes for. This module
runs that race for real, so that a store (the shipped PostgreSQL adapter, or
an ERP adapter of your own) can be shown never to over-commit a credit line:

>>> report = race_for_credit(url, schema="race", workers=8, orders_each=1000)  # doctest: +SKIP
>>> report.check()  # doctest: +SKIP

:func:`prepare_race` sets up a company with a buyer and a credit line in a
fresh database schema; :func:`race_for_credit` then starts ``workers``
processes, each with a store of its own, each placing ``orders_each`` orders
through :meth:`OrderService.place <b2b_customers.services.OrderService.place>`
as fast as it can. An order either goes through (its total reserved), is
refused because the line is used up (:class:`~b2b_customers.errors.CreditRefused`
or :class:`~b2b_customers.errors.OrderDenied`), or gives up after the service's
bounded conflict retries (:class:`~b2b_customers.errors.StaleVersion`).
:meth:`RaceReport.check` then proves the invariants: the reserved total equals
the sum of the placed orders, never exceeds the credit limit, and the ledger
replays to the account's figures.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import TYPE_CHECKING

from attrs import frozen
from moneyed import Money

from b2b_customers.app import App
from b2b_customers.credit import CreditAccount
from b2b_customers.credit.ledger import LedgerTotals, replay
from b2b_customers.domain import Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import CreditRefused, OrderDenied, StaleVersion
from b2b_customers.ids import CompanyId, CreditAccountId, RandomIds
from b2b_customers.services import Staff, StaffRole

if TYPE_CHECKING:
    import threading

    from b2b_customers.ports import Store

__all__ = ["RaceReport", "WorkerTally", "prepare_race", "race_for_credit"]

COMPANY = CompanyId("race-co")
BUYER_EMAIL = "buyer@race.example"
ACCOUNT = CreditAccountId("race-credit")
_STAFF = Staff(id="race-staff", name="Race Setup", roles={StaffRole.ADMINISTRATOR})


@frozen
class WorkerTally:
    """What one worker process did.

    Attributes:
        placed: Orders that went through.
        refused: Orders refused because the credit line could not cover them.
        gave_up: Orders abandoned after every conflict retry failed.
        seconds: The worker's wall time placing its orders.
    """

    placed: int
    refused: int
    gave_up: int
    seconds: float


@frozen
class RaceReport:
    """The outcome of :func:`race_for_credit`.

    Attributes:
        tallies: One per worker.
        seconds: Wall time from the first worker's start to the last one's end.
        credit_limit: The line's limit.
        order_total: Each order's total.
        account: The credit account as stored after the race.
        ledger_totals: The account's whole ledger, replayed.
    """

    tallies: tuple[WorkerTally, ...]
    seconds: float
    credit_limit: Money
    order_total: Money
    account: CreditAccount
    ledger_totals: LedgerTotals

    @property
    def placed(self) -> int:
        """Orders placed by all workers."""
        return sum(tally.placed for tally in self.tallies)

    @property
    def attempted(self) -> int:
        """Orders all workers tried to place."""
        return sum(tally.placed + tally.refused + tally.gave_up for tally in self.tallies)

    @property
    def throughput(self) -> float:
        """Orders decided (placed, refused or given up) per second, all workers together."""
        return self.attempted / self.seconds if self.seconds else float("inf")

    def check(self) -> None:
        """Raise :class:`AssertionError` unless credit was never over-committed.

        The reserved total must equal the placed orders' totals, stay within
        the limit, and agree with the ledger.
        """
        reserved = self.account.reserved
        expected = self.order_total * self.placed
        if reserved != expected:
            raise AssertionError(
                f"reserved {reserved}, but {self.placed} orders of {self.order_total} were placed"
            )
        if reserved > self.credit_limit:
            raise AssertionError(f"over-committed: reserved {reserved} > limit {self.credit_limit}")
        totals = self.ledger_totals
        if totals.reserved != reserved or totals.balance != self.account.balance:
            raise AssertionError(
                f"the ledger adds up to balance {totals.balance} and reserved {totals.reserved}, "
                f"the account says {self.account.balance} and {reserved}"
            )


def prepare_race(store: Store, *, credit_limit: Money) -> None:
    """Set up the race's company, buyer and credit line in an empty store.

    Args:
        store: An empty store (a fresh schema).
        credit_limit: The shared credit line's limit.
    """
    app = App(store)
    app.companies.onboard(
        actor=_STAFF, id=COMPANY, name="Race Co", currency=credit_limit.currency.code
    )
    app.customers.invite(
        actor=_STAFF,
        company=COMPANY,
        email=BUYER_EMAIL,
        first_name="Rae",
        last_name="Buyer",
        roles=[Role.BUYER],
        active=True,
    )
    with store.unit_of_work() as uow:
        uow.credit.add(
            CreditAccount(
                id=ACCOUNT,
                company_id=COMPANY,
                currency=credit_limit.currency.code,
                credit_limit=credit_limit,
            )
        )
        uow.commit()


def _order(buyer: Customer, total: Money) -> OrderDraft:
    return OrderDraft(
        company_id=COMPANY,
        buyer_id=buyer.id,
        lines=[OrderLine(sku="RACE-1", quantity=1, unit_price=total)],
    )


def _worker(
    url: str, schema: str | None, orders: int, total: Money, ready: threading.Barrier
) -> WorkerTally:
    from b2b_customers.adapters.sql import SqlStore  # noqa: PLC0415  (each process opens its own)

    store = SqlStore(url, schema=schema)
    app = App(store, ids=RandomIds())
    with store.unit_of_work() as uow:
        buyer = uow.customers.get_by_email(BUYER_EMAIL)
    draft = _order(buyer, total)
    placed = refused = gave_up = 0
    ready.wait()  # every process connected: go
    began = time.perf_counter()
    for _ in range(orders):
        try:
            app.orders.place(actor=buyer, order=draft)
        except (CreditRefused, OrderDenied):
            refused += 1
        except StaleVersion:
            gave_up += 1
        else:
            placed += 1
    seconds = time.perf_counter() - began
    store.dispose()
    return WorkerTally(placed=placed, refused=refused, gave_up=gave_up, seconds=seconds)


def race_for_credit(
    url: str,
    *,
    schema: str | None = None,
    workers: int = 8,
    orders_each: int = 1000,
    order_total: Money,
    credit_limit: Money,
) -> RaceReport:
    """Let ``workers`` processes place ``orders_each`` orders each against one credit line.

    The store at ``url``/``schema`` must have been set up with
    :func:`prepare_race` (and nothing placed since).

    Args:
        url: An SQLAlchemy URL every process can reach (PostgreSQL).
        schema: The PostgreSQL schema, if any.
        workers: How many processes race.
        orders_each: How many orders each places.
        order_total: Each order's total.
        credit_limit: The line's limit, as set up.

    Returns:
        What happened; call :meth:`RaceReport.check` to prove nothing was
        over-committed.

    Raises:
        B2BError: Reading the outcome failed.
    """
    from b2b_customers.adapters.sql import SqlStore  # noqa: PLC0415

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ready = manager.Barrier(workers + 1)
        with context.Pool(workers) as pool:
            pending = [
                pool.apply_async(_worker, (url, schema, orders_each, order_total, ready))
                for _ in range(workers)
            ]
            ready.wait()  # the clock starts when every worker has connected
            began = time.perf_counter()
            tallies = tuple(result.get() for result in pending)
            seconds = time.perf_counter() - began
    store = SqlStore(url, schema=schema)
    try:
        with store.unit_of_work() as uow:
            account = uow.credit.get(ACCOUNT)
            totals = replay(uow.credit.entries(ACCOUNT), account.currency)
    finally:
        store.dispose()
    return RaceReport(
        tallies=tallies,
        seconds=seconds,
        credit_limit=credit_limit,
        order_total=order_total,
        account=account,
        ledger_totals=totals,
    )
