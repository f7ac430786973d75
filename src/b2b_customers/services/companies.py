"""Company use cases: onboard, add and move subsidiaries, hold, activate, deactivate.

Each method is one unit of work on behalf of an actor: it checks the actor's
permission first, changes the store, records a domain event with the change,
and commits; a failure anywhere leaves every repository as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from b2b_customers.domain import Company, CompanyStatus, CustomerGroup
from b2b_customers.ids import CompanyId, CustomerGroupId
from b2b_customers.services.arguments import checked_fields, checked_instance
from b2b_customers.services.authorization import (
    Actor,
    Permission,
    checked_actor,
    may,
    require,
)
from b2b_customers.services.bulk_import import ImportItem, ImportProgress, require_staff, run_import
from b2b_customers.services.company_import import CompanyChecks, CompanyWrites

if TYPE_CHECKING:
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["CompanyService"]


class CompanyService:
    """Companies and their tree, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def onboard(self, *, actor: Actor, name: str, currency: str, **fields: Any) -> Company:  # noqa: ANN401
        """Create a top-level company with its automatic customer group.

        Args:
            actor: Staff allowed to onboard companies.
            name: The company's name.
            currency: Its ISO 4217 currency.
            **fields: Any other :class:`~b2b_customers.domain.Company` field
                (``time_zone``, ``account_number``, ``legal_info``, ...).

        Raises:
            PermissionDenied: The actor may not onboard companies.
            ValidationError: A field is not valid, or is not a Company field
                the caller may set (``parent_id``: use :meth:`add_subsidiary`).
            AlreadyExists: The id or account number is taken.
        """
        fields = checked_fields(Company, fields, reserved={"parent_id"})
        company_id = CompanyId(fields.pop("id") if "id" in fields else self._context.ids())
        # A new top-level company has no members yet: only staff pass.
        require(actor, Permission.ONBOARD_COMPANY, company_id)
        company = Company(id=company_id, name=name, currency=currency, **fields)
        return self._create(actor, company)

    def add_subsidiary(
        self,
        *,
        actor: Actor,
        parent: CompanyId,
        name: str,
        currency: str | None = None,
        **fields: Any,  # noqa: ANN401  (any other Company field)
    ) -> Company:
        """Create a company under ``parent`` (it inherits the parent's currency and zone).

        Raises:
            NotFound: The parent does not exist.
            PermissionDenied: The actor may not onboard companies there.
            ValidationError: A field is not valid, or is not a Company field
                the caller may set.
        """
        fields = checked_fields(Company, fields, reserved={"parent_id"})
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(
                uow, actor, Permission.ONBOARD_COMPANY, parent, argument="parent"
            )
            head = uow.companies.get(parent)
        fields.setdefault("time_zone", head.time_zone)
        company = Company(
            id=CompanyId(fields.pop("id") if "id" in fields else self._context.ids()),
            name=name,
            currency=head.currency if currency is None else currency,
            parent_id=parent,
            **fields,
        )
        return self._create(actor, company)

    def import_many(
        self,
        *,
        actor: Actor,
        companies: Iterable[Company | ImportItem[Company]],
        check_only: bool = False,
        progress: ImportProgress | None = None,
        unit: str = "item",
    ) -> int:
        """Import many companies at bulk speed: all checked first, then written in batches.

        ``companies`` is read twice (check, then write), so pass a list or an
        iterable that reads its source anew each time; it may hold
        :class:`~b2b_customers.services.bulk_import.ImportItem` with the
        position of each company in the source, and the error where a company
        could not be built. Subsidiaries may come before their parents. Every
        company gets its automatic customer group, a ``company.created``
        event and an audit entry, all in one unit of work.

        Args:
            actor: Staff allowed to onboard companies.
            companies: The companies (or import items).
            check_only: Check everything and write nothing.
            progress: Told how many items each batch checked or wrote.
            unit: What a position counts, in messages (``"line"`` for a file).

        Returns:
            How many companies there are (written, unless ``check_only``).

        Raises:
            PermissionDenied: The actor is not staff allowed to onboard companies.
            ImportRejected: Some items are bad; every problem is listed and
                nothing is written.
        """
        require_staff(actor, Permission.ONBOARD_COMPANY, "companies")
        checked_instance(unit, str, "unit")
        checks = CompanyChecks(unit=unit)
        writes = CompanyWrites(self._context, actor, checks.parents)
        return run_import(
            self._context,
            companies,
            checks,
            writes,
            entity=Company,
            check_only=check_only,
            progress=progress,
        )

    def get(self, *, actor: Actor, company_id: CompanyId) -> Company:
        """Return a company the actor may see.

        Raises:
            NotFound: No such company.
            PermissionDenied: The actor may not see it.
        """
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.VIEW_COMPANY, company_id)
            return uow.companies.get(company_id)

    def move(self, *, actor: Actor, company_id: CompanyId, new_parent: CompanyId | None) -> Company:
        """Put a company under another parent (or make it top-level).

        Raises:
            PermissionDenied: The actor may not move companies, here or under the new parent.
            HierarchyError: The move would make a cycle (the store refuses it).
        """

        def change(uow: UnitOfWork, company: Company) -> Company:
            if new_parent is not None:
                self._context.authorize(
                    uow, actor, Permission.MOVE_COMPANY, new_parent, argument="new_parent"
                )
            return attrs.evolve(company, parent_id=new_parent)

        return self._change(actor, company_id, Permission.MOVE_COMPANY, "company.moved", change)

    def put_on_hold(self, *, actor: Actor, company_id: CompanyId) -> Company:
        """Stop the company's orders until it is activated again.

        Raises:
            NotFound: No such company.
            PermissionDenied: The actor may not hold companies.
            InvalidTransition: The company is on hold already.
        """
        return self._status(actor, company_id, CompanyStatus.ON_HOLD)

    def activate(self, *, actor: Actor, company_id: CompanyId) -> Company:
        """Let the company order again.

        Lifting a hold (by activating or deactivating a company on hold) needs
        the permission to hold companies, not only to edit them.

        Raises:
            NotFound: No such company.
            PermissionDenied: The actor may not edit the company, or lifts a
                hold without the permission to hold companies.
            InvalidTransition: The company is active already.
        """
        return self._status(actor, company_id, CompanyStatus.ACTIVE)

    def deactivate(self, *, actor: Actor, company_id: CompanyId) -> Company:
        """Close the company's account.

        Raises:
            NotFound: No such company.
            PermissionDenied: The actor may not edit the company, or the company
                is on hold and the actor may not hold companies.
            InvalidTransition: The company is inactive already.
        """
        return self._status(actor, company_id, CompanyStatus.INACTIVE)

    def visible_to(self, *, actor: Actor, companies: Iterable[Company]) -> list[Company]:
        """Filter ``companies`` down to those ``actor`` may see.

        Raises:
            ValidationError: The actor is not one, or ``companies`` is not a
                collection of companies.
            NotFound: A company is not stored.
        """
        checked_actor(actor)
        companies = [
            checked_instance(company, Company, "companies")
            for company in checked_instance(companies, Iterable, "companies")  # type: ignore[type-abstract]
        ]
        with self._context.store.unit_of_work() as uow:
            return [
                company
                for company in companies
                if may(
                    actor,
                    Permission.VIEW_COMPANY,
                    company.id,
                    [a.id for a in uow.companies.ancestors(company.id)],
                )
            ]

    # -- steps

    def _create(self, actor: Actor, company: Company) -> Company:
        with self._context.store.unit_of_work() as uow:
            stored = uow.companies.add(company)
            group = CustomerGroup.for_company(
                CustomerGroupId(self._context.ids()), stored.id, stored.name
            )
            uow.groups.add(group)
            self._context.record(uow, "company.created", stored, actor=actor, company_id=stored.id)
            uow.commit()
        return stored

    def _status(self, actor: Actor, company_id: CompanyId, status: CompanyStatus) -> Company:
        # Only those who may hold a company may lift a hold, by any change of status:
        # otherwise a customer's admin could undo the seller's hold.
        name = {
            CompanyStatus.ON_HOLD: "company.put_on_hold",
            CompanyStatus.ACTIVE: "company.activated",
            CompanyStatus.INACTIVE: "company.deactivated",
        }[status]

        def change(uow: UnitOfWork, company: Company) -> Company:
            held = CompanyStatus.ON_HOLD in {company.status, status}
            permission = Permission.HOLD_COMPANY if held else Permission.EDIT_COMPANY
            self._context.authorize(uow, actor, permission, company_id)
            return company.with_status(status)

        return self._change(actor, company_id, Permission.VIEW_COMPANY, name, change)

    def _change(
        self,
        actor: Actor,
        company_id: CompanyId,
        permission: Permission,
        event: str,
        change: Any,  # noqa: ANN401  (a callable (uow, company) -> company)
    ) -> Company:
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, permission, company_id)
            company = uow.companies.get(company_id)
            stored = uow.companies.save(change(uow, company))
            self._context.record(
                uow, event, stored, actor=actor, company_id=stored.id, before=company
            )
            uow.commit()
        return stored
