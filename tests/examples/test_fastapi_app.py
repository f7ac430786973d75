"""The FastAPI example (examples/fastapi_app/) through its HTTP client, on SQLite and PostgreSQL.

Every test drives the API as a shop front end would: headers say who acts,
JSON goes in and out, and the library's errors come back as statuses with
their message. The PostgreSQL app keeps the library's tables in a schema of
its own per test, dropped afterwards; without ``B2B_TEST_POSTGRES_URL`` those
tests skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy
from fastapi.testclient import TestClient

from b2b_customers.clock import ManualClock
from b2b_customers.ids import SequentialIds
from b2b_customers.services import Staff, StaffRole
from shop_api import create_app

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterator

    import httpx

NOW = datetime(2026, 4, 1, 9, tzinfo=UTC)
ADA = Staff(id="ada", name="Ada Administrator", roles={StaffRole.ADMINISTRATOR})
SAM = Staff(id="sam", name="Sam Sales", roles={StaffRole.SALES_REP})
AS_ADA = {"X-Staff-Id": "ada"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def client(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[TestClient]:
    """The API over a fresh database of each kind, with staff Ada and Sam."""
    settings: dict[str, Any] = {
        "staff": [ADA, SAM],
        "clock": ManualClock(NOW),
        "ids": SequentialIds("n-"),
    }
    if request.param == "sqlite":
        api = create_app(f"sqlite:///{tmp_path / 'shop.db'}", **settings)
        with TestClient(api) as test_client:
            yield test_client
        return
    url: str = request.getfixturevalue("postgres_server_url")
    schema = f"fastapi_{uuid.uuid4().hex[:12]}"
    try:
        with TestClient(create_app(url, schema=schema, **settings)) as test_client:
            yield test_client
    finally:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def as_customer(customer: dict[str, Any]) -> dict[str, str]:
    return {"X-Customer-Id": customer["id"]}


def order(company: dict[str, Any], amount: str, **fields: Any) -> dict[str, Any]:
    """An order of one line worth ``amount`` EUR."""
    line = {"sku": "DRILL-9", "quantity": 1, "unit_price": eur(amount)}
    return {"company_id": company["id"], "lines": [line], **fields}


class Shop:
    """ACME GmbH with admin Anna and buyer Bob, a 1,000 EUR order limit and 5,000 EUR credit."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.acme = ok(
            client.post(
                "/companies",
                json={"name": "ACME GmbH", "currency": "EUR", "time_zone": "Europe/Berlin"},
                headers=AS_ADA,
            ),
            201,
        )
        self.anna = self.invite("anna@acme.example", "Anna", "Admin", "admin")
        self.bob = self.invite("bob@acme.example", "Bob", "Buyer", "buyer")
        ok(
            client.post(
                f"/companies/{self.acme['id']}/limits",
                json={"maximum": eur("1000"), "name": "ACME order limit"},
                headers=AS_ADA,
            ),
            201,
        )
        ok(
            client.post(
                f"/companies/{self.acme['id']}/credit",
                json={"credit_limit": eur("5000")},
                headers=AS_ADA,
            ),
            201,
        )

    def invite(self, email: str, first: str, last: str, role: str) -> dict[str, Any]:
        body = {
            "email": email,
            "first_name": first,
            "last_name": last,
            "roles": [role],
            "active": True,
        }
        return ok(
            self.client.post(f"/companies/{self.acme['id']}/customers", json=body, headers=AS_ADA),
            201,
        )


@pytest.fixture
def shop(client: TestClient) -> Shop:
    return Shop(client)


class TestCompaniesAndCustomers:
    def test_staff_onboard_a_company_and_its_admin_sees_it(self, shop: Shop):
        seen = ok(shop.client.get(f"/companies/{shop.acme['id']}", headers=as_customer(shop.anna)))
        assert seen["name"] == "ACME GmbH"
        assert seen["time_zone"] == "Europe/Berlin"

    def test_a_subsidiary_takes_its_parents_currency(self, shop: Shop):
        child = ok(
            shop.client.post(
                f"/companies/{shop.acme['id']}/subsidiaries",
                json={"name": "ACME Austria"},
                headers=AS_ADA,
            ),
            201,
        )
        assert (child["parent_id"], child["currency"]) == (shop.acme["id"], "EUR")

    def test_the_signed_in_customer_sees_their_roles(self, shop: Shop):
        me = ok(shop.client.get("/me", headers=as_customer(shop.bob)))
        assert me["email"] == "bob@acme.example"
        assert [m["roles"] for m in me["memberships"]] == [["buyer"]]


class TestOrders:
    def test_an_order_within_the_limit_is_allowed(self, shop: Shop):
        decision = ok(
            shop.client.post(
                "/orders/check", json=order(shop.acme, "400"), headers=as_customer(shop.bob)
            )
        )
        assert decision["outcome"] == "allowed"

    def test_a_check_says_why_an_order_needs_approval_and_writes_nothing(self, shop: Shop):
        decision = ok(
            shop.client.post(
                "/orders/check", json=order(shop.acme, "1200"), headers=as_customer(shop.bob)
            )
        )
        assert decision["outcome"] == "approval_required"
        assert "ACME order limit" in decision["explanation"]
        listed = ok(shop.client.get("/approvals", headers=as_customer(shop.anna)))
        assert listed["total"] == 0

    def test_an_allowed_order_is_placed_and_reserves_credit(self, shop: Shop):
        placed = ok(
            shop.client.post(
                "/orders", json=order(shop.acme, "400"), headers=as_customer(shop.bob)
            ),
            201,
        )
        assert (placed["placed"], placed["request"]) == (True, None)
        credit = ok(
            shop.client.get(f"/companies/{shop.acme['id']}/credit", headers=as_customer(shop.anna))
        )
        assert Decimal(credit["available"]["amount"]) == Decimal(4600)
        assert Decimal(credit["reserved"]["amount"]) == Decimal(400)


class TestApprovals:
    def test_an_order_above_the_limit_waits_for_the_admin_who_approves_it(self, shop: Shop):
        placed = ok(
            shop.client.post(
                "/orders",
                json=order(shop.acme, "1200", comment="Project Q3"),
                headers=as_customer(shop.bob),
            ),
            201,
        )
        assert placed["awaiting_approval"]
        request_id = placed["request"]["id"]
        waiting = ok(
            shop.client.get(
                "/approvals",
                params={"company_id": shop.acme["id"], "status": "pending"},
                headers=as_customer(shop.anna),
            )
        )
        assert [item["id"] for item in waiting["items"]] == [request_id]
        approved = ok(
            shop.client.post(
                f"/approvals/{request_id}/approve",
                json={"comment": "fine"},
                headers=as_customer(shop.anna),
            )
        )
        assert approved["status"] == "approved"
        completed = ok(
            shop.client.post(f"/approvals/{request_id}/complete", headers=as_customer(shop.bob)),
            201,
        )
        assert completed["placed"]

    def test_a_rejected_request_says_why(self, shop: Shop):
        placed = ok(
            shop.client.post(
                "/orders", json=order(shop.acme, "1200"), headers=as_customer(shop.bob)
            ),
            201,
        )
        request_id = placed["request"]["id"]
        ok(
            shop.client.post(
                f"/approvals/{request_id}/reject",
                json={"reason": "over budget"},
                headers=as_customer(shop.anna),
            )
        )
        seen = ok(shop.client.get(f"/approvals/{request_id}", headers=as_customer(shop.bob)))
        assert seen["status"] == "rejected"


class TestErrorsAsStatuses:
    def test_no_known_actor_is_401(self, shop: Shop):
        assert shop.client.get(f"/companies/{shop.acme['id']}").status_code == 401
        unknown = shop.client.get("/me", headers={"X-Customer-Id": "nobody"})
        assert unknown.status_code == 401
        assert shop.client.get("/me", headers={"X-Staff-Id": "eve"}).status_code == 401

    def test_an_unknown_company_is_404(self, shop: Shop):
        response = shop.client.get("/companies/nowhere", headers=AS_ADA)
        assert response.status_code == 404
        assert response.json()["error"] == "NotFound"

    def test_a_buyer_may_not_onboard_a_company_403(self, shop: Shop):
        response = shop.client.post(
            "/companies", json={"name": "Mine", "currency": "EUR"}, headers=as_customer(shop.bob)
        )
        assert response.status_code == 403
        assert response.json()["error"] == "PermissionDenied"

    def test_a_bad_currency_is_422_naming_the_field(self, shop: Shop):
        response = shop.client.post(
            "/companies", json={"name": "Bad", "currency": "EURO"}, headers=AS_ADA
        )
        assert response.status_code == 422
        assert response.json()["field"] == "currency"

    def test_a_body_of_the_wrong_shape_is_422(self, shop: Shop):
        response = shop.client.post(
            "/orders/check", json={"lines": "many"}, headers=as_customer(shop.bob)
        )
        assert response.status_code == 422

    def test_a_denied_order_is_409_with_the_explanation(self, shop: Shop):
        ok(
            shop.client.post(
                f"/companies/{shop.acme['id']}/limits",
                json={"maximum": eur("3000"), "on_exceed": "deny", "name": "ACME hard stop"},
                headers=AS_ADA,
            ),
            201,
        )
        response = shop.client.post(
            "/orders", json=order(shop.acme, "3500"), headers=as_customer(shop.bob)
        )
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "OrderDenied"
        assert body["decision"]["outcome"] == "denied"
        assert "ACME hard stop" in body["decision"]["explanation"]

    def test_another_companys_admin_does_not_see_the_company(self, shop: Shop):
        other = ok(
            shop.client.post(
                "/companies", json={"name": "Other", "currency": "EUR"}, headers=AS_ADA
            ),
            201,
        )
        olga = ok(
            shop.client.post(
                f"/companies/{other['id']}/customers",
                json={
                    "email": "olga@other.example",
                    "first_name": "Olga",
                    "last_name": "Other",
                    "roles": ["admin"],
                    "active": True,
                },
                headers=AS_ADA,
            ),
            201,
        )
        response = shop.client.get(f"/companies/{shop.acme['id']}", headers=as_customer(olga))
        assert response.status_code == 404
