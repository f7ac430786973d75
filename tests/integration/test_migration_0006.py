"""Migration 0006 lets the database keep one open approval request per cart.

A database at the head revision holds a pending request for a cart; taken
down to 0004, it is given a second open request for that cart (as a race
could leave it before this revision). The upgrade then stops, naming the
cart, and changes nothing; once one of the two is cancelled it goes
through, and from then on the database refuses a second open request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import pytest
import sqlalchemy
from alembic import command
from alembic.config import Config

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.adapters.sql.migrate import HEAD_REVISION, MIGRATIONS, VERSION_TABLE
from b2b_customers.app import App
from b2b_customers.domain import Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import OpenRequestExists, StorageError
from b2b_customers.ids import ApprovalRequestId, CompanyId
from b2b_customers.services import Staff, StaffRole
from tests.services.conftest import eur

if TYPE_CHECKING:
    import pathlib

_STAFF = Staff(id="s", name="Sam Staff", roles={StaffRole.ADMINISTRATOR})


def _cart_waiting_for_approval(url: str, schema: str | None) -> str:
    """Rita (a requester: every order of hers needs approval) places cart ``c1``."""
    store = SqlStore(url, schema=schema)
    try:
        app = App(store)
        app.companies.onboard(actor=_STAFF, id="acme", name="ACME", currency="EUR")
        rita = app.customers.invite(
            actor=_STAFF,
            company=CompanyId("acme"),
            email="rita@acme.example",
            first_name="Rita",
            last_name="Requester",
            roles=[Role.REQUESTER],
            active=True,
        )
        order = OrderDraft(
            company_id=CompanyId("acme"),
            buyer_id=rita.id,
            lines=[OrderLine(sku="DRILL", quantity=1, unit_price=eur(100))],
            resource_type="cart",
            resource_id="c1",
        )
        request = app.orders.place(actor=rita, order=order).request
        assert request is not None
        return request.id
    finally:
        store.dispose()


def run(
    engine: sqlalchemy.Engine, schema: str | None, statement: str, **values: str
) -> list[object]:
    with engine.begin() as connection:
        if schema is not None:
            connection.execute(sqlalchemy.text(f'SET search_path TO "{schema}"'))
        result = connection.execute(sqlalchemy.text(statement), values)
        return list(result.scalars()) if result.returns_rows else []


def downgrade(engine: sqlalchemy.Engine, schema: str | None, revision: str) -> None:
    """Take the library's tables in ``schema`` down to ``revision`` (Alembic's downgrade)."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["schema"] = schema
    with engine.begin() as connection:
        if schema is not None:
            connection.execution_options(schema_translate_map={None: schema})
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _round_trip(url: str, schema: str | None) -> None:
    migrate(url, schema=schema)
    first = _cart_waiting_for_approval(url, schema)
    engine = sqlalchemy.create_engine(url)
    try:
        downgrade(engine, schema, "0004")
        run(
            engine,
            schema,
            "INSERT INTO approval_requests (id, version, created_at, updated_at, company_id, "
            "requester_id, status, resource_type, resource_id, submitted_at, expires_at, data) "
            "SELECT 'twin', version, created_at, updated_at, company_id, requester_id, status, "
            "resource_type, resource_id, submitted_at, expires_at, data "
            "FROM approval_requests WHERE id = :first",
            first=first,
        )
        with pytest.raises(StorageError, match=r"company 'acme', cart 'c1': 2 open requests"):
            migrate(url, schema=schema)
        assert run(engine, schema, f"SELECT version_num FROM {VERSION_TABLE}") == ["0004"]  # noqa: S608
        run(engine, schema, "UPDATE approval_requests SET status = 'cancelled' WHERE id = 'twin'")
        migrate(url, schema=schema)
        assert run(engine, schema, f"SELECT version_num FROM {VERSION_TABLE}") == [HEAD_REVISION]  # noqa: S608
    finally:
        engine.dispose()
    with pytest.raises(OpenRequestExists) as refused:
        _cart_waiting_for_approval_again(url, schema)
    assert refused.value.request_id == first


def _cart_waiting_for_approval_again(url: str, schema: str | None) -> None:
    """Store a copy of the pending request of cart ``c1`` (another id) through the repository."""
    store = SqlStore(url, schema=schema)
    try:
        with store.unit_of_work() as uow:
            pending = next(request for request in uow.approvals.search().items if request.is_open)
            uow.approvals.add(attrs.evolve(pending, id=ApprovalRequestId("copy")))
    finally:
        store.dispose()


def test_sqlite_refuses_two_open_requests_for_one_cart(tmp_path: pathlib.Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'shop.db'}", None)


@pytest.mark.postgresql
def test_postgresql_refuses_two_open_requests_for_one_cart(
    postgres_server_url: str, tenant: str
) -> None:
    _round_trip(postgres_server_url, tenant)
