from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.credit.due_dates import (
    DaysAfterInvoice,
    DaysAfterMonthEnd,
)
from b2b_customers.credit.payment_terms import (
    DUE_ON_RECEIPT,
    END_OF_MONTH_30,
    NET_7,
    NET_15,
    NET_30,
    NET_45,
    NET_60,
    NET_90,
    TWO_PART_30_60,
    BalancePortion,
    EarlyPaymentDiscount,
    FixedPortion,
    Instalment,
    InstalmentTerm,
    PaymentTerms,
    PercentPortion,
    net,
)
from b2b_customers.domain.money import minor_unit_exponent, money, round_to_minor_unit
from b2b_customers.errors import CurrencyMismatch, ValidationError

INVOICE_DATE = date(2027, 1, 15)


def eur(amount: str) -> Money:
    return money(amount, "EUR")


def percent(value: Decimal | str | int, days: int) -> InstalmentTerm:
    return InstalmentTerm(
        portion=PercentPortion(percent=Decimal(value)), due=DaysAfterInvoice(days=days)
    )


def fixed(amount: Money, days: int) -> InstalmentTerm:
    return InstalmentTerm(portion=FixedPortion(amount=amount), due=DaysAfterInvoice(days=days))


def terms(
    *instalments: InstalmentTerm, discount: EarlyPaymentDiscount | None = None
) -> PaymentTerms:
    return PaymentTerms(code="T", name="Test terms", instalments=instalments, discount=discount)


def amounts_of(schedule: tuple[Instalment, ...]) -> list[Money]:
    return [instalment.amount for instalment in schedule]


# -- strategies

currencies = st.sampled_from(["EUR", "JPY", "BHD"])
invoice_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def invoice_amounts(draw: st.DrawFn, currency: str | None = None) -> Money:
    code = currency if currency is not None else draw(currencies)
    # Small amounts too, where rounding matters most.
    units = draw(st.one_of(st.integers(1, 100), st.integers(1, 10**12)))
    return money(Decimal(units).scaleb(-minor_unit_exponent(code)), code)


@st.composite
def percent_splits(draw: st.DrawFn) -> list[Decimal]:
    """Positive percents with up to three decimal places, totalling exactly 100."""
    scale = 100_000  # 100% in thousandths of a percent
    cuts = draw(st.lists(st.integers(1, scale - 1), max_size=7, unique=True))
    bounds = [0, *sorted(cuts), scale]
    return [Decimal(high - low).scaleb(-3) for low, high in itertools.pairwise(bounds)]


@st.composite
def split_terms(draw: st.DrawFn) -> PaymentTerms:
    percents = draw(percent_splits())
    days = sorted(draw(st.lists(st.integers(0, 365), min_size=len(percents), unique=True)))
    return terms(*(percent(p, d) for p, d in zip(percents, days, strict=False)))


class TestPercentPortion:
    @pytest.mark.parametrize("value", [Decimal("0.001"), Decimal(50), Decimal(100)])
    def test_accepts_more_than_0_up_to_100(self, value):
        assert PercentPortion(percent=value).percent == value

    def test_converts_ints_and_decimal_strings(self):
        assert PercentPortion(percent=50).percent == Decimal(50)
        assert PercentPortion(percent="33.5").percent == Decimal("33.5")

    @pytest.mark.parametrize(
        "value", [Decimal(0), Decimal(-1), Decimal("100.01"), Decimal("NaN"), 50.0, "half"]
    )
    def test_refuses_anything_else(self, value):
        with pytest.raises(ValidationError) as raised:
            PercentPortion(percent=value)
        assert raised.value.field == "percent"


class TestFixedPortion:
    def test_accepts_a_positive_amount_in_cents(self):
        assert FixedPortion(amount=eur("0.01")).amount == eur("0.01")

    @pytest.mark.parametrize(
        "amount", [eur("0"), eur("-5.00"), eur("10.005"), money("1.5", "JPY"), "10 EUR"]
    )
    def test_refuses_zero_negative_sub_minor_unit_or_non_money(self, amount):
        with pytest.raises(ValidationError) as raised:
            FixedPortion(amount=amount)
        assert raised.value.field == "amount"

    def test_accepts_three_decimal_places_in_bhd(self):
        assert FixedPortion(amount=money("0.005", "BHD")).amount == money("0.005", "BHD")


class TestEarlyPaymentDiscount:
    def test_takes_a_percent(self):
        assert EarlyPaymentDiscount(within_days=10, percent=Decimal(2)).percent == Decimal(2)

    def test_takes_an_amount(self):
        discount = EarlyPaymentDiscount(within_days=0, amount=eur("5.00"))
        assert discount.amount == eur("5.00")

    @pytest.mark.parametrize(
        "kwargs", [{}, {"percent": Decimal(2), "amount": Money("5.00", "EUR")}]
    )
    def test_needs_exactly_one_of_percent_and_amount(self, kwargs):
        with pytest.raises(ValidationError, match="exactly one"):
            EarlyPaymentDiscount(within_days=10, **kwargs)

    @pytest.mark.parametrize("value", [Decimal(0), Decimal(100), Decimal(-2)])
    def test_refuses_a_percent_of_0_or_100_or_less(self, value):
        with pytest.raises(ValidationError):
            EarlyPaymentDiscount(within_days=10, percent=value)

    def test_refuses_negative_days(self):
        with pytest.raises(ValidationError) as raised:
            EarlyPaymentDiscount(within_days=-1, percent=Decimal(2))
        assert raised.value.field == "within_days"

    def test_lasts_within_days_after_the_invoice_date(self):
        discount = EarlyPaymentDiscount(within_days=10, percent=Decimal(2))
        assert discount.last_day(date(2027, 2, 25)) == date(2027, 3, 7)


class TestPaymentTermsValidation:
    def test_needs_at_least_one_instalment(self):
        with pytest.raises(ValidationError) as raised:
            terms()
        assert raised.value.field == "instalments"

    def test_refuses_something_other_than_instalment_terms(self):
        with pytest.raises(ValidationError):
            PaymentTerms(code="T", name="T", instalments=[DaysAfterInvoice(days=30)])  # type: ignore[list-item]

    @pytest.mark.parametrize("split", [("50", "49.99"), ("50", "50.01"), ("100", "0.001")])
    def test_refuses_percents_not_totalling_exactly_100(self, split):
        with pytest.raises(ValidationError, match="total exactly 100"):
            terms(percent(split[0], 30), percent(split[1], 60))

    def test_accepts_percents_that_total_exactly_100(self):
        split = terms(percent("33.333", 30), percent("33.333", 60), percent("33.334", 90))
        assert len(split.instalments) == 3

    def test_accepts_fixed_and_percent_portions_together(self):
        mixed = terms(fixed(eur("100.00"), 0), percent(100, 30))
        assert len(mixed.instalments) == 2

    def test_refuses_fixed_portions_in_two_currencies(self):
        with pytest.raises(CurrencyMismatch):
            terms(fixed(eur("100.00"), 0), fixed(money("100.00", "USD"), 30))

    def test_refuses_a_fixed_discount_in_another_currency_than_the_fixed_portions(self):
        with pytest.raises(CurrencyMismatch):
            terms(
                fixed(eur("100.00"), 0),
                discount=EarlyPaymentDiscount(within_days=5, amount=money("1.00", "USD")),
            )

    def test_numbers_instalments_listed_in_any_order_by_due_date(self):
        first, second = terms(percent(60, 60), percent(40, 30)).schedule(
            eur("100.00"), INVOICE_DATE
        )
        assert (first.number, first.due_date, first.amount) == (1, date(2027, 2, 14), eur("40.00"))
        assert (second.number, second.amount) == (2, eur("60.00"))

    def test_accepts_instalments_due_on_the_same_day(self):
        first, second = terms(percent(60, 30), percent(40, 30)).schedule(eur("1.00"), INVOICE_DATE)
        assert first.due_date == second.due_date
        assert (first.amount, second.amount) == (eur("0.60"), eur("0.40"))

    def test_refuses_the_same_instalment_term_twice(self):
        with pytest.raises(ValidationError, match="term 2 repeats term 1") as raised:
            terms(percent(50, 30), percent(50, 30))
        assert raised.value.field == "instalments"

    def test_refuses_two_balance_lines(self):
        balance = InstalmentTerm(portion=BalancePortion(), due=DaysAfterInvoice(days=30))
        other = InstalmentTerm(portion=BalancePortion(), due=DaysAfterInvoice(days=60))
        with pytest.raises(ValidationError, match="at most one balance line"):
            terms(balance, other)

    def test_sorts_a_month_end_rule_before_net_30_late_in_a_month(self):
        # Invoiced on 31 January, Net 30 is 2 March but the month end is 31 January.
        month_end = InstalmentTerm(
            portion=PercentPortion(percent=Decimal(50)), due=DaysAfterMonthEnd(days=0)
        )
        first, second = terms(percent(50, 30), month_end).schedule(eur("100.00"), date(2027, 1, 31))
        assert (first.due_date, second.due_date) == (date(2027, 1, 31), date(2027, 3, 2))

    def test_strips_the_code_and_name(self):
        terms_ = PaymentTerms(code=" NET30 ", name=" Net 30 ", instalments=[percent(100, 30)])
        assert (terms_.code, terms_.name) == ("NET30", "Net 30")
        assert isinstance(terms_.instalments, tuple)

    @pytest.mark.parametrize("code", ["", "   "])
    def test_refuses_an_empty_code(self, code):
        with pytest.raises(ValidationError) as raised:
            PaymentTerms(code=code, name="Net 30", instalments=[percent(100, 30)])
        assert raised.value.field == "code"


class TestSchedule:
    def test_net_30_puts_the_whole_amount_on_one_instalment(self):
        (only,) = NET_30.schedule(eur("1190.00"), date(2027, 1, 31))
        assert only == Instalment(number=1, due_date=date(2027, 3, 2), amount=eur("1190.00"))

    def test_net_0_is_due_on_the_invoice_date(self):
        (only,) = DUE_ON_RECEIPT.schedule(eur("10.00"), INVOICE_DATE)
        assert only.due_date == INVOICE_DATE

    def test_halves_with_the_odd_cent_on_the_first_half(self):
        first, second = TWO_PART_30_60.schedule(eur("100.01"), INVOICE_DATE)
        assert (first.amount, second.amount) == (eur("50.01"), eur("50.00"))
        assert (first.due_date, second.due_date) == (date(2027, 2, 14), date(2027, 3, 16))
        assert (first.number, second.number) == (1, 2)

    def test_rounds_yen_to_whole_yen(self):
        schedule = TWO_PART_30_60.schedule(money(1001, "JPY"), INVOICE_DATE)
        assert amounts_of(schedule) == [money(501, "JPY"), money(500, "JPY")]

    def test_rounds_dinar_to_three_places(self):
        thirds = terms(percent("33.333", 30), percent("33.333", 60), percent("33.334", 90))
        schedule = thirds.schedule(money("10.000", "BHD"), INVOICE_DATE)
        assert amounts_of(schedule) == [
            money("3.333", "BHD"),
            money("3.333", "BHD"),
            money("3.334", "BHD"),
        ]

    def test_the_last_instalment_takes_the_rounding_remainder(self):
        thirds = terms(percent("33.33", 30), percent("33.33", 60), percent("33.34", 90))
        schedule = thirds.schedule(eur("0.10"), INVOICE_DATE)
        assert amounts_of(schedule) == [eur("0.03"), eur("0.03"), eur("0.04")]
        assert sum(instalment.amount.amount for instalment in schedule) == Decimal("0.10")

    def test_never_makes_an_instalment_negative(self):
        # Rounding each 30% share of 5 yen up on its own would leave -1 yen for the last.
        split = terms(percent(30, 10), percent(30, 20), percent(30, 30), percent(10, 40))
        schedule = split.schedule(money(5, "JPY"), INVOICE_DATE)
        assert amounts_of(schedule) == [money(n, "JPY") for n in (2, 1, 2, 0)]

    def test_keeps_a_zero_instalment_when_the_amount_is_too_small_to_split(self):
        schedule = TWO_PART_30_60.schedule(money(1, "JPY"), INVOICE_DATE)
        assert amounts_of(schedule) == [money(1, "JPY"), money(0, "JPY")]

    def test_takes_fixed_portions_first_and_splits_the_rest_by_percent(self):
        mixed = terms(fixed(eur("100.00"), 0), percent(50, 30), percent(50, 60))
        assert amounts_of(mixed.schedule(eur("1000.00"), INVOICE_DATE)) == [
            eur("100.00"),
            eur("450.00"),
            eur("450.00"),
        ]

    def test_takes_a_fixed_portion_first_wherever_it_is_listed(self):
        mixed = terms(percent(50, 0), fixed(eur("100.00"), 30), percent(50, 60))
        assert amounts_of(mixed.schedule(eur("1000.00"), INVOICE_DATE)) == [
            eur("450.00"),
            eur("100.00"),
            eur("450.00"),
        ]

    def test_leaves_a_fixed_last_instalment_exact_and_rounds_the_percent_ones(self):
        mixed = terms(percent(50, 0), percent(50, 30), fixed(eur("100.00"), 60))
        assert amounts_of(mixed.schedule(eur("100.01"), INVOICE_DATE)) == [
            eur("0.01"),
            eur("0.00"),
            eur("100.00"),
        ]

    def test_gives_the_remainder_to_the_last_when_every_portion_is_fixed(self):
        deposit = terms(fixed(eur("100.00"), 0), fixed(eur("200.00"), 30))
        assert amounts_of(deposit.schedule(eur("1000.00"), INVOICE_DATE)) == [
            eur("100.00"),
            eur("900.00"),
        ]

    def test_takes_fixed_portions_equal_to_the_amount_as_they_are(self):
        deposit = terms(fixed(eur("100.00"), 0), fixed(eur("200.00"), 30))
        assert amounts_of(deposit.schedule(eur("300.00"), INVOICE_DATE)) == [
            eur("100.00"),
            eur("200.00"),
        ]

    def test_leaves_nothing_for_percent_portions_when_fixed_ones_take_everything(self):
        mixed = terms(fixed(eur("100.00"), 0), percent(100, 30))
        assert amounts_of(mixed.schedule(eur("100.00"), INVOICE_DATE)) == [
            eur("100.00"),
            eur("0.00"),
        ]

    def test_refuses_fixed_portions_exceeding_the_amount(self):
        deposit = terms(fixed(eur("100.00"), 0), fixed(eur("200.00"), 30))
        with pytest.raises(ValidationError) as raised:
            deposit.schedule(eur("299.99"), INVOICE_DATE)
        assert raised.value.field == "amount"

    def test_refuses_fixed_portions_in_another_currency(self):
        deposit = terms(fixed(eur("100.00"), 0), percent(100, 30))
        with pytest.raises(CurrencyMismatch):
            deposit.schedule(money("1000.00", "USD"), INVOICE_DATE)

    @pytest.mark.parametrize("amount", [eur("0"), eur("-10.00"), money(0, "JPY")])
    def test_refuses_a_zero_or_negative_amount(self, amount):
        with pytest.raises(ValidationError) as raised:
            NET_30.schedule(amount, INVOICE_DATE)
        assert raised.value.field == "amount"

    @pytest.mark.parametrize("amount", [eur("10.005"), money("1.5", "JPY")])
    def test_refuses_an_amount_finer_than_the_minor_unit(self, amount):
        with pytest.raises(ValidationError, match="minor unit"):
            NET_30.schedule(amount, INVOICE_DATE)

    def test_refuses_an_amount_that_is_not_money(self):
        with pytest.raises(ValidationError) as raised:
            NET_30.schedule(Decimal(100), INVOICE_DATE)  # type: ignore[arg-type]
        assert raised.value.field == "amount"

    def test_refuses_a_datetime_as_the_invoice_date(self):
        with pytest.raises(ValidationError) as raised:
            NET_30.schedule(eur("100.00"), datetime(2027, 1, 15))  # noqa: DTZ001  (the refused value)
        assert raised.value.field == "invoice_date"

    def test_writes_amounts_at_the_minor_unit_even_for_a_whole_amount(self):
        (only,) = NET_30.schedule(money(100, "EUR"), INVOICE_DATE)
        assert str(only.amount.amount) == "100.00"


class TestScheduleDiscount:
    def test_takes_a_percent_discount_of_each_instalment(self):
        two_ten = terms(
            percent(50, 30),
            percent(50, 60),
            discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2)),
        )
        first, second = two_ten.schedule(eur("100.02"), INVOICE_DATE)
        assert (first.discount, second.discount) == (eur("1.00"), eur("1.00"))
        assert first.discount_until == second.discount_until == date(2027, 1, 25)

    def test_rounds_a_percent_discount_half_up(self):
        two_ten = terms(
            percent(100, 30), discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2))
        )
        (only,) = two_ten.schedule(eur("100.25"), INVOICE_DATE)
        assert only.discount == eur("2.01")  # 2.005

    def test_keeps_the_discount_window_open_past_the_due_date(self):
        on_receipt = terms(
            percent(100, 0), discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2))
        )
        (only,) = on_receipt.schedule(eur("100.00"), INVOICE_DATE)
        assert only.discount_until == date(2027, 1, 25)

    def test_shares_a_fixed_discount_in_proportion_to_the_instalments(self):
        split = terms(
            percent(75, 30),
            percent(25, 60),
            discount=EarlyPaymentDiscount(within_days=10, amount=eur("10.01")),
        )
        first, second = split.schedule(eur("1000.00"), INVOICE_DATE)
        assert (first.discount, second.discount) == (eur("7.51"), eur("2.50"))

    def test_refuses_a_fixed_discount_not_less_than_the_amount(self):
        split = terms(
            percent(100, 30), discount=EarlyPaymentDiscount(within_days=10, amount=eur("10.00"))
        )
        with pytest.raises(ValidationError) as raised:
            split.schedule(eur("10.00"), INVOICE_DATE)
        assert raised.value.field == "discount"

    def test_refuses_a_fixed_discount_in_another_currency(self):
        split = terms(
            percent(100, 30), discount=EarlyPaymentDiscount(within_days=10, amount=eur("1.00"))
        )
        with pytest.raises(CurrencyMismatch):
            split.schedule(money(1000, "JPY"), INVOICE_DATE)

    def test_gives_no_discount_without_discount_terms(self):
        (only,) = NET_30.schedule(eur("100.00"), INVOICE_DATE)
        assert only.discount is None
        assert only.discount_until is None

    def test_the_amount_due_drops_by_the_discount_up_to_the_last_day_only(self):
        two_ten = terms(
            percent(100, 30), discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2))
        )
        (only,) = two_ten.schedule(eur("100.00"), INVOICE_DATE)
        assert only.amount_due_on(date(2027, 1, 25)) == eur("98.00")
        assert only.amount_due_on(date(2027, 1, 26)) == eur("100.00")


class TestInstalment:
    def test_needs_both_discount_and_discount_until_or_neither(self):
        with pytest.raises(ValidationError):
            Instalment(number=1, due_date=INVOICE_DATE, amount=eur("1.00"), discount=eur("0.10"))

    def test_refuses_a_discount_above_the_amount(self):
        with pytest.raises(ValidationError):
            Instalment(
                number=1,
                due_date=INVOICE_DATE,
                amount=eur("1.00"),
                discount_until=INVOICE_DATE,
                discount=eur("1.01"),
            )

    def test_refuses_number_zero(self):
        with pytest.raises(ValidationError) as raised:
            Instalment(number=0, due_date=INVOICE_DATE, amount=eur("1.00"))
        assert raised.value.field == "number"


class TestPresets:
    @pytest.mark.parametrize(
        ("preset", "days"),
        [
            (DUE_ON_RECEIPT, 0),
            (NET_7, 7),
            (NET_15, 15),
            (NET_30, 30),
            (NET_45, 45),
            (NET_60, 60),
            (NET_90, 90),
        ],
    )
    def test_net_presets_are_due_n_days_after_the_invoice(self, preset, days):
        assert preset == net(days)
        (only,) = preset.schedule(eur("10.00"), date(2027, 12, 31))
        assert (only.due_date - date(2027, 12, 31)).days == days

    def test_net_names_its_terms(self):
        assert (net(30).code, net(30).name) == ("NET30", "Net 30")
        assert net(0).name == "Due on receipt"

    def test_net_refuses_negative_days(self):
        with pytest.raises(ValidationError):
            net(-1)

    def test_end_of_month_30_counts_from_the_month_end(self):
        (only,) = END_OF_MONTH_30.schedule(eur("10.00"), date(2028, 1, 5))
        assert only.due_date == date(2028, 3, 1)

    def test_two_part_30_60_splits_in_halves(self):
        first, second = TWO_PART_30_60.schedule(eur("10.00"), date(2027, 1, 1))
        assert (first.amount, second.amount) == (eur("5.00"), eur("5.00"))
        assert (first.due_date, second.due_date) == (date(2027, 1, 31), date(2027, 3, 2))


class TestScheduleProperties:
    @given(terms_=split_terms(), amount=invoice_amounts(), invoice_date=invoice_dates)
    def test_sums_exactly_to_the_amount(self, terms_, amount, invoice_date):
        schedule = terms_.schedule(amount, invoice_date)
        assert sum(instalment.amount.amount for instalment in schedule) == amount.amount
        assert len(schedule) == len(terms_.instalments)

    @given(terms_=split_terms(), amount=invoice_amounts(), invoice_date=invoice_dates)
    def test_every_instalment_is_at_the_minor_unit_and_not_negative(
        self, terms_, amount, invoice_date
    ):
        places = minor_unit_exponent(amount.currency.code)
        for instalment in terms_.schedule(amount, invoice_date):
            assert instalment.amount == round_to_minor_unit(instalment.amount)
            assert instalment.amount.amount.as_tuple().exponent == -places
            assert instalment.amount.amount >= 0
            assert instalment.amount.currency == amount.currency

    @given(terms_=split_terms(), amount=invoice_amounts(), invoice_date=invoice_dates)
    def test_every_instalment_is_close_to_its_exact_share(self, terms_, amount, invoice_date):
        unit = Fraction(1, 10 ** minor_unit_exponent(amount.currency.code))
        schedule = terms_.schedule(amount, invoice_date)
        count = len(schedule)
        for term, instalment in zip(terms_.instalments, schedule, strict=True):
            exact = Fraction(amount.amount) * Fraction(term.portion.percent) / 100
            error = abs(Fraction(instalment.amount.amount) - exact)
            # Within one unit each (half a unit when rounded on its own); the last one
            # takes the others' rounding, at most half a unit each.
            assert error <= (unit * count / 2 if instalment.number == count else unit)

    @given(terms_=split_terms(), amount=invoice_amounts(), invoice_date=invoice_dates)
    def test_due_dates_are_on_or_after_the_invoice_date_and_in_order(
        self, terms_, amount, invoice_date
    ):
        due_dates = [instalment.due_date for instalment in terms_.schedule(amount, invoice_date)]
        assert due_dates[0] >= invoice_date
        assert due_dates == sorted(due_dates)

    @given(
        data=st.data(),
        currency=currencies,
        percents=percent_splits(),
        invoice_date=invoice_dates,
    )
    def test_fixed_and_percent_portions_sum_exactly_with_the_fixed_ones_untouched(
        self, data, currency, percents, invoice_date
    ):
        fixed_amounts = data.draw(st.lists(invoice_amounts(currency), min_size=1, max_size=3))
        extra = data.draw(invoice_amounts(currency))
        amount = money(sum(part.amount for part in [*fixed_amounts, extra]), currency)
        mixed = terms(
            *(fixed(part, day) for day, part in enumerate(fixed_amounts)),
            *(percent(p, 30 + day) for day, p in enumerate(percents)),
        )
        schedule = mixed.schedule(amount, invoice_date)
        assert sum(instalment.amount.amount for instalment in schedule) == amount.amount
        assert amounts_of(schedule)[: len(fixed_amounts)] == fixed_amounts

    @given(terms_=split_terms(), amount=invoice_amounts(), data=st.data())
    def test_a_fixed_discount_is_shared_out_exactly(self, terms_, amount, data):
        places = minor_unit_exponent(amount.currency.code)
        units = int(amount.amount.scaleb(places))
        if units < 2:  # a discount must be at least one minor unit and less than the amount
            return
        discount_units = data.draw(st.integers(1, units - 1))
        discount = money(Decimal(discount_units).scaleb(-places), amount.currency.code)
        with_discount = PaymentTerms(
            code="D",
            name="With discount",
            instalments=terms_.instalments,
            discount=EarlyPaymentDiscount(within_days=10, amount=discount),
        )
        schedule = with_discount.schedule(amount, INVOICE_DATE)
        assert sum(i.discount.amount for i in schedule if i.discount) == discount.amount
        assert all(
            i.discount is not None and 0 <= i.discount.amount <= i.amount.amount for i in schedule
        )
