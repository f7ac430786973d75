"""The ``app`` fixture: the services over each of the three stores.

Every service test runs on the memory store, an SQLite file and PostgreSQL.
The PostgreSQL app uses one freshly migrated schema per test module, emptied
before each test; without ``B2B_TEST_POSTGRES_URL`` those tests skip, except under
``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs
import pytest
import sqlalchemy
from moneyed import Money

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.adapters.sql.tables import metadata
from b2b_customers.app import App, connect
from b2b_customers.clock import ManualClock
from b2b_customers.credit import CreditAccount
from b2b_customers.domain import Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.ids import CompanyId, CreditAccountId, LimitId, SequentialIds
from b2b_customers.limits import LimitScope, OrderTotalLimit, PurchasingLimit
from b2b_customers.ports import ApprovalQuery, OrderQuery
from b2b_customers.services import Staff, StaffRole

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Callable, Iterator

NOW = datetime(2026, 4, 1, 9, tzinfo=UTC)
"""The instant every service test starts at (a Wednesday)."""

BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture(scope="module")
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A migrated PostgreSQL schema for one test module: ``(url, schema)``."""
    url = os.environ.get("B2B_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set B2B_TEST_POSTGRES_URL: PostgreSQL tests may not skip in CI")
        pytest.skip("B2B_TEST_POSTGRES_URL is not set")
    schema = f"services_{uuid.uuid4().hex[:12]}"
    migrate(url, schema=schema)
    try:
        yield url, schema
    finally:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _empty(url: str, schema: str) -> None:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(sqlalchemy.text(f'DELETE FROM "{schema}"."{table.name}"'))  # noqa: S608
    finally:
        engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """The clock every service in a test reads; starts at `NOW`."""
    return ManualClock(NOW)


@pytest.fixture(params=BACKENDS)
def app(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path, clock: ManualClock
) -> Iterator[App]:
    """The services over a fresh, empty store of each kind, with a manual clock."""
    ids = SequentialIds("x-")
    if request.param == "memory":
        yield connect("memory://", clock=clock, ids=ids)
    elif request.param == "sqlite":
        yield connect(f"sqlite:///{tmp_path / 'shop.db'}", clock=clock, ids=ids)
    else:
        url, schema = request.getfixturevalue("postgres_schema")
        _empty(url, schema)
        store = SqlStore(url, schema=schema, clock=clock)
        try:
            yield App(store, ids=ids)
        finally:
            store.dispose()


# -- a shop for the order and approval tests (tests/services/test_orders.py, test_approvals.py)


STAFF = Staff(id="s-admin", name="Ada Administrator", roles={StaffRole.ADMINISTRATOR})
"""Staff who may do everything (onboarding, placing for a buyer, the expiry sweep)."""


@attrs.frozen
class Shop:
    """ACME GmbH (under ACME Holding) with its people, a 1,000 EUR order limit and credit.

    Attributes:
        app: The services.
        clock: The clock they read.
        anna: Admin of ACME GmbH.
        bob: Buyer at ACME GmbH (orders above 1,000 EUR need an admin's approval).
        rita: Requester at ACME GmbH (every order needs approval).
        hanna: Admin of ACME Holding (sees ACME GmbH too).
        olga: Admin of Other AG, a company outside the group.
        staff: An administrator of the seller (may do everything).
    """

    app: App
    clock: ManualClock
    anna: Customer
    bob: Customer
    rita: Customer
    hanna: Customer
    olga: Customer
    staff: Staff = STAFF

    def order(
        self,
        buyer: Customer,
        amount: str | int,
        *,
        company: str = "acme",
        **fields: Any,
    ) -> OrderDraft:
        """An order of one line worth ``amount`` EUR."""
        return OrderDraft(
            company_id=CompanyId(company),
            buyer_id=buyer.id,
            lines=[OrderLine(sku="DRILL-9", quantity=1, unit_price=eur(amount))],
            **fields,
        )


CREDIT_LIMIT = Money("5000", "EUR")
"""ACME GmbH's credit line."""


def eur(amount: str | int) -> Money:
    """``Money(amount, "EUR")``."""
    return Money(str(amount), "EUR")


def invite(app: App, name: str, role: Role, company: str = "acme") -> Customer:
    """Invite "First Last" to ``company`` with ``role``, active at once, as staff."""
    first, last = name.split()
    return app.customers.invite(
        actor=STAFF,
        company=CompanyId(company),
        email=f"{first.lower()}@{company}.example",
        first_name=first,
        last_name=last,
        roles=[role],
        active=True,
    )


@pytest.fixture
def shop(app: App, clock: ManualClock) -> Shop:
    """`Shop` on each store."""
    return open_shop(app, clock)


def open_shop(app: App, clock: ManualClock) -> Shop:
    """Set up `Shop` in the empty store of ``app`` (for properties that need a fresh one)."""
    app.companies.onboard(
        actor=STAFF, id="hold", name="ACME Holding", currency="EUR", time_zone="Europe/Berlin"
    )
    app.companies.add_subsidiary(actor=STAFF, id="acme", parent=CompanyId("hold"), name="ACME GmbH")
    app.companies.onboard(actor=STAFF, id="other", name="Other AG", currency="EUR")

    def person(name: str, company: str, role: Role) -> Customer:
        return invite(app, name, role, company)

    people = {
        "anna": person("Anna Admin", "acme", Role.ADMIN),
        "bob": person("Bob Buyer", "acme", Role.BUYER),
        "rita": person("Rita Requester", "acme", Role.REQUESTER),
        "hanna": person("Hanna Holding", "hold", Role.ADMIN),
        "olga": person("Olga Other", "other", Role.ADMIN),
    }
    with app.store.unit_of_work() as uow:
        uow.limits.add(
            PurchasingLimit(
                id=LimitId("acme-per-order"),
                name="ACME order limit",
                scope=LimitScope(kind="company", company_id=CompanyId("acme")),
                rule=OrderTotalLimit(maximum=eur(1000)),
            )
        )
        uow.credit.add(
            CreditAccount(
                id=CreditAccountId("acme-credit"),
                company_id=CompanyId("acme"),
                currency="EUR",
                credit_limit=CREDIT_LIMIT,
            )
        )
        uow.commit()
    return Shop(
        app=app,
        clock=clock,
        anna=people["anna"],
        bob=people["bob"],
        rita=people["rita"],
        hanna=people["hanna"],
        olga=people["olga"],
    )


@pytest.fixture
def snapshot(shop: Shop) -> Callable[[], object]:
    """Everything an order or approval service writes, to compare before and after a call."""

    def take() -> object:
        with shop.app.store.unit_of_work() as uow:
            account = uow.credit.get(CreditAccountId("acme-credit"))
            return (
                uow.orders.history(OrderQuery(limit=1000)).items,
                uow.approvals.search(ApprovalQuery(limit=1000)).items,
                account,
                uow.credit.entries(account.id),
                [entry.event for entry in uow.outbox.pending(limit=1000)],
            )

    return take
