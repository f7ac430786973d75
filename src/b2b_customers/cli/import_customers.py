"""Importing customers: one row per person, with their roles in one or more companies.

The ``memberships`` cell lists ``company:role+role`` items separated by
``;``, such as ``acme:admin+approver;acme-north:finance``. Each company's
automatic customer group gains its new members, and every customer gets a
``customer.created`` event, as when invited through the services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b2b_customers.cli.actor import COMMAND_LINE
from b2b_customers.cli.import_kind import ImportKind, ImportRun
from b2b_customers.domain import Customer, Membership
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, CustomerId

if TYPE_CHECKING:
    from b2b_customers.cli.csv_rows import Row

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


def _import(run: ImportRun[Customer]) -> int:
    return run.app.customers.import_many(
        actor=COMMAND_LINE,
        customers=run.source,
        check_only=run.check_only,
        progress=run.progress,
        unit="line",
    )


CUSTOMERS = ImportKind[Customer](
    name="customers",
    singular="customer",
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
    importer=_import,
)
"""Customers: ``id``, ``email``, ``first_name`` and ``last_name`` required."""
