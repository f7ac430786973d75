"""Payment terms: how an invoice amount is split into instalments, and when each is due.

A [`PaymentTerms`][b2b_customers.credit.PaymentTerms] lists one or more
[`InstalmentTerm`][b2b_customers.credit.InstalmentTerm], each a *portion* of the invoice, a
*due-date rule* and optionally its own
[`EarlyPaymentDiscount`][b2b_customers.credit.EarlyPaymentDiscount], plus an optional discount for
every instalment and an optional cash rounding.
[`PaymentTerms.schedule`][b2b_customers.credit.PaymentTerms.schedule] turns an invoice amount and
date into [`Instalment`][b2b_customers.credit.Instalment] values.

How the amount is split (terms may be listed in any order; the instalments
are numbered by due date, ties in the order listed):

- Fixed portions ([`FixedPortion`][b2b_customers.credit.FixedPortion]) are each exactly their
  amount. They must all be in the invoice currency (else
  [`CurrencyMismatch`][b2b_customers.CurrencyMismatch]) and together not exceed the
  invoice amount (else [`ValidationError`][b2b_customers.ValidationError]).
- **With a balance line** ([`BalancePortion`][b2b_customers.credit.BalancePortion], at most one), as
  Odoo and ERPNext do it: each percent portion is that percent *of the invoice total*,
  rounded half up to the currency's minor unit, and the balance line takes
  whatever the fixed and percent portions leave (so the rounding lands on
  it). The percents total at most 100; a balance that would be negative is
  refused when the invoice is scheduled.
- **Without a balance line** (the form of earlier releases): percent portions
  share what the fixed portions leave, and must total exactly 100. Each
  percent instalment but the last listed is its share rounded half up, and
  the last listed takes the remainder. In the rare case where rounding the
  earlier shares up would leave the last one negative (5 JPY as
  30/30/30/10), the shares are rounded on their running total instead
  (2, 1, 2, 0 JPY), so no instalment is ever negative. When every portion is
  fixed, the last listed takes whatever remains on top of its own amount.
- **Cash rounding** (``cash_rounding=Decimal("0.05")``): every percent
  instalment but the one that takes the rest is rounded half up to that
  increment, and the one that takes the rest (the balance line, else the
  last percent line, else the last line) absorbs the difference, so the
  instalments still sum exactly to the invoice amount. Discounts are rounded
  to the increment too. Fixed amounts are never adjusted.
- An instalment may come out as zero (1 JPY split 50/50 is 1 JPY and 0 JPY,
  or a balance line with nothing left). It is kept, so instalment numbers
  always match the terms.
- Only invoices are scheduled: a zero or negative amount (a credit note) is
  refused, as is an amount finer than the currency's minor unit.
- The same instalment term listed twice (same portion, rule and discount) is
  refused: it is almost always a typing mistake.

Discounts: an instalment's own discount, else the terms' discount, applies to
it. The discount runs from the invoice date for ``within_days`` days, also
past the instalment's due date (an instalment due in 7 days may still earn a
discount for 10). A percent discount is taken of each instalment and rounded
half up, of its share of the *untaxed* amount when the discount says
``on_untaxed=True`` and the invoice says what the untaxed amount is. A fixed
discount on an instalment term is that instalment's; a fixed discount of the
terms is shared among the instalments it covers in proportion to their
amounts, rounded on the running total (so the shares sum exactly to the
discount), and must be less than what they come to.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.credit.due_dates import (
    DUE_DATE_RULE_TYPES,
    MAX_DAYS,
    DaysAfterInvoice,
    DaysAfterMonthEnd,
    DueDateRule,
    calendar_date,
    check_date,
    whole_number,
)
from b2b_customers.domain.money import (
    ensure_same_currency,
    minor_unit_exponent,
    require_money,
    round_to_minor_unit,
)
from b2b_customers.domain.values import (
    flag,
    identifier,
    items_of,
    money_amount,
    of_type,
    optional,
    strip,
    text,
)
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import CurrencyMismatch, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

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
    "BalancePortion",
    "EarlyPaymentDiscount",
    "FixedPortion",
    "Instalment",
    "InstalmentTerm",
    "PaymentTerms",
    "PercentPortion",
    "Portion",
    "net",
    "terms_key",
]

MAX_INSTALMENTS = 120
"""The most instalments one set of terms may have (monthly for ten years)."""

_HUNDRED = 100


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

    Falls back to `_split_cumulatively` when rounding the other parts up
    would leave the last one negative.
    """
    if not weights:
        return []
    parts = [_half_up(units * weight) for weight in weights[:-1]]
    last = units - sum(parts)
    if last < 0:
        return _split_cumulatively(units, weights)
    return [*parts, last]


# -- the values


@frozen(kw_only=True)
class PercentPortion:
    """A percentage of the invoice.

    With a [`BalancePortion`][b2b_customers.credit.BalancePortion] in the terms it is a percentage
    of the invoice total; without one, of what the fixed portions leave (see the
    module documentation).

    Attributes:
        percent: More than 0 and at most 100, as a Decimal (an int or a
            decimal string is converted; a float is refused).
    """

    percent: Decimal = field(converter=_to_decimal, validator=_percent(allow_hundred=True))


@frozen(kw_only=True)
class FixedPortion:
    """A fixed amount.

    Attributes:
        amount: More than zero, in whole minor units of its currency.
    """

    amount: Money = field(validator=_positive_in_minor_units)


@frozen(kw_only=True)
class BalancePortion:
    """Whatever the other portions leave: Odoo's and ERPNext's "balance" line.

    At most one per terms; it takes the rounding, so the instalments always
    sum exactly to the invoice amount.
    """


Portion: TypeAlias = PercentPortion | FixedPortion | BalancePortion
"""What part of the invoice an instalment is: a percent, a fixed amount or the balance."""


def _window_of_days(discount: EarlyPaymentDiscount) -> DueDateRule:
    days: object = discount.within_days
    valid = isinstance(days, int) and not isinstance(days, bool) and 0 <= days <= MAX_DAYS
    # A bad within_days is reported by its own validator, with its own field name.
    return DaysAfterInvoice(days=discount.within_days if valid else 0)


@frozen(kw_only=True)
class EarlyPaymentDiscount:
    """A discount for paying within some days of the invoice date ("2% 10, net 30").

    Give exactly one of ``percent`` and ``amount``, and the window as
    ``within_days`` or as ``until``. The window does not end at the
    instalment's due date.

    Attributes:
        within_days: Days from the invoice date during which the discount
            applies, 0 (on the invoice date only) to 3650.
        until: The last day of the window as a due-date rule, for windows
            that are not a number of days (ERPNext's "Day(s) after the end of
            the invoice month": ``DaysAfterMonthEnd(days=5)``). By default
            ``DaysAfterInvoice(days=within_days)``.
        percent: The discount in percent of each instalment it covers, more
            than 0 and less than 100.
        amount: A fixed discount, more than zero, in whole minor units: of
            its instalment when given on an [`InstalmentTerm`][b2b_customers.credit.InstalmentTerm],
            else shared among the instalments it covers.
        on_untaxed: Take a percent discount of the untaxed amount when the
            invoice says what that is (Odoo's "excluded" computation, the
            "tax-exclusive" discount of German and French practice); else
            of the amount due.

    Raises:
        ValidationError: Neither or both of ``percent`` and ``amount`` are
            given, or both ``within_days`` and another ``until``.
    """

    within_days: int = field(default=0, validator=whole_number(0, MAX_DAYS))
    percent: Decimal | None = field(
        default=None,
        converter=_optional_decimal,
        validator=optional(_percent(allow_hundred=False)),
    )
    amount: Money | None = field(default=None, validator=optional(_positive_in_minor_units))
    on_untaxed: bool = field(default=False, validator=flag)
    until: DueDateRule = field(
        default=attrs.Factory(_window_of_days, takes_self=True),
        validator=of_type(*DUE_DATE_RULE_TYPES),
    )

    def __attrs_post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise ValidationError(
                "give exactly one of percent (such as Decimal('2')) and amount", field="percent"
            )
        if self.within_days and self.until != DaysAfterInvoice(days=self.within_days):
            raise ValidationError(
                "give either within_days or until (a due-date rule for the last day), not both",
                field="until",
            )

    def last_day(self, invoice_date: date) -> date:
        """Return the last day on which paying still earns the discount.

        Args:
            invoice_date: The invoice date.

        Raises:
            ValidationError: ``invoice_date`` is not a date.
        """
        return self.until.due_date(invoice_date)


@frozen(kw_only=True)
class InstalmentTerm:
    """One instalment of payment terms: how much, when it falls due, and its own discount.

    Attributes:
        portion: A [`PercentPortion`][b2b_customers.credit.PercentPortion],
            [`FixedPortion`][b2b_customers.credit.FixedPortion] or
            [`BalancePortion`][b2b_customers.credit.BalancePortion].
        due: The due-date rule, e.g. ``DaysAfterInvoice(days=30)`` or
            ``DueDateSteps(steps=(...))``.
        discount: An early-payment discount for this instalment only (it
            replaces the terms' discount for it), or ``None``.
    """

    portion: Portion = field(validator=of_type(PercentPortion, FixedPortion, BalancePortion))
    due: DueDateRule = field(validator=of_type(*DUE_DATE_RULE_TYPES))
    discount: EarlyPaymentDiscount | None = field(
        default=None, validator=optional(of_type(EarlyPaymentDiscount))
    )


@frozen(kw_only=True)
class Instalment:
    """One scheduled instalment of an invoice.

    Attributes:
        number: The instalment's position by due date, from 1.
        due_date: When it falls due.
        amount: What is due, in whole minor units (zero is possible, see the
            module documentation).
        discount_until: The last day on which the discount applies, or
            ``None`` when the instalment has no discount.
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

    def discount_on(self, payment_date: date) -> Money:
        """Return the discount earned by paying on ``payment_date`` (zero outside the window).

        Raises:
            ValidationError: ``payment_date`` is not a date.
        """
        check_date(payment_date, field="payment_date")
        if self.discount is None or self.discount_until is None:
            return Money(Decimal(0), self.amount.currency)
        if payment_date <= self.discount_until:
            return self.discount
        return Money(Decimal(0), self.amount.currency)

    def amount_due_on(self, payment_date: date) -> Money:
        """Return what settles this instalment when paid on ``payment_date``.

        Args:
            payment_date: The day the payment is made.

        Returns:
            The amount less the discount while the discount applies, else the amount.

        Raises:
            ValidationError: ``payment_date`` is not a date.
        """
        return self.amount - self.discount_on(payment_date)


def _cash_rounding(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else _to_decimal(value)


def _positive_increment(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValidationError(
            f"must be a positive Decimal increment such as Decimal('0.05'), got {value!r}",
            field=attribute.name,
        )


@frozen(kw_only=True)
class _Line:
    """One instalment term while an invoice is scheduled: its units and discount units."""

    term: InstalmentTerm
    due_date: date
    units: int
    discount: int | None = None


def terms_key(code: str) -> str:
    """Return the form payment-terms codes are compared in: upper case, no ``_``, ``-`` or spaces.

    ``"NET_30"``, ``"net30"`` and ``"NET-30"`` all give ``"NET30"``: they name the same terms.

    Raises:
        ValidationError: ``code`` is not text.
    """
    raw: object = code
    if not isinstance(raw, str):
        raise ValidationError(
            f"a payment terms code is text, got {type(raw).__name__}", field="code"
        )
    return "".join(char for char in code.upper() if char not in "_- ")


@frozen(kw_only=True)
class PaymentTerms(Versioned):
    """Named payment terms: the instalments of an invoice and their early-payment discounts.

    See the module documentation for how the amount is split, rounded and
    discounted. Terms a seller stores (see
    [PaymentTermsRepository][b2b_customers.ports.PaymentTermsRepository]) carry
    the bookkeeping fields of `Versioned`; the
    presets and terms never stored have ``version=0``.

    Attributes:
        code: A short key such as ``"NET30"``; codes are compared by
            [terms_key][b2b_customers.credit.terms_key].
        name: The name shown to people, such as ``"Net 30"``.
        instalments: One or more [`InstalmentTerm`][b2b_customers.credit.InstalmentTerm], in any
            order.
        discount: An [`EarlyPaymentDiscount`][b2b_customers.credit.EarlyPaymentDiscount] for every
            instalment without one of its own, or ``None``.
        cash_rounding: Round instalments and discounts to this increment
            (``Decimal("0.05")``), or ``None`` for the currency's minor unit.

    Raises:
        ValidationError: There are no instalments; an instalment term is
            listed twice; there is more than one balance line; percent
            portions do not total exactly 100 (more than 100, with a
            balance line).
        CurrencyMismatch: The fixed portions (and fixed discounts) are not
            all in one currency.
    """

    code: str = field(converter=strip, validator=identifier)
    name: str = field(converter=strip, validator=text())
    instalments: tuple[InstalmentTerm, ...] = field(
        converter=_to_terms, validator=_instalment_terms
    )
    discount: EarlyPaymentDiscount | None = field(
        default=None, validator=optional(of_type(EarlyPaymentDiscount))
    )
    cash_rounding: Decimal | None = field(
        default=None, converter=_cash_rounding, validator=_positive_increment
    )

    def __attrs_post_init__(self) -> None:
        self._check_duplicates()
        percents = [
            term.portion.percent
            for term in self.instalments
            if isinstance(term.portion, PercentPortion)
        ]
        total_percent = sum(map(Fraction, percents), Fraction(0))
        listed = " + ".join(str(percent) for percent in percents)
        if self._balance_index() is not None:
            if total_percent > _HUNDRED:
                raise ValidationError(
                    f"the percent portions must total at most 100 beside a balance line, "
                    f"got {listed}",
                    field="instalments",
                )
        elif percents and total_percent != _HUNDRED:
            raise ValidationError(
                f"the percent portions must total exactly 100 (or add a BalancePortion line "
                f"to take the rest), got {listed}",
                field="instalments",
            )
        fixed = self._every_fixed_amount()
        if fixed:
            ensure_same_currency(*fixed, context="the fixed amounts of payment terms")

    @property
    def currency(self) -> str | None:
        """The currency of the fixed amounts (fixed portions and discounts), or ``None``.

        Terms without fixed amounts (percentages and a balance line) fit an
        account in any currency; terms with them, only accounts in theirs.
        """
        fixed = self._every_fixed_amount()
        return fixed[0].currency.code if fixed else None

    def ensure_fits(self, currency: str, *, account: str) -> None:
        """Check that these terms can schedule the invoices of an account in ``currency``.

        Raises:
            CurrencyMismatch: The terms have fixed amounts in another currency.
        """
        if self.currency is not None and self.currency != currency:
            raise CurrencyMismatch(
                f"payment terms {self.code!r} have fixed amounts in {self.currency}, but "
                f"credit account {account!r} is in {currency}; give the account terms "
                f"without fixed amounts or with amounts in {currency}"
            )

    @property
    def key(self) -> str:
        """The code as codes are compared ([terms_key][b2b_customers.credit.terms_key] of it)."""
        return terms_key(self.code)

    def _check_duplicates(self) -> None:
        balances = [
            number
            for number, term in enumerate(self.instalments, start=1)
            if isinstance(term.portion, BalancePortion)
        ]
        if len(balances) > 1:
            raise ValidationError(
                f"give at most one balance line, got lines {balances}", field="instalments"
            )
        for number, term in enumerate(self.instalments, start=1):
            if term in self.instalments[: number - 1]:
                earlier = self.instalments.index(term) + 1
                raise ValidationError(
                    f"instalment term {number} repeats term {earlier} ({term!r}); list each "
                    "term once, or give one line the sum of both",
                    field="instalments",
                )

    def _balance_index(self) -> int | None:
        for index, term in enumerate(self.instalments):
            if isinstance(term.portion, BalancePortion):
                return index
        return None

    def _discounts(self) -> list[EarlyPaymentDiscount]:
        own = [term.discount for term in self.instalments if term.discount is not None]
        return own if self.discount is None else [*own, self.discount]

    def _every_fixed_amount(self) -> list[Money]:
        discounts = [d.amount for d in self._discounts() if d.amount is not None]
        return [*self._fixed_amounts(), *discounts]

    def _fixed_amounts(self) -> list[Money]:
        return [
            term.portion.amount
            for term in self.instalments
            if isinstance(term.portion, FixedPortion)
        ]

    def schedule(
        self, amount: Money, invoice_date: date, *, untaxed_amount: Money | None = None
    ) -> tuple[Instalment, ...]:
        """Split an invoice into its instalments, numbered by due date.

        Args:
            amount: The invoice amount: more than zero, in whole minor units.
            invoice_date: The invoice date.
            untaxed_amount: The invoice amount before tax, when known: percent
                discounts with ``on_untaxed=True`` are taken of it.

        Returns:
            One [`Instalment`][b2b_customers.credit.Instalment] per instalment term, by due date
            (ties in the order listed), summing exactly to ``amount``.

        Raises:
            ValidationError: ``amount`` is not more than zero, is finer than the
                currency's minor unit (or the cash rounding is), or is less than
                the fixed and percent portions (or a fixed discount is not less
                than what it covers); ``invoice_date`` is not a date;
                ``untaxed_amount`` is negative or not a Money.
            CurrencyMismatch: A fixed portion, a fixed discount or
                ``untaxed_amount`` is in another currency than ``amount``.
        """
        _check_positive_in_minor_units(amount, field="amount")
        check_date(invoice_date, field="invoice_date")
        currency = amount.currency.code
        ensure_same_currency(
            amount, *self._fixed_amounts(), context="scheduling an invoice on payment terms"
        )
        places = minor_unit_exponent(currency)
        step = self._step_units(places)
        total_units = _to_units(amount, places)
        untaxed = self._untaxed_ratio(amount, untaxed_amount)
        units = self._split_units(total_units, places, step, amount)
        lines = [
            _Line(term=term, due_date=term.due.due_date(invoice_date), units=share)
            for term, share in zip(self.instalments, units, strict=True)
        ]
        lines = self._with_discounts(lines, amount, places, step, untaxed)
        ordered = sorted(enumerate(lines), key=lambda pair: (pair[1].due_date, pair[0]))
        instalments = []
        for number, (_index, line) in enumerate(ordered, start=1):
            discount = line.term.discount or self.discount
            has_discount = discount is not None and line.discount is not None
            instalments.append(
                Instalment(
                    number=number,
                    due_date=line.due_date,
                    amount=_from_units(line.units, currency, places),
                    discount_until=discount.last_day(invoice_date)
                    if discount is not None and has_discount
                    else None,
                    discount=_from_units(cast("int", line.discount), currency, places)
                    if has_discount
                    else None,
                )
            )
        return tuple(instalments)

    def _step_units(self, places: int) -> int:
        if self.cash_rounding is None:
            return 1
        step = Fraction(self.cash_rounding) * 10**places
        if step.denominator != 1:
            raise ValidationError(
                f"the cash rounding {self.cash_rounding} of {self.code} is finer than the "
                f"currency's minor unit ({places} decimal places)",
                field="cash_rounding",
            )
        return int(step)

    @staticmethod
    def _untaxed_ratio(amount: Money, untaxed_amount: Money | None) -> Fraction:
        if untaxed_amount is None:
            return Fraction(1)
        require_money(untaxed_amount, field="untaxed_amount")
        ensure_same_currency(amount, untaxed_amount, context="the untaxed amount of an invoice")
        if untaxed_amount.amount < 0:
            raise ValidationError(
                f"must be zero or more, got {untaxed_amount.amount}", field="untaxed_amount"
            )
        return Fraction(untaxed_amount.amount) / Fraction(amount.amount)

    def _split_units(self, total_units: int, places: int, step: int, amount: Money) -> list[int]:
        fixed_units = sum(_to_units(part, places) for part in self._fixed_amounts())
        balance = self._balance_index()
        if balance is not None:
            units = [
                _to_units(term.portion.amount, places)
                if isinstance(term.portion, FixedPortion)
                else _half_up(total_units * Fraction(term.portion.percent) / _HUNDRED)
                if isinstance(term.portion, PercentPortion)
                else 0
                for term in self.instalments
            ]
            rest = balance
        else:
            remaining = total_units - fixed_units
            if remaining < 0:
                self._too_small(amount)
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
            percent_lines = [
                index
                for index, term in enumerate(self.instalments)
                if isinstance(term.portion, PercentPortion)
            ]
            rest = percent_lines[-1] if percent_lines else len(units) - 1
        for index, term in enumerate(self.instalments):
            if index != rest and isinstance(term.portion, PercentPortion):
                units[index] = _round_to_step(units[index], step)
        units[rest] = total_units - sum(units) + units[rest]
        if units[rest] < 0:
            self._too_small(amount)
        return units

    def _too_small(self, amount: Money) -> None:
        raise ValidationError(
            f"the fixed and percent portions of {self.code} come to more than the invoice "
            f"amount {amount.amount} {amount.currency.code}",
            field="amount",
        )

    def _with_discounts(
        self,
        lines: list[_Line],
        amount: Money,
        places: int,
        step: int,
        untaxed: Fraction,
    ) -> list[_Line]:
        discounts: list[int | None] = [None] * len(lines)
        shared: list[int] = []
        for index, line in enumerate(lines):
            discount = line.term.discount or self.discount
            if discount is None:
                continue
            if discount.percent is not None:
                base = line.units * (untaxed if discount.on_untaxed else Fraction(1))
                discounts[index] = _half_up(base * Fraction(discount.percent) / _HUNDRED)
            elif line.term.discount is not None:
                own = _to_units(cast("Money", discount.amount), places)
                ensure_same_currency(
                    amount, cast("Money", discount.amount), context="an early-payment discount"
                )
                if own > line.units:
                    raise ValidationError(
                        f"the fixed discount {discount.amount} of an instalment is more than "
                        f"the instalment, {_from_units(line.units, amount.currency.code, places)}",
                        field="discount",
                    )
                discounts[index] = own
            else:
                shared.append(index)
        if shared:
            fixed = cast("Money", cast("EarlyPaymentDiscount", self.discount).amount)
            ensure_same_currency(amount, fixed, context="an early-payment discount")
            discount_units = _to_units(fixed, places)
            covered = sum(lines[index].units for index in shared)
            if discount_units >= covered:
                raise ValidationError(
                    f"the fixed discount {fixed.amount} {fixed.currency.code} must be less than "
                    "the instalments it covers, "
                    f"{_from_units(covered, fixed.currency.code, places).amount}",
                    field="discount",
                )
            parts = _split_cumulatively(
                discount_units, [Fraction(lines[index].units, covered) for index in shared]
            )
            for index, part in zip(shared, parts, strict=True):
                discounts[index] = part
        return [
            line
            if units is None
            else attrs.evolve(line, discount=min(_round_to_step(units, step), line.units))
            for line, units in zip(lines, discounts, strict=True)
        ]


def _round_to_step(units: int, step: int) -> int:
    """Round a whole number of minor units half up to a multiple of ``step``."""
    return step * _half_up(Fraction(units, step)) if step > 1 else units


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
