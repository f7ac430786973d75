from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.credit.due_dates import (
    MAX_DAYS,
    MAX_MONTHS,
    MAX_STEPS,
    AddDays,
    AddMonths,
    DayOfFollowingMonth,
    DayOfMonth,
    DaysAfterInvoice,
    DaysAfterMonthEnd,
    DueDateRule,
    DueDateStep,
    DueDateSteps,
    EndOfMonth,
    MonthsAfterMonthEnd,
    NextWeekday,
    day_of_following_month,
    end_of_month_after,
    months_end_of_month_days,
    net_days,
    next_day_of_month,
)
from b2b_customers.errors import ValidationError
from b2b_customers.serialization import make_converter

invoice_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2150, 12, 31))
FRIDAY = 4


def steps() -> st.SearchStrategy[DueDateStep]:
    return st.one_of(
        st.builds(AddDays, days=st.integers(-400, 400)),
        st.builds(AddMonths, months=st.integers(-24, 24)),
        st.just(EndOfMonth()),
        st.builds(DayOfMonth, day=st.integers(1, 31), on_or_after=st.booleans()),
        st.builds(NextWeekday, weekday=st.integers(0, 6)),
    )


def step_rules() -> st.SearchStrategy[DueDateSteps]:
    return st.lists(steps(), max_size=MAX_STEPS).map(lambda items: DueDateSteps(steps=items))


class TestSteps:
    def test_add_days_goes_back_with_a_negative_offset(self):
        assert AddDays(days=-5).apply(date(2027, 3, 1)) == date(2027, 2, 24)

    def test_add_months_caps_the_day_at_the_month_length(self):
        assert AddMonths(months=1).apply(date(2027, 1, 31)) == date(2027, 2, 28)
        assert AddMonths(months=-1).apply(date(2028, 3, 31)) == date(2028, 2, 29)

    def test_end_of_month_is_the_last_day(self):
        assert EndOfMonth().apply(date(2028, 2, 3)) == date(2028, 2, 29)

    def test_day_of_month_is_the_next_such_day_on_or_after(self):
        assert DayOfMonth(day=15).apply(date(2027, 1, 10)) == date(2027, 1, 15)
        assert DayOfMonth(day=15).apply(date(2027, 1, 15)) == date(2027, 1, 15)
        assert DayOfMonth(day=15).apply(date(2027, 1, 16)) == date(2027, 2, 15)

    def test_day_31_on_or_after_is_the_month_end(self):
        assert DayOfMonth(day=31).apply(date(2027, 4, 2)) == date(2027, 4, 30)

    def test_day_of_the_same_month_may_be_earlier(self):
        assert DayOfMonth(day=5, on_or_after=False).apply(date(2027, 1, 20)) == date(2027, 1, 5)

    def test_next_weekday_is_on_or_after(self):
        # 1 January 2027 is a Friday.
        assert NextWeekday(weekday=FRIDAY).apply(date(2027, 1, 1)) == date(2027, 1, 1)
        assert NextWeekday(weekday=FRIDAY).apply(date(2027, 1, 2)) == date(2027, 1, 8)

    @pytest.mark.parametrize(
        ("build", "value"),
        [
            (AddDays, MAX_DAYS + 1),
            (AddDays, -MAX_DAYS - 1),
            (AddMonths, MAX_MONTHS + 1),
            (AddMonths, 1.0),
        ],
    )
    def test_refuses_offsets_out_of_range(self, build, value):
        field = "days" if build is AddDays else "months"
        with pytest.raises(ValidationError) as raised:
            build(**{field: value})
        assert raised.value.field == field

    @pytest.mark.parametrize("day", [0, 32, "15"])
    def test_refuses_a_day_of_month_out_of_range(self, day):
        with pytest.raises(ValidationError):
            DayOfMonth(day=day)

    @pytest.mark.parametrize("weekday", [-1, 7, None])
    def test_refuses_a_weekday_out_of_range(self, weekday):
        with pytest.raises(ValidationError):
            NextWeekday(weekday=weekday)


class TestDueDateSteps:
    def test_no_steps_is_due_on_the_invoice_date(self):
        assert DueDateSteps(steps=()).due_date(date(2027, 5, 5)) == date(2027, 5, 5)

    def test_converts_a_list_of_steps(self):
        assert DueDateSteps(steps=[EndOfMonth()]).steps == (EndOfMonth(),)

    def test_refuses_something_other_than_steps(self):
        with pytest.raises(ValidationError, match="every step"):
            DueDateSteps(steps=[DaysAfterInvoice(days=3)])  # type: ignore[list-item]

    def test_refuses_too_many_steps(self):
        with pytest.raises(ValidationError, match="steps"):
            DueDateSteps(steps=[EndOfMonth()] * (MAX_STEPS + 1))

    def test_never_falls_due_before_the_invoice_date(self):
        # End of month - 5 days, invoiced on the 28th: the 26th has passed.
        rule = DueDateSteps(steps=(EndOfMonth(), AddDays(days=-5)))
        assert rule.due_date(date(2027, 1, 10)) == date(2027, 1, 26)
        assert rule.due_date(date(2027, 1, 28)) == date(2027, 1, 28)

    def test_refuses_a_datetime_as_the_invoice_date(self):
        with pytest.raises(ValidationError):
            net_days(3).due_date("2027-01-01")  # type: ignore[arg-type]

    def test_refuses_a_due_date_beyond_year_9999(self):
        with pytest.raises(ValidationError, match="9999"):
            net_days(30).due_date(date(9999, 12, 20))


class TestPresets:
    def test_net_days(self):
        assert net_days(30).due_date(date(2027, 1, 31)) == date(2027, 3, 2)

    def test_end_of_the_month_in_which_invoice_date_plus_n_falls(self):
        assert end_of_month_after(10).due_date(date(2027, 1, 21)) == date(2027, 1, 31)
        assert end_of_month_after(10).due_date(date(2027, 1, 22)) == date(2027, 2, 28)

    def test_months_then_month_end_then_days(self):
        assert months_end_of_month_days(1, 10).due_date(date(2027, 1, 15)) == date(2027, 3, 10)
        assert months_end_of_month_days(0).due_date(date(2027, 1, 15)) == date(2027, 1, 31)

    def test_next_day_of_month_on_or_after_invoice_date_plus_n(self):
        assert next_day_of_month(15, after_days=30).due_date(date(2027, 1, 10)) == date(2027, 2, 15)
        assert next_day_of_month(15, after_days=30).due_date(date(2027, 1, 20)) == date(2027, 3, 15)

    def test_fixed_day_of_the_following_month(self):
        assert day_of_following_month(10).due_date(date(2027, 1, 31)) == date(2027, 2, 10)
        assert day_of_following_month(31).due_date(date(2027, 3, 1)) == date(2027, 4, 30)


class TestLegacyRulesAreStepPresets:
    @given(
        rule=st.one_of(
            st.builds(DaysAfterInvoice, days=st.integers(0, 400)),
            st.builds(DaysAfterMonthEnd, days=st.integers(0, 400)),
            st.builds(DayOfFollowingMonth, day=st.integers(1, 31), after_days=st.integers(0, 400)),
            st.builds(MonthsAfterMonthEnd, months=st.integers(0, 24)),
        ),
        invoice_date=invoice_dates,
    )
    def test_a_legacy_rule_is_due_when_its_steps_are(self, rule, invoice_date):
        assert rule.due_date(invoice_date) == DueDateSteps(steps=rule.steps).due_date(invoice_date)

    def test_the_stored_form_of_earlier_releases_still_loads(self):
        converter = make_converter()
        loaded: DueDateRule = converter.structure(
            {"kind": "day_of_following_month", "day": 10, "after_days": 5},
            DueDateRule,  # type: ignore[arg-type]  # a union, which cattrs structures
        )
        assert loaded == DayOfFollowingMonth(day=10, after_days=5)


class TestStepProperties:
    @given(rule=step_rules(), invoice_date=invoice_dates)
    def test_never_due_before_the_invoice_date(self, rule, invoice_date):
        assert rule.due_date(invoice_date) >= invoice_date

    @given(rule=step_rules(), first=invoice_dates, second=invoice_dates)
    def test_a_later_invoice_is_never_due_earlier(self, rule, first, second):
        early, late = sorted((first, second))
        assert rule.due_date(early) <= rule.due_date(late)

    @given(rule=step_rules())
    def test_round_trips_through_the_converter(self, rule):
        converter = make_converter()
        data = converter.unstructure(rule, DueDateRule)
        assert converter.structure(data, DueDateRule) == rule  # type: ignore[arg-type]
