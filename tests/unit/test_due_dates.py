from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.credit.due_dates import (
    MAX_DAYS,
    MAX_MONTHS,
    DayOfFollowingMonth,
    DaysAfterInvoice,
    DaysAfterMonthEnd,
    DueDateRule,
    MonthsAfterMonthEnd,
)
from b2b_customers.errors import ValidationError

invoice_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2150, 12, 31))


def rules() -> st.SearchStrategy[DueDateRule]:
    days = st.integers(min_value=0, max_value=MAX_DAYS)
    return st.one_of(
        st.builds(DaysAfterInvoice, days=days),
        st.builds(DaysAfterMonthEnd, days=days),
        st.builds(DayOfFollowingMonth, day=st.integers(min_value=1, max_value=31), after_days=days),
        st.builds(MonthsAfterMonthEnd, months=st.integers(min_value=0, max_value=MAX_MONTHS)),
    )


class TestDaysAfterInvoice:
    def test_net_0_is_due_on_receipt(self):
        assert DaysAfterInvoice(days=0).due_date(date(2027, 3, 15)) == date(2027, 3, 15)

    def test_net_30_counts_calendar_days(self):
        assert DaysAfterInvoice(days=30).due_date(date(2027, 6, 1)) == date(2027, 7, 1)

    def test_net_30_from_january_31_crosses_a_short_february(self):
        assert DaysAfterInvoice(days=30).due_date(date(2027, 1, 31)) == date(2027, 3, 2)

    def test_net_30_from_january_31_crosses_a_leap_february(self):
        assert DaysAfterInvoice(days=30).due_date(date(2028, 1, 31)) == date(2028, 3, 1)

    def test_net_1_from_february_28_lands_on_the_leap_day(self):
        assert DaysAfterInvoice(days=1).due_date(date(2028, 2, 28)) == date(2028, 2, 29)
        assert DaysAfterInvoice(days=1).due_date(date(2027, 2, 28)) == date(2027, 3, 1)

    def test_net_30_crosses_the_year_end(self):
        assert DaysAfterInvoice(days=30).due_date(date(2027, 12, 15)) == date(2028, 1, 14)

    @pytest.mark.parametrize("days", [0, 1, MAX_DAYS])
    def test_accepts_days_within_range(self, days):
        assert DaysAfterInvoice(days=days).days == days

    @pytest.mark.parametrize("days", [-1, MAX_DAYS + 1, True, 30.0, "30", None])
    def test_refuses_days_out_of_range_or_not_whole_numbers(self, days):
        with pytest.raises(ValidationError) as raised:
            DaysAfterInvoice(days=days)
        assert raised.value.field == "days"

    def test_takes_keywords_only(self):
        with pytest.raises(TypeError):
            DaysAfterInvoice(30)  # type: ignore[call-arg]

    def test_is_frozen_and_comparable(self):
        rule = DaysAfterInvoice(days=30)
        assert rule == DaysAfterInvoice(days=30)
        assert hash(rule) == hash(DaysAfterInvoice(days=30))
        with pytest.raises(AttributeError):
            rule.days = 60  # type: ignore[misc]


class TestDaysAfterMonthEnd:
    def test_zero_days_is_the_last_day_of_the_invoice_month(self):
        assert DaysAfterMonthEnd(days=0).due_date(date(2027, 1, 15)) == date(2027, 1, 31)

    def test_zero_days_in_february_of_a_leap_year_is_the_29th(self):
        assert DaysAfterMonthEnd(days=0).due_date(date(2028, 2, 10)) == date(2028, 2, 29)

    def test_zero_days_in_february_of_a_common_year_is_the_28th(self):
        assert DaysAfterMonthEnd(days=0).due_date(date(2027, 2, 10)) == date(2027, 2, 28)

    def test_zero_days_on_the_last_day_is_that_day(self):
        assert DaysAfterMonthEnd(days=0).due_date(date(2027, 4, 30)) == date(2027, 4, 30)

    def test_30_days_counts_from_the_month_end(self):
        assert DaysAfterMonthEnd(days=30).due_date(date(2027, 1, 1)) == date(2027, 3, 2)
        assert DaysAfterMonthEnd(days=30).due_date(date(2027, 1, 31)) == date(2027, 3, 2)
        assert DaysAfterMonthEnd(days=30).due_date(date(2028, 1, 31)) == date(2028, 3, 1)

    def test_first_and_last_day_of_a_month_share_a_due_date_and_the_next_day_does_not(self):
        rule = DaysAfterMonthEnd(days=10)
        assert rule.due_date(date(2027, 3, 31)) == date(2027, 4, 10)
        assert rule.due_date(date(2027, 4, 1)) == date(2027, 5, 10)

    def test_crosses_the_year_end(self):
        assert DaysAfterMonthEnd(days=15).due_date(date(2027, 12, 3)) == date(2028, 1, 15)

    @pytest.mark.parametrize("days", [-1, MAX_DAYS + 1, False])
    def test_refuses_days_out_of_range(self, days):
        with pytest.raises(ValidationError, match="days"):
            DaysAfterMonthEnd(days=days)


class TestDayOfFollowingMonth:
    def test_is_due_on_the_day_of_the_next_month(self):
        assert DayOfFollowingMonth(day=15).due_date(date(2027, 1, 20)) == date(2027, 2, 15)

    def test_day_31_is_capped_to_february_29_in_a_leap_year(self):
        assert DayOfFollowingMonth(day=31).due_date(date(2028, 1, 15)) == date(2028, 2, 29)

    def test_day_31_is_capped_to_february_28_in_a_common_year(self):
        assert DayOfFollowingMonth(day=31).due_date(date(2027, 1, 15)) == date(2027, 2, 28)

    def test_day_29_is_capped_only_in_a_common_year(self):
        assert DayOfFollowingMonth(day=29).due_date(date(2027, 1, 5)) == date(2027, 2, 28)
        assert DayOfFollowingMonth(day=29).due_date(date(2028, 1, 5)) == date(2028, 2, 29)

    def test_day_31_is_capped_to_april_30(self):
        assert DayOfFollowingMonth(day=31).due_date(date(2027, 3, 10)) == date(2027, 4, 30)

    def test_day_31_stays_31_in_a_long_month(self):
        assert DayOfFollowingMonth(day=31).due_date(date(2027, 4, 30)) == date(2027, 5, 31)

    def test_december_invoices_fall_due_next_year(self):
        assert DayOfFollowingMonth(day=15).due_date(date(2027, 12, 31)) == date(2028, 1, 15)

    def test_after_days_picks_the_month_on_both_sides_of_its_boundary(self):
        rule = DayOfFollowingMonth(day=15, after_days=10)
        assert rule.due_date(date(2027, 1, 21)) == date(2027, 2, 15)  # +10 = 31 January
        assert rule.due_date(date(2027, 1, 22)) == date(2027, 3, 15)  # +10 = 1 February

    def test_after_days_defaults_to_zero(self):
        assert DayOfFollowingMonth(day=1).after_days == 0

    @pytest.mark.parametrize("day", [1, 31])
    def test_accepts_days_of_the_month(self, day):
        assert DayOfFollowingMonth(day=day).day == day

    @pytest.mark.parametrize("day", [0, 32, -1, "15"])
    def test_refuses_a_day_outside_1_to_31(self, day):
        with pytest.raises(ValidationError) as raised:
            DayOfFollowingMonth(day=day)
        assert raised.value.field == "day"

    @pytest.mark.parametrize("after_days", [-1, MAX_DAYS + 1])
    def test_refuses_after_days_out_of_range(self, after_days):
        with pytest.raises(ValidationError) as raised:
            DayOfFollowingMonth(day=15, after_days=after_days)
        assert raised.value.field == "after_days"


class TestMonthsAfterMonthEnd:
    def test_zero_months_is_the_end_of_the_invoice_month(self):
        assert MonthsAfterMonthEnd(months=0).due_date(date(2027, 1, 15)) == date(2027, 1, 31)

    def test_one_month_from_january_15_is_february_29_in_a_leap_year(self):
        assert MonthsAfterMonthEnd(months=1).due_date(date(2028, 1, 15)) == date(2028, 2, 29)

    def test_one_month_from_january_15_is_february_28_in_a_common_year(self):
        assert MonthsAfterMonthEnd(months=1).due_date(date(2027, 1, 15)) == date(2027, 2, 28)

    def test_one_month_from_january_31_is_the_end_of_february(self):
        assert MonthsAfterMonthEnd(months=1).due_date(date(2027, 1, 31)) == date(2027, 2, 28)
        assert MonthsAfterMonthEnd(months=1).due_date(date(2028, 1, 31)) == date(2028, 2, 29)

    def test_one_month_from_february_29_is_march_31(self):
        assert MonthsAfterMonthEnd(months=1).due_date(date(2028, 2, 29)) == date(2028, 3, 31)

    def test_twelve_months_from_a_leap_day_is_february_28(self):
        assert MonthsAfterMonthEnd(months=12).due_date(date(2028, 2, 29)) == date(2029, 2, 28)

    def test_one_month_from_december_is_the_end_of_january(self):
        assert MonthsAfterMonthEnd(months=1).due_date(date(2027, 12, 5)) == date(2028, 1, 31)

    @pytest.mark.parametrize("months", [-1, MAX_MONTHS + 1, 1.0])
    def test_refuses_months_out_of_range(self, months):
        with pytest.raises(ValidationError) as raised:
            MonthsAfterMonthEnd(months=months)
        assert raised.value.field == "months"


class TestEveryRule:
    @pytest.mark.parametrize(
        "rule",
        [
            DaysAfterInvoice(days=30),
            DaysAfterMonthEnd(days=0),
            DayOfFollowingMonth(day=15),
            MonthsAfterMonthEnd(months=1),
        ],
    )
    def test_refuses_a_datetime_as_the_invoice_date(self, rule):
        with pytest.raises(ValidationError) as raised:
            rule.due_date(datetime(2027, 1, 15, 12, 0))  # noqa: DTZ001  (the refused value)
        assert raised.value.field == "invoice_date"

    def test_explains_a_due_date_beyond_year_9999(self):
        with pytest.raises(ValidationError, match="9999"):
            DaysAfterInvoice(days=30).due_date(date(9999, 12, 15))
        with pytest.raises(ValidationError, match="9999"):
            MonthsAfterMonthEnd(months=1).due_date(date(9999, 12, 15))

    @given(rule=rules(), invoice_date=invoice_dates)
    def test_is_never_due_before_the_invoice_date(self, rule, invoice_date):
        assert rule.due_date(invoice_date) >= invoice_date

    @given(rule=rules(), invoice_date=invoice_dates, later_by=st.integers(0, 800))
    def test_never_falls_due_earlier_for_a_later_invoice(self, rule, invoice_date, later_by):
        later = invoice_date + timedelta(days=later_by)
        assert rule.due_date(later) >= rule.due_date(invoice_date)

    @given(
        rule=st.one_of(
            st.builds(DaysAfterMonthEnd, days=st.integers(0, MAX_DAYS)),
            st.builds(MonthsAfterMonthEnd, months=st.integers(0, MAX_MONTHS)),
        ),
        invoice_date=invoice_dates,
    )
    def test_month_end_rules_ignore_the_day_of_the_month(self, rule, invoice_date):
        assert rule.due_date(invoice_date) == rule.due_date(invoice_date.replace(day=1))
