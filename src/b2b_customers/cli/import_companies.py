"""Importing companies: one row per company, subsidiaries under parents in the file or the store.

Rows may come in any order: parents are written before their subsidiaries.
The rows go through the bulk use case
([`import_many`][b2b_customers.services.companies.CompanyService.import_many]): every
company gets its automatic customer group, a ``company.created`` event and an
audit entry, as when it is onboarded through the services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b2b_customers.cli.actor import COMMAND_LINE
from b2b_customers.cli.import_kind import ImportKind, ImportRun
from b2b_customers.domain import Company, LegalInfo, SalesTax
from b2b_customers.domain.company import Weekday
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId

if TYPE_CHECKING:
    from b2b_customers.cli.csv_rows import Row

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


def _import(run: ImportRun[Company]) -> int:
    return run.app.companies.import_many(
        actor=COMMAND_LINE,
        companies=run.source,
        check_only=run.check_only,
        progress=run.progress,
        unit="line",
    )


COMPANIES = ImportKind[Company](
    name="companies",
    singular="company",
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
    importer=_import,
)
"""Companies: ``id``, ``name`` and ``currency`` required; see the CLI docs for every column."""
