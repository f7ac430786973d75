"""Company use cases: onboard, edit, search, the tree, payers, hold, activate, deactivate.

Each method is one unit of work on behalf of an actor: it checks the actor's
permission first, changes the store, records a domain event with the change,
and commits; a failure anywhere leaves every repository as it was. Reads
return only what the actor may see: a company the actor does not see is not
found, and lists leave it out.

Who edits what ([`CompanyService.edit`][b2b_customers.services.companies.CompanyService.edit]): a
company's own admin keeps its profile
([`PROFILE_FIELDS`][b2b_customers.services.companies.PROFILE_FIELDS]: name, legal and tax
registration, time zone, first day of the week); the seller's commercial terms and segmentation
(tags, custom fields, account number, sales tax, bill-to and master accounts, payment options,
private catalog, ...) are the seller's staff's to change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from b2b_customers import queries
from b2b_customers.arguments import (
    checked_choice,
    checked_fields,
    checked_id,
    checked_instance,
    checks_arguments,
)
from b2b_customers.domain import Company, CompanyStatus, Customer, CustomerGroup, Role
from b2b_customers.errors import PermissionDenied
from b2b_customers.ids import CompanyId, CustomerGroupId
from b2b_customers.ports import MAX_PAGE_SIZE, CompanyQuery, CompanySort
from b2b_customers.serialization import make_converter
from b2b_customers.services.authorization import (
    SUBTREE_ROLES,
    Actor,
    Permission,
    Staff,
    checked_actor,
    current_actor,
    may_in,
    require,
    resolved,
)
from b2b_customers.services.bulk_import import ImportProgress, ImportSource, run_import
from b2b_customers.services.bulk_import import require_staff as require_importing_staff
from b2b_customers.services.company_import import CompanyChecks, CompanyWrites
from b2b_customers.services.visibility import require_staff, require_visible

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.ports import Page, UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["PROFILE_FIELDS", "CompanyService"]

PROFILE_FIELDS = frozenset({"name", "legal_info", "time_zone", "week_starts_on"})
"""The fields of a company its own admins may edit; the others are the seller's."""

_FIXED = frozenset({"id", "parent_id", "status", "currency"})
# Changed by their own use cases (move, hold / activate / deactivate), or never
# (the currency every limit and credit line of the company is kept in).

_CONVERTER = make_converter()


@checks_arguments
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
            **fields: Any other [`Company`][b2b_customers.domain.Company] field
                (``time_zone``, ``account_number``, ``legal_info``, ...).

        Raises:
            PermissionDenied: The actor may not onboard companies.
            ValidationError: A field is not valid, or is not a Company field
                the caller may set (``parent_id``: use
                [`add_subsidiary`][b2b_customers.services.companies.CompanyService.add_subsidiary]).
            AlreadyExists: The id or account number is taken.
        """
        fields = checked_fields(Company, fields, reserved={"parent_id"})
        company_id = CompanyId(fields.pop("id") if "id" in fields else self._context.ids())
        # A new top-level company has no members yet: only staff pass.
        require(resolved(actor), Permission.ONBOARD_COMPANY, company_id)
        company = Company(id=company_id, name=name, currency=currency, **fields)
        return self._create(actor, company)

    def add_subsidiary(
        self,
        *,
        actor: Actor,
        parent: CompanyId | str,
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
        parent = CompanyId(parent)
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
        companies: ImportSource[Company],
        check_only: bool = False,
        progress: ImportProgress | None = None,
        unit: str = "item",
    ) -> int:
        """Import many companies at bulk speed: checked and written batch by batch, all or nothing.

        ``companies`` is read once, a batch at a time: a list, or any
        iterable (such as a file's rows) that is then never held whole; it
        may hold [ImportItem][b2b_customers.services.bulk_import.ImportItem]
        with the position of each company in the source, and the error where
        a company could not be built. Subsidiaries may come before their
        parents. Every company gets its automatic customer group, a
        ``company.created`` event and an audit entry, all in one unit of
        work: if any item is bad, every problem is reported and nothing is
        written. While it runs, Python's cyclic garbage collector is paused
        for the whole process and run every 20 batches instead (see
        "Many at once" in docs/concepts/companies.md).

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
        require_importing_staff(actor, Permission.ONBOARD_COMPANY, "companies")
        checked_instance(unit, str, "unit")
        checks = CompanyChecks(unit=unit)
        writes = CompanyWrites(self._context, actor)
        return run_import(
            self._context,
            companies,
            checks,
            writes,
            entity=Company,
            check_only=check_only,
            progress=progress,
        )

    def get(self, *, actor: Actor, company_id: CompanyId | str) -> Company:
        """Return a company the actor may see.

        Raises:
            NotFound: No such company.
            PermissionDenied: The actor may not see it.
        """
        company_id = CompanyId(company_id)
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.VIEW_COMPANY, company_id)
            return uow.companies.get(company_id)

    def edit(self, *, actor: Actor, company_id: CompanyId | str, **fields: Any) -> Company:  # noqa: ANN401
        """Change fields of a company's record: its profile, terms, tags, custom fields, payers.

        Args:
            actor: Who edits: a company admin may change
                [`PROFILE_FIELDS`][b2b_customers.services.companies.PROFILE_FIELDS]; staff allowed
                to edit companies may change any field below.
            company_id: The company.
            **fields: New values of [`Company`][b2b_customers.domain.Company]
                fields (``name``, ``legal_info``, ``tags``, ``custom_fields``,
                ``bill_to_id``, ...). Not ``id``, ``currency``, ``parent_id``
                (use [`move`][b2b_customers.services.companies.CompanyService.move]) or ``status``
                ([`put_on_hold`][b2b_customers.services.companies.CompanyService.put_on_hold],
                [`activate`][b2b_customers.services.companies.CompanyService.activate],
                [`deactivate`][b2b_customers.services.companies.CompanyService.deactivate]).

        Returns:
            The company as stored. The ``company.updated`` event names the
            fields changed and their new values.

        Raises:
            ValidationError: A name is not a field that may be edited, a value
                is not valid, or a bill-to / master account does not exist.
            NotFound: No such company, or the actor does not see it.
            PermissionDenied: The actor may not edit the company, or (a
                customer) changes a field that is the seller's.
            AlreadyExists: The account number is taken.
        """
        company_id = CompanyId(company_id)
        fields = checked_fields(Company, fields, reserved=_FIXED)
        checked_actor(actor)
        checked_id(company_id, "company_id")
        with self._context.store.unit_of_work() as uow:
            require_visible(uow, actor, Permission.EDIT_COMPANY, company_id)
            sellers = sorted(set(fields) - PROFILE_FIELDS)
            if sellers and not isinstance(current_actor(uow, actor), Staff):
                raise PermissionDenied(
                    f"{', '.join(sellers)} of company {company_id!r} are the seller's to set; "
                    f"a company admin edits {', '.join(sorted(PROFILE_FIELDS))}"
                )
            company = uow.companies.get(company_id)
            changed = attrs.evolve(company, **fields)
            stored = uow.companies.save(changed)
            self._context.record(
                uow,
                "company.updated",
                stored,
                actor=actor,
                company_id=stored.id,
                before=company,
                payload={"id": stored.id, "changed": _CONVERTER.unstructure(fields)},
            )
            uow.commit()
        return stored

    def search(
        self,
        *,
        actor: Actor,
        text: str | None = None,
        status: CompanyStatus | str | None = None,
        tag: str | None = None,
        custom_fields: Mapping[str, Any] | None = None,
        country: str | None = None,
        parent: CompanyId | str | None = None,
        top_level: bool | None = None,
        paid_by: CompanyId | str | None = None,
        sort: CompanySort | str = CompanySort.NAME,
        descending: bool = False,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[Company]:
        """Return one page of the companies ``actor`` sees that match every filter given.

        Staff search every company; a customer the companies they see (their
        own, the subtree below those where they are admin or finance, and
        those their company pays for as finance). Matching and order are
        those of [`CompanyQuery`][b2b_customers.ports.CompanyQuery] (see
        [`b2b_customers.queries`][]).

        Args:
            actor: Who searches.
            text: Part of the name, without case.
            status: Active, on hold or inactive.
            tag: A tag the company has.
            custom_fields: Custom field values the company has (all of them).
            country: Country of registration (ISO code).
            parent: Only direct subsidiaries of this company.
            top_level: Only companies without (``True``) or with a parent.
            paid_by: Only companies whose bill-to or master account this is.
            sort: ``name``, ``account_number``, ``created_at`` or ``id``.
            descending: From high to low.
            offset: How many matches to skip.
            limit: The most to return.

        Raises:
            ValidationError: A filter or the page is not valid.
        """
        parent = None if parent is None else CompanyId(parent)
        paid_by = None if paid_by is None else CompanyId(paid_by)
        checked_actor(actor)
        for argument, value in (("text", text), ("tag", tag), ("country", country)):
            if value is not None:
                checked_instance(value, str, argument)
        for argument, value in (("parent", parent), ("paid_by", paid_by)):
            if value is not None:
                checked_id(value, argument)
        if top_level is not None:
            checked_instance(top_level, bool, "top_level")
        if custom_fields is not None:
            checked_instance(custom_fields, Mapping, "custom_fields")  # type: ignore[type-abstract]
        query = CompanyQuery(
            name_contains=text,
            status=None if status is None else CompanyStatus(status),
            tag=tag,
            custom_fields={} if custom_fields is None else custom_fields,
            country=country,
            parent_id=parent,
            top_level=top_level,
            paid_by=paid_by,
            sort=checked_choice(sort, CompanySort, "sort"),
            descending=checked_instance(descending, bool, "descending"),
            offset=offset,
            limit=limit,
        )
        with self._context.store.unit_of_work() as uow:
            stored = current_actor(uow, actor)
            if isinstance(stored, Staff):
                require_staff(stored, Permission.VIEW_COMPANY, "search every company")
                return uow.companies.search(query)
            return queries.select(query, self._seen_by(uow, stored))

    def children(self, *, actor: Actor, company_id: CompanyId | str) -> list[Company]:
        """Return the direct subsidiaries of a company that ``actor`` sees, by id.

        Raises:
            NotFound: No such company, or the actor does not see it.
        """
        company_id = CompanyId(company_id)
        return self._tree(actor, company_id, lambda uow: uow.companies.children(company_id))

    def ancestors(self, *, actor: Actor, company_id: CompanyId | str) -> list[Company]:
        """Return the parent, grandparent, ... of a company that ``actor`` sees, nearest first.

        A branch's buyer sees the branch, not the head office above it.

        Raises:
            NotFound: No such company, or the actor does not see it.
        """
        company_id = CompanyId(company_id)
        return self._tree(actor, company_id, lambda uow: uow.companies.ancestors(company_id))

    def descendants(self, *, actor: Actor, company_id: CompanyId | str) -> list[Company]:
        """Return every company below this one that ``actor`` sees: nearest levels first.

        Raises:
            NotFound: No such company, or the actor does not see it.
        """
        company_id = CompanyId(company_id)
        return self._tree(actor, company_id, lambda uow: uow.companies.descendants(company_id))

    def paid_for(self, *, actor: Actor, company_id: CompanyId | str) -> list[Company]:
        """Return the companies this one pays for (it is their bill-to or master account), by id.

        The bill-to's ``finance`` members see these companies, their orders,
        invoices and aging (see
        [`PAYER_PERMISSIONS`][b2b_customers.services.authorization.PAYER_PERMISSIONS]).

        Raises:
            NotFound: No such company, or the actor does not see it.
        """
        company_id = CompanyId(company_id)
        return self._tree(
            actor,
            company_id,
            lambda uow: _every(uow, CompanyQuery(paid_by=company_id, sort=CompanySort.ID)),
        )

    def move(
        self, *, actor: Actor, company_id: CompanyId | str, new_parent: CompanyId | str | None
    ) -> Company:
        """Put a company under another parent (or make it top-level).

        Raises:
            PermissionDenied: The actor may not move companies, here or under the new parent.
            HierarchyError: The move would make a cycle (the store refuses it).
        """
        company_id = CompanyId(company_id)
        new_parent = None if new_parent is None else CompanyId(new_parent)

        def change(uow: UnitOfWork, company: Company) -> Company:
            if new_parent is not None:
                self._context.authorize(
                    uow, actor, Permission.MOVE_COMPANY, new_parent, argument="new_parent"
                )
            return attrs.evolve(company, parent_id=new_parent)

        return self._change(actor, company_id, Permission.MOVE_COMPANY, "company.moved", change)

    def put_on_hold(self, *, actor: Actor, company_id: CompanyId | str) -> Company:
        """Stop the company's orders until it is activated again.

        Raises:
            NotFound: No such company.
            PermissionDenied: The actor may not hold companies.
            InvalidTransition: The company is on hold already.
        """
        company_id = CompanyId(company_id)
        return self._status(actor, company_id, CompanyStatus.ON_HOLD)

    def activate(self, *, actor: Actor, company_id: CompanyId | str) -> Company:
        """Let the company order again.

        Lifting a hold (by activating or deactivating a company on hold) needs
        the permission to hold companies, not only to edit them.

        Raises:
            NotFound: No such company.
            PermissionDenied: The actor may not edit the company, or lifts a
                hold without the permission to hold companies.
            InvalidTransition: The company is active already.
        """
        company_id = CompanyId(company_id)
        return self._status(actor, company_id, CompanyStatus.ACTIVE)

    def deactivate(self, *, actor: Actor, company_id: CompanyId | str) -> Company:
        """Close the company's account.

        Raises:
            NotFound: No such company.
            PermissionDenied: The actor may not edit the company, or the company
                is on hold and the actor may not hold companies.
            InvalidTransition: The company is inactive already.
        """
        company_id = CompanyId(company_id)
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
                if may_in(uow, actor, Permission.VIEW_COMPANY, company.id)
            ]

    # -- steps

    def _tree(
        self, actor: Actor, company_id: CompanyId, related: Callable[[UnitOfWork], list[Company]]
    ) -> list[Company]:
        checked_actor(actor)
        checked_id(company_id, "company_id")
        with self._context.store.unit_of_work() as uow:
            require_visible(uow, actor, Permission.VIEW_COMPANY, company_id)
            return [
                company
                for company in related(uow)
                if may_in(uow, actor, Permission.VIEW_COMPANY, company.id)
            ]

    def _seen_by(self, uow: UnitOfWork, customer: Customer) -> list[Company]:
        """Every company a customer (as stored now) sees: member, subtree, paid for."""
        if not customer.is_active:
            return []
        seen: dict[CompanyId, Company] = {}
        for membership in customer.memberships:
            if not membership.is_active:
                continue
            reach = [uow.companies.get(membership.company_id)]
            if membership.roles & SUBTREE_ROLES:
                reach.extend(uow.companies.descendants(membership.company_id))
            for company in reach:
                seen[company.id] = company
                if Role.FINANCE in membership.roles:
                    for paid in _every(uow, CompanyQuery(paid_by=company.id)):
                        seen[paid.id] = paid
        return list(seen.values())

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


def _every(uow: UnitOfWork, query: CompanyQuery) -> list[Company]:
    """Every company ``query`` matches, page after page."""
    found: list[Company] = []
    offset: int | None = 0
    while offset is not None:
        page = uow.companies.search(attrs.evolve(query, offset=offset, limit=MAX_PAGE_SIZE))
        found.extend(page.items)
        offset = page.next_offset
    return found
