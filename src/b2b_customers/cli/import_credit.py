"""Importing credit accounts: one row per credit line, opened through ``app.credit``.

A row names the company that pays, its credit line (``credit_limit``, in
the company's currency), the payment terms invoices are due by (``NET30``
by default; see the payment terms catalog), the companies that draw on the
same line (``shared_with``) and when to hold the account automatically
(``auto_hold_after_days``). Each row is one ``app.credit.open_account``
call, with its permission check, ``credit.account_opened`` event and audit
entry, after every row was checked.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from attrs import field, frozen
from moneyed import Money

from b2b_customers.cli.actor import COMMAND_LINE
from b2b_customers.cli.csv_rows import Row, RowProblem
from b2b_customers.cli.import_kind import ImportKind, ImportRun, Parsed, import_through_service
from b2b_customers.cli.import_limits import amount_of
from b2b_customers.credit.terms_catalog import STANDARD_TERMS
from b2b_customers.errors import NotFound, ValidationError
from b2b_customers.ids import CompanyId

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.app import App
    from b2b_customers.ports import UnitOfWork

__all__ = ["CREDIT", "CreditRow"]


@frozen(kw_only=True)
class CreditRow:
    """A credit account as one row describes it.

    Attributes:
        company_id: The company that pays.
        credit_limit: The line's amount, in the company's currency.
        currency: The line's currency, if the row names one.
        payment_terms: The code of the terms invoices are due by.
        shared_with: The companies that draw on the line too.
        auto_hold_after_days: Hold the account when an invoice is this many days overdue.
    """

    company_id: CompanyId
    credit_limit: Decimal
    currency: str | None
    payment_terms: str
    shared_with: tuple[CompanyId, ...] = field(default=())
    auto_hold_after_days: int | None = None


def _account(row: Row) -> CreditRow:
    limit = amount_of(row, "credit_limit")
    if limit is None:
        raise ValidationError("write the credit line, such as 25000", field="credit_limit")
    terms = row.text("payment_terms") or "NET30"  # checked against the store's terms too
    return CreditRow(
        company_id=CompanyId(row.cells.get("company_id", "")),
        credit_limit=limit,
        currency=row.text("currency"),
        payment_terms=terms,
        shared_with=tuple(CompanyId(company) for company in row.items("shared_with")),
        auto_hold_after_days=row.whole_number("auto_hold_after_days"),
    )


def _problems(uow: UnitOfWork, parsed: Sequence[Parsed[CreditRow]]) -> list[RowProblem]:
    wanted = {c for item in parsed for c in (item.entity.company_id, *item.entity.shared_with)}
    currencies = {company.id: company.currency for company in uow.companies.get_many(wanted)}
    terms = STANDARD_TERMS.with_terms(*uow.payment_terms.all())  # stored before the presets
    problems = []
    for item in parsed:
        account, line = item.entity, item.line
        try:
            terms.get(account.payment_terms)
        except ValidationError as unknown:
            problems.append(RowProblem(line, "payment_terms", unknown.reason))
        for column, company in [
            ("company_id", account.company_id),
            *(("shared_with", other) for other in account.shared_with),
        ]:
            if company not in currencies:
                problems.append(
                    RowProblem(
                        line,
                        column,
                        f"no company {company!r} in the database; import the companies first",
                    )
                )
        currency = currencies.get(account.company_id)
        if currency is not None and account.currency not in {None, currency}:
            problems.append(
                RowProblem(
                    line,
                    "currency",
                    f"company {account.company_id!r} buys in {currency}; write its credit line "
                    f"in {currency} or leave the cell empty",
                )
            )
        try:
            held = uow.credit.for_company(account.company_id)
        except NotFound:
            continue
        problems.append(
            RowProblem(
                line,
                "company_id",
                f"company {account.company_id!r} draws on credit account {held.id!r} already",
            )
        )
    return problems


def _open(app: App, account: CreditRow) -> object:
    with app.store.unit_of_work() as uow:
        currency = uow.companies.get(account.company_id).currency
    return app.credit.open_account(
        actor=COMMAND_LINE,
        company=account.company_id,
        credit_limit=Money(account.credit_limit, currency),
        payment_terms=account.payment_terms,
        shared_with=account.shared_with,
        auto_hold_after_days=account.auto_hold_after_days,
    )


def _import(run: ImportRun[CreditRow]) -> int:
    return import_through_service(run, _problems, _open)


CREDIT = ImportKind[CreditRow](
    name="credit",
    singular="credit account",
    plural="credit accounts",
    columns=(
        "company_id",
        "credit_limit",
        "currency",
        "payment_terms",
        "shared_with",
        "auto_hold_after_days",
    ),
    required=("company_id", "credit_limit"),
    field_columns={},
    entity_of=_account,
    importer=_import,
)
"""Credit accounts: ``company_id`` and ``credit_limit`` required."""
