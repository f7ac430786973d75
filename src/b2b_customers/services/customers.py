"""Customer use cases: invite, look up, search, update, activate, deactivate, roles.

Company admins manage the users of their own company and its subtree; staff
manage everyone's. A customer who belongs to several companies is managed
(profile, joining another company) only by someone who manages customers at
every one of them; their own status (active anywhere at all) only by
themselves or staff. A company admin changes the customer's standing at
their own company: the roles there (`assign_roles`), the membership's
status (`activate` and `deactivate` with `company`), or the membership
itself (`remove_from_company`). A record comes back with the
memberships the actor may see ([`customer_for`][b2b_customers.services.visibility.customer_for]).
The company's automatic customer group follows its members in the same unit
of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from b2b_customers.arguments import (
    checked_choice,
    checked_fields,
    checked_id,
    checked_ids,
    checked_instance,
    checks_arguments,
)
from b2b_customers.domain import Customer, CustomerGroup, CustomerStatus, GroupKind, Role
from b2b_customers.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from b2b_customers.ids import CompanyId, CustomerGroupId, CustomerId
from b2b_customers.ports import CustomerQuery, CustomerSort
from b2b_customers.services.authorization import (
    Actor,
    Permission,
    Staff,
    actor_name,
    checked_actor,
    current_actor,
    may,
)
from b2b_customers.services.bulk_import import ImportProgress, ImportSource, run_import
from b2b_customers.services.bulk_import import require_staff as require_importing_staff
from b2b_customers.services.customer_import import CustomerChecks, CustomerWrites
from b2b_customers.services.visibility import (
    customer_for,
    manages_customer,
    require_staff,
    require_visible,
    sees_customer,
    stored_or_none,
)

if TYPE_CHECKING:
    from b2b_customers.ports import Page, UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["CustomerService"]


@checks_arguments
class CustomerService:
    """Customers and their roles, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def invite(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        email: str,
        first_name: str,
        last_name: str,
        roles: Iterable[Role | str],
        active: bool = False,
    ) -> Customer:
        """Create a customer who acts for ``company`` with ``roles``.

        An invited customer may not act until activated (when they first sign
        in); pass ``active=True`` to create an account that works at once.

        Raises:
            PermissionDenied: The actor may not manage that company's customers.
            ValidationError: A field or the role combination is not valid.
            AlreadyExists: The email address is taken.
        """
        company = CompanyId(company)
        checked_instance(active, bool, "active")
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_CUSTOMERS, company)
            customer = Customer(
                id=CustomerId(self._context.ids()),
                email=email,
                first_name=first_name,
                last_name=last_name,
                status=CustomerStatus.ACTIVE if active else CustomerStatus.INVITED,
            ).with_roles(company, roles)
            stored = uow.customers.add(customer)
            self._join_group(uow, company, stored.id)
            self._context.record(uow, "customer.created", stored, actor=actor, company_id=company)
            uow.commit()
        return stored

    def import_many(
        self,
        *,
        actor: Actor,
        customers: ImportSource[Customer],
        check_only: bool = False,
        progress: ImportProgress | None = None,
        unit: str = "item",
    ) -> int:
        """Import many customers at bulk speed: checked and written batch by batch, all or nothing.

        ``customers`` is read once, a batch at a time, as in
        [CompanyService.import_many][b2b_customers.services.companies.CompanyService.import_many].
        Their companies must be stored already. Every customer gets a
        ``customer.created`` event and an audit entry, and joins the automatic
        groups of their companies, all in one unit of work. The cyclic
        garbage collector is paused while it runs, as for companies.

        Args:
            actor: Staff allowed to manage customers.
            customers: The customers (or import items).
            check_only: Check everything and write nothing.
            progress: Told how many items each batch checked or wrote.
            unit: What a position counts, in messages (``"line"`` for a file).

        Returns:
            How many customers there are (written, unless ``check_only``).

        Raises:
            PermissionDenied: The actor is not staff allowed to manage customers.
            ImportRejected: Some items are bad; every problem is listed and
                nothing is written.
        """
        require_importing_staff(actor, Permission.MANAGE_CUSTOMERS, "customers")
        checked_instance(unit, str, "unit")
        return run_import(
            self._context,
            customers,
            CustomerChecks(unit=unit),
            CustomerWrites(self._context, actor),
            entity=Customer,
            check_only=check_only,
            progress=progress,
        )

    def get(self, *, actor: Actor, customer: CustomerId | str) -> Customer:
        """Return a customer ``actor`` sees, with the memberships the actor may see.

        An actor sees themselves, the customers of companies where they may
        view customers (staff: everyone). Of a customer who also belongs to
        other companies they see only the memberships of their own.

        Raises:
            ValidationError: The actor is not one, or ``customer`` is not an id.
            NotFound: No such customer, or one the actor does not see.
        """
        customer = CustomerId(customer)
        checked_id(customer, "customer")
        with self._context.store.unit_of_work() as uow:
            current = self._seen(uow, actor, customer)
            return customer_for(uow, actor, current)

    def search(
        self,
        *,
        actor: Actor,
        company: CompanyId | str | None = None,
        include_subtree: bool = False,
        role: Role | str | None = None,
        status: CustomerStatus | str | None = None,
        membership_status: CustomerStatus | str | None = None,
        email_contains: str | None = None,
        name_contains: str | None = None,
        tag: str | None = None,
        sort: CustomerSort | str = CustomerSort.EMAIL,
        descending: bool = False,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[Customer]:
        """Return one page of the customers matching the filters, as ``actor`` may see them.

        With ``company``: its members (with ``include_subtree``, its
        subsidiaries' too). Without it, only staff who view customers may list
        everyone. ``status`` is the customer's own status; ``membership_status``
        their standing at the company (``"inactive"``: deactivated there with
        ``deactivate(company=...)``). The filters and the order are those of
        [`CustomerQuery`][b2b_customers.ports.CustomerQuery]
        ([`b2b_customers.queries`][]).

        Raises:
            NotFound: The company does not exist, or the actor does not see it.
            PermissionDenied: The actor may not view the company's customers,
                or (a customer) names no company.
            ValidationError: A filter or the page is not valid.
        """
        company = None if company is None else CompanyId(company)
        with self._context.store.unit_of_work() as uow:
            if company is None:
                require_staff(actor, Permission.VIEW_CUSTOMERS, "list every company's customers")
            else:
                require_visible(uow, actor, Permission.VIEW_CUSTOMERS, company)
            query = CustomerQuery(
                company_id=company,
                include_subtree=include_subtree,
                role=None if role is None else Role(role),
                status=None if status is None else CustomerStatus(status),
                membership_status=(
                    None if membership_status is None else CustomerStatus(membership_status)
                ),
                email_contains=email_contains,
                name_contains=name_contains,
                tag=tag,
                sort=checked_choice(sort, CustomerSort, "sort"),
                descending=descending,
                offset=offset,
                limit=limit,
            )
            page = uow.customers.search(query)
            return attrs.evolve(
                page, items=tuple(customer_for(uow, actor, item) for item in page.items)
            )

    def update(self, *, actor: Actor, customer: CustomerId | str, **fields: Any) -> Customer:  # noqa: ANN401
        """Change a customer's profile: names, email, language, phones, title.

        The customer changes their own; otherwise the actor must manage
        customers at every company the customer belongs to (staff: anyone's).

        Args:
            actor: Who changes it.
            customer: Whose profile.
            **fields: Any of ``first_name``, ``last_name``, ``email``,
                ``preferred_language``, ``phones``, ``title``.

        Raises:
            ValidationError: A field is not one of those, or not valid.
            NotFound: No such customer, or one the actor does not see.
            PermissionDenied: The actor sees the customer but may not manage them.
            AlreadyExists: The email address is taken.
        """
        customer = CustomerId(customer)
        checked_id(customer, "customer")
        changes = checked_profile(fields)
        with self._context.store.unit_of_work() as uow:
            current = self._managed(uow, actor, customer, themselves=True)
            stored = uow.customers.save(attrs.evolve(current, **changes))
            return self._commit_change(uow, actor, current, stored, company_id=None)

    def activate(
        self, *, actor: Actor, customer: CustomerId | str, company: CompanyId | str | None = None
    ) -> Customer:
        """Let a customer act again: everywhere, or (with ``company``) at that company only.

        Without ``company``, the customer's own status: an invited customer
        activates themselves when they first sign in (which accepts their
        invited memberships too); otherwise only staff who manage customers
        may. Memberships deactivated at a company stay so: that company
        activates them.

        With ``company``, the customer's standing there (their membership's
        status), and nowhere else: the actor must manage that company's
        customers, or be the customer accepting an invitation to it.

        Raises:
            ValidationError: The actor is not one, or an argument is not an id.
            NotFound: No such customer (or one the actor does not see), or,
                with ``company``, no such company the actor sees, or the
                customer is not a member of it.
            PermissionDenied: The actor may not.
            InvalidTransition: The customer is active already (there).
        """
        customer = CustomerId(customer)
        if company is None:
            return self._set_status(actor, customer, CustomerStatus.ACTIVE)
        return self._set_standing(actor, customer, CompanyId(company), CustomerStatus.ACTIVE)

    def deactivate(
        self, *, actor: Actor, customer: CustomerId | str, company: CompanyId | str | None = None
    ) -> Customer:
        """Stop a customer from acting: everywhere, or (with ``company``) at that company only.

        Without ``company``, the customer's own status, at every company:
        the customer may deactivate themselves; otherwise only staff who
        manage customers may (one company's admin never ends a customer's
        standing at another company).

        With ``company``, the customer's standing there (their membership's
        status): they keep the membership, and act for their other companies
        as before. The actor must manage that company's customers, or be the
        customer. To end the membership itself, use `remove_from_company`.

        Raises:
            ValidationError: The actor is not one, or an argument is not an id.
            NotFound: No such customer (or one the actor does not see), or,
                with ``company``, no such company the actor sees, or the
                customer is not a member of it.
            PermissionDenied: The actor may not.
            InvalidTransition: The customer is inactive already (there).
        """
        customer = CustomerId(customer)
        if company is None:
            return self._set_status(actor, customer, CustomerStatus.INACTIVE)
        return self._set_standing(actor, customer, CompanyId(company), CustomerStatus.INACTIVE)

    def assign_roles(
        self,
        *,
        actor: Actor,
        customer: CustomerId | str,
        company: CompanyId | str,
        roles: Iterable[Role | str],
    ) -> Customer:
        """Give a customer exactly ``roles`` in ``company`` (joining it if need be).

        Changing the roles of a member needs the permission to manage the
        company's customers. Adding a customer to a company they are not a
        member of needs, besides, the permission to manage them at every
        company they already belong to: one company's admin never pulls in
        another company's customer.

        Raises:
            PermissionDenied: The actor may not manage that company's customers,
                or may not manage the customer at one of their other companies.
            ValidationError: The role combination is not valid.
            NotFound: No such customer, or one the actor does not see.
        """
        customer = CustomerId(customer)
        company = CompanyId(company)
        checked_id(customer, "customer")
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_CUSTOMERS, company)
            current = self._seen(uow, actor, customer)
            if company not in current.company_ids and not manages_customer(uow, actor, current):
                raise PermissionDenied(
                    f"{customer!r} belongs to companies the actor does not manage, so they "
                    f"cannot be added to {company!r} by this actor; ask the seller's staff"
                )
            stored = uow.customers.save(current.with_roles(company, roles))
            self._join_group(uow, company, stored.id)
            return self._commit_change(uow, actor, current, stored, company_id=company)

    def remove_from_company(
        self, *, actor: Actor, customer: CustomerId | str, company: CompanyId | str
    ) -> Customer:
        """End a customer's membership of ``company`` (their standing there, and only there).

        Raises:
            PermissionDenied: The actor may not manage that company's customers.
            NotFound: The customer does not exist or is not a member of the
                company (the same answer for both).
        """
        customer = CustomerId(customer)
        company = CompanyId(company)
        checked_id(customer, "customer")
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_CUSTOMERS, company)
            current = stored_or_none(uow.customers.get, customer)
            if current is None or company not in current.company_ids:
                raise NotFound("Membership", f"{customer} in {company}", by="customer and company")
            stored = uow.customers.save(current.leave(company))
            try:
                group = uow.groups.for_company(company)
            except NotFound:
                pass
            else:
                uow.groups.save(group.without_member(stored.id))
            return self._commit_change(uow, actor, current, stored, company_id=company)

    def set_manager(
        self, *, actor: Actor, customer: CustomerId | str, manager: CustomerId | str | None
    ) -> Customer:
        """Name the customer's manager (``None``: nobody), whom ``ManagerApprover`` routes to.

        The manager must work for one of the customer's companies or a
        company above one of them.

        Raises:
            PermissionDenied: The actor may not manage the customer at every
                company they belong to.
            NotFound: No such customer or manager.
            ValidationError: The manager works elsewhere, or is the customer.
        """
        customer = CustomerId(customer)
        manager = None if manager is None else CustomerId(manager)
        checked_id(customer, "customer")
        if manager is not None:
            checked_id(manager, "manager")
        with self._context.store.unit_of_work() as uow:
            current = self._managed(uow, actor, customer, themselves=False)
            if manager is not None:
                boss = uow.customers.get(manager)
                reach = set(current.company_ids)
                for company in current.company_ids:
                    reach.update(above.id for above in uow.companies.ancestors(company))
                if not reach & set(boss.company_ids):
                    raise ValidationError(
                        f"{boss.display_name} ({boss.id}) works for none of the companies of "
                        f"{current.display_name} or above them; name a manager there",
                        field="manager",
                    )
            stored = uow.customers.save(attrs.evolve(current, manager_id=manager))
            self._context.record(
                uow, "customer.updated", stored, actor=actor, company_id=None, before=current
            )
            uow.commit()
        return stored

    def create_group(
        self, *, actor: Actor, name: str, members: Iterable[CustomerId | str] = ()
    ) -> CustomerGroup:
        """Create a customer group of the seller's own making (a price list's or limit's target).

        Raises:
            PermissionDenied: The actor is not staff who manage customers.
            NotFound: A member does not exist.
            ValidationError: A field is not valid.
        """
        require_staff(actor, Permission.MANAGE_CUSTOMERS, "create customer groups")
        with self._context.store.unit_of_work() as uow:
            group = CustomerGroup(
                id=CustomerGroupId(self._context.ids()), name=name, member_ids=members
            )
            _ensure_customers(uow, group.member_ids)
            stored = uow.groups.add(group)
            self._context.record(
                uow, "customer_group.created", stored, actor=actor, company_id=None
            )
            uow.commit()
        return stored

    def change_group(
        self,
        *,
        actor: Actor,
        group: CustomerGroupId | str,
        add: Iterable[CustomerId | str] = (),
        remove: Iterable[CustomerId | str] = (),
    ) -> CustomerGroup:
        """Add members to, and remove members from, a custom customer group.

        A company's automatic group follows its customers and is not changed by hand.

        Raises:
            PermissionDenied: The actor is not staff who manage customers.
            NotFound: No such group, or a member to add does not exist.
            ValidationError: The group is a company's automatic group.
        """
        group = CustomerGroupId(group)
        require_staff(actor, Permission.MANAGE_CUSTOMERS, "change customer groups")
        checked_id(group, "group")
        with self._context.store.unit_of_work() as uow:
            current = uow.groups.get(group)
            if current.kind is GroupKind.COMPANY:
                raise ValidationError(
                    f"group {group!r} follows the customers of {current.company_id!r}; change "
                    "the company's customers instead",
                    field="group",
                )
            added = checked_ids(add, "add")
            _ensure_customers(uow, added)
            members = (current.member_ids | added) - checked_ids(remove, "remove")
            stored = uow.groups.save(current.with_members(members))
            self._context.record(
                uow,
                "customer_group.changed",
                stored,
                actor=actor,
                company_id=None,
                before=current,
            )
            uow.commit()
        return stored

    # -- steps

    def _set_status(self, actor: Actor, customer: CustomerId, status: CustomerStatus) -> Customer:
        """Change the customer's own status: themselves (see the rule below) or staff only."""
        checked_actor(actor)
        checked_id(customer, "customer")
        with self._context.store.unit_of_work() as uow:
            stored_actor = current_actor(uow, actor)
            own = _own_move(stored_actor, customer, status)
            current = (
                stored_actor
                if own and isinstance(stored_actor, Customer)
                else self._seen(uow, actor, customer)
            )
            if not (own or _staff_manages(stored_actor)):
                raise PermissionDenied(
                    f"{actor_name(stored_actor)} may not {_verb(status)} customer {customer!r} at "
                    "every company: only the customer themselves or the seller's staff may; a "
                    "company admin names their company (company=...) to change the customer's "
                    "standing there"
                )
            if current.status is status:
                raise InvalidTransition(f"customer {customer!r} is {status.value} already")
            changed = attrs.evolve(current, status=status)
            if status is CustomerStatus.ACTIVE:
                changed = changed.accepting_invitations()
            stored = uow.customers.save(changed)
            return self._commit_change(uow, actor, current, stored, company_id=None)

    def _set_standing(
        self, actor: Actor, customer: CustomerId, company: CompanyId, status: CustomerStatus
    ) -> Customer:
        """Change the customer's standing at ``company`` only (their membership's status)."""
        checked_actor(actor)
        checked_id(customer, "customer")
        checked_id(company, "company")
        with self._context.store.unit_of_work() as uow:
            stored_actor = current_actor(uow, actor)
            current = stored_or_none(uow.customers.get, customer)
            membership = None if current is None else current.membership_in(company)
            own = (
                current is not None
                and membership is not None
                and isinstance(stored_actor, Customer)
                and stored_actor.id == current.id
                and stored_actor.is_active
                and (
                    membership.status is CustomerStatus.INVITED
                    if status is CustomerStatus.ACTIVE
                    else membership.is_active
                )
            )
            if not own:
                self._context.authorize(
                    uow, actor, Permission.MANAGE_CUSTOMERS, company, argument="company"
                )
            if current is None or membership is None:
                raise NotFound("Membership", f"{customer} in {company}", by="customer and company")
            if membership.status is status:
                raise InvalidTransition(
                    f"customer {customer!r} is {status.value} at {company!r} already"
                )
            stored = uow.customers.save(current.with_status_in(company, status))
            return self._commit_change(uow, actor, current, stored, company_id=company)

    def _commit_change(
        self,
        uow: UnitOfWork,
        actor: Actor,
        before: Customer,
        stored: Customer,
        *,
        company_id: CompanyId | None,
    ) -> Customer:
        """Record ``customer.updated``, commit, and return the customer as the actor sees them."""
        self._context.record(
            uow, "customer.updated", stored, actor=actor, company_id=company_id, before=before
        )
        uow.commit()
        return customer_for(uow, actor, stored)

    def _seen(self, uow: UnitOfWork, actor: Actor, customer: CustomerId) -> Customer:
        """Return the customer, if the actor sees them; else not found, as for no such id."""
        checked_actor(actor)
        current = stored_or_none(uow.customers.get, customer)
        if current is None or not sees_customer(uow, actor, current):
            raise NotFound("Customer", customer)
        return current

    def _managed(
        self, uow: UnitOfWork, actor: Actor, customer: CustomerId, *, themselves: bool
    ) -> Customer:
        """Return the customer, if the actor manages them (or, with ``themselves``, is them)."""
        current = self._seen(uow, actor, customer)
        stored_actor = current_actor(uow, actor)
        if themselves and stored_actor.id == current.id and isinstance(stored_actor, Customer):
            if stored_actor.is_active:
                return current
        elif manages_customer(uow, actor, current):
            return current
        who = stored_actor.name if isinstance(stored_actor, Staff) else stored_actor.display_name
        raise PermissionDenied(
            f"{who} may not manage customer {customer!r}: that needs the permission to manage "
            "customers at every company they belong to (a company admin ends their standing "
            "at their own company with remove_from_company)"
        )

    def _join_group(self, uow: UnitOfWork, company: CompanyId, customer: CustomerId) -> None:
        try:
            group = uow.groups.for_company(company)
        except NotFound:
            return
        if customer not in group.member_ids:
            uow.groups.save(group.with_member(customer))


def _own_move(actor: Actor, customer: CustomerId, status: CustomerStatus) -> bool:
    """Whether ``actor`` (as stored now) changes their own status as a customer may.

    An invited customer activates themselves when they first sign in; an
    active one may deactivate themselves.
    """
    if not isinstance(actor, Customer) or actor.id != customer:
        return False
    if status is CustomerStatus.ACTIVE:
        return actor.status is CustomerStatus.INVITED
    return actor.is_active


def _staff_manages(actor: Actor) -> bool:
    """Whether ``actor`` is staff who manage every company's customers."""
    return isinstance(actor, Staff) and may(actor, Permission.MANAGE_CUSTOMERS, CompanyId(""))


def _verb(status: CustomerStatus) -> str:
    return "activate" if status is CustomerStatus.ACTIVE else "deactivate"


def _ensure_customers(uow: UnitOfWork, ids: frozenset[CustomerId]) -> None:
    """Refuse ids of customers the store does not hold."""
    missing = ids - uow.customers.existing(ids)
    if missing:
        raise NotFound("Customer", min(missing))


_PROFILE_FIELDS = frozenset(
    {"first_name", "last_name", "email", "preferred_language", "phones", "title"}
)


def checked_profile(fields: dict[str, Any]) -> dict[str, Any]:
    """Return ``fields`` if each is a profile field a customer update may change.

    Raises:
        ValidationError: A name is not a Customer field, or not a profile field.
    """
    reserved = {field.name for field in attrs.fields(Customer)} - _PROFILE_FIELDS
    return checked_fields(Customer, fields, reserved=reserved)
