"""What an actor may see of orders and approval requests: the invisible is not found.

A customer never learns that another company's order or request exists:
looking one up answers :class:`~b2b_customers.errors.NotFound`, exactly as
for an id nobody has, and lists leave it out. Only once the actor sees the
company does the permission matrix speak (a ``contact`` who sees the company
but may not view its orders is told :class:`~b2b_customers.errors.PermissionDenied`).

An approval request is visible to whoever may view the orders of the
requester's company, to the requester and anyone who acted on it, and, once a
tier is escalated to an ancestor company, to whoever may decide approvals
there (the people the request now waits for); under a policy whose parent
units approve, to whoever may decide approvals at any company above.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.errors import NotFound, PermissionDenied
from b2b_customers.services.authorization import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Staff,
    checked_actor,
    may,
    require,
    roles_for,
)

if TYPE_CHECKING:
    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.ids import CompanyId
    from b2b_customers.ports import UnitOfWork

__all__ = ["require_staff", "require_visible", "sees_request"]


def require_visible(
    uow: UnitOfWork,
    actor: Actor,
    permission: Permission,
    company_id: CompanyId,
    *,
    entity: str = "Company",
    key: object = None,
) -> None:
    """Refuse unless ``actor`` sees ``company_id`` and may do ``permission`` there.

    Args:
        uow: The open unit of work.
        actor: Who asks.
        permission: What they want to do.
        company_id: The company the thing looked at belongs to.
        entity: The kind of thing looked at, named by :class:`NotFound`.
        key: Its id (the company's id by default).

    Raises:
        NotFound: The company does not exist, or the actor does not see it.
        PermissionDenied: The actor sees the company but may not do ``permission``.
    """
    ancestors = [company.id for company in uow.companies.ancestors(company_id)]
    if not roles_for(actor, company_id, ancestors):
        raise NotFound(entity, company_id if key is None else key)
    require(actor, permission, company_id, ancestors)


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
    who = actor.name if isinstance(actor, Staff) else actor.display_name
    raise PermissionDenied(
        f"{who} may not {what}: only staff whose role allows "
        f"{permission.value.replace('_', ' ')} may; a customer names the company"
    )


def sees_request(uow: UnitOfWork, actor: Actor, request: ApprovalRequest) -> bool:
    """Tell whether ``actor`` may see ``request`` (see the module docstring)."""
    if actor.id == request.requester_id or actor.id in request.acted:
        return True
    if _may(uow, actor, Permission.VIEW_ORDERS, request.company_id):
        return True
    deciding = {
        tier.approver_company_id
        for tier in request.tiers
        if tier.escalated and tier.approver_company_id is not None
    }
    if request.policy.parent_units_approve:
        deciding.update(company.id for company in uow.companies.ancestors(request.company_id))
    return any(_may(uow, actor, Permission.DECIDE_APPROVALS, company) for company in deciding)


def _may(uow: UnitOfWork, actor: Actor, permission: Permission, company_id: CompanyId) -> bool:
    ancestors = [company.id for company in uow.companies.ancestors(company_id)]
    return may(actor, permission, company_id, ancestors)
