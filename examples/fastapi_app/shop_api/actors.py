"""Who is asking: the library's ``App`` and the acting user, as FastAPI dependencies.

Every service call is made on behalf of an actor: a customer (a buyer, an
approver, a company admin) or the seller's staff. Here the actor comes from
a header, ``X-Customer-Id`` or ``X-Staff-Id``. That stands in for your
authentication: in production, resolve the signed-in user's session or
token to their customer id (or staff account) instead, in this one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from b2b_customers import App
from b2b_customers.domain import Customer
from b2b_customers.errors import NotFound, ValidationError
from b2b_customers.ids import CustomerId
from b2b_customers.services import Staff


def services(request: Request) -> App:
    """Return the library's services, built once when the application was created."""
    app: App = request.app.state.b2b
    return app


def _staff_accounts(request: Request) -> Mapping[str, Staff]:
    accounts: Mapping[str, Staff] = request.app.state.staff
    return accounts


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=message)


def current_actor(
    app: Annotated[App, Depends(services)],
    staff: Annotated[Mapping[str, Staff], Depends(_staff_accounts)],
    x_customer_id: Annotated[str | None, Header()] = None,
    x_staff_id: Annotated[str | None, Header()] = None,
) -> Staff | Customer:
    """Return the actor the request acts for: a customer as stored now, or a staff member.

    Raises:
        HTTPException: 401 when no header names a known customer or staff member.
    """
    if x_staff_id is not None:
        if x_staff_id not in staff:
            raise _unauthorized(f"no staff member {x_staff_id!r}")
        return staff[x_staff_id]
    if x_customer_id is None:
        raise _unauthorized("say who you are: send X-Customer-Id (or X-Staff-Id)")
    return _customer(app, x_customer_id)


def _customer(app: App, customer_id: str) -> Customer:
    # Authentication, not a use case: read the customer as stored now. The
    # services check what they may do, from the store again, on every call.
    try:
        with app.store.unit_of_work() as uow:
            return uow.customers.get(CustomerId(customer_id))
    except (NotFound, ValidationError):
        raise _unauthorized(f"no customer {customer_id!r}") from None


Services = Annotated[App, Depends(services)]
"""The library's services, for a route's parameters."""

CurrentActor = Annotated[Staff | Customer, Depends(current_actor)]
"""The acting user, for a route's parameters."""
