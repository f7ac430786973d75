"""Migration 0009 fills ``approval_verdicts`` from the approvals stored in each request.

A database at the head revision holds three requests: one Anna approved,
one waiting, one Anna approved a day later. Taken down to 0008 (the table
dropped) and up again, the table holds exactly the two approvals, and
"what Anna approved since" finds them through it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import sqlalchemy

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.app import App
from b2b_customers.clock import ManualClock
from b2b_customers.ids import SequentialIds
from b2b_customers.ports import ApprovalQuery
from tests.integration.test_migration_0006 import downgrade, run
from tests.services.conftest import NOW, open_shop

if TYPE_CHECKING:
    import pathlib


def _approvals_given(url: str, schema: str | None) -> list[str]:
    """Bob submits three orders above his limit; Anna approves the first, and the third a day on."""
    clock = ManualClock(NOW)
    store = SqlStore(url, schema=schema, clock=clock)
    try:
        shop = open_shop(App(store, ids=SequentialIds("m9-")), clock)
        requests = []
        for amount in (1100, 1200, 1300):
            placed = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, amount))
            assert placed.request is not None
            requests.append(placed.request.id)
        shop.app.approvals.approve(actor=shop.anna, request=requests[0])
        clock.advance(timedelta(days=1))
        shop.app.approvals.approve(actor=shop.anna, request=requests[2])
        return [requests[0], requests[2], shop.anna.id]
    finally:
        store.dispose()


def _approved_since(url: str, schema: str | None, approver: str, days: int) -> list[str]:
    store = SqlStore(url, schema=schema)
    try:
        with store.unit_of_work() as uow:
            query = ApprovalQuery(approver_id=approver, approved_since=NOW + timedelta(days=days))
            return sorted(request.id for request in uow.approvals.search(query).items)
    finally:
        store.dispose()


def _round_trip(url: str, schema: str | None) -> None:
    migrate(url, schema=schema)
    first, third, anna = _approvals_given(url, schema)
    engine = sqlalchemy.create_engine(url)
    select = "SELECT request_id FROM approval_verdicts ORDER BY approved_at"
    try:
        assert run(engine, schema, select) == [first, third]
        downgrade(engine, schema, "0008")
        migrate(url, schema=schema)
        assert run(engine, schema, select) == [first, third]
    finally:
        engine.dispose()
    assert _approved_since(url, schema, anna, 0) == sorted([first, third])
    assert _approved_since(url, schema, anna, 1) == [third]
    assert _approved_since(url, schema, "nobody", 0) == []


def test_sqlite_fills_the_verdicts_from_the_stored_requests(tmp_path: pathlib.Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'shop.db'}", None)


@pytest.mark.postgresql
def test_postgresql_fills_the_verdicts_from_the_stored_requests(
    postgres_server_url: str, tenant: str
) -> None:
    _round_trip(postgres_server_url, tenant)
