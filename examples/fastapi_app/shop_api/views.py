"""What the API answers: the library's entities as JSON, through its own converter.

The library's converter (``make_converter()``) turns every entity into a
JSON-ready dict without losing anything (money as exact decimal text with
its currency, aware datetimes in ISO 8601), so the API needs no response
model of its own for each entity.
"""

from __future__ import annotations

from typing import Any

from b2b_customers.approvals import ApprovalRequest
from b2b_customers.credit import CreditAccount
from b2b_customers.limits import Decision
from b2b_customers.ports import Page
from b2b_customers.serialization import make_converter
from b2b_customers.services import Placement

CONVERTER = make_converter()
"""One converter for the process (it is safe to share)."""


def entity_view(entity: object) -> dict[str, Any]:
    """Return any of the library's entities as a JSON-ready dict."""
    view: dict[str, Any] = CONVERTER.unstructure(entity)
    return view


def decision_view(decision: Decision) -> dict[str, Any]:
    """Return a decision: its outcome, its explanation in words, and every rule's result."""
    return {
        "outcome": decision.outcome.value,
        "explanation": decision.explain(),
        "approver_roles": list(decision.approver_roles),
        "results": [entity_view(result) for result in decision.results],
    }


def placement_view(placement: Placement) -> dict[str, Any]:
    """Return a placed order: the order as recorded, its decision and any approval request."""
    return {
        "placed": placement.placed,
        "awaiting_approval": placement.awaiting_approval,
        "order": entity_view(placement.order),
        "decision": decision_view(placement.decision),
        "request": None if placement.request is None else request_view(placement.request),
    }


def request_view(request: ApprovalRequest) -> dict[str, Any]:
    """Return an approval request."""
    return entity_view(request)


def requests_view(page: Page[ApprovalRequest]) -> dict[str, Any]:
    """Return one page of approval requests, with the total for paging."""
    return {
        "items": [request_view(request) for request in page.items],
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }


def credit_view(account: CreditAccount) -> dict[str, Any]:
    """Return a credit account with the figures a buyer's screen shows."""
    return {
        **entity_view(account),
        "available": entity_view(account.available),
        "on_hold": account.on_hold,
    }
