"""Placing an order is one lean transaction: the statements it sends are counted, and bounded.

An allowed order on a company with a monthly budget and a credit line sends at
most 15 statements (reads of the company, its ancestors, the buyer and the
limits, the budget lock, the spend, the credit line; the order, its spend,
the conditional credit update, the ledger entry, the reservation, the audit
entries and the events); one that needs approval at most 25. Counted with an
engine listener on SQLite and PostgreSQL, after a first order has warmed
every cache, so the count is the steady state, not a cold start.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy
from moneyed import Money
from sqlalchemy import event

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.app import App
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderStatus
from b2b_customers.limits import OnExceed
from b2b_customers.testing.concurrency import BUYER_EMAIL, COMPANY, RaceSetup, prepare_race

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterator

ALLOWED_BOUND = 15
APPROVAL_BOUND = 25


def _statements(store: SqlStore, budget: int, outcome: OnExceed) -> tuple[OrderStatus, list[str]]:
    setup = RaceSetup(
        order_total=Money(10, "EUR"),
        credit_limit=Money(100_000, "EUR"),
        budget=Money(budget, "EUR"),
        budget_outcome=outcome,
    )
    prepare_race(store, setup)
    app = App(store)
    with store.unit_of_work() as uow:
        buyer = uow.customers.get_by_email(BUYER_EMAIL)
    draft = OrderDraft(
        company_id=COMPANY,
        buyer_id=buyer.id,
        lines=[OrderLine(sku="X", quantity=1, unit_price=Money(10, "EUR"))],
    )
    app.orders.place(actor=buyer, order=draft)  # warm up
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        placement = app.orders.place(actor=buyer, order=draft)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return placement.order.status, sent


def _check(store: SqlStore) -> None:
    status, sent = _statements(store, 100_000, OnExceed.DENY)
    assert status is OrderStatus.PLACED
    assert len(sent) <= ALLOWED_BOUND, "\n".join(sent)
    assert not any("SAVEPOINT" in statement for statement in sent)


def _check_approval(store: SqlStore) -> None:
    status, sent = _statements(store, 5, OnExceed.APPROVAL)
    assert status is OrderStatus.PENDING_APPROVAL
    assert len(sent) <= APPROVAL_BOUND, "\n".join(sent)


@pytest.fixture
def sqlite_store(tmp_path: pathlib.Path) -> Iterator[SqlStore]:
    url = f"sqlite:///{tmp_path / 'count.db'}"
    migrate(url)
    store = SqlStore(url)
    yield store
    store.dispose()


@pytest.fixture
def postgres_store(postgres_server_url: str) -> Iterator[SqlStore]:
    url = postgres_server_url
    schema = f"count_{uuid.uuid4().hex[:12]}"
    migrate(url, schema=schema)
    store = SqlStore(url, schema=schema)
    yield store
    store.dispose()
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def test_an_allowed_order_on_sqlite_sends_at_most_15_statements(sqlite_store: SqlStore) -> None:
    _check(sqlite_store)


def test_an_order_needing_approval_on_sqlite_sends_at_most_25(sqlite_store: SqlStore) -> None:
    _check_approval(sqlite_store)


@pytest.mark.postgresql
def test_an_allowed_order_on_postgresql_sends_at_most_15_statements(
    postgres_store: SqlStore,
) -> None:
    _check(postgres_store)


@pytest.mark.postgresql
def test_an_order_needing_approval_on_postgresql_sends_at_most_25(
    postgres_store: SqlStore,
) -> None:
    _check_approval(postgres_store)
