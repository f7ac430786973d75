"""The shop API end to end, through FastAPI's test client: no server to start.

Staff onboard ACME GmbH with a 1,000 EUR order limit and a credit line;
buyer Bob checks and places orders; the second needs approval, which admin
Anna gives; a bad request shows how the library's errors come back.

Run: python examples/fastapi_app/api_demo.py  (needs fastapi and httpx; the
database is a throwaway SQLite file).
"""

import json
import tempfile
import warnings
from pathlib import Path
from typing import Any

# Starlette >= 1.x suggests httpx2 for its test client; httpx works the same here.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402

from b2b_customers.ids import SequentialIds  # noqa: E402
from b2b_customers.services import Staff, StaffRole  # noqa: E402
from shop_api import create_app  # noqa: E402

ADA = Staff(id="ada", name="Ada Administrator", roles={StaffRole.ADMINISTRATOR})
AS_ADA = {"X-Staff-Id": "ada"}

url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'shop.db'}"


def show(title: str, response: Any) -> Any:  # noqa: ANN401  (any JSON body)
    """Print a response's status and the interesting part of its body."""
    body = response.json()
    print(
        f"{response.request.method} {response.request.url.path} -> {response.status_code}  {title}"
    )
    return body


def line(amount: str) -> dict[str, Any]:
    return {"sku": "DRILL-9", "quantity": 1, "unit_price": {"amount": amount, "currency": "EUR"}}


with TestClient(create_app(url, staff=[ADA], ids=SequentialIds("n-"))) as client:
    acme = show(
        "onboarded",
        client.post(
            "/companies",
            json={"name": "ACME GmbH", "currency": "EUR", "time_zone": "Europe/Berlin"},
            headers=AS_ADA,
        ),
    )
    people = {}
    for first, role in [("Anna", "admin"), ("Bob", "buyer")]:
        person = {
            "email": f"{first.lower()}@acme.example",
            "first_name": first,
            "last_name": role.title(),
            "roles": [role],
            "active": True,
        }
        people[first] = show(
            f"invited {first} ({role})",
            client.post(f"/companies/{acme['id']}/customers", json=person, headers=AS_ADA),
        )
    as_anna = {"X-Customer-Id": people["Anna"]["id"]}
    as_bob = {"X-Customer-Id": people["Bob"]["id"]}
    limit = {"maximum": {"amount": "1000", "currency": "EUR"}, "name": "ACME order limit"}
    show(
        "order limit set",
        client.post(f"/companies/{acme['id']}/limits", json=limit, headers=AS_ADA),
    )
    credit_line = {"credit_limit": {"amount": "5000", "currency": "EUR"}}
    show(
        "credit opened",
        client.post(f"/companies/{acme['id']}/credit", json=credit_line, headers=AS_ADA),
    )

    small = {"company_id": acme["id"], "lines": [line("400")]}
    decision = show("checked", client.post("/orders/check", json=small, headers=as_bob))
    print(f"  {decision['explanation']}".replace("\n", "\n  "))
    placed = show("placed", client.post("/orders", json=small, headers=as_bob))
    print(f"  order {placed['order']['id']}: {placed['order']['status']}")

    large = {"company_id": acme["id"], "lines": [line("1200")], "comment": "Project Q3"}
    placed = show("placed", client.post("/orders", json=large, headers=as_bob))
    print(f"  {placed['decision']['explanation']}".replace("\n", "\n  "))
    request_id = placed["request"]["id"]
    pending = {"company_id": acme["id"], "status": "pending"}
    waiting = show("Anna's list", client.get("/approvals", params=pending, headers=as_anna))
    print(f"  {waiting['total']} pending request(s) of {acme['name']}")
    approved = show(
        "approved", client.post(f"/approvals/{request_id}/approve", json={}, headers=as_anna)
    )
    print(f"  request {request_id}: {approved['status']}")
    completed = show("completed", client.post(f"/approvals/{request_id}/complete", headers=as_bob))
    print(f"  order {completed['order']['id']}: {completed['order']['status']}")

    credit = show("credit", client.get(f"/companies/{acme['id']}/credit", headers=as_anna))
    print(f"  available {credit['available']['amount']} of {credit['credit_limit']['amount']} EUR")

    error = show(
        "a bad currency",
        client.post("/companies", json={"name": "Bad", "currency": "EURO"}, headers=AS_ADA),
    )
    print(f"  {json.dumps(error)}")
