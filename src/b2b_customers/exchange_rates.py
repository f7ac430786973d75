"""Exchange rates: a fixed table, for tests, demos and sellers who set their own rates."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from moneyed import Money

from b2b_customers.domain.money import money
from b2b_customers.errors import CurrencyMismatch, ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

__all__ = ["FixedRates"]


class FixedRates:
    """Rates that do not change with time: ``FixedRates({("USD", "EUR"): Decimal("0.92")})``.

    The inverse of every given pair is derived (``EUR -> USD`` = ``1 / 0.92``).
    Converted amounts keep full precision; round where money is booked.

    Args:
        rates: How many units of the second currency one unit of the first buys.

    Raises:
        ValidationError: A rate is not a positive Decimal, or a code is unknown.
    """

    def __init__(self, rates: Mapping[tuple[str, str], Decimal]) -> None:
        self._rates: dict[tuple[str, str], Decimal] = {}
        for (source, target), given in rates.items():
            rate: object = given
            if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
                raise ValidationError(
                    f"the rate {source}->{target} must be a positive Decimal, got {rate!r}",
                    field="rates",
                )
            source_code = money(0, source).currency.code
            target_code = money(0, target).currency.code
            self._rates[(source_code, target_code)] = rate
            self._rates.setdefault((target_code, source_code), 1 / rate)

    def convert(self, amount: Money, currency: str, at: datetime) -> Money:  # noqa: ARG002  (fixed in time)
        """Return ``amount`` in ``currency``.

        Raises:
            CurrencyMismatch: No rate for that pair was given.
        """
        source = amount.currency.code
        if source == currency:
            return amount
        rate = self._rates.get((source, currency))
        if rate is None:
            raise CurrencyMismatch(
                f"no exchange rate from {source} to {currency}; add one to the FixedRates table"
            )
        return Money(amount.amount * rate, currency)
