"""Money: built without floats, never mixing currencies, rounded and shown per currency."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.domain.money import (
    MAX_AMOUNT_DECIMAL_PLACES,
    MAX_AMOUNT_INTEGER_DIGITS,
    add,
    ensure_same_currency,
    format_money,
    minor_unit_exponent,
    money,
    require_money,
    round_to_minor_unit,
    subtract,
    total,
    zero,
)
from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.testing import strategies as st_b2b

currency_pairs = st.lists(st_b2b.currencies(), min_size=2, max_size=2, unique=True)


class TestMoneyFactory:
    """money() builds exact amounts and refuses what is not one."""

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("12.50", Decimal("12.50")),
            (12, Decimal(12)),
            (Decimal("0.001"), Decimal("0.001")),
            (" 7.5 ", Decimal("7.5")),
            ("-3", Decimal(-3)),
            ("1e3", Decimal(1000)),
        ],
    )
    def test_builds_the_exact_amount(self, amount: str | int | Decimal, expected: Decimal) -> None:
        built = money(amount, "EUR")
        assert built.amount == expected
        assert isinstance(built.amount, Decimal)

    def test_keeps_the_digits_it_was_given(self) -> None:
        assert str(money("12.500", "EUR").amount) == "12.500"

    def test_normalises_the_currency_code(self) -> None:
        assert money("1", " usd ").currency.code == "USD"

    @given(st.floats(allow_nan=True, allow_infinity=True))
    def test_refuses_floats(self, amount: float) -> None:
        with pytest.raises(ValidationError, match="never a float") as info:
            money(amount, "EUR")  # type: ignore[arg-type]
        assert info.value.field == "amount"

    @pytest.mark.parametrize("amount", [True, None, [1], b"1"])
    def test_refuses_what_is_not_a_number(self, amount: object) -> None:
        with pytest.raises(ValidationError) as info:
            money(amount, "EUR")  # type: ignore[arg-type]
        assert info.value.field == "amount"

    @pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity", Decimal("NaN")])
    def test_refuses_amounts_that_are_not_finite(self, amount: str | Decimal) -> None:
        with pytest.raises(ValidationError, match="finite") as info:
            money(amount, "EUR")
        assert info.value.field == "amount"

    @pytest.mark.parametrize("amount", ["", "twelve", "1,50", "12.50 EUR"])
    def test_refuses_text_that_is_not_a_decimal(self, amount: str) -> None:
        with pytest.raises(ValidationError, match="decimal number"):
            money(amount, "EUR")

    @pytest.mark.parametrize("currency", ["", "EURO", "XYZ", "€", None, 978])
    def test_refuses_unknown_currencies(self, currency: object) -> None:
        with pytest.raises(ValidationError, match="ISO 4217") as info:
            money("1", currency)  # type: ignore[arg-type]
        assert info.value.field == "currency"

    def test_zero_is_nothing_in_the_currency(self) -> None:
        nothing = zero("JPY")
        assert nothing.amount == 0
        assert nothing.currency.code == "JPY"


LARGEST_AMOUNT = Decimal(10) ** MAX_AMOUNT_INTEGER_DIGITS - Decimal(1).scaleb(
    -MAX_AMOUNT_DECIMAL_PLACES
)
BOUNDED_AMOUNTS = st.decimals(
    min_value=-LARGEST_AMOUNT, max_value=LARGEST_AMOUNT, places=MAX_AMOUNT_DECIMAL_PLACES
)


class TestAmountBound:
    """Amounts are refused unless they stay exact through storage and a long ledger's sums."""

    @pytest.mark.parametrize(
        "amount", ["1E+30", "1000000000000000", "-1000000000000000", "123456789012345678.5"]
    )
    def test_refuses_fifteen_digits_or_more_before_the_point(self, amount: str) -> None:
        with pytest.raises(ValidationError, match=r"less than 10\*\*15") as info:
            money(amount, "EUR")
        assert info.value.field == "amount"

    @pytest.mark.parametrize("amount", ["0.00001", "1.23456789", "1E-5"])
    def test_refuses_more_than_four_decimal_places(self, amount: str) -> None:
        with pytest.raises(ValidationError, match="at most 4 decimal places"):
            money(amount, "EUR")

    @pytest.mark.parametrize(
        "amount", ["999999999999999.9999", "-999999999999999.9999", "0.0125", "1.000000", "0E+50"]
    )
    def test_accepts_the_largest_and_finest_amounts_and_trailing_zeros(self, amount: str) -> None:
        assert money(amount, "EUR").amount == Decimal(amount)

    def test_require_money_applies_the_same_bound(self) -> None:
        with pytest.raises(ValidationError, match=r"less than 10\*\*15") as info:
            require_money(Money(Decimal("1E+30"), "EUR"), field="amount")
        assert info.value.field == "amount"
        with pytest.raises(ValidationError, match="decimal places"):
            require_money(Money(Decimal("0.00001"), "EUR"), field="amount")

    @given(st.lists(BOUNDED_AMOUNTS, min_size=1, max_size=200))
    def test_sums_of_bounded_amounts_are_exact_in_the_default_context(
        self, amounts: list[Decimal]
    ) -> None:
        ten_thousandths = sum(int(amount.scaleb(MAX_AMOUNT_DECIMAL_PLACES)) for amount in amounts)
        exact = Decimal(ten_thousandths).scaleb(-MAX_AMOUNT_DECIMAL_PLACES)
        summed = total((money(amount, "EUR") for amount in amounts), "EUR").amount
        assert summed == exact

    def test_a_billion_largest_amounts_still_sum_exactly(self) -> None:
        # What a ledger of 10**9 such entries sums to: 28 digits, the default precision.
        ledger = LARGEST_AMOUNT * 10**9
        assert ledger == 10**24 - 10**5
        assert len(ledger.as_tuple().digits) == 28


class TestArithmetic:
    """add, subtract and total keep to one currency and stay exact."""

    @given(st.data(), st_b2b.currencies())
    def test_add_is_exact_decimal_addition(self, data: st.DataObject, currency: str) -> None:
        left = data.draw(st_b2b.money(currency, places=4))
        right = data.draw(st_b2b.money(currency, places=2))
        result = add(left, right)
        assert result.amount == left.amount + right.amount
        assert result.currency.code == currency

    @given(st.data(), st_b2b.currencies())
    def test_subtract_undoes_add(self, data: st.DataObject, currency: str) -> None:
        left = data.draw(st_b2b.money(currency, places=3))
        right = data.draw(st_b2b.money(currency, places=3))
        assert subtract(add(left, right), right) == left
        assert subtract(left, right).amount == left.amount - right.amount

    def test_add_keeps_sub_cent_digits(self) -> None:
        assert add(money("0.1", "EUR"), money("0.2", "EUR")) == money("0.3", "EUR")
        assert add(money("0.001", "BHD"), money("0.0005", "BHD")).amount == Decimal("0.0015")

    @given(currency_pairs)
    def test_add_refuses_two_currencies(self, pair: list[str]) -> None:
        with pytest.raises(CurrencyMismatch) as info:
            add(money(1, pair[0]), money(1, pair[1]))
        for code in pair:
            assert code in str(info.value)

    @given(currency_pairs)
    def test_subtract_refuses_two_currencies(self, pair: list[str]) -> None:
        with pytest.raises(CurrencyMismatch):
            subtract(money(1, pair[0]), money(1, pair[1]))

    def test_mismatch_is_a_validation_error_and_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="ExchangeRates"):
            add(money(1, "EUR"), money(1, "USD"))
        assert issubclass(CurrencyMismatch, ValidationError)

    def test_mismatch_message_names_what_was_computed(self) -> None:
        with pytest.raises(CurrencyMismatch, match="the order total mixes currencies EUR, USD"):
            add(money(1, "USD"), money(1, "EUR"), context="the order total")

    @given(st.data(), st_b2b.currencies())
    def test_total_is_the_exact_sum(self, data: st.DataObject, currency: str) -> None:
        amounts = data.draw(st.lists(st_b2b.money(currency, places=3), max_size=8))
        result = total(amounts, currency)
        assert result.amount == sum((amount.amount for amount in amounts), Decimal(0))
        assert result.currency.code == currency

    def test_total_of_nothing_is_zero_in_the_currency(self) -> None:
        assert total([], "CHF") == zero("CHF")

    @given(st.data(), currency_pairs)
    def test_total_refuses_a_stray_currency(self, data: st.DataObject, pair: list[str]) -> None:
        amounts = data.draw(st.lists(st_b2b.money(pair[0]), max_size=4))
        position = data.draw(st.integers(0, len(amounts)))
        amounts.insert(position, money(1, pair[1]))
        with pytest.raises(CurrencyMismatch):
            total(amounts, pair[0])

    def test_total_refuses_amounts_in_another_currency_than_asked(self) -> None:
        with pytest.raises(CurrencyMismatch):
            total([money(1, "EUR")], "USD")

    def test_ensure_same_currency_returns_the_shared_code(self) -> None:
        assert ensure_same_currency(money(1, "GBP"), money(2, "GBP"), money(3, "GBP")) == "GBP"

    def test_ensure_same_currency_refuses_a_mix(self) -> None:
        with pytest.raises(CurrencyMismatch, match="GBP, JPY"):
            ensure_same_currency(money(1, "JPY"), money(2, "GBP"))


class TestRounding:
    """Amounts round half up to the currency's minor unit."""

    @pytest.mark.parametrize(
        ("currency", "places"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("BHD", 3)]
    )
    def test_minor_unit_exponent(self, currency: str, places: int) -> None:
        assert minor_unit_exponent(currency) == places

    def test_minor_unit_exponent_refuses_an_unknown_currency(self) -> None:
        with pytest.raises(ValidationError) as info:
            minor_unit_exponent("XYZ")
        assert info.value.field == "currency"

    @pytest.mark.parametrize(
        ("amount", "currency", "rounded"),
        [
            ("12.345", "EUR", "12.35"),
            ("12.344", "EUR", "12.34"),
            ("-12.345", "EUR", "-12.35"),
            ("12", "EUR", "12.00"),
            ("2.5", "JPY", "3"),
            ("1234.49", "JPY", "1234"),
            ("1.0005", "BHD", "1.001"),
            ("1.0004", "BHD", "1.000"),
        ],
    )
    def test_rounds_half_up_to_the_minor_unit(
        self, amount: str, currency: str, rounded: str
    ) -> None:
        result = round_to_minor_unit(money(amount, currency))
        assert str(result.amount) == rounded
        assert result.currency.code == currency

    @given(st_b2b.money(places=4))
    def test_rounding_is_within_half_a_minor_unit(self, amount: Money) -> None:
        rounded = round_to_minor_unit(amount)
        places = minor_unit_exponent(amount.currency.code)
        assert abs(rounded.amount - amount.amount) <= Decimal(1).scaleb(-places) / 2
        assert -rounded.amount.as_tuple().exponent == places  # type: ignore[operator]

    @given(st_b2b.money(places=4))
    def test_rounding_twice_changes_nothing(self, amount: Money) -> None:
        once = round_to_minor_unit(amount)
        assert round_to_minor_unit(once) == once

    def test_rounds_amounts_beyond_the_default_decimal_precision(self) -> None:
        # Arithmetic may produce such a sum before a validator refuses it.
        big = Money(Decimal("123456789012345678901234567.895"), "EUR")
        assert str(round_to_minor_unit(big).amount) == "123456789012345678901234567.90"


class TestFormatting:
    """format_money shows amounts to people in a fixed, locale-free form."""

    @pytest.mark.parametrize(
        ("amount", "currency", "shown"),
        [
            ("12600", "EUR", "12,600.00 EUR"),
            ("10000.5", "EUR", "10,000.50 EUR"),
            ("-1234.5", "EUR", "-1,234.50 EUR"),
            ("0", "USD", "0.00 USD"),
            ("1234", "JPY", "1,234 JPY"),
            ("1.5", "BHD", "1.500 BHD"),
            ("12.345", "EUR", "12.345 EUR"),
            ("12.3400", "EUR", "12.34 EUR"),
            ("1e3", "EUR", "1,000.00 EUR"),
        ],
    )
    def test_formats_with_thousands_separators_and_minor_unit(
        self, amount: str, currency: str, shown: str
    ) -> None:
        assert format_money(money(amount, currency)) == shown

    @given(st_b2b.money(places=4))
    def test_never_hides_digits(self, amount: Money) -> None:
        number, code = format_money(amount).split(" ")
        assert code == amount.currency.code
        assert Decimal(number.replace(",", "")) == amount.amount
