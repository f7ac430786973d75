"""The endpoints: each one maps the request to one service call and the result to JSON.

No endpoint checks permissions or catches the library's errors itself: the
services check what the actor may do, and ``shop_api.errors`` turns their
errors into statuses.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from b2b_customers.limits import LimitScope
from b2b_customers.services import Staff
from shop_api.actors import CurrentActor, Services
from shop_api.schemas import (
    ApproveIn,
    CompanyIn,
    CreditAccountIn,
    CustomerIn,
    LimitIn,
    OrderIn,
    PlaceOrderIn,
    RejectIn,
    SubsidiaryIn,
)
from shop_api.views import (
    credit_view,
    decision_view,
    entity_view,
    placement_view,
    request_view,
    requests_view,
)

companies = APIRouter(prefix="/companies", tags=["companies"])
customers = APIRouter(tags=["customers"])
orders = APIRouter(prefix="/orders", tags=["orders"])
approvals = APIRouter(prefix="/approvals", tags=["approvals"])

ROUTERS = (companies, customers, orders, approvals)
"""Every router of the API, for the app factory."""


# -- companies and their settings


@companies.post("", status_code=status.HTTP_201_CREATED)
def onboard_company(body: CompanyIn, app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Onboard a company at the top of a tree (staff)."""
    company = app.companies.onboard(
        actor=actor, name=body.name, currency=body.currency, time_zone=body.time_zone
    )
    return entity_view(company)


@companies.post("/{company_id}/subsidiaries", status_code=status.HTTP_201_CREATED)
def add_subsidiary(
    company_id: str, body: SubsidiaryIn, app: Services, actor: CurrentActor
) -> dict[str, Any]:
    """Add a company under this one (staff)."""
    fields = {} if body.time_zone is None else {"time_zone": body.time_zone}
    company = app.companies.add_subsidiary(
        actor=actor, parent=company_id, name=body.name, currency=body.currency, **fields
    )
    return entity_view(company)


@companies.get("/{company_id}")
def get_company(company_id: str, app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Return a company the actor sees."""
    return entity_view(app.companies.get(actor=actor, company_id=company_id))


@companies.post("/{company_id}/customers", status_code=status.HTTP_201_CREATED)
def invite_customer(
    company_id: str, body: CustomerIn, app: Services, actor: CurrentActor
) -> dict[str, Any]:
    """Invite a customer into the company, with their roles there."""
    customer = app.customers.invite(
        actor=actor,
        company=company_id,
        email=body.email,
        first_name=body.first_name,
        last_name=body.last_name,
        roles=body.roles,
        active=body.active,
    )
    return entity_view(customer)


@companies.post("/{company_id}/limits", status_code=status.HTTP_201_CREATED)
def set_limit(company_id: str, body: LimitIn, app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Set a purchasing limit on the whole company."""
    limit = app.limits.set(
        actor=actor,
        scope=LimitScope(kind="company", company_id=company_id),
        rule=body.to_rule(),
        on_exceed=body.on_exceed,
        name=body.name,
    )
    return entity_view(limit)


@companies.post("/{company_id}/credit", status_code=status.HTTP_201_CREATED)
def open_credit_account(
    company_id: str, body: CreditAccountIn, app: Services, actor: CurrentActor
) -> dict[str, Any]:
    """Open a credit line for the company (staff who manage credit)."""
    account = app.credit.open_account(
        actor=actor,
        company=company_id,
        credit_limit=body.credit_limit.to_money(),
        payment_terms=body.payment_terms,
    )
    return credit_view(account)


@companies.get("/{company_id}/credit")
def credit_account(company_id: str, app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Return the credit account the company draws on: limit, balance, reserved, available."""
    return credit_view(app.credit.account(actor=actor, company=company_id))


# -- the signed-in customer


@customers.get("/me")
def me(app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Return the signed-in customer, with their companies and roles (staff: their account)."""
    if isinstance(actor, Staff):
        return {"staff": actor.id, "name": actor.name}
    return entity_view(app.customers.get(actor=actor, customer=actor.id))


# -- orders


@orders.post("/check")
def check_order(body: OrderIn, app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Say whether the signed-in buyer may place this order, and why: nothing is written."""
    decision = app.orders.check(actor=actor, order=body.to_draft(buyer_id=actor.id))
    return decision_view(decision)


@orders.post("", status_code=status.HTTP_201_CREATED)
def place_order(body: PlaceOrderIn, app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Place the order: placed at once, or waiting for approval (with the request).

    A denied order is answered 409 with the decision and its explanation.
    """
    placement = app.orders.place(
        actor=actor, order=body.to_draft(buyer_id=actor.id), comment=body.comment
    )
    return placement_view(placement)


# -- approvals


@approvals.get("")
def list_requests(
    *,
    app: Services,
    actor: CurrentActor,
    company_id: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> dict[str, Any]:
    """List approval requests the actor sees, newest first (filter by company and status)."""
    page = app.approvals.search(
        actor=actor,
        company=company_id,
        status=status,
        offset=offset,
        limit=limit,
    )
    return requests_view(page)


@approvals.get("/{request_id}")
def get_request(request_id: str, app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Return one approval request, with its status now."""
    return request_view(app.approvals.get(actor=actor, request=request_id))


@approvals.post("/{request_id}/approve")
def approve(request_id: str, body: ApproveIn, app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Approve a request (an approver of its current tier)."""
    request = app.approvals.approve(actor=actor, request=request_id, comment=body.comment)
    return request_view(request)


@approvals.post("/{request_id}/reject")
def reject(request_id: str, body: RejectIn, app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Reject a request, saying why."""
    request = app.approvals.reject(actor=actor, request=request_id, reason=body.reason)
    return request_view(request)


@approvals.post("/{request_id}/complete", status_code=status.HTTP_201_CREATED)
def complete(request_id: str, app: Services, actor: CurrentActor) -> dict[str, Any]:
    """Place the order of an approved request."""
    placement = app.approvals.complete(actor=actor, request=request_id)
    return placement_view(placement)
