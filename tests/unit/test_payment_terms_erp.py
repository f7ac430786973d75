"""Payment terms as ERPs write them: balance lines, per-instalment discounts, cash rounding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.credit.due_dates import (
    DaysAfterInvoice,
    DaysAfterMonthEnd,
    end_of_month_after,
    net_days,
)
from b2b_customers.credit.payment_terms import (
    BalancePortion,
    EarlyPaymentDiscount,
    FixedPortion,
    InstalmentTerm,
    PaymentTerms,
    PercentPortion,
)
from b2b_customers.domain.money import money
from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.serialization import make_converter

if TYPE_CHECKING:
    from moneyed import Money

INVOICE_DATE = date(2027, 1, 15)


def eur(amount: str) -> Money:
    return money(amount, "EUR")


def line(portion, days: int, discount: EarlyPaymentDiscount | None = None) -> InstalmentTerm:
    due = DaysAfterInvoice(days=days) if days >= 0 else net_days(days)
    return InstalmentTerm(portion=portion, due=due, discount=discount)


def terms(*lines: InstalmentTerm, **options) -> PaymentTerms:
    return PaymentTerms(code="T", name="Test terms", instalments=lines, **options)


class TestBalanceLine:
    def test_percent_lines_are_of_the_total_and_the_balance_takes_the_rest(self):
        thirty = terms(
            line(FixedPortion(amount=eur("100.00")), 0),
            line(PercentPortion(percent=30), 30),
            line(BalancePortion(), 60),
        )
        amounts = [part.amount for part in thirty.schedule(eur("1000.00"), INVOICE_DATE)]
        assert amounts == [eur("100.00"), eur("300.00"), eur("600.00")]

    def test_the_balance_line_takes_the_rounding(self):
        thirds = terms(
            line(PercentPortion(percent="33.33"), 10),
            line(PercentPortion(percent="33.33"), 20),
            line(BalancePortion(), 30),
        )
        amounts = [part.amount for part in thirds.schedule(eur("100.01"), INVOICE_DATE)]
        assert amounts == [eur("33.33"), eur("33.33"), eur("33.35")]

    def test_a_balance_line_may_be_listed_first_and_due_last(self):
        listed = terms(line(BalancePortion(), 60), line(PercentPortion(percent=40), 30))
        first, second = listed.schedule(eur("10.00"), INVOICE_DATE)
        assert (first.amount, second.amount) == (eur("4.00"), eur("6.00"))
        assert first.due_date < second.due_date

    def test_a_balance_with_nothing_left_is_kept_at_zero(self):
        full = terms(line(PercentPortion(percent=100), 0), line(BalancePortion(), 30))
        assert [part.amount for part in full.schedule(eur("5.00"), INVOICE_DATE)] == [
            eur("5.00"),
            eur("0.00"),
        ]

    def test_refuses_percents_over_100_beside_a_balance_line(self):
        with pytest.raises(ValidationError, match="at most 100"):
            terms(
                line(PercentPortion(percent=60), 0),
                line(PercentPortion(percent=50), 10),
                line(BalancePortion(), 30),
            )

    def test_refuses_an_invoice_smaller_than_the_fixed_and_percent_lines(self):
        deposit = terms(line(FixedPortion(amount=eur("100.00")), 0), line(BalancePortion(), 30))
        with pytest.raises(ValidationError, match="more than the invoice amount"):
            deposit.schedule(eur("99.99"), INVOICE_DATE)


class TestCashRounding:
    def test_rounds_the_instalments_to_the_increment_and_the_rest_to_the_last(self):
        rounded = terms(
            line(PercentPortion(percent="33.33"), 10),
            line(PercentPortion(percent="33.33"), 20),
            line(BalancePortion(), 30),
            cash_rounding=Decimal("0.05"),
        )
        amounts = [part.amount for part in rounded.schedule(eur("100.01"), INVOICE_DATE)]
        assert amounts == [eur("33.35"), eur("33.35"), eur("33.31")]

    def test_rounds_the_discounts_to_the_increment(self):
        rounded = terms(
            line(PercentPortion(percent=100), 30),
            discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2)),
            cash_rounding="0.05",
        )
        (only,) = rounded.schedule(eur("101.00"), INVOICE_DATE)
        assert only.discount == eur("2.00")  # 2.02

    def test_refuses_an_increment_finer_than_the_currency(self):
        yen = terms(line(PercentPortion(percent=100), 30), cash_rounding=Decimal("0.05"))
        with pytest.raises(ValidationError, match="finer than the currency") as raised:
            yen.schedule(money("100", "JPY"), INVOICE_DATE)
        assert raised.value.field == "cash_rounding"

    @pytest.mark.parametrize("increment", [Decimal(0), Decimal(-1), 0.05, "x"])
    def test_refuses_an_increment_that_is_not_a_positive_decimal(self, increment):
        with pytest.raises(ValidationError):
            terms(line(PercentPortion(percent=100), 30), cash_rounding=increment)


class TestDiscounts:
    def test_an_instalment_has_its_own_discount_in_place_of_the_terms_one(self):
        own = EarlyPaymentDiscount(within_days=5, percent=Decimal(3))
        mixed = terms(
            line(PercentPortion(percent=50), 10, discount=own),
            line(PercentPortion(percent=50), 40),
            discount=EarlyPaymentDiscount(within_days=20, percent=Decimal(1)),
        )
        first, second = mixed.schedule(eur("200.00"), INVOICE_DATE)
        assert (first.discount, first.discount_until) == (eur("3.00"), date(2027, 1, 20))
        assert (second.discount, second.discount_until) == (eur("1.00"), date(2027, 2, 4))

    def test_only_the_instalments_with_a_discount_have_one(self):
        one = terms(
            line(PercentPortion(percent=50), 10),
            line(
                PercentPortion(percent=50),
                40,
                discount=EarlyPaymentDiscount(within_days=5, amount=eur("2.00")),
            ),
        )
        first, second = one.schedule(eur("200.00"), INVOICE_DATE)
        assert first.discount is None
        assert second.discount == eur("2.00")

    def test_refuses_an_instalment_discount_above_its_instalment(self):
        too_much = terms(
            line(
                PercentPortion(percent=100),
                40,
                discount=EarlyPaymentDiscount(within_days=5, amount=eur("20.00")),
            )
        )
        with pytest.raises(ValidationError, match="more than the instalment"):
            too_much.schedule(eur("10.00"), INVOICE_DATE)

    def test_a_discount_on_the_untaxed_base_when_the_invoice_gives_it(self):
        untaxed = terms(
            line(PercentPortion(percent=100), 30),
            discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2), on_untaxed=True),
        )
        (with_base,) = untaxed.schedule(eur("119.00"), INVOICE_DATE, untaxed_amount=eur("100.00"))
        (without_base,) = untaxed.schedule(eur("119.00"), INVOICE_DATE)
        assert with_base.discount == eur("2.00")
        assert without_base.discount == eur("2.38")

    def test_a_discount_on_the_total_ignores_the_untaxed_base(self):
        total = terms(
            line(PercentPortion(percent=100), 30),
            discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2)),
        )
        (only,) = total.schedule(eur("119.00"), INVOICE_DATE, untaxed_amount=eur("100.00"))
        assert only.discount == eur("2.38")

    def test_refuses_an_untaxed_amount_in_another_currency(self):
        with pytest.raises(CurrencyMismatch):
            terms(line(PercentPortion(percent=100), 30)).schedule(
                eur("119.00"), INVOICE_DATE, untaxed_amount=money("100.00", "USD")
            )

    def test_refuses_a_negative_untaxed_amount(self):
        with pytest.raises(ValidationError) as raised:
            terms(line(PercentPortion(percent=100), 30)).schedule(
                eur("119.00"), INVOICE_DATE, untaxed_amount=eur("-1.00")
            )
        assert raised.value.field == "untaxed_amount"

    def test_the_discount_window_outlasts_an_earlier_due_date(self):
        two_ten_net_7 = terms(
            line(PercentPortion(percent=100), 7),
            discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2)),
        )
        (only,) = two_ten_net_7.schedule(eur("100.00"), INVOICE_DATE)
        assert only.due_date == date(2027, 1, 22)
        assert only.discount_until == date(2027, 1, 25)
        assert only.amount_due_on(date(2027, 1, 25)) == eur("98.00")
        assert only.amount_due_on(date(2027, 1, 26)) == eur("100.00")

    def test_a_discount_window_may_end_on_a_rule_such_as_after_the_month_end(self):
        month_end = terms(
            line(PercentPortion(percent=100), 30),
            discount=EarlyPaymentDiscount(percent=Decimal(2), until=DaysAfterMonthEnd(days=5)),
        )
        (only,) = month_end.schedule(eur("100.00"), INVOICE_DATE)
        assert only.discount_until == date(2027, 2, 5)

    def test_refuses_both_within_days_and_another_window(self):
        with pytest.raises(ValidationError, match="either within_days or until"):
            EarlyPaymentDiscount(
                within_days=10, percent=Decimal(2), until=DaysAfterMonthEnd(days=5)
            )

    def test_round_trips_a_discount_window_through_the_converter(self):
        converter = make_converter()
        discount = EarlyPaymentDiscount(percent=Decimal(2), until=DaysAfterMonthEnd(days=5))
        data = converter.unstructure(discount)
        assert converter.structure(data, EarlyPaymentDiscount) == discount
        old_form = {"within_days": 10, "percent": "2", "amount": None}
        assert converter.structure(old_form, EarlyPaymentDiscount).last_day(INVOICE_DATE) == date(
            2027, 1, 25
        )


class TestStepRulesInTerms:
    def test_terms_take_step_rules(self):
        eom = terms(InstalmentTerm(portion=PercentPortion(percent=100), due=end_of_month_after(10)))
        (only,) = eom.schedule(eur("10.00"), date(2027, 1, 22))
        assert only.due_date == date(2027, 2, 28)


@st.composite
def erp_terms(draw: st.DrawFn) -> PaymentTerms:
    count = draw(st.integers(1, 5))
    days = draw(st.lists(st.integers(-30, 365), min_size=count, max_size=count, unique=True))
    percents = draw(
        st.lists(st.integers(1, 24).map(Decimal), min_size=count - 1, max_size=count - 1)
    )
    lines = [
        line(PercentPortion(percent=value), day) for value, day in zip(percents, days, strict=False)
    ]
    lines.insert(draw(st.integers(0, len(lines))), line(BalancePortion(), days[-1]))
    step = draw(st.sampled_from([None, Decimal("0.05"), Decimal("0.10"), Decimal(1)]))
    discount = draw(
        st.none()
        | st.builds(
            EarlyPaymentDiscount,
            within_days=st.integers(0, 60),
            percent=st.integers(1, 10).map(Decimal),
        )
    )
    return terms(*lines, cash_rounding=step, discount=discount)


invoice_amounts = st.integers(10_000, 10**9).map(lambda cents: money(Decimal(cents) / 100, "EUR"))


class TestProperties:
    @given(erp_terms(), invoice_amounts, st.dates(date(2000, 1, 1), date(2100, 1, 1)))
    def test_instalments_always_sum_to_the_total(self, terms_, amount, invoice_date):
        schedule = terms_.schedule(amount, invoice_date)
        assert sum(part.amount.amount for part in schedule) == amount.amount
        assert all(part.amount.amount >= 0 for part in schedule)

    @given(erp_terms(), invoice_amounts, st.dates(date(2000, 1, 1), date(2100, 1, 1)))
    def test_instalments_are_numbered_by_due_date(self, terms_, amount, invoice_date):
        schedule = terms_.schedule(amount, invoice_date)
        assert [part.number for part in schedule] == list(range(1, len(schedule) + 1))
        due = [part.due_date for part in schedule]
        assert due == sorted(due)
        assert due[0] >= invoice_date
