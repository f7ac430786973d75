"""The web-app guide's tenant functions work on PostgreSQL, in throwaway schemas.

tests/test_docs.py runs the guide's code on SQLite; this runs the part only
PostgreSQL has (one schema per tenant over one shared engine). Each test
creates its own schemas and drops only those.
"""

from __future__ import annotations

import os
import pathlib
import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy

from b2b_customers import Money
from b2b_customers.domain import Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import NotFound
from b2b_customers.limits import Outcome
from b2b_customers.services import Staff, StaffRole

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "how-to" / "web-app-postgresql.md"
CODE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
STAFF = Staff(id="ops", name="Ops", roles={StaffRole.ADMINISTRATOR})

pytestmark = pytest.mark.postgresql


@pytest.fixture
def guide(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The names the guide's code defines, after running it (on SQLite, as the docs test does)."""
    monkeypatch.delenv("B2B_CUSTOMERS_URL", raising=False)
    namespace: dict[str, Any] = {"__name__": "guide"}
    for number, block in enumerate(CODE.findall(GUIDE.read_text(encoding="utf-8")), start=1):
        exec(compile(block, f"{GUIDE.name}[{number}]", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture
def engine() -> Iterator[sqlalchemy.Engine]:
    """An engine on the test server; the schemas a test makes start with its prefix."""
    url = os.environ.get("B2B_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set B2B_TEST_POSTGRES_URL: PostgreSQL tests may not skip in CI")
        pytest.skip("B2B_TEST_POSTGRES_URL is not set")
    engine = sqlalchemy.create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _drop(engine: sqlalchemy.Engine, schemas: list[str]) -> None:
    with engine.begin() as connection:
        for schema in schemas:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def test_each_tenant_gets_its_own_schema_over_one_engine(
    guide: dict[str, Any], engine: sqlalchemy.Engine
):
    tenants = [f"guide_{uuid.uuid4().hex[:10]}", f"guide_{uuid.uuid4().hex[:10]}"]
    try:
        guide["migrate_tenants"](engine, tenants)
        guide["migrate_tenants"](engine, tenants)  # again at the next deploy: nothing to do
        apps = guide["tenant_apps"](engine, tenants)
        first, second = (apps[tenant] for tenant in tenants)
        acme = first.companies.onboard(actor=STAFF, name="ACME GmbH", currency="EUR")
        bob = first.customers.invite(
            actor=STAFF,
            company=acme.id,
            email="bob@acme.example",
            first_name="Bob",
            last_name="Buyer",
            roles=[Role.BUYER],
            active=True,
        )
        line = OrderLine(sku="DRILL-9", quantity=1, unit_price=Money("10", "EUR"))
        order = OrderDraft(company_id=acme.id, buyer_id=bob.id, lines=[line])
        assert first.orders.check(actor=bob, order=order).outcome is Outcome.ALLOWED
        with pytest.raises(NotFound):
            second.companies.get(actor=STAFF, company_id=acme.id)
        # The same email is free in the other tenant: the schemas share nothing.
        other = second.companies.onboard(actor=STAFF, name="Other", currency="EUR")
        second.customers.invite(
            actor=STAFF,
            company=other.id,
            email="bob@acme.example",
            first_name="Bob",
            last_name="Elsewhere",
            roles=[Role.BUYER],
        )
        for app in apps.values():
            app.store.dispose()  # leaves the shared engine open
        with engine.connect() as connection:
            assert connection.execute(sqlalchemy.text("SELECT 1")).scalar_one() == 1
    finally:
        _drop(engine, [f"tenant_{tenant}" for tenant in tenants])
