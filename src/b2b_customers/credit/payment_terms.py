"""Payment terms: how an invoice amount is split into instalments, and when each is due.

A :class:`PaymentTerms` lists one or more :class:`InstalmentTerm`, each a
*portion* of the invoice and a *due-date rule*, plus an optional
:class:`EarlyPaymentDiscount`. :meth:`PaymentTerms.schedule` turns an invoice
amount and date into :class:`Instalment` values.

How the amount is split:

- Fixed portions (:class:`FixedPortion`) are taken first, in the order they
  are listed, each for exactly its amount. They must all be in the invoice
  currency (else :class:`~b2b_customers.errors.CurrencyMismatch`) and together
  not exceed the invoice amount (else
  :class:`~b2b_customers.errors.ValidationError`).
- Percent portions (:class:`PercentPortion`) share what remains. When any
  percent portion exists, the percents must total exactly 100. Each percent
  instalment but the last is its share rounded half up to the currency's minor
  unit (EUR cents, JPY whole yen, BHD thousandths), and the last percent
  instalment takes the remainder, so the instalments sum exactly to the
  invoice amount. Fixed amounts are never adjusted for rounding. In the rare
  case where rounding the earlier shares up would leave the last one negative
  (a few minor units split many ways: 5 JPY as 30/30/30/10), the shares are
  rounded on their running total instead (instalment k gets round(remainder x
  (p1 + ... + pk) / 100) less what instalments 1..k-1 got: 2, 1, 2, 0 JPY), so
  no instalment is ever negative.
- When every portion is fixed, the last instalment takes whatever remains on
  top of its own fixed amount (a 1,000 EUR deposit and 1,000 EUR at Net 30 on
  a 5,000 EUR invoice are 1,000 EUR and 4,000 EUR).
- An instalment may come out as zero when the amount left for the percent
  portions is smaller than their number of minor units (1 JPY split 50/50 is
  1 JPY and 0 JPY), or when the fixed portions take the whole amount. It is
  kept, so instalment numbers always match the terms.
- Only invoices are scheduled: a zero or negative amount (a credit note) is
  refused, as is an amount finer than the currency's minor unit.

Due dates: each instalment's rule must never fall due before the previous
instalment's, whatever the invoice date. :class:`PaymentTerms` checks this when
it is built, at every invoice date where a rule's due date can jump (month
starts and ends, shifted by each ``DayOfFollowingMonth.after_days``) over the
four-year leap cycle 2024-2027, which decides it exactly within that cycle.
Rules years apart can in theory disagree by a day only across a non-leap
century year (2100); ordering those stays the caller's duty.

The early-payment discount runs from the invoice date for ``within_days``
days, but never past an instalment's own due date. A percent discount is
taken of each instalment and rounded half up to the minor unit; a fixed
discount is shared among the instalments in proportion to their amounts,
rounded on the running total (so the shares sum exactly to the discount and
none exceeds its instalment), and must be less than the invoice amount.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from attrs import field, frozen
from dateutil.relativedelta import relativedelta
from moneyed import Money

from b2b_customers.credit.due_dates import (
    MAX_DAYS,
    DayOfFollowingMonth,
    DaysAfterInvoice,
    DaysAfterMonthEnd,
    DueDateRule,
    MonthsAfterMonthEnd,
    calendar_date,
    check_date,
    whole_number,
)
from b2b_customers.domain.money import (
    ensure_same_currency,
    minor_unit_exponent,
    round_to_minor_unit,
)
from b2b_customers.domain.values import (
    identifier,
    items_of,
    money_amount,
    of_type,
    optional,
    strip,
    text,
)
from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import attrs

    from b2b_customers.domain.values import Validator

__all__ = [
    "DUE_ON_RECEIPT",
    "END_OF_MONTH_30",
    "MAX_INSTALMENTS",
    "NET_7",
    "NET_15",
    "NET_30",
    "NET_45",
    "NET_60",
    "NET_90",
    "TWO_PART_30_60",
    "EarlyPaymentDiscount",
    "FixedPortion",
    "Instalment",
    "InstalmentTerm",
    "PaymentTerms",
    "PercentPortion",
    "Portion",
    "net",
]

MAX_INSTALMENTS = 120
"""The most instalments one set of terms may have (monthly for ten years)."""

_HUNDRED = 100
_RULE_TYPES = (DaysAfterInvoice, DaysAfterMonthEnd, DayOfFollowingMonth, MonthsAfterMonthEnd)
# The invoice dates checked for due-date order: a whole leap-year cycle.
_SAMPLE_START = date(2024, 1, 1)
_SAMPLE_MONTHS = 48


# -- validators and converters


def _to_decimal(value: Decimal | int | str) -> Decimal:
    """Turn an int or a decimal string into a Decimal; leave the rest to the validator."""
    raw: object = value
    if isinstance(raw, str) or (isinstance(raw, int) and not isinstance(raw, bool)):
        try:
            return Decimal(raw)
        except InvalidOperation:
            pass
    return cast("Decimal", value)


def _optional_decimal(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else _to_decimal(value)


def _percent(*, allow_hundred: bool) -> Validator:
    bound = "<= 100" if allow_hundred else "< 100"

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValidationError(
                f"must be a percentage as a Decimal such as Decimal('50'), never a float, "
                f"got {type(value).__name__} {value!r}",
                field=attribute.name,
            )
        if not (0 < value <= _HUNDRED if allow_hundred else 0 < value < _HUNDRED):
            raise ValidationError(f"must be > 0 and {bound}, got {value}", field=attribute.name)

    return validate


def _is_minor_unit(amount: Money) -> bool:
    return bool(round_to_minor_unit(amount) == amount)


def _positive_in_minor_units(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    _check_positive_in_minor_units(value, field=attribute.name)


def _check_positive_in_minor_units(amount: Any, *, field: str) -> None:  # noqa: ANN401  (checks what a caller passed)
    if not isinstance(amount, Money) or not isinstance(amount.amount, Decimal):
        raise ValidationError(
            f"must be a Money such as Money('100.00', 'EUR'), got {amount!r}", field=field
        )
    if not amount.amount.is_finite():
        raise ValidationError(f"must be a finite amount, got {amount.amount}", field=field)
    if amount.amount <= 0:
        raise ValidationError(
            f"must be more than zero, got {amount.amount} {amount.currency.code}", field=field
        )
    if not _is_minor_unit(amount):
        places = minor_unit_exponent(amount.currency.code)
        raise ValidationError(
            f"must be a whole number of the currency's minor unit ({places} decimal places "
            f"for {amount.currency.code}), got {amount.amount}",
            field=field,
        )


def _to_terms(value: Iterable[InstalmentTerm]) -> tuple[InstalmentTerm, ...]:
    items = items_of(value)
    return cast("tuple[InstalmentTerm, ...]", value) if items is None else tuple(items)


def _instalment_terms(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, tuple) or not 1 <= len(value) <= MAX_INSTALMENTS:
        raise ValidationError(
            f"give 1 to {MAX_INSTALMENTS} instalment terms, got {value!r}", field=attribute.name
        )
    for term in value:
        if not isinstance(term, InstalmentTerm):
            raise ValidationError(
                f"every instalment must be an InstalmentTerm, got {type(term).__name__}",
                field=attribute.name,
            )


# -- exact arithmetic in minor units


def _to_units(amount: Money, places: int) -> int:
    """Return an amount at the minor unit as a whole number of minor units."""
    return int(Fraction(amount.amount) * 10**places)


def _from_units(units: int, currency: str, places: int) -> Money:
    return Money(Decimal(f"{units}E-{places}"), currency)


def _half_up(value: Fraction) -> int:
    """Round a non-negative fraction half up to a whole number, as round_to_minor_unit does."""
    return math.floor(value + Fraction(1, 2))


def _split_cumulatively(units: int, weights: Sequence[Fraction]) -> list[int]:
    """Split ``units`` by ``weights`` (summing to 1), rounding the running total half up.

    Every part is within one unit of its exact share, none is negative, and
    none exceeds ``units`` times its weight rounded up.
    """
    parts: list[int] = []
    given = 0
    running = Fraction(0)
    for weight in weights:
        running += weight
        upto = _half_up(units * running)
        parts.append(upto - given)
        given = upto
    return parts


def _split(units: int, weights: Sequence[Fraction]) -> list[int]:
    """Split ``units`` by ``weights`` (summing to 1): each part rounded, the last the rest.

    Falls back to :func:`_split_cumulatively` when rounding the other parts up
    would leave the last one negative.
    """
    if not weights:
        return []
    parts = [_half_up(units * weight) for weight in weights[:-1]]
    last = units - sum(parts)
    if last < 0:
        return _split_cumulatively(units, weights)
    return [*parts, last]


# -- due-date order


def _critical_dates(*rules: DueDateRule) -> list[date]:
    """Return the invoice dates in the sample cycle at which a rule's due date can jump.

    Between two such dates each rule's due date is constant or rises by one
    day a day, so one rule stays on or after another everywhere if it does
    at these dates.
    """
    shifts = {0} | {rule.after_days for rule in rules if isinstance(rule, DayOfFollowingMonth)}
    dates: set[date] = set()
    for shift in shifts:
        offset = relativedelta(days=shift)
        first = (_SAMPLE_START + offset).replace(day=1)
        for months in range(_SAMPLE_MONTHS + 1):
            month_start = first + relativedelta(months=months)
            dates.add(month_start - offset)
            dates.add(month_start - offset - relativedelta(days=1))
    return sorted(dates)


@lru_cache(maxsize=1024)
def _first_backwards_date(earlier: DueDateRule, later: DueDateRule) -> date | None:
    """Return an invoice date for which ``later`` falls due before ``earlier``, if any."""
    if isinstance(earlier, DaysAfterInvoice) and isinstance(later, DaysAfterInvoice):
        return None if later.days >= earlier.days else _SAMPLE_START
    for invoice_date in _critical_dates(earlier, later):
        if later.due_date(invoice_date) < earlier.due_date(invoice_date):
            return invoice_date
    return None


# -- the values


@frozen(kw_only=True)
class PercentPortion:
    """A share of what the fixed portions leave, in percent.

    Attributes:
        percent: More than 0 and at most 100, as a Decimal (an int or a
            decimal string is converted; a float is refused).
    """

    percent: Decimal = field(converter=_to_decimal, validator=_percent(allow_hundred=True))


@frozen(kw_only=True)
class FixedPortion:
    """A fixed amount, taken before any percent portion.

    Attributes:
        amount: More than zero, in whole minor units of its currency.
    """

    amount: Money = field(validator=_positive_in_minor_units)


Portion: TypeAlias = PercentPortion | FixedPortion
"""What part of the invoice an instalment is: a percent or a fixed amount."""


@frozen(kw_only=True)
class InstalmentTerm:
    """One instalment of payment terms: how much, and when it falls due.

    Attributes:
        portion: A :class:`PercentPortion` or a :class:`FixedPortion`.
        due: The due-date rule, e.g. ``DaysAfterInvoice(days=30)``.
    """

    portion: Portion = field(validator=of_type(PercentPortion, FixedPortion))
    due: DueDateRule = field(validator=of_type(*_RULE_TYPES))


@frozen(kw_only=True)
class EarlyPaymentDiscount:
    """A discount for paying within some days of the invoice date ("2% 10, net 30").

    Give exactly one of ``percent`` and ``amount``.

    Attributes:
        within_days: Days from the invoice date during which the discount
            applies, 0 (on the invoice date only) to 3650.
        percent: The discount in percent of each instalment, more than 0 and
            less than 100.
        amount: A fixed discount on the whole invoice, more than zero, in whole
            minor units; it must be less than the invoice amount.

    Raises:
        ValidationError: Neither or both of ``percent`` and ``amount`` are given.
    """

    within_days: int = field(validator=whole_number(0, MAX_DAYS))
    percent: Decimal | None = field(
        default=None,
        converter=_optional_decimal,
        validator=optional(_percent(allow_hundred=False)),
    )
    amount: Money | None = field(default=None, validator=optional(_positive_in_minor_units))

    def __attrs_post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise ValidationError(
                "give exactly one of percent (such as Decimal('2')) and amount", field="percent"
            )

    def last_day(self, invoice_date: date) -> date:
        """Return the last day on which paying still earns the discount.

        Args:
            invoice_date: The invoice date.

        Raises:
            ValidationError: ``invoice_date`` is not a date.
        """
        return DaysAfterInvoice(days=self.within_days).due_date(invoice_date)


@frozen(kw_only=True)
class Instalment:
    """One scheduled instalment of an invoice.

    Attributes:
        number: The instalment's position in the terms, from 1.
        due_date: When it falls due.
        amount: What is due, in whole minor units (zero is possible, see the
            module documentation).
        discount_until: The last day on which the discount applies, or
            ``None`` when the terms have no discount.
        discount: The discount when paid by ``discount_until``, or ``None``.

    Raises:
        ValidationError: Only one of ``discount_until`` and ``discount`` is
            given, or the discount exceeds the amount or is in another currency.
    """

    number: int = field(validator=whole_number(1, MAX_INSTALMENTS))
    due_date: date = field(validator=calendar_date)
    amount: Money = field(validator=money_amount(non_negative=True))
    discount_until: date | None = field(default=None, validator=optional(calendar_date))
    discount: Money | None = field(
        default=None, validator=optional(money_amount(non_negative=True))
    )

    def __attrs_post_init__(self) -> None:
        if (self.discount_until is None) != (self.discount is None):
            raise ValidationError(
                "give both discount_until and discount, or neither", field="discount"
            )
        if self.discount is not None:
            ensure_same_currency(self.amount, self.discount, context="an instalment's discount")
            if self.discount.amount > self.amount.amount:
                raise ValidationError(
                    f"must not exceed the instalment amount {self.amount.amount}, "
                    f"got {self.discount.amount}",
                    field="discount",
                )

    def amount_due_on(self, payment_date: date) -> Money:
        """Return what settles this instalment when paid on ``payment_date``.

        Args:
            payment_date: The day the payment is made.

        Returns:
            The amount less the discount while the discount applies, else the amount.

        Raises:
            ValidationError: ``payment_date`` is not a date.
        """
        check_date(payment_date, field="payment_date")
        if self.discount is None or self.discount_until is None:
            return self.amount
        if payment_date <= self.discount_until:
            return Money(self.amount.amount - self.discount.amount, self.amount.currency)
        return self.amount


@frozen(kw_only=True)
class PaymentTerms:
    """Named payment terms: the instalments of an invoice and an optional early-payment discount.

    See the module documentation for how the amount is split and how the
    order of due dates is checked.

    Attributes:
        code: A short key such as ``"NET30"``.
        name: The name shown to people, such as ``"Net 30"``.
        instalments: One or more :class:`InstalmentTerm`, in due-date order.
        discount: An :class:`EarlyPaymentDiscount`, or ``None``.

    Raises:
        ValidationError: There are no instalments; percent portions do not
            total exactly 100; an instalment can fall due before the previous one.
        CurrencyMismatch: The fixed portions (and a fixed discount) are not all
            in one currency.
    """

    code: str = field(converter=strip, validator=identifier)
    name: str = field(converter=strip, validator=text())
    instalments: tuple[InstalmentTerm, ...] = field(
        converter=_to_terms, validator=_instalment_terms
    )
    discount: EarlyPaymentDiscount | None = field(
        default=None, validator=optional(of_type(EarlyPaymentDiscount))
    )

    def __attrs_post_init__(self) -> None:
        percents = [
            term.portion.percent
            for term in self.instalments
            if isinstance(term.portion, PercentPortion)
        ]
        if percents and sum(map(Fraction, percents)) != _HUNDRED:
            listed = " + ".join(str(percent) for percent in percents)
            raise ValidationError(
                f"the percent portions must total exactly 100, got {listed}",
                field="instalments",
            )
        fixed = self._fixed_amounts()
        if self.discount is not None and self.discount.amount is not None:
            fixed.append(self.discount.amount)
        if fixed:
            ensure_same_currency(*fixed, context="the fixed amounts of payment terms")
        for number in range(2, len(self.instalments) + 1):
            earlier = self.instalments[number - 2].due
            later = self.instalments[number - 1].due
            invoice_date = _first_backwards_date(earlier, later)
            if invoice_date is not None:
                raise ValidationError(
                    f"instalment {number} ({later!r}) would fall due on "
                    f"{later.due_date(invoice_date).isoformat()}, before instalment "
                    f"{number - 1} ({earlier!r}) on {earlier.due_date(invoice_date).isoformat()},"
                    f" for an invoice dated {invoice_date.isoformat()}; list the instalments "
                    "in due-date order",
                    field="instalments",
                )

    def _fixed_amounts(self) -> list[Money]:
        return [
            term.portion.amount
            for term in self.instalments
            if isinstance(term.portion, FixedPortion)
        ]

    def schedule(self, amount: Money, invoice_date: date) -> tuple[Instalment, ...]:
        """Split an invoice into its instalments.

        Args:
            amount: The invoice amount: more than zero, in whole minor units.
            invoice_date: The invoice date.

        Returns:
            One :class:`Instalment` per instalment term, in order, summing
            exactly to ``amount``.

        Raises:
            ValidationError: ``amount`` is not more than zero, is finer than the
                currency's minor unit, or is less than the fixed portions (or a
                fixed discount is not less than it); ``invoice_date`` is not a date.
            CurrencyMismatch: A fixed portion or a fixed discount is in another
                currency than ``amount``.
        """
        _check_positive_in_minor_units(amount, field="amount")
        check_date(invoice_date, field="invoice_date")
        currency = amount.currency.code
        fixed = self._fixed_amounts()
        ensure_same_currency(amount, *fixed, context="scheduling an invoice on payment terms")
        places = minor_unit_exponent(currency)
        total_units = _to_units(amount, places)
        remaining = total_units - sum(_to_units(part, places) for part in fixed)
        if remaining < 0:
            raise ValidationError(
                f"the fixed portions of {self.code} come to more than the invoice amount "
                f"{amount.amount} {currency}",
                field="amount",
            )
        units = self._split_units(remaining, places)
        discounts = self._discount_units(amount, total_units, units, places)
        discount_until = None if self.discount is None else self.discount.last_day(invoice_date)
        instalments = []
        for number, (term, share, discount) in enumerate(
            zip(self.instalments, units, discounts, strict=True), start=1
        ):
            due_date = term.due.due_date(invoice_date)
            instalments.append(
                Instalment(
                    number=number,
                    due_date=due_date,
                    amount=_from_units(share, currency, places),
                    discount_until=None
                    if discount_until is None
                    else min(discount_until, due_date),
                    discount=None if discount is None else _from_units(discount, currency, places),
                )
            )
        return tuple(instalments)

    def _split_units(self, remaining: int, places: int) -> list[int]:
        weights = [
            Fraction(term.portion.percent) / _HUNDRED
            for term in self.instalments
            if isinstance(term.portion, PercentPortion)
        ]
        shares = iter(_split(remaining, weights))
        units = [
            _to_units(term.portion.amount, places)
            if isinstance(term.portion, FixedPortion)
            else next(shares)
            for term in self.instalments
        ]
        if not weights:
            units[-1] += remaining
        return units

    def _discount_units(
        self, amount: Money, total_units: int, units: list[int], places: int
    ) -> list[int | None]:
        if self.discount is None:
            return [None] * len(units)
        if self.discount.percent is not None:
            rate = Fraction(self.discount.percent) / _HUNDRED
            return [_half_up(share * rate) for share in units]
        fixed = cast("Money", self.discount.amount)
        ensure_same_currency(amount, fixed, context="an early-payment discount")
        discount_units = _to_units(fixed, places)
        if discount_units >= total_units:
            raise ValidationError(
                f"the fixed discount {fixed.amount} {fixed.currency.code} must be less than "
                f"the invoice amount {amount.amount}",
                field="discount",
            )
        return list(
            _split_cumulatively(discount_units, [Fraction(share, total_units) for share in units])
        )


# -- presets


def net(days: int) -> PaymentTerms:
    """Return "Net N" terms: the whole amount due ``days`` days after the invoice date.

    Args:
        days: 0 (due on receipt) to 3650.

    Raises:
        ValidationError: ``days`` is out of range or not a whole number.
    """
    rule = DaysAfterInvoice(days=days)
    return PaymentTerms(
        code=f"NET{days}",
        name="Due on receipt" if days == 0 else f"Net {days}",
        instalments=(InstalmentTerm(portion=PercentPortion(percent=Decimal(100)), due=rule),),
    )


DUE_ON_RECEIPT = net(0)
"""The whole amount is due on the invoice date."""
NET_7 = net(7)
"""The whole amount is due 7 days after the invoice date."""
NET_15 = net(15)
"""The whole amount is due 15 days after the invoice date."""
NET_30 = net(30)
"""The whole amount is due 30 days after the invoice date."""
NET_45 = net(45)
"""The whole amount is due 45 days after the invoice date."""
NET_60 = net(60)
"""The whole amount is due 60 days after the invoice date."""
NET_90 = net(90)
"""The whole amount is due 90 days after the invoice date."""
END_OF_MONTH_30 = PaymentTerms(
    code="EOM30",
    name="30 days after end of month",
    instalments=(
        InstalmentTerm(
            portion=PercentPortion(percent=Decimal(100)), due=DaysAfterMonthEnd(days=30)
        ),
    ),
)
"""The whole amount is due 30 days after the end of the invoice month."""
TWO_PART_30_60 = PaymentTerms(
    code="TWO_PART_30_60",
    name="50% Net 30, 50% Net 60",
    instalments=(
        InstalmentTerm(portion=PercentPortion(percent=Decimal(50)), due=DaysAfterInvoice(days=30)),
        InstalmentTerm(portion=PercentPortion(percent=Decimal(50)), due=DaysAfterInvoice(days=60)),
    ),
)
"""Half the amount is due 30 days after the invoice date, the rest 60 days after it."""
