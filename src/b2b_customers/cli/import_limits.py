"""Importing purchasing limits: one row per limit, set through ``app.limits``.

A row names the company, whose orders the limit covers (``scope``: the
whole company, one of its locations, customers, roles or customer groups),
the ceiling (``maximum``, in the company's currency unless ``currency``
says otherwise) and the period (``order`` for each order, a calendar
``day`` ... ``year``, or ``30 days`` rolling). Each row is one
``app.limits.set`` call, with its permission check, ``limit.set`` event and
audit entry, after every row was checked.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from attrs import frozen
from moneyed import Money

from b2b_customers.cli.actor import COMMAND_LINE
from b2b_customers.cli.csv_rows import Row, RowProblem
from b2b_customers.cli.import_kind import ImportKind, ImportRun, Parsed, import_through_service
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId
from b2b_customers.limits.periods import CalendarPeriod, RollingPeriod
from b2b_customers.limits.rules import (
    BudgetLimit,
    LimitScope,
    OnExceed,
    OrderTotalLimit,
    ScopeKind,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.app import App
    from b2b_customers.limits.rules import LimitRule
    from b2b_customers.ports import UnitOfWork

__all__ = ["LIMITS", "LimitRow", "amount_of"]

_PER_ORDER = "order"


@frozen(kw_only=True)
class LimitRow:
    """A limit as one row describes it (the currency is the company's until it is known).

    Attributes:
        scope: Whose orders it covers.
        period: ``"order"``, a calendar unit, or a number of rolling days.
        maximum: The ceiling's amount.
        currency: The ceiling's currency, if the row names one.
        on_exceed: What crossing it means.
        name: Shown in decisions' explanations.
    """

    scope: LimitScope
    period: str | int
    maximum: Decimal
    currency: str | None
    on_exceed: OnExceed
    name: str | None

    def rule(self, currency: str) -> LimitRule:
        """Return the rule, its ceiling in ``currency`` (the row's, when it names one)."""
        maximum = Money(self.maximum, self.currency or currency)
        if self.period == _PER_ORDER:
            return OrderTotalLimit(maximum=maximum)
        if isinstance(self.period, int):
            return BudgetLimit(maximum=maximum, period=RollingPeriod(days=self.period))
        return BudgetLimit(maximum=maximum, period=CalendarPeriod(unit=self.period))


def amount_of(row: Row, column: str) -> Decimal | None:
    """Return a cell holding an amount (``5000``, ``12.50``), or ``None`` when it is empty.

    Raises:
        ValidationError: The cell is not a number of zero or more (``field`` is the column).
    """
    value = row.text(column)
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0:
        raise ValidationError(
            f"write an amount of zero or more with a dot for decimals, such as 5000 or 12.50, "
            f"got {value!r}",
            field=column,
        )
    return amount


def _period(row: Row) -> str | int:
    value = (row.text("period") or "").lower()
    if value == _PER_ORDER:
        return _PER_ORDER
    number, _, unit = value.partition(" ")
    if unit in {"day", "days"} and number.isdigit():
        return int(number)
    try:
        return CalendarPeriod(unit=value).unit.value
    except ValidationError:
        raise ValidationError(
            "write order, day, week, month, quarter, year, or a number of rolling days such as "
            f"'30 days', got {row.text('period')!r}",
            field="period",
        ) from None


def _limit(row: Row) -> LimitRow:
    maximum = amount_of(row, "maximum")
    if maximum is None:
        raise ValidationError("write the ceiling, such as 5000", field="maximum")
    on_exceed = row.text("on_exceed") or OnExceed.APPROVAL.value
    try:
        exceed = OnExceed(on_exceed)
    except ValidationError as error:
        raise ValidationError(error.reason, field="on_exceed") from None
    try:
        kind = ScopeKind(row.text("scope") or ScopeKind.COMPANY.value)
    except ValidationError as error:
        raise ValidationError(error.reason, field="scope") from None
    return LimitRow(
        scope=LimitScope(
            kind=kind,
            company_id=CompanyId(row.cells.get("company_id", "")),
            target=row.text("target"),
            include_subtree=bool(row.flag("include_subtree")),
        ),
        period=_period(row),
        maximum=maximum,
        currency=row.text("currency"),
        on_exceed=exceed,
        name=row.text("name"),
    )


def _problems(uow: UnitOfWork, parsed: Sequence[Parsed[LimitRow]]) -> list[RowProblem]:
    wanted = {item.entity.scope.company_id for item in parsed}
    currencies = {company.id: company.currency for company in uow.companies.get_many(wanted)}
    problems = []
    for item in parsed:
        limit, line = item.entity, item.line
        currency = currencies.get(limit.scope.company_id)
        if currency is None:
            problems.append(
                RowProblem(
                    line,
                    "company_id",
                    f"no company {limit.scope.company_id!r} in the database; import the "
                    "companies first",
                )
            )
        elif limit.currency is not None and limit.currency != currency:
            problems.append(
                RowProblem(
                    line,
                    "currency",
                    f"company {limit.scope.company_id!r} buys in {currency}; write its limits "
                    f"in {currency} or leave the cell empty",
                )
            )
    return problems


def _set(app: App, limit: LimitRow) -> object:
    with app.store.unit_of_work() as uow:
        currency = uow.companies.get(limit.scope.company_id).currency
    return app.limits.set(
        actor=COMMAND_LINE,
        scope=limit.scope,
        rule=limit.rule(currency),
        on_exceed=limit.on_exceed,
        name=limit.name,
    )


def _import(run: ImportRun[LimitRow]) -> int:
    return import_through_service(run, _problems, _set)


LIMITS = ImportKind[LimitRow](
    name="limits",
    singular="limit",
    columns=(
        "company_id",
        "scope",
        "target",
        "include_subtree",
        "period",
        "maximum",
        "currency",
        "on_exceed",
        "name",
    ),
    required=("company_id", "period", "maximum"),
    field_columns={"kind": "scope", "unit": "period", "days": "period", "type": "on_exceed"},
    entity_of=_limit,
    importer=_import,
)
"""Purchasing limits: ``company_id``, ``period`` and ``maximum`` required."""
