"""Due-date rules: when an invoice (or one instalment of it) falls due.

Each rule is a small frozen value with one method,
``due_date(invoice_date) -> date``, computed with
:class:`dateutil.relativedelta.relativedelta` so that month ends and leap
years come out right:

- ``DaysAfterInvoice(days=30)``: the invoice date + 30 days ("Net 30"; 0 = due
  on receipt).
- ``DaysAfterMonthEnd(days=30)``: the last day of the invoice month + 30 days.
- ``DayOfFollowingMonth(day=15)``: the 15th of the next month (day 31 is capped
  at the month's length: 28/29 February, 30 April).
- ``MonthsAfterMonthEnd(months=1)``: the last day of the month after the
  invoice month.

Every rule is non-decreasing in the invoice date (a later invoice is never due
earlier) and never due before the invoice date. The rules are pure: they read
no clock, and the caller passes the invoice date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from attrs import field, frozen
from dateutil.relativedelta import relativedelta

from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    import attrs

    from b2b_customers.domain.values import Validator

__all__ = [
    "MAX_DAYS",
    "MAX_MONTHS",
    "DayOfFollowingMonth",
    "DaysAfterInvoice",
    "DaysAfterMonthEnd",
    "DueDateRule",
    "MonthsAfterMonthEnd",
]

MAX_DAYS = 3650
"""The longest offset in days any rule accepts (ten years)."""

MAX_MONTHS = 120
"""The longest offset in months :class:`MonthsAfterMonthEnd` accepts (ten years)."""

_LAST_DAY = 31
_END_OF_MONTH = relativedelta(day=_LAST_DAY)  # relativedelta caps day 31 to the month's length


# -- validators shared by the credit modules (not part of the public API)


def whole_number(low: int, high: int) -> Validator:
    """Require a whole number from ``low`` to ``high`` inclusive (not a bool, not a float).

    Args:
        low: The smallest value accepted.
        high: The largest value accepted.

    Returns:
        An attrs validator raising :class:`~b2b_customers.errors.ValidationError`.
    """

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationError(
                f"must be a whole number from {low} to {high}, got {value!r}",
                field=attribute.name,
            )

    return validate


def calendar_date(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require a :class:`~datetime.date` that is not a ``datetime``.

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
        f"the due date of an invoice dated {invoice_date.isoformat()} lies beyond year 9999",
        field="invoice_date",
    )


def _shift(invoice_date: date, *offsets: relativedelta) -> date:
    result = check_date(invoice_date, field="invoice_date")
    try:
        for offset in offsets:
            result = result + offset
    except (OverflowError, ValueError):
        _out_of_range(invoice_date)
    return result


@frozen(kw_only=True)
class DaysAfterInvoice:
    """Due a number of days after the invoice date ("Net 30"); 0 means due on receipt.

    Attributes:
        days: Days after the invoice date, 0 to 3650.
    """

    days: int = field(validator=whole_number(0, MAX_DAYS))

    def due_date(self, invoice_date: date) -> date:
        """Return the due date of an invoice dated ``invoice_date``.

        Args:
            invoice_date: The invoice date.

        Raises:
            ValidationError: ``invoice_date`` is not a date, or the due date
                would lie beyond year 9999.
        """
        return _shift(invoice_date, relativedelta(days=self.days))


@frozen(kw_only=True)
class DaysAfterMonthEnd:
    """Due a number of days after the last day of the invoice month.

    ``DaysAfterMonthEnd(days=0)`` is due on the last day of the invoice month;
    ``days=30`` on an invoice of 15 January 2027 is due on 2 March 2027.

    Attributes:
        days: Days after the end of the invoice month, 0 to 3650.
    """

    days: int = field(validator=whole_number(0, MAX_DAYS))

    def due_date(self, invoice_date: date) -> date:
        """Return the due date of an invoice dated ``invoice_date``.

        Args:
            invoice_date: The invoice date.

        Raises:
            ValidationError: ``invoice_date`` is not a date, or the due date
                would lie beyond year 9999.
        """
        return _shift(invoice_date, _END_OF_MONTH, relativedelta(days=self.days))


@frozen(kw_only=True)
class DayOfFollowingMonth:
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

    def due_date(self, invoice_date: date) -> date:
        """Return the due date of an invoice dated ``invoice_date``.

        Args:
            invoice_date: The invoice date.

        Raises:
            ValidationError: ``invoice_date`` is not a date, or the due date
                would lie beyond year 9999.
        """
        return _shift(
            invoice_date,
            relativedelta(days=self.after_days),
            relativedelta(months=1, day=self.day),
        )


@frozen(kw_only=True)
class MonthsAfterMonthEnd:
    """Due on the last day of the month a number of months after the invoice month.

    ``months=0`` is due at the end of the invoice month; ``months=1`` on an
    invoice of 15 January is due on 28 February (29 in a leap year).

    Attributes:
        months: Months after the invoice month, 0 to 120.
    """

    months: int = field(validator=whole_number(0, MAX_MONTHS))

    def due_date(self, invoice_date: date) -> date:
        """Return the due date of an invoice dated ``invoice_date``.

        Args:
            invoice_date: The invoice date.

        Raises:
            ValidationError: ``invoice_date`` is not a date, or the due date
                would lie beyond year 9999.
        """
        return _shift(invoice_date, relativedelta(months=self.months, day=_LAST_DAY))


DueDateRule: TypeAlias = (
    DaysAfterInvoice | DaysAfterMonthEnd | DayOfFollowingMonth | MonthsAfterMonthEnd
)
"""Any due-date rule: each has ``due_date(invoice_date) -> date``."""
