"""What the engine read while deciding: spend totals and currency conversions, recorded.

[`decide`][b2b_customers.limits.decide] is pure but for two look-ups it
is handed: the spend so far (a [SpendLookup][b2b_customers.limits.spend.SpendLookup])
and, when currencies differ, the exchange rates. To decide again later
without reading today's order history or today's rates, a service hands the
engine a `RecordingSpend` and a
`RecordingRates`: each passes
every question on and keeps the answer as a
[SpendReading][b2b_customers.limits.readings.SpendReading] or a
[Conversion][b2b_customers.limits.readings.Conversion]. Replaying hands the
engine a [RecordedSpend][b2b_customers.limits.readings.RecordedSpend] and a
[RecordedRates][b2b_customers.limits.readings.RecordedRates] that answer from
those records alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from attrs import field, frozen
from moneyed import Money

from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.limits.periods import Window
from b2b_customers.limits.spend import SpendKey

if TYPE_CHECKING:
    from collections.abc import Iterable
    from decimal import Decimal

    from b2b_customers.limits.spend import SpendLookup
    from b2b_customers.ports import ExchangeRates

__all__ = [
    "Conversion",
    "RecordedRates",
    "RecordedSpend",
    "RecordingRates",
    "RecordingSpend",
    "SpendReading",
]


def _amounts(value: Iterable[Money]) -> tuple[Money, ...]:
    return tuple(sorted(value, key=lambda money: money.currency.code))


@frozen(kw_only=True)
class SpendReading:
    """One answer of the spend look-up: what ``key`` had spent in ``window``.

    Attributes:
        key: Whose spend.
        window: The budget period counted.
        include_pending: Whether orders pending approval were counted.
        amounts: The spend, one amount per currency (none: nothing spent).
    """

    key: SpendKey
    window: Window
    include_pending: bool
    amounts: tuple[Money, ...] = field(factory=tuple, converter=_amounts)

    @property
    def spent(self) -> dict[str, Decimal]:
        """The amounts as the look-up answers them: per currency code."""
        return {money.currency.code: money.amount for money in self.amounts}


@frozen(kw_only=True)
class Conversion:
    """One currency conversion the engine asked for.

    Attributes:
        amount: What was converted.
        result: What it came to in the other currency.
        at: The instant whose rate was asked for.
    """

    amount: Money
    result: Money
    at: datetime


class RecordingSpend:
    """A [SpendLookup][b2b_customers.limits.spend.SpendLookup] that keeps every answer it passes on.

    Args:
        lookup: The look-up asked (the order history's running totals).
    """

    def __init__(self, lookup: SpendLookup) -> None:
        self._lookup = lookup
        self._readings: list[SpendReading] = []

    def spent(
        self, key: SpendKey, window: Window, *, include_pending: bool = True
    ) -> dict[str, Decimal]:
        """Ask the look-up and keep its answer."""
        amounts = self._lookup.spent(key, window, include_pending=include_pending)
        self._readings.append(
            SpendReading(
                key=key,
                window=window,
                include_pending=include_pending,
                amounts=tuple(Money(amount, code) for code, amount in amounts.items()),
            )
        )
        return amounts

    @property
    def readings(self) -> tuple[SpendReading, ...]:
        """Every answer given so far, in the order asked."""
        return tuple(self._readings)


class RecordedSpend:
    """A [SpendLookup][b2b_customers.limits.spend.SpendLookup] that answers from readings alone.

    Args:
        readings: What was read when the decision was made.
    """

    def __init__(self, readings: Iterable[SpendReading]) -> None:
        self._answers = {
            (reading.key, reading.window, reading.include_pending): reading.spent
            for reading in readings
        }

    def spent(
        self, key: SpendKey, window: Window, *, include_pending: bool = True
    ) -> dict[str, Decimal]:
        """Return the recorded spend of ``key`` in ``window``.

        Raises:
            ValidationError: Nothing was recorded for that question: the
                decision being replayed never asked it.
        """
        answer = self._answers.get((key, window, include_pending))
        if answer is None:
            raise ValidationError(
                f"no spend was recorded for {key.kind} {key.company_id} from "
                f"{window.start.isoformat()} to {window.end.isoformat()}: the recorded "
                "decision never read it, so it cannot be replayed with other inputs",
                field="spend",
            )
        return dict(answer)


class RecordingRates:
    """[ExchangeRates][b2b_customers.ports.ExchangeRates] that keep every conversion they pass on.

    Args:
        rates: The rates asked.
    """

    def __init__(self, rates: ExchangeRates) -> None:
        self._rates = rates
        self._conversions: list[Conversion] = []

    def convert(self, amount: Money, currency: str, at: datetime) -> Money:
        """Convert through the rates and keep the answer."""
        result = self._rates.convert(amount, currency, at)
        self._conversions.append(Conversion(amount=amount, result=result, at=at))
        return result

    @property
    def conversions(self) -> tuple[Conversion, ...]:
        """Every conversion so far, in the order asked."""
        return tuple(self._conversions)


class RecordedRates:
    """[ExchangeRates][b2b_customers.ports.ExchangeRates] answering only from recorded conversions.

    Args:
        conversions: The conversions made when the decision was made.
    """

    def __init__(self, conversions: Iterable[Conversion]) -> None:
        self._answers = {
            (c.amount.amount, c.amount.currency.code, c.result.currency.code, c.at): c.result
            for c in conversions
        }

    def convert(self, amount: Money, currency: str, at: datetime) -> Money:
        """Return the recorded conversion of ``amount`` into ``currency`` at ``at``.

        Raises:
            CurrencyMismatch: That conversion was not recorded.
        """
        answer = self._answers.get((amount.amount, amount.currency.code, currency, at))
        if answer is None:
            raise CurrencyMismatch(
                f"no conversion of {amount.amount} {amount.currency.code} into {currency} was "
                "recorded with the decision, so it cannot be replayed with other inputs"
            )
        return answer
