"""Who may do what, for which company: the permission matrix and the visibility rule.

Every service call is made on behalf of an **actor**: a [`Staff`][b2b_customers.services.Staff]
member of the seller, or a [`Customer`][b2b_customers.domain.Customer] acting for a
company. Services call [`require`][b2b_customers.services.require] before they read or write
anything; a refusal raises [`PermissionDenied`][b2b_customers.PermissionDenied] and nothing
happens.

Two questions decide:

1. **Does a role grant the action?** [`ROLE_PERMISSIONS`][b2b_customers.services.ROLE_PERMISSIONS]
   is the matrix, one row per customer role and per staff role (rendered in the docs'
   permissions page).
2. **Can the actor see the company?** Staff see every company. A customer sees
   the companies they are a member of; an ``admin`` (and ``finance``, for
   invoices and credit) also sees the whole subtree below those companies,
   so a head office oversees its branches while a branch's buyer sees only
   the branch. A customer acts with the roles of the membership that gives
   the visibility: the one in the company itself, or else (for admin and
   finance) the one in the nearest ancestor.

3. **Does the company's payer reach it?** A ``finance`` member of the
   company named as a company's bill-to or master account (the account that
   pays for it) may view that company, its orders and its credit
   ([`PAYER_PERMISSIONS`][b2b_customers.services.authorization.PAYER_PERMISSIONS]), and nothing
   more.

Inactive customers may do nothing. A customer acts for a company only with a
membership in standing: one deactivated (or only invited) at a company gives
no authority there, while the customer still acts for their other companies
([Customer.acts_for][b2b_customers.domain.customer.Customer.acts_for]; roles reaching down from an
ancestor where they are in standing still reach it).

**Authority is what the store says now.** A service never trusts the roles,
memberships or status of the [`Customer`][b2b_customers.domain.Customer] object
it is handed: [`current_actor`][b2b_customers.services.authorization.current_actor] looks the
customer up by id inside the unit of work, and every check reads that. A customer removed from a
company, demoted or deactivated since the object was loaded acts with what is stored
now (nothing, for a customer no longer stored). Staff act as given: the
seller's own user directory vouches for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

import attrs
from attrs import field, frozen

from b2b_customers.domain.customer import Customer, CustomerStatus
from b2b_customers.domain.membership import Role
from b2b_customers.domain.values import DomainEnum, identifier, items_of, strip, text, to_frozenset
from b2b_customers.errors import NotFound, PermissionDenied, ValidationError
from b2b_customers.ids import CompanyId, CustomerId

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from b2b_customers.domain.company import Company
    from b2b_customers.ports import UnitOfWork

__all__ = [
    "PAYER_PERMISSIONS",
    "ROLE_PERMISSIONS",
    "SUBTREE_ROLES",
    "Actor",
    "Permission",
    "Staff",
    "StaffRole",
    "StoredActor",
    "acting_roles",
    "actor_id",
    "actor_name",
    "checked_actor",
    "current_actor",
    "held_roles",
    "may",
    "may_in",
    "payer_permissions",
    "require",
    "require_in",
    "resolved",
    "roles_for",
    "sees_company",
    "unknown_actor",
]


class StaffRole(DomainEnum):
    """A role of the seller's own staff."""

    SALES_REP = "sales_rep"
    CREDIT_CONTROLLER = "credit_controller"
    ADMINISTRATOR = "administrator"


class Permission(DomainEnum):
    """An action a service performs on behalf of an actor."""

    VIEW_COMPANY = "view_company"
    ONBOARD_COMPANY = "onboard_company"
    EDIT_COMPANY = "edit_company"
    MOVE_COMPANY = "move_company"
    HOLD_COMPANY = "hold_company"
    MANAGE_LOCATIONS = "manage_locations"
    VIEW_CUSTOMERS = "view_customers"
    MANAGE_CUSTOMERS = "manage_customers"
    MANAGE_CONTACTS = "manage_contacts"
    MANAGE_LIMITS = "manage_limits"
    VIEW_CREDIT = "view_credit"
    MANAGE_CREDIT = "manage_credit"
    OVERRIDE_CREDIT_HOLD = "override_credit_hold"
    POST_INVOICES = "post_invoices"
    CHECK_ORDERS = "check_orders"
    PLACE_ORDERS = "place_orders"
    VIEW_ORDERS = "view_orders"
    DECIDE_APPROVALS = "decide_approvals"
    MANAGE_APPROVALS = "manage_approvals"
    VIEW_AUDIT = "view_audit"


def _set(*permissions: Permission) -> frozenset[Permission]:
    return frozenset(permissions)


_P = Permission
_VIEW = _set(_P.VIEW_COMPANY, _P.VIEW_CUSTOMERS)

ROLE_PERMISSIONS: Mapping[Role | StaffRole, frozenset[Permission]] = {
    Role.ADMIN: _VIEW
    | _set(
        _P.EDIT_COMPANY,
        _P.MANAGE_LOCATIONS,
        _P.MANAGE_CUSTOMERS,
        _P.MANAGE_CONTACTS,
        _P.VIEW_CREDIT,
        _P.CHECK_ORDERS,
        _P.PLACE_ORDERS,
        _P.VIEW_ORDERS,
        _P.DECIDE_APPROVALS,
        _P.MANAGE_APPROVALS,
        _P.VIEW_AUDIT,
    ),
    Role.BUYER: _VIEW | _set(_P.CHECK_ORDERS, _P.PLACE_ORDERS, _P.VIEW_ORDERS),
    Role.REQUESTER: _VIEW | _set(_P.CHECK_ORDERS, _P.PLACE_ORDERS, _P.VIEW_ORDERS),
    Role.APPROVER: _VIEW | _set(_P.VIEW_ORDERS, _P.DECIDE_APPROVALS),
    Role.FINANCE: _VIEW | _set(_P.VIEW_CREDIT, _P.VIEW_ORDERS, _P.VIEW_AUDIT),
    Role.CONTACT: _set(_P.VIEW_COMPANY),
    StaffRole.SALES_REP: _VIEW
    | _set(
        _P.ONBOARD_COMPANY,
        _P.EDIT_COMPANY,
        _P.MANAGE_LOCATIONS,
        _P.MANAGE_CUSTOMERS,
        _P.MANAGE_CONTACTS,
        _P.CHECK_ORDERS,
        _P.VIEW_ORDERS,
        _P.MANAGE_APPROVALS,
    ),
    StaffRole.CREDIT_CONTROLLER: _VIEW
    | _set(
        _P.HOLD_COMPANY,
        _P.VIEW_CREDIT,
        _P.MANAGE_CREDIT,
        _P.OVERRIDE_CREDIT_HOLD,
        _P.POST_INVOICES,
        _P.VIEW_ORDERS,
        _P.DECIDE_APPROVALS,
        _P.VIEW_AUDIT,
    ),
    StaffRole.ADMINISTRATOR: frozenset(Permission),
}
"""The matrix: what each customer role and each staff role may do."""

SUBTREE_ROLES = frozenset({Role.ADMIN, Role.FINANCE})
"""Customer roles that reach the companies below the one they belong to."""

PAYER_PERMISSIONS = _set(_P.VIEW_COMPANY, _P.VIEW_ORDERS, _P.VIEW_CREDIT)
"""What ``finance`` at a company's bill-to or master account may do for the company."""


def _staff_roles(value: Iterable[StaffRole | str]) -> frozenset[StaffRole]:
    return frozenset(StaffRole(role) for role in to_frozenset(value))


@frozen(kw_only=True)
class Staff:
    """A member of the seller's staff acting through the library.

    Attributes:
        id: The staff member's id (as the seller's user directory knows it).
        name: Shown in audit entries.
        roles: Sales rep, credit controller, administrator.
    """

    id: str = field(validator=identifier)
    name: str = field(converter=strip, validator=text())
    roles: frozenset[StaffRole] = field(converter=_staff_roles)


Actor = Staff | Customer | CustomerId
"""Whoever a service call is made for: staff, a customer, or a customer's id.

A customer (object or id) acts as stored now: see "the stale-actor rule" in
the permissions page. A service resolves an id at its boundary, before the
call's own unit of work.
"""

StoredActor = Staff | Customer
"""An actor as a service checks them: staff as given, a customer as stored now."""


@frozen
class _Named:
    """Stands in for an attrs attribute, so the id validator names the argument."""

    name: str


_ACTOR_FIELD: Any = _Named("actor")


def checked_actor(actor: object) -> Actor:
    """Return ``actor`` if it is one: a `Staff` member, a customer, or a customer's id.

    Raises:
        ValidationError: It is anything else (text that is not a valid id included).
    """
    if isinstance(actor, str):
        identifier(None, _ACTOR_FIELD, actor)
        return CustomerId(actor)
    if not isinstance(actor, Staff | Customer):
        raise ValidationError(
            f"must be a Staff member, a Customer or a customer's id, got {type(actor).__name__}",
            field="actor",
        )
    return actor


def actor_id(actor: Actor) -> str:
    """Return the id of ``actor`` (staff or customer), as audit entries and events record it."""
    return actor if isinstance(actor, str) else actor.id


def actor_name(actor: Actor) -> str:
    """Return how messages name ``actor``: staff by name, a customer by full name, an id as is."""
    if isinstance(actor, Staff):
        return actor.name
    return actor if isinstance(actor, str) else actor.display_name


def resolved(actor: Actor) -> StoredActor:
    """Return ``actor`` as a service body has it: staff or a customer object.

    A service resolves a customer's id at its boundary (`checks_arguments`),
    so its body never sees one.

    Raises:
        ValidationError: ``actor`` is still an id (code below the services
            is handed the object, or reads it with `current_actor`).
    """
    if isinstance(actor, str):
        raise ValidationError(
            f"a customer's id ({actor!r}) is resolved by the services; pass the Customer "
            "here, or read it with current_actor()",
            field="actor",
        )
    return actor


def unknown_actor(customer_id: str) -> PermissionDenied:
    """The refusal for a customer id that names no stored customer: they may do nothing."""
    return PermissionDenied(
        f"no customer with id {customer_id!r} is stored, so they may do nothing; act as "
        "a stored customer (or as staff)"
    )


def current_actor(uow: UnitOfWork, actor: object) -> StoredActor:
    """Return ``actor`` as the store knows it now: the one every check reads.

    Args:
        uow: The open unit of work.
        actor: Staff (returned as given), a customer or a customer's id
            (looked up by id).

    Returns:
        Staff as given; the customer as stored now; a customer object no
        longer stored comes back inactive and without memberships, so they
        may do nothing.

    Raises:
        ValidationError: ``actor`` is neither staff nor a customer (nor an id).
        PermissionDenied: ``actor`` is an id that names no stored customer.
    """
    checked = checked_actor(actor)
    if isinstance(checked, Staff):
        return checked
    if isinstance(checked, str):
        try:
            return uow.customers.get(checked)
        except NotFound:
            raise unknown_actor(checked) from None
    try:
        return uow.customers.get(checked.id)
    except NotFound:
        return attrs.evolve(checked, status=CustomerStatus.INACTIVE, memberships=())


def held_roles(
    customer: Customer, company_id: CompanyId, ancestors: Sequence[CompanyId] = ()
) -> frozenset[Role]:
    """Return the roles ``customer``'s memberships give for ``company_id``, whatever their status.

    Their roles in the company itself; else those of their roles in the
    nearest ancestor that reach the subtree (admin, finance); else nothing.
    What they act with is `acting_roles`.
    """
    return _reached_roles(customer.roles_in, company_id, ancestors)


def acting_roles(
    customer: Customer, company_id: CompanyId, ancestors: Sequence[CompanyId] = ()
) -> frozenset[Role]:
    """Return the roles ``customer`` acts with for ``company_id``: `held_roles` in standing.

    Only memberships where the customer acts count
    ([Customer.acts_for][b2b_customers.domain.customer.Customer.acts_for]): a
    membership deactivated (or only invited) at a company gives nothing there,
    whatever the customer holds elsewhere.
    """
    return _reached_roles(customer.acting_roles_in, company_id, ancestors)


def _reached_roles(
    roles_in: Callable[[CompanyId], frozenset[Role]],
    company_id: CompanyId,
    ancestors: Sequence[CompanyId],
) -> frozenset[Role]:
    own = roles_in(company_id)
    if own:
        return own
    for ancestor in ancestors:
        reaching = roles_in(ancestor) & SUBTREE_ROLES
        if reaching:
            return frozenset(reaching)
    return frozenset()


def roles_for(
    actor: StoredActor, company_id: CompanyId, ancestors: Sequence[CompanyId] = ()
) -> frozenset[Role | StaffRole]:
    """Return the roles ``actor`` acts with for ``company_id``.

    Args:
        actor: Staff or a customer.
        company_id: The company acted on.
        ancestors: That company's ancestors, nearest first.

    Returns:
        Staff: their staff roles, for any company. A customer: their roles in
        the company; else those of their roles in the nearest ancestor that
        reach the subtree (admin, finance); else nothing. Only memberships in
        standing count (`acting_roles`).

    Raises:
        ValidationError: ``actor`` is neither staff nor a customer.
    """
    checked_actor(actor)
    if isinstance(actor, Staff):
        return frozenset(actor.roles)
    if not actor.is_active:
        return frozenset()
    return frozenset(acting_roles(actor, company_id, ancestors))


def may(
    actor: StoredActor,
    permission: Permission,
    company_id: CompanyId | str,
    ancestors: Sequence[CompanyId | str] = (),
) -> bool:
    """Tell whether ``actor`` may do ``permission`` for ``company_id``.

    Raises:
        ValidationError: ``actor`` is neither staff nor a customer,
            ``permission`` is not a [`Permission`][b2b_customers.services.Permission],
            or ``ancestors`` is not a collection of ids.
    """
    if not isinstance(permission, Permission):
        raise ValidationError(
            f"permission must be a Permission, got {type(permission).__name__} {permission!r}",
            field="permission",
        )
    listed = items_of(ancestors)
    if listed is None or not all(isinstance(ancestor, str) for ancestor in listed):
        raise ValidationError(
            f"ancestors must be a collection of company ids, got {ancestors!r}", field="ancestors"
        )
    above = [CompanyId(ancestor) for ancestor in listed]
    return any(
        permission in ROLE_PERMISSIONS[role]
        for role in roles_for(actor, CompanyId(company_id), above)
    )


def require(
    actor: StoredActor,
    permission: Permission,
    company_id: CompanyId,
    ancestors: Sequence[CompanyId] = (),
) -> None:
    """Refuse unless ``actor`` may do ``permission`` for ``company_id``.

    Raises:
        PermissionDenied: Naming the actor, the action and the company.
        ValidationError: ``actor`` is neither staff nor a customer.
    """
    if not may(actor, permission, company_id, ancestors):
        _refuse(actor, permission, company_id)


def payer_permissions(
    uow: UnitOfWork, actor: StoredActor, company_id: CompanyId, *, company: Company | None = None
) -> frozenset[Permission]:
    """Return what ``actor`` may do for ``company_id`` as finance of the account that pays for it.

    Args:
        uow: The open unit of work.
        actor: The actor as stored now (see
            [`current_actor`][b2b_customers.services.authorization.current_actor]).
        company_id: The company acted on.
        company: The company, when the caller read it already.

    Returns:
        [`PAYER_PERMISSIONS`][b2b_customers.services.authorization.PAYER_PERMISSIONS] when ``actor``
        is an active customer holding ``finance`` at the company's bill-to or master account (or
        reaching it from an ancestor); else nothing.

    Raises:
        NotFound: The company does not exist.
    """
    if not isinstance(actor, Customer) or not actor.is_active:
        return frozenset()
    if company is None or company.id != company_id:
        company = uow.companies.get(company_id)
    for payer in (company.bill_to_id, company.master_id):
        if payer is None:
            continue
        ancestors = [above.id for above in uow.companies.ancestors(payer)]
        if Role.FINANCE in acting_roles(actor, payer, ancestors):
            return PAYER_PERMISSIONS
    return frozenset()


def may_in(uow: UnitOfWork, actor: Actor, permission: Permission, company_id: CompanyId) -> bool:
    """Tell whether ``actor``, as stored now, may do ``permission`` for ``company_id``.

    Reads the actor ([`current_actor`][b2b_customers.services.authorization.current_actor]), the
    company's ancestors and, when the roles do not grant it, the accounts that pay for the company.

    Raises:
        ValidationError: ``actor`` is neither staff nor a customer.
        NotFound: The company does not exist.
    """
    stored = current_actor(uow, actor)
    ancestors = [company.id for company in uow.companies.ancestors(company_id)]
    if may(stored, permission, company_id, ancestors):
        return True
    return permission in PAYER_PERMISSIONS and permission in payer_permissions(
        uow, stored, company_id
    )


def sees_company(uow: UnitOfWork, actor: Actor, company_id: CompanyId) -> bool:
    """Tell whether ``actor``, as stored now, acts with any role (or as payer) for ``company_id``.

    Staff see every company.

    Raises:
        ValidationError: ``actor`` is neither staff nor a customer.
        NotFound: The company does not exist.
    """
    stored = current_actor(uow, actor)
    ancestors = [company.id for company in uow.companies.ancestors(company_id)]
    if isinstance(stored, Staff):
        return True
    return bool(roles_for(stored, company_id, ancestors)) or bool(
        payer_permissions(uow, stored, company_id)
    )


def require_in(
    uow: UnitOfWork, actor: Actor, permission: Permission, company_id: CompanyId
) -> None:
    """Refuse unless ``actor``, as stored now, may do ``permission`` for ``company_id``.

    The check every service makes (see [`may_in`][b2b_customers.services.authorization.may_in]).

    Raises:
        PermissionDenied: Naming the actor, the action and the company.
        ValidationError: ``actor`` is neither staff nor a customer.
        NotFound: The company does not exist.
    """
    if not may_in(uow, actor, permission, company_id):
        _refuse(current_actor(uow, actor), permission, company_id)


def _refuse(actor: StoredActor, permission: Permission, company_id: CompanyId) -> NoReturn:
    who = actor.name if isinstance(actor, Staff) else actor.display_name
    raise PermissionDenied(
        f"{who} may not {permission.value.replace('_', ' ')} for company {company_id!r}; "
        "ask someone whose role there allows it"
    )
