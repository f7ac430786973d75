"""Migration 0010 gives every ``memberships`` row its membership's status, read from ``data``.

At the head revision Bob (a buyer at North and Globex) is deactivated at
Globex, and Ivy is invited at North. Taken down to 0009 (the column
dropped), Ivy's memberships are rewritten as releases before memberships had
a status stored them (no ``status`` key). Upgraded again, the rows say
Bob inactive at Globex, active at North, and Ivy invited (the converter's
rule for a membership stored without a status), and searches by standing
find them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
import sqlalchemy

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.app import App
from b2b_customers.ports import CustomerQuery
from tests.integration.test_migration_0006 import downgrade, run
from tests.services.world import CONTROLLER, GLOBEX, NORTH, REP, seed

if TYPE_CHECKING:
    import pathlib

    from b2b_customers.domain import CustomerStatus


def _standings_at_head(url: str, schema: str | None) -> tuple[str, str]:
    store = SqlStore(url, schema=schema)
    try:
        app = App(store)
        world = seed(app)
        app.companies.activate(actor=CONTROLLER, company_id=GLOBEX)
        app.customers.assign_roles(
            actor=REP, customer=world.bob.id, company=GLOBEX, roles=["buyer"]
        )
        app.customers.deactivate(actor=REP, customer=world.bob.id, company=GLOBEX)
        return world.bob.id, world.ivy.id
    finally:
        store.dispose()


def _drop_membership_statuses(engine: sqlalchemy.Engine, schema: str | None, customer: str) -> None:
    """Store ``customer``'s memberships as releases before memberships had a status did."""
    (text,) = run(
        engine, schema, "SELECT CAST(data AS TEXT) FROM customers WHERE id = :id", id=customer
    )
    data = json.loads(str(text))
    for membership in data["memberships"]:
        del membership["status"]
    cast = "CAST(:data AS JSONB)" if engine.dialect.name == "postgresql" else ":data"
    write = f"UPDATE customers SET data = {cast} WHERE id = :id"  # noqa: S608  (our own table)
    run(engine, schema, write, data=json.dumps(data), id=customer)


def _found(url: str, schema: str | None, company: str, standing: CustomerStatus | str) -> list[str]:
    store = SqlStore(url, schema=schema)
    try:
        with store.unit_of_work() as uow:
            query = CustomerQuery(company_id=company, membership_status=standing)  # type: ignore[arg-type]
            return [customer.id for customer in uow.customers.search(query).items]
    finally:
        store.dispose()


def _round_trip(url: str, schema: str | None) -> None:
    migrate(url, schema=schema)
    bob, ivy = _standings_at_head(url, schema)
    engine = sqlalchemy.create_engine(url)
    rows = "SELECT customer_id || '@' || company_id || ':' || status FROM memberships ORDER BY 1"
    try:
        before = run(engine, schema, rows)
        assert f"{bob}@{GLOBEX}:inactive" in before
        downgrade(engine, schema, "0009")
        _drop_membership_statuses(engine, schema, ivy)
        migrate(url, schema=schema)
        after = run(engine, schema, rows)
    finally:
        engine.dispose()
    assert after == before
    assert f"{ivy}@{NORTH}:invited" in after
    assert f"{bob}@{NORTH}:active" in after
    assert _found(url, schema, GLOBEX, "inactive") == [bob]
    assert _found(url, schema, NORTH, "invited") == [ivy]


def test_sqlite_fills_the_membership_statuses_from_the_stored_customers(
    tmp_path: pathlib.Path,
) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'shop.db'}", None)


@pytest.mark.postgresql
def test_postgresql_fills_the_membership_statuses_from_the_stored_customers(
    postgres_server_url: str, tenant: str
) -> None:
    _round_trip(postgres_server_url, tenant)
