"""Migration 0004 moves open reservations out of the accounts' JSON into rows, figures intact.

A database is filled at the head revision, taken down to 0003 (where an
account keeps its totals and its reservations inside ``data``, as releases
up to 0.1 wrote them), checked to hold that shape, and migrated up again:
every account's limit, balance, reserved total, ledger and open reservations
are what they were, and the ledger still replays to the totals.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy
from alembic import command
from alembic.config import Config
from moneyed import Money

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.adapters.sql.migrate import MIGRATIONS
from b2b_customers.credit.account import CreditAccount
from b2b_customers.credit.ledger import replay
from b2b_customers.domain import Company
from b2b_customers.ids import CompanyId, CreditAccountId

if TYPE_CHECKING:
    import pathlib

    from b2b_customers.ports import Store

EUR = "EUR"


def _eur(amount: str) -> Money:
    return Money(Decimal(amount), EUR)


def _fill(store: Store) -> None:
    """Two accounts: one with two open reservations (one partly invoiced), one with none."""
    with store.unit_of_work() as uow:
        uow.companies.add_many(
            [Company(id=CompanyId(name), name=name.title(), currency=EUR) for name in ("a", "b")]
        )
        for owner in ("a", "b"):
            uow.credit.add(
                CreditAccount(
                    id=CreditAccountId(f"acct-{owner}"),
                    company_id=CompanyId(owner),
                    currency=EUR,
                    credit_limit=_eur("5000"),
                )
            )
        uow.commit()
    with store.unit_of_work() as uow:
        account = uow.credit.get(CreditAccountId("acct-a"))
        for number, amount in enumerate(["1000", "250.50"], start=1):
            _, entry = account.reserve(
                f"o{number}", _eur(amount), entry_id=f"e{number}", at=_now(store)
            )
            account, _ = uow.credit.book(entry, within_limit=True)
        _, invoice = account.post_invoice(
            "inv-1",
            _eur("400"),
            entry_id="e3",
            at=_now(store),
            reservation=uow.credit.reservation(account.id, "o1"),
        )
        uow.credit.book(invoice)
        payer = uow.credit.get(CreditAccountId("acct-b"))
        _, payment = payer.receive_payment("p1", _eur("20"), entry_id="e4", at=_now(store))
        uow.credit.book(payment)
        uow.commit()


def _now(store: Store) -> Any:
    return store.clock.now()


def _figures(store: Store) -> dict[str, Any]:
    with store.unit_of_work() as uow:
        found: dict[str, Any] = {}
        for name in ("acct-a", "acct-b"):
            account = uow.credit.get(CreditAccountId(name))
            entries = uow.credit.entries(account.id)
            totals = replay(entries, EUR)
            found[name] = (
                account,
                entries,
                {row.reference: row.amount for row in uow.credit.reservations(account.id)},
                (totals.balance, totals.reserved),
            )
        return found


def _downgrade_to_0003(engine: sqlalchemy.Engine, schema: str | None) -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["schema"] = schema
    with engine.begin() as connection:
        if schema is not None:
            connection.execution_options(schema_translate_map={None: schema})
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")


def _stored_data(engine: sqlalchemy.Engine, schema: str | None) -> dict[str, dict[str, Any]]:
    table = f'"{schema}".credit_accounts' if schema else "credit_accounts"
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text(f"SELECT id, data FROM {table}")).all()  # noqa: S608  (a schema the test made)
    return {key: json.loads(data) if isinstance(data, str) else data for key, data in rows}


def _round_trip(url: str, schema: str | None) -> None:
    migrate(url, schema=schema)
    store = SqlStore(url, schema=schema)
    try:
        _fill(store)
        before = _figures(store)
    finally:
        store.dispose()
    engine = sqlalchemy.create_engine(url)
    try:
        _downgrade_to_0003(engine, schema)
        old = _stored_data(engine, schema)
    finally:
        engine.dispose()
    # At 0003 the reservations and totals live inside the account's JSON.
    assert old["acct-a"]["reservations"] == {
        "o1": {"amount": "600", "currency": EUR},
        "o2": {"amount": "250.50", "currency": EUR},
    }
    assert old["acct-a"]["reserved"] == {"amount": "850.50", "currency": EUR}
    assert old["acct-b"]["reservations"] == {}
    migrate(url, schema=schema)
    store = SqlStore(url, schema=schema)
    try:
        after = _figures(store)
    finally:
        store.dispose()
    assert after == before
    account, _entries, held, replayed = after["acct-a"]
    assert held == {"o1": _eur("600"), "o2": _eur("250.50")}
    assert replayed == (account.balance, account.reserved) == (_eur("400"), _eur("850.50"))


def test_sqlite_moves_reservations_into_rows(tmp_path: pathlib.Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'shop.db'}", None)


@pytest.mark.postgresql
def test_postgresql_moves_reservations_into_rows(postgres_server_url: str, tenant: str) -> None:
    _round_trip(postgres_server_url, tenant)
