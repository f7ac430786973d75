"""Customer use cases: invite a customer, change their roles, remove them from a company.

Company admins manage the users of their own company and its subtree; staff
manage everyone's. The company's automatic customer group follows its
members in the same unit of work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from b2b_customers.domain import Customer, CustomerStatus, Role
from b2b_customers.errors import InvalidTransition, NotFound
from b2b_customers.ids import CompanyId, CustomerId
from b2b_customers.services.arguments import checked_id, checked_instance
from b2b_customers.services.authorization import (
    Actor,
    Permission,
    checked_actor,
    may,
    require,
)
from b2b_customers.services.bulk_import import ImportItem, ImportProgress, require_staff, run_import
from b2b_customers.services.customer_import import CustomerChecks, CustomerWrites

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["CustomerService"]


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
        company: CompanyId,
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
        customers: Iterable[Customer | ImportItem[Customer]],
        check_only: bool = False,
        progress: ImportProgress | None = None,
        unit: str = "item",
    ) -> int:
        """Import many customers at bulk speed: all checked first, then written in batches.

        ``customers`` is read twice (check, then write), as in
        :meth:`CompanyService.import_many
        <b2b_customers.services.companies.CompanyService.import_many>`. Their
        companies must be stored already. Every customer gets a
        ``customer.created`` event and an audit entry, and joins the automatic
        groups of their companies, all in one unit of work.

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
        require_staff(actor, Permission.MANAGE_CUSTOMERS, "customers")
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

    def activate(self, *, actor: Actor, customer: CustomerId) -> Customer:
        """Let an invited (or deactivated) customer act, e.g. when they first sign in.

        An invited customer may activate themselves; otherwise (and always for
        a deactivated customer) the actor must manage customers of one of the
        companies the customer belongs to (staff: of any company).

        Raises:
            ValidationError: The actor is not one, or ``customer`` is not an id.
            NotFound: No such customer.
            PermissionDenied: The actor may not.
            InvalidTransition: The customer is active already.
        """
        checked_actor(actor)
        checked_id(customer, "customer")
        with self._context.store.unit_of_work() as uow:
            current = uow.customers.get(customer)
            themselves = isinstance(actor, Customer) and actor.id == current.id
            if not (themselves and current.status is CustomerStatus.INVITED):
                self._authorize_for_any_company(uow, actor, current)
            if current.is_active:
                raise InvalidTransition(f"customer {customer!r} is active already")
            stored = uow.customers.save(attrs.evolve(current, status=CustomerStatus.ACTIVE))
            self._context.record(
                uow, "customer.updated", stored, actor=actor, company_id=None, before=current
            )
            uow.commit()
        return stored

    def assign_roles(
        self, *, actor: Actor, customer: CustomerId, company: CompanyId, roles: Iterable[Role | str]
    ) -> Customer:
        """Give a customer exactly ``roles`` in ``company`` (joining it if need be).

        Raises:
            PermissionDenied: The actor may not manage that company's customers.
            ValidationError: The role combination is not valid.
            NotFound: No such customer.
        """
        checked_id(customer, "customer")
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_CUSTOMERS, company)
            current = uow.customers.get(customer)
            stored = uow.customers.save(current.with_roles(company, roles))
            self._join_group(uow, company, stored.id)
            self._context.record(
                uow, "customer.updated", stored, actor=actor, company_id=company, before=current
            )
            uow.commit()
        return stored

    def remove_from_company(
        self, *, actor: Actor, customer: CustomerId, company: CompanyId
    ) -> Customer:
        """End a customer's membership of ``company``.

        Raises:
            PermissionDenied: The actor may not manage that company's customers.
            NotFound: The customer does not exist or is not a member of the company.
        """
        checked_id(customer, "customer")
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_CUSTOMERS, company)
            current = uow.customers.get(customer)
            stored = uow.customers.save(current.leave(company))
            try:
                group = uow.groups.for_company(company)
            except NotFound:
                pass
            else:
                uow.groups.save(group.without_member(stored.id))
            self._context.record(
                uow, "customer.updated", stored, actor=actor, company_id=company, before=current
            )
            uow.commit()
        return stored

    def _authorize_for_any_company(self, uow: UnitOfWork, actor: Actor, customer: Customer) -> None:
        # A customer of no company has only staff to manage them: the empty id
        # is no company, so only staff roles (which hold everywhere) count there.
        companies = sorted(customer.company_ids) or [CompanyId("")]
        for company in companies:
            ancestors = [a.id for a in uow.companies.ancestors(company)] if company else []
            if may(actor, Permission.MANAGE_CUSTOMERS, company, ancestors):
                return
        require(actor, Permission.MANAGE_CUSTOMERS, companies[0])

    def _join_group(self, uow: UnitOfWork, company: CompanyId, customer: CustomerId) -> None:
        try:
            group = uow.groups.for_company(company)
        except NotFound:
            return
        if customer not in group.member_ids:
            uow.groups.save(group.with_member(customer))
