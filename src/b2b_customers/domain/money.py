"""Money arithmetic that never mixes currencies and never touches a float.

Amounts are `moneyed.Money` with `Decimal` amounts.
py-moneyed raises a bare ``TypeError`` when two currencies meet; the
functions here raise [`CurrencyMismatch`][b2b_customers.CurrencyMismatch] instead,
naming both currencies and what was being computed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, getcontext
from functools import cache
from typing import TYPE_CHECKING

from moneyed import Money, get_currency
from moneyed.classes import CurrencyDoesNotExist

from b2b_customers.errors import CurrencyMismatch, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "MAX_AMOUNT_DECIMAL_PLACES",
    "MAX_AMOUNT_INTEGER_DIGITS",
    "Money",
    "add",
    "amount_defect",
    "ensure_same_currency",
    "format_money",
    "minor_unit_exponent",
    "money",
    "require_money",
    "round_to_minor_unit",
    "subtract",
    "total",
    "zero",
]


MAX_AMOUNT_INTEGER_DIGITS = 15
"""The most digits an amount may have before the decimal point (below 10**15).

A quadrillion covers any business amount in any currency, the Vietnamese
dong and Iranian rial included, with room to spare.
"""

MAX_AMOUNT_DECIMAL_PLACES = 4
"""The most decimal places an amount may have (more than any currency's minor unit).

No ISO 4217 currency has more than four minor digits (CLF and UYW have
four), and unit prices below the minor unit (0.0125 EUR a screw) need them.
"""

_UNIT = Decimal(1).scaleb(-MAX_AMOUNT_DECIMAL_PLACES)
# Enough digits for every amount within the bound, whatever the caller's context says.
_EXACT = Context(prec=MAX_AMOUNT_INTEGER_DIGITS + MAX_AMOUNT_DECIMAL_PLACES)


def amount_defect(amount: Decimal) -> str | None:
    """Say why ``amount`` cannot be kept exactly, or return ``None`` when it can.

    An amount is kept exactly when it is finite, below 10**15 in size and has
    at most four decimal places: 19 significant digits at most. Python's
    default decimal context computes with 28, so a sum of up to a billion
    such amounts (a balance over a ledger) is still exact instead of rounded,
    and PostgreSQL's ``NUMERIC`` holds every one of them. Larger or finer
    amounts would be rounded silently somewhere; they are refused instead.
    """
    if not amount.is_finite():
        return f"must be finite, got {amount}"
    if amount and amount.adjusted() >= MAX_AMOUNT_INTEGER_DIGITS:
        return (
            f"must be less than 10**{MAX_AMOUNT_INTEGER_DIGITS} in size (at most "
            f"{MAX_AMOUNT_INTEGER_DIGITS} digits before the decimal point), got {amount}"
        )
    if amount and amount.quantize(_UNIT, context=_EXACT) != amount:
        return (
            f"must have at most {MAX_AMOUNT_DECIMAL_PLACES} decimal places, got {amount}; "
            "round it first"
        )
    return None


def money(amount: Decimal | int | str, currency: str) -> Money:
    """Build a `Money`, refusing floats, non-numbers and unknown currencies.

    Args:
        amount: A ``Decimal``, an ``int`` or a decimal string such as ``"12.50"``.
        currency: An ISO 4217 code such as ``"EUR"``.

    Raises:
        ValidationError: The amount is a float or not a finite number, or the
            currency is unknown.
    """
    if isinstance(amount, float | bool) or not isinstance(amount, Decimal | int | str):
        raise ValidationError(
            f"amount must be a Decimal, int or decimal string such as '12.50', "
            f"never a float, got {type(amount).__name__} {amount!r}",
            field="amount",
        )
    try:
        value = Decimal(amount)
    except (InvalidOperation, ValueError):
        raise ValidationError(
            f"amount must be a decimal number such as '12.50', got {amount!r:.80}", field="amount"
        ) from None
    defect = amount_defect(value)
    if defect is not None:
        raise ValidationError(defect, field="amount")
    raw_code: object = currency
    code = raw_code.strip().upper() if isinstance(raw_code, str) else ""
    try:
        get_currency(code)
    except CurrencyDoesNotExist:
        raise ValidationError(
            f"{currency!r} is not an ISO 4217 currency code; use one such as 'EUR' or 'USD'",
            field="currency",
        ) from None
    return Money(value, code)


def require_money(value: object, *, field: str, positive: bool = False) -> Money:
    """Return ``value`` if it is a `Money` with an exact amount (more than zero if asked).

    Services check what a caller passed with it before any arithmetic, so a
    float or a bare number never reaches py-moneyed.

    Args:
        value: What the caller passed.
        field: The argument's name, for the error.
        positive: Refuse zero and negative amounts too.

    Raises:
        ValidationError: ``value`` is not such a Money, or its amount is not
            one [`amount_defect`][b2b_customers.domain.money.amount_defect] accepts.
    """
    amount: object = getattr(value, "amount", None)
    if not isinstance(value, Money) or not isinstance(amount, Decimal):
        raise ValidationError(
            f"must be a Money such as Money('100.00', 'EUR'), got {value!r:.80}", field=field
        )
    defect = amount_defect(amount)
    if defect is not None:
        raise ValidationError(defect, field=field)
    if positive and value.amount <= 0:
        raise ValidationError(
            f"must be more than zero, got {value.amount} {value.currency.code}", field=field
        )
    return value


def zero(currency: str) -> Money:
    """Return nothing, in ``currency``."""
    return money(0, currency)


def ensure_same_currency(*amounts: Money, context: str = "this calculation") -> str:
    """Return the one currency all ``amounts`` share.

    Args:
        amounts: At least one amount.
        context: What is being computed, for the error message.

    Raises:
        CurrencyMismatch: The amounts are in more than one currency.
    """
    codes = sorted({amount.currency.code for amount in amounts})
    if len(codes) > 1:
        raise CurrencyMismatch(
            f"{context} mixes currencies {', '.join(codes)}; convert the amounts "
            "through an ExchangeRates port first"
        )
    return codes[0]


def add(left: Money, right: Money, *, context: str = "a sum") -> Money:
    """Add two amounts of the same currency."""
    ensure_same_currency(left, right, context=context)
    return Money(left.amount + right.amount, left.currency)


def subtract(left: Money, right: Money, *, context: str = "a difference") -> Money:
    """Subtract ``right`` from ``left``, both of the same currency."""
    ensure_same_currency(left, right, context=context)
    return Money(left.amount - right.amount, left.currency)


def total(amounts: Iterable[Money], currency: str, *, context: str = "a total") -> Money:
    """Sum ``amounts``, all in ``currency``; the total of nothing is zero."""
    result = zero(currency)
    for amount in amounts:
        result = add(result, amount, context=context)
    return result


def minor_unit_exponent(currency: str) -> int:
    """Return how many decimal places the currency's minor unit has (EUR 2, JPY 0, BHD 3).

    Raises:
        ValidationError: The currency is unknown.
    """
    return _exponent(currency)


@cache
def _exponent(currency: str) -> int:
    try:
        sub_unit = get_currency(currency).sub_unit or 1
    except CurrencyDoesNotExist:
        raise ValidationError(
            f"{currency!r} is not an ISO 4217 currency code; use one such as 'EUR' or 'USD'",
            field="currency",
        ) from None
    return len(str(sub_unit)) - 1


def round_to_minor_unit(amount: Money) -> Money:
    """Round half up to the currency's minor unit (cents for EUR, yen for JPY)."""
    return Money(
        _rounded(amount.amount, minor_unit_exponent(amount.currency.code)), amount.currency
    )


def _rounded(exact: Decimal, places: int) -> Decimal:
    quantum = _QUANTA[places] if places < len(_QUANTA) else Decimal(1).scaleb(-places)
    digits = max(exact.adjusted() + 1, 1) + places
    if digits <= getcontext().prec:
        return exact.quantize(quantum, rounding=ROUND_HALF_UP)
    # Enough precision for every digit of a large amount, or quantize would refuse it.
    context = Context(prec=max(digits, getcontext().prec))
    return exact.quantize(quantum, rounding=ROUND_HALF_UP, context=context)


_QUANTA = tuple(Decimal(1).scaleb(-places) for places in range(5))


def format_money(amount: Money) -> str:
    """Format for people, in a fixed locale-free form: ``"12,600.00 EUR"``."""
    code = amount.currency.code
    places = minor_unit_exponent(code)
    exact = amount.amount
    exponent = exact.as_tuple().exponent
    more_digits = isinstance(exponent, int) and -exponent > places
    digits = -int(exponent) if more_digits and _rounded(exact, places) != exact else places
    return f"{exact:,.{digits}f} {code}"
