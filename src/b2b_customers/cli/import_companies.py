"""Importing companies: one row per company, subsidiaries under parents in the file or the store.

Rows may come in any order: parents are written before their subsidiaries.
Every company gets its automatic customer group and a ``company.created``
event, as when it is onboarded through the services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b2b_customers.cli.actor import COMMAND_LINE
from b2b_customers.cli.csv_rows import Row, RowProblem
from b2b_customers.cli.import_kind import WRITE_BATCH, ImportKind, Parsed
from b2b_customers.cli.row_checks import repeated
from b2b_customers.domain import Company, CustomerGroup, LegalInfo, SalesTax
from b2b_customers.domain.company import Weekday
from b2b_customers.domain.hierarchy import ensure_acyclic
from b2b_customers.errors import HierarchyError, NotFound, ValidationError
from b2b_customers.ids import CompanyId, CustomerGroupId

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.cli.progress import Progress
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["COMPANIES"]

_TEXTS = (
    "time_zone",
    "parent_id",
    "status",
    "customer_type",
    "account_number",
    "default_store",
    "bill_to_id",
    "master_id",
    "forecast_code",
)
_LEGAL = (
    "legal_name",
    "country",
    "registration_id",
    "registration_agency",
    "registration_date",
    "tax_registration_number",
)
_FLAGS = (
    "term_customer",
    "allow_store_pickup",
    "allow_cash_on_delivery",
    "allow_payments_on_account",
    "test_record",
)
_REFERENCES = ("parent_id", "bill_to_id", "master_id")


def _company(row: Row) -> Company:
    fields: dict[str, Any] = {
        column: value for column in _TEXTS if (value := row.text(column)) is not None
    }
    fields.update((column, flag) for column in _FLAGS if (flag := row.flag(column)) is not None)
    week = row.text("week_starts_on")
    if week is not None:
        fields["week_starts_on"] = _weekday(week)
    if any(row.text(column) for column in _LEGAL):
        fields["legal_info"] = LegalInfo(
            legal_name=row.text("legal_name") or row.cells.get("name", ""),
            country=row.text("country"),
            registration_id=row.text("registration_id"),
            registration_agency=row.text("registration_agency"),
            registration_date=row.day("registration_date"),
            tax_registration_number=row.text("tax_registration_number"),
        )
    tax_type = row.text("sales_tax_type")
    if tax_type is not None or row.items("exemption_jurisdictions"):
        fields["sales_tax"] = SalesTax(
            type=tax_type or "taxable",
            exemption_jurisdictions=row.items("exemption_jurisdictions"),
        )
    return Company(
        id=CompanyId(row.cells.get("id", "")),
        name=row.cells.get("name", ""),
        currency=row.cells.get("currency", ""),
        specific_products=row.items("specific_products"),
        tags=row.items("tags"),
        custom_fields=row.custom_fields(),
        **fields,
    )


def _weekday(value: str) -> Weekday:
    try:
        return Weekday[value.upper()]
    except KeyError:
        pass
    try:
        return Weekday(int(value))
    except ValueError:
        raise ValidationError(
            f"write a weekday name (monday ... sunday) or 0 (Monday) to 6 (Sunday), got {value!r}",
            field="week_starts_on",
        ) from None


def _problems(uow: UnitOfWork, parsed: Sequence[Parsed[Company]]) -> list[RowProblem]:
    problems = repeated(parsed, lambda company: company.id, "id", "the id")
    problems += repeated(
        parsed, lambda company: company.account_number, "account_number", "the account number"
    )
    in_file = {item.entity.id for item in parsed}
    stored_ids = {company.id for company in uow.companies.get_many(in_file)}
    problems += [
        RowProblem(item.row.line, "id", f"a company with id {item.entity.id!r} exists already")
        for item in parsed
        if item.entity.id in stored_ids
    ]
    for item in parsed:
        number = item.entity.account_number
        if number is None:
            continue
        try:
            holder = uow.companies.get_by_account_number(number)
        except NotFound:
            continue
        problems.append(
            RowProblem(
                item.row.line,
                "account_number",
                f"the account number {number!r} belongs to company {holder.id!r} already",
            )
        )
    problems += _unknown_references(uow, parsed, in_file)
    problems += _cycles(parsed)
    return problems


def _unknown_references(
    uow: UnitOfWork, parsed: Sequence[Parsed[Company]], in_file: set[CompanyId]
) -> list[RowProblem]:
    wanted = {
        reference
        for item in parsed
        for column in _REFERENCES
        if (reference := getattr(item.entity, column)) is not None and reference not in in_file
    }
    stored = {company.id for company in uow.companies.get_many(wanted)}
    return [
        RowProblem(
            item.row.line,
            column,
            f"no company {reference!r} in the file or the database; import it first or "
            "leave the cell empty",
        )
        for item in parsed
        for column in _REFERENCES
        if (reference := getattr(item.entity, column)) is not None
        and reference not in in_file
        and reference not in stored
    ]


def _cycles(parsed: Sequence[Parsed[Company]]) -> list[RowProblem]:
    parents = {item.entity.id: item.entity.parent_id for item in parsed}
    problems = []
    for item in parsed:
        try:
            ensure_acyclic(item.entity.id, item.entity.parent_id, parents.get)
        except HierarchyError as error:
            problems.append(RowProblem(item.row.line, "parent_id", error.reason))
    return problems


def _parents_first(companies: Sequence[Company]) -> list[Company]:
    parents = {company.id: company.parent_id for company in companies}

    def depth(company: Company) -> int:
        levels, current = 0, company.parent_id
        while current in parents:
            levels, current = levels + 1, parents[current]
        return levels

    return sorted(companies, key=depth)  # stable: file order within a level


def _write(
    uow: UnitOfWork, context: ServiceContext, companies: Sequence[Company], progress: Progress
) -> None:
    ordered = _parents_first(companies)
    for start in range(0, len(ordered), WRITE_BATCH):
        batch = ordered[start : start + WRITE_BATCH]
        for stored in uow.companies.add_many(batch):
            uow.groups.add(
                CustomerGroup.for_company(CustomerGroupId(context.ids()), stored.id, stored.name)
            )
            context.record(uow, "company.created", stored, actor=COMMAND_LINE, company_id=stored.id)
        progress.advance(len(batch))


COMPANIES = ImportKind[Company](
    name="companies",
    columns=(
        "id",
        "name",
        "currency",
        "time_zone",
        "parent_id",
        "status",
        "customer_type",
        "account_number",
        *_LEGAL,
        "sales_tax_type",
        "exemption_jurisdictions",
        "default_store",
        "bill_to_id",
        "master_id",
        *_FLAGS,
        "forecast_code",
        "week_starts_on",
        "specific_products",
        "tags",
    ),
    required=("id", "name", "currency"),
    field_columns={"type": "sales_tax_type"},
    entity_of=_company,
    problems_of=_problems,
    write=_write,
)
"""Companies: ``id``, ``name`` and ``currency`` required; see the CLI docs for every column."""
