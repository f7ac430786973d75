"""What an actor may see of orders and approval requests: the invisible is not found.

A customer never learns that another company's order or request exists:
looking one up answers [`NotFound`][b2b_customers.NotFound], exactly as
for an id nobody has, and lists leave it out. Only once the actor sees the
company does the permission matrix speak (a ``contact`` who sees the company
but may not view its orders is told [`PermissionDenied`][b2b_customers.PermissionDenied]).

An approval request is visible to whoever may view the orders of the
requester's company, to the requester and anyone who acted on it, and, once a
tier is escalated to an ancestor company, to whoever may decide approvals
there (the people the request now waits for); under a policy whose parent
units approve, to whoever may decide approvals at any company above. The
requester and those who acted see it only while they still hold a role at
the company.

Every check reads the actor as stored now
([`current_actor`][b2b_customers.services.authorization.current_actor]).

The same rule answers the questions an order asks about another company's
things: a buyer or a ship-to location that is not the company's is *not
found*, exactly like an id nobody has
([`require_buyer_of`][b2b_customers.services.visibility.require_buyer_of],
[`require_location_of`][b2b_customers.services.visibility.require_location_of]). And of the credit
line, only those who may view credit see figures:
[`decision_for`][b2b_customers.services.visibility.decision_for] leaves anyone else "within" or
"exceeds the available credit".

A customer record belongs to every company the customer is a member of:

* an actor **sees** a customer who is themselves, or who belongs to a
  company where the actor may view customers (staff who view customers see
  everyone); anyone else is not found;
* what they see of the record ([`customer_for`][b2b_customers.services.visibility.customer_for])
  holds only the memberships of companies they may view customers of;
* an actor **manages** a customer
  ([`manages_customer`][b2b_customers.services.visibility.manages_customer]: changes their profile,
  global status, or adds them to another company) only when the actor may manage customers at
  *every* company the customer belongs to. One company's admin never changes a customer's standing
  at another
  company: they change (or end) the customer's membership of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import attrs
from attrs import frozen

from b2b_customers.arguments import checked_id
from b2b_customers.domain import Company, Customer, Location, Role
from b2b_customers.errors import NotFound, PermissionDenied
from b2b_customers.ids import CompanyId
from b2b_customers.services.authorization import (
    PAYER_PERMISSIONS,
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Staff,
    StoredActor,
    actor_id,
    actor_name,
    checked_actor,
    current_actor,
    held_roles,
    may,
    may_in,
    payer_permissions,
    require,
    roles_for,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.ids import CustomerId, LocationId
    from b2b_customers.limits import Decision
    from b2b_customers.ports import UnitOfWork

__all__ = [
    "Known",
    "customer_for",
    "decision_for",
    "manages_customer",
    "require_buyer_of",
    "require_location_of",
    "require_staff",
    "require_visible",
    "sees_customer",
    "sees_request",
    "stored_or_none",
]

K = TypeVar("K")
T = TypeVar("T")


@frozen(kw_only=True)
class Known:
    """What a use case read already in its unit of work, so that checks do not read it again.

    Attributes:
        company: The company acted on.
        ancestors: Its ancestors' ids, nearest first.
        customers: Customers as stored now (the buyer, the acting customer).
    """

    company: Company | None = None
    ancestors: tuple[CompanyId, ...] | None = None
    customers: tuple[Customer, ...] = ()

    def customer(self, uow: UnitOfWork, customer_id: CustomerId) -> Customer | None:
        """Return the customer as stored now (``None``: no such customer)."""
        for customer in self.customers:
            if customer.id == customer_id:
                return customer
        return stored_or_none(uow.customers.get, customer_id)

    def actor_as_stored(self, uow: UnitOfWork, actor: Actor) -> StoredActor:
        """Return ``actor`` as stored now (see `current_actor`)."""
        if isinstance(actor, Customer):
            for customer in self.customers:
                if customer.id == actor.id:
                    return customer
        return current_actor(uow, actor)

    def ancestors_of(self, uow: UnitOfWork, company_id: CompanyId) -> list[CompanyId]:
        """Return the ancestors of ``company_id``, nearest first."""
        company = self.company
        if self.ancestors is not None and company is not None and company.id == company_id:
            return list(self.ancestors)
        return _ancestors(uow, company_id)


def require_visible(
    uow: UnitOfWork,
    actor: Actor,
    permission: Permission,
    company_id: CompanyId,
    *,
    entity: str = "Company",
    key: object = None,
    ancestors: Sequence[CompanyId] | None = None,
    stored: StoredActor | None = None,
) -> None:
    """Refuse unless ``actor`` sees ``company_id`` and may do ``permission`` there.

    Reads the actor as stored now and the company's ancestors once each
    (not at all when the caller passes what it read already), and the
    accounts that pay for the company only when the actor's roles do not
    answer.

    Args:
        uow: The open unit of work.
        actor: Who asks.
        permission: What they want to do.
        company_id: The company the thing looked at belongs to.
        entity: The kind of thing looked at, named by [`NotFound`][b2b_customers.NotFound].
        key: Its id (the company's id by default).
        ancestors: The company's ancestors' ids, nearest first, if read already.
        stored: ``actor`` as this unit of work read it from the store, if it did.

    Raises:
        NotFound: The company does not exist, or the actor does not see it.
        PermissionDenied: The actor sees the company but may not do ``permission``.
        ValidationError: The actor is not one, or ``company_id`` is not an id.
    """
    checked_actor(actor)
    checked_id(company_id, "company_id")
    if stored is None or stored.id != actor_id(actor):
        stored = current_actor(uow, actor)
    if ancestors is None:
        ancestors = _ancestors(uow, company_id)
    if may(stored, permission, company_id, ancestors):
        return
    if isinstance(stored, Customer) and not roles_for(stored, company_id, ancestors):
        paid = payer_permissions(uow, stored, company_id)
        if not paid:
            raise NotFound(entity, company_id if key is None else key)
        if permission in paid:
            return
    require(stored, permission, company_id, ancestors)


def require_staff(actor: Actor, permission: Permission, what: str) -> Staff:
    """Refuse unless ``actor`` is staff whose roles grant ``permission`` (for every company).

    Args:
        actor: Who asks.
        permission: What they want to do.
        what: The request in words, for the message (``"list every order"``).

    Raises:
        PermissionDenied: The actor is a customer, or staff without the permission.
        ValidationError: The actor is neither staff nor a customer.
    """
    checked_actor(actor)
    if isinstance(actor, Staff) and any(
        permission in ROLE_PERMISSIONS[role] for role in actor.roles
    ):
        return actor
    raise PermissionDenied(
        f"{actor_name(actor)} may not {what}: only staff whose role allows "
        f"{permission.value.replace('_', ' ')} may; a customer names the company"
    )


def sees_request(uow: UnitOfWork, actor: Actor, request: ApprovalRequest) -> bool:
    """Tell whether ``actor`` (as stored now) may see ``request`` (see the module docstring)."""
    stored = current_actor(uow, actor)
    involved = stored.id == request.requester_id or stored.id in request.acted
    if involved and roles_for(stored, request.company_id, _ancestors(uow, request.company_id)):
        return True
    if _may(uow, stored, Permission.VIEW_ORDERS, request.company_id):
        return True
    deciding = {
        tier.approver_company_id
        for tier in request.tiers
        if tier.escalated and tier.approver_company_id is not None
    }
    if request.policy.parent_units_approve:
        deciding.update(company.id for company in uow.companies.ancestors(request.company_id))
    return any(_may(uow, stored, Permission.DECIDE_APPROVALS, company) for company in deciding)


def require_buyer_of(
    uow: UnitOfWork,
    actor: Actor,
    buyer_id: CustomerId,
    company_id: CompanyId,
    *,
    known: Known | None = None,
) -> Customer:
    """Return the buyer an order of ``company_id`` names, if ``actor`` may act for them.

    Call it after the actor is authorized for the company. A customer acts
    for themselves; an admin of the company (or of an ancestor) for any of
    its buyers; staff for anyone's. The buyer must hold a role at the
    company (their own, or admin / finance reaching down from an ancestor):
    anyone else is not found, exactly as an id nobody has, so the answer
    never tells whether a customer of another company exists, nor their
    name or status.

    Args:
        uow: The open unit of work.
        actor: Who acts.
        buyer_id: The buyer the order names.
        company_id: The ordering company.
        known: What the use case read already in this unit of work (not read again).

    Raises:
        PermissionDenied: A customer names another buyer without being an
            admin of the company.
        NotFound: No such customer, or not one of the company's.
    """
    known = known or Known()
    stored = known.actor_as_stored(uow, actor)
    ancestors = known.ancestors_of(uow, company_id)
    if (
        isinstance(stored, Customer)
        and stored.id != buyer_id
        and Role.ADMIN not in roles_for(stored, company_id, ancestors)
    ):
        raise PermissionDenied(
            f"{stored.display_name} may act only on their own orders, not on those of "
            f"{buyer_id!r}; a company admin may act for the company's buyers"
        )
    buyer = known.customer(uow, buyer_id)
    if buyer is None or not held_roles(buyer, company_id, ancestors):
        raise NotFound("Customer", buyer_id)
    return buyer


def require_location_of(
    uow: UnitOfWork, location_id: LocationId, company_id: CompanyId
) -> Location:
    """Return location ``location_id`` if it belongs to ``company_id``.

    A location of another company is not found, exactly as an id nobody
    has: the answer never names the company it belongs to.

    Raises:
        NotFound: No such location, or one of another company.
    """
    location = stored_or_none(uow.locations.get, location_id)
    if location is None or location.company_id != company_id:
        raise NotFound("Location", location_id)
    return location


def decision_for(
    uow: UnitOfWork,
    actor: Actor,
    decision: Decision,
    company_id: CompanyId,
    *,
    known: Known | None = None,
) -> Decision:
    """Return ``decision`` as ``actor`` may see it, for an order of ``company_id``.

    Whoever may view the company's credit (see the permission matrix) sees
    the decision whole. Anyone else (a buyer, a requester, an approver, a
    sales rep) learns of the credit line only whether the order is within
    it or exceeds it, and whether a hold stops it: no limit, balance,
    reservations or available amount (see
    [`without_credit_figures`][b2b_customers.limits.Decision.without_credit_figures]).
    """
    known = known or Known()
    stored = known.actor_as_stored(uow, actor)
    ancestors = known.ancestors_of(uow, company_id)
    if may(stored, Permission.VIEW_CREDIT, company_id, ancestors) or (
        Permission.VIEW_CREDIT in PAYER_PERMISSIONS
        and Permission.VIEW_CREDIT
        in payer_permissions(uow, stored, company_id, company=known.company)
    ):
        return decision
    return decision.without_credit_figures()


def sees_customer(uow: UnitOfWork, actor: Actor, customer: Customer) -> bool:
    """Tell whether ``actor`` (as stored now) sees ``customer`` (see the module docstring)."""
    stored = current_actor(uow, actor)
    if isinstance(stored, Staff):
        return may(stored, Permission.VIEW_CUSTOMERS, CompanyId(""))
    if stored.id == customer.id and stored.is_active:
        return True
    return any(
        _may(uow, stored, Permission.VIEW_CUSTOMERS, company) for company in customer.company_ids
    )


def manages_customer(uow: UnitOfWork, actor: Actor, customer: Customer) -> bool:
    """Tell whether ``actor`` may manage customers at every company ``customer`` belongs to.

    Staff who manage customers manage everyone; a customer of no company
    is managed by staff only.
    """
    stored = current_actor(uow, actor)
    if isinstance(stored, Staff):
        return may(stored, Permission.MANAGE_CUSTOMERS, CompanyId(""))
    return bool(customer.company_ids) and all(
        _may(uow, stored, Permission.MANAGE_CUSTOMERS, company) for company in customer.company_ids
    )


def customer_for(uow: UnitOfWork, actor: Actor, customer: Customer) -> Customer:
    """Return ``customer`` as ``actor`` may see it: only the memberships of companies they view.

    Staff (and the customer themselves) see the whole record.
    """
    stored = current_actor(uow, actor)
    if isinstance(stored, Staff) or stored.id == customer.id:
        return customer
    shown = tuple(
        membership
        for membership in customer.memberships
        if _may(uow, stored, Permission.VIEW_CUSTOMERS, membership.company_id)
    )
    if shown == customer.memberships:
        return customer
    return attrs.evolve(customer, memberships=shown)


def stored_or_none(lookup: Callable[[K], T], key: K) -> T | None:
    """Return ``lookup(key)``, or ``None`` where it raises [`NotFound`][b2b_customers.NotFound].

    For the checks above that answer "not found" alike for what does not
    exist and for what the actor may not know of.
    """
    try:
        return lookup(key)
    except NotFound:
        return None


def _ancestors(uow: UnitOfWork, company_id: CompanyId) -> list[CompanyId]:
    return [company.id for company in uow.companies.ancestors(company_id)]


def _may(uow: UnitOfWork, actor: Actor, permission: Permission, company_id: CompanyId) -> bool:
    return may_in(uow, actor, permission, company_id)
