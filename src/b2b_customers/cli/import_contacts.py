"""Importing contact assignments: one row per customer named as a contact of a company.

The company and the customer must be stored already (import companies and
customers first). A row without an ``id`` gets a generated one. Every
assignment gets a ``contact.assigned`` event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from b2b_customers.cli.actor import COMMAND_LINE
from b2b_customers.cli.csv_rows import Row, RowProblem
from b2b_customers.cli.import_kind import ImportKind, ImportRun, Parsed, import_whole_file
from b2b_customers.cli.row_checks import repeated
from b2b_customers.domain import ContactAssignment
from b2b_customers.errors import NotFound
from b2b_customers.ids import CompanyId, ContactAssignmentId, CustomerId
from b2b_customers.services.authorization import Permission
from b2b_customers.services.bulk_import import require_staff

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["CONTACTS"]

_UNSET = ContactAssignmentId("(generated)")


def _contact(row: Row) -> ContactAssignment:
    fields: dict[str, Any] = {}
    contact_type = row.text("type")
    if contact_type is not None:
        fields["type"] = contact_type
    primary = row.flag("is_primary")
    if primary is not None:
        fields["is_primary"] = primary
    return ContactAssignment(
        id=ContactAssignmentId(row.text("id") or _UNSET),
        company_id=CompanyId(row.cells.get("company_id", "")),
        customer_id=CustomerId(row.cells.get("customer_id", "")),
        subscriptions=row.items("subscriptions"),
        **fields,
    )


def _problems(uow: UnitOfWork, parsed: Sequence[Parsed[ContactAssignment]]) -> list[RowProblem]:
    problems = repeated(
        parsed, lambda contact: None if contact.id == _UNSET else contact.id, "id", "the id"
    )
    problems += repeated(
        parsed,
        lambda contact: (contact.customer_id, contact.company_id),
        "customer_id",
        "the customer and company",
    )
    problems += repeated(
        parsed,
        lambda contact: (contact.company_id, contact.type.value) if contact.is_primary else None,
        "is_primary",
        "the primary contact of company and type",
    )
    companies = uow.companies.existing(item.entity.company_id for item in parsed)
    customers = uow.customers.existing(item.entity.customer_id for item in parsed)
    for item in parsed:
        contact, line = item.entity, item.line
        if contact.company_id not in companies:
            problems.append(
                RowProblem(line, "company_id", f"no company {contact.company_id!r} in the database")
            )
        if contact.customer_id not in customers:
            problems.append(
                RowProblem(
                    line, "customer_id", f"no customer {contact.customer_id!r} in the database"
                )
            )
        if contact.id != _UNSET and _stored(uow, contact.id):
            problems.append(
                RowProblem(
                    line, "id", f"a contact assignment with id {contact.id!r} exists already"
                )
            )
    problems += _taken(uow, parsed, customers)
    return problems


def _stored(uow: UnitOfWork, contact_id: ContactAssignmentId) -> bool:
    try:
        uow.contacts.get(contact_id)
    except NotFound:
        return False
    return True


def _taken(
    uow: UnitOfWork, parsed: Sequence[Parsed[ContactAssignment]], customers: set[CustomerId]
) -> list[RowProblem]:
    assigned = {
        (stored.customer_id, stored.company_id)
        for customer in sorted(customers)
        for stored in uow.contacts.for_customer(customer)
    }
    primaries: dict[tuple[CompanyId, str], ContactAssignmentId] = {}
    for company in sorted({item.entity.company_id for item in parsed if item.entity.is_primary}):
        for stored in uow.contacts.for_company(company):
            if stored.is_primary:
                primaries[stored.company_id, stored.type.value] = stored.id
    problems = []
    for item in parsed:
        contact, line = item.entity, item.line
        if (contact.customer_id, contact.company_id) in assigned:
            problems.append(
                RowProblem(
                    line,
                    "customer_id",
                    f"customer {contact.customer_id!r} is a contact of {contact.company_id!r} "
                    "already",
                )
            )
        holder = primaries.get((contact.company_id, contact.type.value))
        if contact.is_primary and holder is not None:
            problems.append(
                RowProblem(
                    line,
                    "is_primary",
                    f"{contact.company_id!r} has a primary {contact.type.value} contact already "
                    f"({holder!r}); write false",
                )
            )
    return problems


def _write(uow: UnitOfWork, context: ServiceContext, contacts: Sequence[ContactAssignment]) -> None:
    for contact in contacts:
        if contact.id == _UNSET:
            contact = attrs.evolve(contact, id=ContactAssignmentId(context.ids()))  # noqa: PLW2901
        stored = uow.contacts.add(contact)
        context.record(
            uow, "contact.assigned", stored, actor=COMMAND_LINE, company_id=stored.company_id
        )


def _import(run: ImportRun[ContactAssignment]) -> int:
    require_staff(COMMAND_LINE, Permission.MANAGE_CONTACTS, "contacts")
    return import_whole_file(run, _problems, _write)


CONTACTS = ImportKind[ContactAssignment](
    name="contacts",
    singular="contact",
    columns=("id", "company_id", "customer_id", "type", "is_primary", "subscriptions"),
    required=("company_id", "customer_id"),
    field_columns={},
    entity_of=_contact,
    importer=_import,
)
"""Contact assignments: ``company_id`` and ``customer_id`` required."""
