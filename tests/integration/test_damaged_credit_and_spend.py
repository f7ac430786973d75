"""Damaged credit figures, reservations, ledger entries, postings and spend buckets are refused.

The write path keeps the credit rule's figures, the open reservations and the
spend in plain columns, and each order's posting beside it. A value changed
behind the library's back (text that is no number, a negative reservation, a
spend bucket of -1E+30 that would let every order through, a posting that is
not one) raises ``DamagedRow`` naming the table and the row, on SQLite and on
PostgreSQL, where the sum is taken in SQL and the smallest bucket is checked
beside it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy
from moneyed import Money

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.app import App
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderStatus
from b2b_customers.errors import DamagedRow
from b2b_customers.limits import CalendarPeriod, window_of
from b2b_customers.limits.spend import SpendKey
from b2b_customers.testing.concurrency import BUYER_EMAIL, COMPANY, RaceSetup, prepare_race

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Callable, Iterator

    from b2b_customers.ids import CreditAccountId
    from b2b_customers.ports import UnitOfWork

SETUP = RaceSetup(
    order_total=Money(10, "EUR"), credit_limit=Money(1000, "EUR"), budget=Money(1000, "EUR")
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def store(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'damaged.db'}", None
    else:
        url, schema = request.getfixturevalue("postgres_server_url"), f"dmg_{uuid.uuid4().hex[:12]}"
    migrate(url, schema=schema)
    made = SqlStore(url, schema=schema)
    prepare_race(made, SETUP)
    app = App(made)
    with made.unit_of_work() as uow:
        buyer = uow.customers.get_by_email(BUYER_EMAIL)
    app.orders.place(
        actor=buyer,
        order=OrderDraft(
            company_id=COMPANY,
            buyer_id=buyer.id,
            lines=[OrderLine(sku="X", quantity=1, unit_price=Money(10, "EUR"))],
        ),
    )
    yield made
    made.dispose()
    if schema is not None:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _damage(store: SqlStore, statement: str, **values: Any) -> None:
    with store.engine.begin() as connection:
        if store.schema is not None:
            connection.execute(sqlalchemy.text(f'SET LOCAL search_path TO "{store.schema}"'))
        connection.execute(sqlalchemy.text(statement), values)


def _account_id(store: SqlStore) -> CreditAccountId:
    with store.unit_of_work() as uow:
        return uow.credit.for_company(COMPANY).id


def _spent(uow: UnitOfWork) -> object:
    placed = uow.orders.history().items[0].placed_at
    window = window_of(CalendarPeriod(unit="month"), placed, time_zone="UTC")
    return uow.orders.spent(SpendKey.company(COMPANY), window)


def _save_order(uow: UnitOfWork) -> object:
    import attrs  # noqa: PLC0415

    order = uow.orders.history().items[0]
    return uow.orders.save(attrs.evolve(order, status=OrderStatus.CANCELLED))


DAMAGE: dict[str, tuple[str, str, Callable[[UnitOfWork, CreditAccountId], object]]] = {
    "balance not a number": (
        "UPDATE credit_accounts SET balance = :bad",
        "credit_accounts",
        lambda uow, account: uow.credit.get(account),
    ),
    "reserved below zero": (
        "UPDATE credit_accounts SET reserved = -5",
        "credit_accounts",
        lambda uow, _account: uow.credit.for_company(COMPANY),
    ),
    "reservation below zero": (
        "UPDATE credit_reservations SET amount = -1",
        "credit_reservations",
        lambda uow, account: uow.credit.reservations(account),
    ),
    "ledger entry not JSON": (
        "UPDATE ledger_entries SET data = :text",
        "ledger_entries",
        lambda uow, account: uow.credit.entries(account),
    ),
    "spend bucket of -1E+30": (
        "UPDATE spend_buckets SET amount = -1E+30 WHERE kind = 'company'",
        "spend_buckets",
        lambda uow, _account: _spent(uow),
    ),
    "posting not a posting": (
        "UPDATE orders SET posting = :posting",
        "orders",
        lambda uow, _account: _save_order(uow),
    ),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_value_is_refused_with_the_table_named(store: SqlStore, case: str) -> None:
    statement, table, read = DAMAGE[case]
    account = _account_id(store)
    postgres = store.engine.dialect.name == "postgresql"
    _damage(
        store,
        statement,
        bad="NaN" if postgres else "lots",
        text='"not json' if not postgres else '{"id": 5}',
        posting='{"nope": 1}',
    )
    with store.unit_of_work() as uow, pytest.raises(DamagedRow) as raised:
        read(uow, account)
    assert raised.value.table == table
