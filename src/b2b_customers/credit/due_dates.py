"""Due-date rules: when an invoice (or one instalment of it) falls due.

Each rule is a small frozen value with one method,
``due_date(invoice_date) -> date``, computed with
`dateutil.relativedelta.relativedelta` so that month ends and leap
years come out right.

The general rule is [`DueDateSteps`][b2b_customers.credit.DueDateSteps]: a short sequence of steps
applied
to the invoice date in order, each a [`DueDateStep`][b2b_customers.credit.DueDateStep]:

- ``AddDays(days=N)``: N calendar days later (or earlier, when negative);
- ``AddMonths(months=M)``: M months later (or earlier), the day capped at
  the month's length (31 January + 1 month is 28 or 29 February);
- ``EndOfMonth()``: the last day of the month;
- ``DayOfMonth(day=D)``: the next day D on or after the date (this month or
  the next); ``DayOfMonth(day=D, on_or_after=False)``: day D of the same
  month, earlier or later. Day 31 is capped at the month's length;
- ``NextWeekday(weekday=W)``: the next weekday W (0 = Monday ... 6 = Sunday)
  on or after the date.

A due date never falls before the invoice date: when negative offsets would
put it earlier, it is the invoice date. Every step is non-decreasing in its
date, so every rule is too: a later invoice is never due earlier.

The presets below build the common ERP shapes from steps (see
[`net_days`][b2b_customers.credit.net_days],
[`end_of_month_after`][b2b_customers.credit.end_of_month_after],
[`months_end_of_month_days`][b2b_customers.credit.months_end_of_month_days],
[`next_day_of_month`][b2b_customers.credit.next_day_of_month],
[`day_of_following_month`][b2b_customers.credit.day_of_following_month]), and the four rule types
kept from earlier releases are presets too, each with the same ``steps``; their stored form
(``{"kind": "days_after_invoice", "days": 30}``)
still loads:

- ``DaysAfterInvoice(days=30)``: the invoice date + 30 days ("Net 30"; 0 = due
  on receipt).
- ``DaysAfterMonthEnd(days=30)``: the last day of the invoice month + 30 days.
- ``DayOfFollowingMonth(day=15)``: the 15th of the next month (day 31 is capped
  at the month's length: 28/29 February, 30 April).
- ``MonthsAfterMonthEnd(months=1)``: the last day of the month after the
  invoice month.

The rules are pure: they read no clock, and the caller passes the invoice date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias, cast

from attrs import field, frozen
from dateutil.relativedelta import relativedelta

from b2b_customers.domain.values import flag, items_of
from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import attrs

    from b2b_customers.domain.values import Validator

__all__ = [
    "DUE_DATE_RULE_TYPES",
    "MAX_DAYS",
    "MAX_MONTHS",
    "MAX_STEPS",
    "AddDays",
    "AddMonths",
    "DayOfFollowingMonth",
    "DayOfMonth",
    "DaysAfterInvoice",
    "DaysAfterMonthEnd",
    "DueDateRule",
    "DueDateStep",
    "DueDateSteps",
    "EndOfMonth",
    "MonthsAfterMonthEnd",
    "NextWeekday",
    "day_of_following_month",
    "end_of_month_after",
    "months_end_of_month_days",
    "net_days",
    "next_day_of_month",
]

MAX_DAYS = 3650
"""The longest offset in days any rule accepts (ten years)."""

MAX_MONTHS = 120
"""The longest offset in months a rule or step accepts (ten years)."""

MAX_STEPS = 8
"""The most steps one [`DueDateSteps`][b2b_customers.credit.DueDateSteps] may have."""

_SUNDAY = 6

_LAST_DAY = 31
_END_OF_MONTH = relativedelta(day=_LAST_DAY)  # relativedelta caps day 31 to the month's length


# -- validators shared by the credit modules (not part of the public API)


def whole_number(low: int, high: int) -> Validator:
    """Require a whole number from ``low`` to ``high`` inclusive (not a bool, not a float).

    Args:
        low: The smallest value accepted.
        high: The largest value accepted.

    Returns:
        An attrs validator raising [`ValidationError`][b2b_customers.ValidationError].
    """

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationError(
                f"must be a whole number from {low} to {high}, got {value!r}",
                field=attribute.name,
            )

    return validate


def calendar_date(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require a `date` that is not a ``datetime``.

    Raises:
        ValidationError: The value is not a plain date.
    """
    check_date(value, field=attribute.name)


def check_date(value: object, *, field: str) -> date:
    """Return ``value`` if it is a plain date (a ``datetime`` is refused: it carries a time).

    Args:
        value: What the caller passed.
        field: The name of the argument, for the error message.

    Raises:
        ValidationError: The value is not a plain date.
    """
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(
            f"must be a date such as date(2028, 2, 29), not a datetime, got {value!r}",
            field=field,
        )
    return value


def _out_of_range(invoice_date: date) -> NoReturn:
    raise ValidationError(
        f"the due date of an invoice dated {invoice_date.isoformat()} lies outside years 1 to 9999",
        field="invoice_date",
    )


def _shift(invoice_date: date, steps: Sequence[DueDateStep]) -> date:
    """Apply ``steps`` to ``invoice_date`` in order; never earlier than the invoice date."""
    result = check_date(invoice_date, field="invoice_date")
    try:
        for step in steps:
            result = step.apply(result)
    except (OverflowError, ValueError):
        _out_of_range(invoice_date)
    return max(result, invoice_date)


# -- the steps


@frozen(kw_only=True)
class AddDays:
    """Move the date by a number of calendar days (back, when negative).

    Attributes:
        days: -3650 to 3650.
    """

    days: int = field(validator=whole_number(-MAX_DAYS, MAX_DAYS))

    def apply(self, day: date) -> date:
        """Return ``day`` moved by ``days``."""
        return day + relativedelta(days=self.days)


@frozen(kw_only=True)
class AddMonths:
    """Move the date by whole months (back, when negative), capping the day at the month's length.

    Attributes:
        months: -120 to 120.
    """

    months: int = field(validator=whole_number(-MAX_MONTHS, MAX_MONTHS))

    def apply(self, day: date) -> date:
        """Return ``day`` moved by ``months``."""
        return day + relativedelta(months=self.months)


@frozen(kw_only=True)
class EndOfMonth:
    """Move the date to the last day of its month."""

    def apply(self, day: date) -> date:
        """Return the last day of ``day``'s month."""
        return day + _END_OF_MONTH


@frozen(kw_only=True)
class DayOfMonth:
    """Move the date to a day of the month, capped at the month's length.

    Attributes:
        day: The day of the month, 1 to 31 (31: the last day of any month).
        on_or_after: ``True`` (the default): the first such day on or after
            the date, this month or the next. ``False``: that day of the
            date's own month, which may be earlier.
    """

    day: int = field(validator=whole_number(1, _LAST_DAY))
    on_or_after: bool = field(default=True, validator=flag)

    def apply(self, day: date) -> date:
        """Return the day of the month this step names, from ``day``."""
        moved = day + relativedelta(day=self.day)
        if self.on_or_after and moved < day:
            moved = day + relativedelta(months=1, day=self.day)
        return moved


@frozen(kw_only=True)
class NextWeekday:
    """Move the date to the next given weekday, on or after it ("pay on Fridays").

    Attributes:
        weekday: 0 (Monday) to 6 (Sunday).
    """

    weekday: int = field(validator=whole_number(0, _SUNDAY))

    def apply(self, day: date) -> date:
        """Return the first ``weekday`` on or after ``day``."""
        return day + relativedelta(days=(self.weekday - day.weekday()) % 7)


DueDateStep: TypeAlias = AddDays | AddMonths | EndOfMonth | DayOfMonth | NextWeekday
"""One step of a `DueDateSteps` rule: ``apply(date) -> date``."""

_STEP_TYPES = (AddDays, AddMonths, EndOfMonth, DayOfMonth, NextWeekday)


def _to_steps(value: Iterable[DueDateStep]) -> tuple[DueDateStep, ...]:
    items = items_of(value)
    return cast("tuple[DueDateStep, ...]", value) if items is None else tuple(items)


def _valid_steps(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, tuple) or len(value) > MAX_STEPS:
        raise ValidationError(
            f"give 0 to {MAX_STEPS} steps such as AddDays(days=30), got {value!r}",
            field=attribute.name,
        )
    for step in value:
        if not isinstance(step, _STEP_TYPES):
            raise ValidationError(
                "every step must be AddDays, AddMonths, EndOfMonth, DayOfMonth or "
                f"NextWeekday, got {type(step).__name__}",
                field=attribute.name,
            )


class _StepRule:
    """What every due-date rule shares: its due date is its steps applied to the invoice date."""

    if TYPE_CHECKING:

        @property
        def steps(self) -> tuple[DueDateStep, ...]:
            """The steps, in order."""

    def due_date(self, invoice_date: date) -> date:
        """Return the due date of an invoice dated ``invoice_date``.

        Args:
            invoice_date: The invoice date.

        Raises:
            ValidationError: ``invoice_date`` is not a date, or the due date
                would lie outside years 1 to 9999.
        """
        return _shift(invoice_date, self.steps)


@frozen(kw_only=True)
class DueDateSteps(_StepRule):
    """A due-date rule made of steps applied to the invoice date in order.

    ``DueDateSteps(steps=(AddDays(days=10), EndOfMonth()))`` is due at the
    end of the month in which the invoice date + 10 days falls. No steps at
    all is due on the invoice date. The result is never before the invoice
    date (see the module documentation).

    Attributes:
        steps: Up to eight [`DueDateStep`][b2b_customers.credit.DueDateStep] values (a list is
            converted).
    """

    steps: tuple[DueDateStep, ...] = field(converter=_to_steps, validator=_valid_steps)


# -- the rule types of earlier releases, kept as presets with their stored form


@frozen(kw_only=True)
class DaysAfterInvoice(_StepRule):
    """Due a number of days after the invoice date ("Net 30"); 0 means due on receipt.

    Attributes:
        days: Days after the invoice date, 0 to 3650.
    """

    days: int = field(validator=whole_number(0, MAX_DAYS))

    @property
    def steps(self) -> tuple[DueDateStep, ...]:
        """The same rule as steps: ``(AddDays(days),)``."""
        return (AddDays(days=self.days),)


@frozen(kw_only=True)
class DaysAfterMonthEnd(_StepRule):
    """Due a number of days after the last day of the invoice month.

    ``DaysAfterMonthEnd(days=0)`` is due on the last day of the invoice month;
    ``days=30`` on an invoice of 15 January 2027 is due on 2 March 2027.

    Attributes:
        days: Days after the end of the invoice month, 0 to 3650.
    """

    days: int = field(validator=whole_number(0, MAX_DAYS))

    @property
    def steps(self) -> tuple[DueDateStep, ...]:
        """The same rule as steps: ``(EndOfMonth(), AddDays(days))``."""
        return (EndOfMonth(), AddDays(days=self.days))


@frozen(kw_only=True)
class DayOfFollowingMonth(_StepRule):
    """Due on a fixed day of the month after the month of (invoice date + ``after_days``).

    The day is capped at that month's length: day 31 falls on 30 April, and on
    28 or 29 February. With ``after_days=10``, an invoice of 21 January
    (+10 = 31 January) is due in February and one of 22 January
    (+10 = 1 February) in March.

    Attributes:
        day: The day of the month, 1 to 31.
        after_days: Days added to the invoice date before the month is taken,
            0 to 3650.
    """

    day: int = field(validator=whole_number(1, _LAST_DAY))
    after_days: int = field(default=0, validator=whole_number(0, MAX_DAYS))

    @property
    def steps(self) -> tuple[DueDateStep, ...]:
        """The same rule as steps: add the days, one month, then that day of the month."""
        return (
            AddDays(days=self.after_days),
            AddMonths(months=1),
            DayOfMonth(day=self.day, on_or_after=False),
        )


@frozen(kw_only=True)
class MonthsAfterMonthEnd(_StepRule):
    """Due on the last day of the month a number of months after the invoice month.

    ``months=0`` is due at the end of the invoice month; ``months=1`` on an
    invoice of 15 January is due on 28 February (29 in a leap year).

    Attributes:
        months: Months after the invoice month, 0 to 120.
    """

    months: int = field(validator=whole_number(0, MAX_MONTHS))

    @property
    def steps(self) -> tuple[DueDateStep, ...]:
        """The same rule as steps: ``(AddMonths(months), EndOfMonth())``."""
        return (AddMonths(months=self.months), EndOfMonth())


DueDateRule: TypeAlias = (
    DaysAfterInvoice | DaysAfterMonthEnd | DayOfFollowingMonth | MonthsAfterMonthEnd | DueDateSteps
)
"""Any due-date rule: each has ``due_date(invoice_date) -> date``."""

DUE_DATE_RULE_TYPES = (
    DaysAfterInvoice,
    DaysAfterMonthEnd,
    DayOfFollowingMonth,
    MonthsAfterMonthEnd,
    DueDateSteps,
)
"""The classes of [`DueDateRule`][b2b_customers.credit.DueDateRule], for ``isinstance`` checks."""


# -- the ERP presets, built from steps


def net_days(days: int) -> DueDateSteps:
    """Due ``days`` after the invoice date (negative: before, but never before the invoice date).

    Raises:
        ValidationError: ``days`` is not a whole number from -3650 to 3650.
    """
    return DueDateSteps(steps=(AddDays(days=days),))


def end_of_month_after(days: int = 0) -> DueDateSteps:
    """Due at the end of the month in which the invoice date + ``days`` falls.

    Raises:
        ValidationError: ``days`` is not a whole number from -3650 to 3650.
    """
    return DueDateSteps(steps=(AddDays(days=days), EndOfMonth()))


def months_end_of_month_days(months: int, days: int = 0) -> DueDateSteps:
    """Due ``months`` after the invoice date, then at that month's end, then ``days`` later.

    ``months_end_of_month_days(1, 10)`` on an invoice of 15 January is due on
    10 March (end of February + 10 days).

    Raises:
        ValidationError: ``months`` or ``days`` is out of range.
    """
    return DueDateSteps(steps=(AddMonths(months=months), EndOfMonth(), AddDays(days=days)))


def next_day_of_month(day: int, *, after_days: int = 0) -> DueDateSteps:
    """Due on the next day ``day`` of a month on or after the invoice date + ``after_days``.

    ``next_day_of_month(15, after_days=30)`` on an invoice of 10 January
    (+30 = 9 February) is due on 15 February; on one of 20 January
    (+30 = 19 February) on 15 March.

    Raises:
        ValidationError: ``day`` or ``after_days`` is out of range.
    """
    return DueDateSteps(steps=(AddDays(days=after_days), DayOfMonth(day=day)))


def day_of_following_month(day: int) -> DueDateSteps:
    """Due on day ``day`` of the month after the invoice month (capped at its length).

    Raises:
        ValidationError: ``day`` is not from 1 to 31.
    """
    return DueDateSteps(steps=(AddMonths(months=1), DayOfMonth(day=day, on_or_after=False)))
