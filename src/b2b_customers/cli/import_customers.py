"""Importing customers: one row per person, with their roles in one or more companies.

The ``memberships`` cell lists ``company:role+role`` items separated by
``;``, such as ``acme:admin+approver;acme-north:finance``. Each company's
automatic customer group gains its new members, and every customer gets a
``customer.created`` event, as when invited through the services.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from b2b_customers.cli.actor import COMMAND_LINE
from b2b_customers.cli.csv_rows import Row, RowProblem
from b2b_customers.cli.import_kind import WRITE_BATCH, ImportKind, Parsed
from b2b_customers.cli.row_checks import repeated
from b2b_customers.domain import Customer, Membership
from b2b_customers.errors import NotFound, ValidationError
from b2b_customers.ids import CompanyId, CustomerId

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.cli.progress import Progress
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["CUSTOMERS"]

_TEXTS = ("status", "title", "preferred_language", "manager_id")


def _customer(row: Row) -> Customer:
    fields: dict[str, Any] = {
        column: value for column in _TEXTS if (value := row.text(column)) is not None
    }
    return Customer(
        id=CustomerId(row.cells.get("id", "")),
        email=row.cells.get("email", ""),
        first_name=row.cells.get("first_name", ""),
        last_name=row.cells.get("last_name", ""),
        phones=row.items("phones"),
        memberships=[_membership(item) for item in row.items("memberships")],
        tags=row.items("tags"),
        custom_fields=row.custom_fields(),
        **fields,
    )


def _membership(item: str) -> Membership:
    company, colon, roles = item.rpartition(":")
    if not colon or not company.strip():
        raise ValidationError(
            f"write each membership as company:role+role, such as 'acme:buyer+approver', "
            f"got {item!r}",
            field="memberships",
        )
    return Membership(
        company_id=CompanyId(company.strip()),
        roles=frozenset(role.strip() for role in roles.split("+") if role.strip()),
    )


def _problems(uow: UnitOfWork, parsed: Sequence[Parsed[Customer]]) -> list[RowProblem]:
    problems = repeated(parsed, lambda customer: customer.id, "id", "the id")
    problems += repeated(parsed, lambda customer: customer.email, "email", "the email address")
    in_file = {item.entity.id for item in parsed}
    stored_ids = {customer.id for customer in uow.customers.get_many(in_file)}
    problems += [
        RowProblem(item.row.line, "id", f"a customer with id {item.entity.id!r} exists already")
        for item in parsed
        if item.entity.id in stored_ids
    ]
    for item in parsed:
        try:
            holder = uow.customers.get_by_email(item.entity.email)
        except NotFound:
            continue
        problems.append(
            RowProblem(
                item.row.line,
                "email",
                f"the email address {item.entity.email!r} belongs to customer {holder.id!r} "
                "already",
            )
        )
    companies = {company for item in parsed for company in item.entity.company_ids}
    known = {company.id for company in uow.companies.get_many(companies)}
    problems += [
        RowProblem(
            item.row.line,
            "memberships",
            f"no company {company!r} in the database; import the companies first",
        )
        for item in parsed
        for company in sorted(item.entity.company_ids - known)
    ]
    managers = {item.entity.manager_id for item in parsed} - in_file - {None}
    known_managers = {manager.id for manager in uow.customers.get_many(m for m in managers if m)}
    problems += [
        RowProblem(
            item.row.line,
            "manager_id",
            f"no customer {item.entity.manager_id!r} in the file or the database",
        )
        for item in parsed
        if item.entity.manager_id is not None
        and item.entity.manager_id not in in_file
        and item.entity.manager_id not in known_managers
    ]
    return problems


def _write(
    uow: UnitOfWork, context: ServiceContext, customers: Sequence[Customer], progress: Progress
) -> None:
    members: defaultdict[CompanyId, set[CustomerId]] = defaultdict(set)
    for start in range(0, len(customers), WRITE_BATCH):
        batch = customers[start : start + WRITE_BATCH]
        for stored in uow.customers.add_many(batch):
            first = min(stored.company_ids, default=None)
            context.record(uow, "customer.created", stored, actor=COMMAND_LINE, company_id=first)
            for company in stored.company_ids:
                members[company].add(stored.id)
        progress.advance(len(batch))
    for company, new in sorted(members.items()):
        try:
            group = uow.groups.for_company(company)
        except NotFound:
            continue
        uow.groups.save(group.with_members(group.member_ids | new))


CUSTOMERS = ImportKind[Customer](
    name="customers",
    columns=(
        "id",
        "email",
        "first_name",
        "last_name",
        "status",
        "memberships",
        "phones",
        "title",
        "preferred_language",
        "manager_id",
        "tags",
    ),
    required=("id", "email", "first_name", "last_name"),
    field_columns={"roles": "memberships", "company_id": "memberships"},
    entity_of=_customer,
    problems_of=_problems,
    write=_write,
)
"""Customers: ``id``, ``email``, ``first_name`` and ``last_name`` required."""
