from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from b2b_customers.domain.company import Weekday
from b2b_customers.errors import ValidationError
from b2b_customers.limits.periods import (
    MAX_PERIOD_DAYS,
    CalendarPeriod,
    CalendarUnit,
    Period,
    RecurrencePeriod,
    RollingPeriod,
    Window,
    local_day,
    window_of,
)

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # 30-minute DST
    "America/Santiago",  # midnight skipped in September
    "Asia/Kolkata",
    "Pacific/Apia",  # skipped 30 December 2011
    "UTC",
    "America/Havana",  # midnight skipped in March, repeated in November
    "Asia/Beirut",  # midnight skipped in March
    "America/Goose_Bay",  # until 2010: 00:01 back to 23:01 the day before
    "America/Toronto",  # 1919: 23:30 forward to 00:30
]
# Local days with a DST change (or a skipped day) in some of the zones above.
TRANSITION_DAYS = [
    date(2026, 3, 29),  # Europe, Beirut spring
    date(2026, 10, 25),  # Europe, Beirut autumn
    date(2026, 3, 8),  # US, Havana spring
    date(2026, 11, 1),  # US, Havana autumn
    date(2026, 4, 5),  # Santiago, Lord Howe autumn
    date(2026, 9, 6),  # Santiago spring
    date(2026, 10, 4),  # Lord Howe spring
    date(2028, 2, 29),  # a leap day
    date(2020, 4, 5),  # Apia's last DST end
    date(2011, 12, 30),  # Apia's skipped day
    date(2009, 11, 1),  # Goose Bay backward across midnight
    date(1919, 3, 31),  # Toronto forward across midnight
]
RULES = [
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=MONTHLY;BYMONTHDAY=15",
    "FREQ=MONTHLY;BYMONTHDAY=1,15",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=MONTHLY;INTERVAL=3",
    "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=1",
]
CALENDAR_DAYS = {
    CalendarUnit.DAY: {1},
    CalendarUnit.WEEK: {7},
    CalendarUnit.MONTH: {28, 29, 30, 31},
    CalendarUnit.QUARTER: {90, 91, 92},
    CalendarUnit.YEAR: {365, 366},
}
ONE_MICROSECOND = timedelta(microseconds=1)

zones = st.sampled_from(ZONES)
weekdays = st.sampled_from(Weekday)
calendar_periods = st.builds(CalendarPeriod, unit=st.sampled_from(CalendarUnit))
rolling_periods = st.builds(
    RollingPeriod,
    days=st.one_of(st.integers(1, 40), st.integers(1, MAX_PERIOD_DAYS)),
)


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Instants anywhere from 1990 to 2060, or within three days of a DST change."""
    near = st.builds(
        lambda day, seconds: (
            datetime.combine(day, time(12), tzinfo=UTC) + timedelta(seconds=seconds)
        ),
        st.sampled_from(TRANSITION_DAYS),
        st.integers(-3 * 86_400, 3 * 86_400),
    )
    anywhere = st.datetimes(
        min_value=datetime(1990, 1, 1),  # noqa: DTZ001 (Hypothesis takes naive bounds)
        max_value=datetime(2060, 12, 31),  # noqa: DTZ001 (Hypothesis takes naive bounds)
        timezones=st.just(UTC),
    )
    instant = draw(st.one_of(near, anywhere))
    instant += timedelta(microseconds=draw(st.integers(0, 999_999)))
    # The zone an instant is written in must not matter; the company's own zone included.
    return instant.astimezone(ZoneInfo(draw(zones)))


@st.composite
def cases(draw: st.DrawFn, kinds: st.SearchStrategy[str]) -> tuple[Period, datetime, str, Weekday]:
    zone, instant, first_weekday = draw(zones), draw(instants()), draw(weekdays)
    kind = draw(kinds)
    period: Period
    if kind == "calendar":
        period = draw(calendar_periods)
    elif kind == "day":
        period = CalendarPeriod(unit=CalendarUnit.DAY)
    elif kind == "rolling":
        period = draw(rolling_periods)
    else:
        anchor = local_day(instant, zone) - timedelta(days=draw(st.integers(0, 800)))
        period = RecurrencePeriod(rule=draw(st.sampled_from(RULES)), anchor=anchor)
    return period, instant, zone, first_weekday


any_case = cases(st.sampled_from(["calendar", "rolling", "recurrence"]))
partitioning_case = cases(st.sampled_from(["calendar", "recurrence"]))
calendar_case = cases(st.just("calendar"))
rolling_case = cases(st.just("rolling"))


def midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def wall(instant: datetime, zone: str) -> datetime:
    # Through UTC: astimezone() to the instant's own tzinfo would return it unchanged.
    return instant.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def midnight_exists(day: date, zone: str) -> bool:
    return wall(midnight(day).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC), zone) == midnight(day)


def assert_starts_day(instant: datetime, day: date, zone: str) -> None:
    """``instant`` is local midnight of ``day``, or the first instant of it where there is none."""
    if midnight_exists(day, zone):
        assert wall(instant, zone) == midnight(day)
    else:
        assert wall(instant, zone) > midnight(day)
    assert wall(instant - ONE_MICROSECOND, zone) < midnight(day)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def window(period: Period, instant: datetime, zone: str = "UTC", **kwargs: Weekday) -> Window:
    return window_of(period, instant, time_zone=zone, **kwargs)


DAY = CalendarPeriod(unit="day")
WEEK = CalendarPeriod(unit="week")
MONTH = CalendarPeriod(unit="month")
QUARTER = CalendarPeriod(unit="quarter")
YEAR = CalendarPeriod(unit="year")


class TestEveryWindow:
    @given(any_case)
    def test_contains_the_instant_and_starts_before_it_ends(self, case):
        period, instant, zone, first_weekday = case
        w = window(period, instant, zone, week_starts_on=first_weekday)
        assert w.contains(instant)
        assert w.start < w.end
        assert w.first_day <= local_day(instant, zone) <= w.last_day

    @given(any_case)
    def test_reads_as_local_wall_time_in_the_company_zone(self, case):
        period, instant, zone, first_weekday = case
        w = window(period, instant, zone, week_starts_on=first_weekday)
        for boundary in (w.start, w.end):
            assert boundary.replace(tzinfo=None) == wall(boundary, zone)

    @given(any_case)
    def test_starts_and_ends_at_the_start_of_a_local_day(self, case):
        period, instant, zone, first_weekday = case
        w = window(period, instant, zone, week_starts_on=first_weekday)
        assert_starts_day(w.start, w.first_day, zone)
        assert_starts_day(w.end, w.last_day + timedelta(days=1), zone)

    @given(any_case)
    def test_days_run_from_first_to_last_day_without_gaps(self, case):
        period, instant, zone, first_weekday = case
        w = window(period, instant, zone, week_starts_on=first_weekday)
        days = list(w.days())
        assert days[0] == w.first_day
        assert days[-1] == w.last_day
        assert all(later - earlier == timedelta(days=1) for earlier, later in pairwise(days))
        assert len(days) == (w.last_day - w.first_day).days + 1

    @given(any_case, st.integers(-40 * 86_400, 40 * 86_400))
    def test_holds_exactly_the_instants_whose_local_day_it_covers(self, case, seconds):
        period, instant, zone, first_weekday = case
        w = window(period, instant, zone, week_starts_on=first_weekday)
        other = instant.astimezone(UTC) + timedelta(seconds=seconds)
        assert w.contains(other) == (w.first_day <= local_day(other, zone) <= w.last_day)


class TestPartition:
    @given(partitioning_case)
    def test_the_next_window_starts_exactly_where_this_one_ends(self, case):
        period, instant, zone, first_weekday = case
        w = window(period, instant, zone, week_starts_on=first_weekday)
        following = window(period, w.end, zone, week_starts_on=first_weekday)
        assert following.start == w.end
        assert following.first_day == w.last_day + timedelta(days=1)

    @given(partitioning_case)
    def test_the_previous_window_ends_exactly_where_this_one_starts(self, case):
        period, instant, zone, first_weekday = case
        w = window(period, instant, zone, week_starts_on=first_weekday)
        assume(not isinstance(period, RecurrencePeriod) or w.first_day > period.anchor)
        previous = window(period, w.start - ONE_MICROSECOND, zone, week_starts_on=first_weekday)
        assert previous.end == w.start
        assert previous.last_day == w.first_day - timedelta(days=1)

    @given(partitioning_case)
    def test_the_first_and_last_instant_of_a_window_give_the_same_window(self, case):
        period, instant, zone, first_weekday = case
        w = window(period, instant, zone, week_starts_on=first_weekday)
        assert window(period, w.start, zone, week_starts_on=first_weekday) == w
        assert window(period, w.end - ONE_MICROSECOND, zone, week_starts_on=first_weekday) == w


class TestCalendarPeriod:
    @given(calendar_case)
    def test_first_day_is_where_the_unit_starts(self, case):
        period, instant, zone, first_weekday = case
        assert isinstance(period, CalendarPeriod)
        w = window(period, instant, zone, week_starts_on=first_weekday)
        unit, first = period.unit, w.first_day
        if unit is CalendarUnit.WEEK:
            assert first.weekday() == first_weekday
        if unit in {CalendarUnit.MONTH, CalendarUnit.QUARTER, CalendarUnit.YEAR}:
            assert first.day == 1
        if unit is CalendarUnit.QUARTER:
            assert first.month in {1, 4, 7, 10}
        if unit is CalendarUnit.YEAR:
            assert first.month == 1
        assert len(list(w.days())) in CALENDAR_DAYS[unit]

    @given(cases(st.just("day")))
    def test_a_local_day_lasts_23_to_25_hours(self, case):
        period, instant, zone, _ = case
        w = window(period, instant, zone)
        assert timedelta(hours=23) <= w.end - w.start <= timedelta(hours=25)

    def test_a_week_starts_on_monday_by_default(self):
        w = window(WEEK, utc(2026, 3, 4, 12), "Europe/Berlin")  # a Wednesday
        assert (w.first_day, w.last_day) == (date(2026, 3, 2), date(2026, 3, 8))

    def test_a_week_starting_on_sunday_starts_the_sunday_before(self):
        w = window(WEEK, utc(2026, 3, 4, 12), "Europe/Berlin", week_starts_on=Weekday.SUNDAY)
        assert (w.first_day, w.last_day) == (date(2026, 3, 1), date(2026, 3, 7))
        assert w.start == datetime(2026, 3, 1, tzinfo=ZoneInfo("Europe/Berlin"))

    def test_a_sunday_is_the_last_day_of_a_monday_week_and_the_first_of_a_sunday_week(self):
        sunday = utc(2026, 3, 8, 12)
        assert window(WEEK, sunday).last_day == date(2026, 3, 8)
        assert window(WEEK, sunday, week_starts_on=Weekday.SUNDAY).first_day == date(2026, 3, 8)

    def test_a_berlin_order_at_2330_utc_on_january_31_belongs_to_february(self):
        instant = utc(2026, 1, 31, 23, 30)  # 00:30 on 1 February in Berlin
        w = window(MONTH, instant, "Europe/Berlin")
        assert (w.first_day, w.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
        assert w.start == utc(2026, 1, 31, 23)
        assert w.end == utc(2026, 2, 28, 23)
        assert local_day(instant, "Europe/Berlin") == date(2026, 2, 1)

    def test_the_same_instant_is_still_january_in_new_york(self):
        w = window(MONTH, utc(2026, 1, 31, 23, 30), "America/New_York")
        assert (w.first_day, w.last_day) == (date(2026, 1, 1), date(2026, 1, 31))

    @pytest.mark.parametrize(
        ("month", "first_month"),
        {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 4, 7: 7, 8: 7, 9: 7, 10: 10, 11: 10, 12: 10}.items(),
    )
    def test_quarters_start_in_january_april_july_and_october(self, month, first_month):
        w = window(QUARTER, utc(2026, month, 15))
        assert w.first_day == date(2026, first_month, 1)
        last_days = {1: date(2026, 3, 31), 4: date(2026, 6, 30), 7: date(2026, 9, 30)}
        assert w.last_day == last_days.get(first_month, date(2026, 12, 31))

    def test_the_second_quarter_starts_at_local_midnight_on_april_1(self):
        last_q1 = utc(2026, 3, 31, 21, 59)  # 23:59 CEST
        first_q2 = utc(2026, 3, 31, 22)  # 00:00 CEST on 1 April
        assert window(QUARTER, last_q1, "Europe/Berlin").last_day == date(2026, 3, 31)
        q2 = window(QUARTER, first_q2, "Europe/Berlin")
        assert (q2.first_day, q2.last_day) == (date(2026, 4, 1), date(2026, 6, 30))
        assert q2.start == first_q2
        assert q2.end == utc(2026, 6, 30, 22)

    def test_february_of_a_leap_year_has_29_days(self):
        w = window(MONTH, utc(2028, 2, 29, 12), "Europe/Berlin")
        assert (w.first_day, w.last_day) == (date(2028, 2, 1), date(2028, 2, 29))
        assert len(list(w.days())) == 29

    def test_a_leap_year_has_366_days(self):
        w = window(YEAR, utc(2028, 2, 29, 12), "Europe/Berlin")
        assert (w.first_day, w.last_day) == (date(2028, 1, 1), date(2028, 12, 31))
        assert len(list(w.days())) == 366

    def test_the_leap_day_is_a_day_of_its_own(self):
        w = window(DAY, utc(2028, 2, 29, 12), "Europe/Berlin")
        assert (w.first_day, w.last_day) == (date(2028, 2, 29), date(2028, 2, 29))

    @pytest.mark.parametrize(
        ("zone", "day", "hours"),
        [
            ("Europe/Berlin", date(2026, 3, 29), 23),
            ("Europe/Berlin", date(2026, 10, 25), 25),
            ("America/New_York", date(2026, 3, 8), 23),
            ("America/New_York", date(2026, 11, 1), 25),
            ("Australia/Lord_Howe", date(2026, 4, 5), 24.5),
            ("Australia/Lord_Howe", date(2026, 10, 4), 23.5),
            ("Asia/Kolkata", date(2026, 3, 29), 24),
        ],
    )
    def test_dst_days_are_shorter_or_longer(self, zone, day, hours):
        w = window(DAY, datetime.combine(day, time(12), tzinfo=ZoneInfo(zone)), zone)
        assert w.end - w.start == timedelta(hours=hours)


class TestDaysWithoutOrWithTwoMidnights:
    @pytest.mark.parametrize(
        ("zone", "day", "first_instant"),
        [
            ("America/Havana", date(2026, 3, 8), utc(2026, 3, 8, 5)),  # 00:00 -> 01:00
            ("America/Santiago", date(2026, 9, 6), utc(2026, 9, 6, 4)),  # 00:00 -> 01:00
            ("Asia/Beirut", date(2026, 3, 29), utc(2026, 3, 28, 22)),  # 00:00 -> 01:00
            ("America/Toronto", date(1919, 3, 31), utc(1919, 3, 31, 4, 30)),  # 23:30 -> 00:30
        ],
    )
    def test_a_day_without_midnight_starts_when_the_clocks_jump(self, zone, day, first_instant):
        w = window(DAY, datetime.combine(day, time(12), tzinfo=ZoneInfo(zone)), zone)
        assert w.first_day == day
        assert w.start == first_instant
        assert not midnight_exists(day, zone)
        assert window(DAY, first_instant - ONE_MICROSECOND, zone).end == first_instant
        assert local_day(first_instant - ONE_MICROSECOND, zone) == day - timedelta(days=1)

    def test_a_month_starting_without_midnight_starts_when_the_clocks_jump(self):
        # Havana skipped midnight on Sunday 1 April 2012.
        w = window(MONTH, utc(2012, 4, 15), "America/Havana")
        assert w.first_day == date(2012, 4, 1)
        assert w.start.isoformat() == "2012-04-01T01:00:00-04:00"
        assert window(MONTH, w.start - ONE_MICROSECOND, "America/Havana").end == w.start

    def test_a_repeated_midnight_starts_the_day_at_its_first_occurrence(self):
        # Havana on 1 November 2026: 01:00 CDT goes back to 00:00 CST.
        w = window(DAY, utc(2026, 11, 1, 12), "America/Havana")
        assert w.start == utc(2026, 11, 1, 4)
        assert w.start.isoformat() == "2026-11-01T00:00:00-04:00"
        assert w.end - w.start == timedelta(hours=25)
        assert window(DAY, utc(2026, 11, 1, 3, 59), "America/Havana").end == w.start

    def test_minutes_repeated_after_a_backward_jump_over_midnight_belong_to_the_new_day(self):
        # Goose Bay on 1 November 2009: 00:01 ADT goes back to 23:01 AST on 31 October.
        instant = utc(2009, 11, 1, 3, 30)
        assert instant.astimezone(ZoneInfo("America/Goose_Bay")).isoformat() == (
            "2009-10-31T23:30:00-04:00"
        )
        assert local_day(instant, "America/Goose_Bay") == date(2009, 11, 1)
        w = window(DAY, instant, "America/Goose_Bay")
        assert (w.first_day, w.start) == (date(2009, 11, 1), utc(2009, 11, 1, 3))
        assert w.contains(instant)

    def test_a_skipped_day_holds_no_instant(self):
        # Apia skipped 30 December 2011: 23:59:59 on the 29th was followed by the 31st.
        jump = utc(2011, 12, 30, 10)
        assert local_day(jump - ONE_MICROSECOND, "Pacific/Apia") == date(2011, 12, 29)
        assert local_day(jump, "Pacific/Apia") == date(2011, 12, 31)
        before = window(DAY, jump - ONE_MICROSECOND, "Pacific/Apia")
        assert (before.last_day, before.end) == (date(2011, 12, 29), jump)
        assert window(DAY, jump, "Pacific/Apia").start == jump

    @given(zones.filter(lambda zone: zone != "America/Goose_Bay"), instants())
    def test_the_local_day_is_the_wall_clock_date_where_clocks_never_go_back_over_midnight(
        self, zone, instant
    ):
        assert local_day(instant, zone) == wall(instant, zone).date()


class TestRollingPeriod:
    @given(rolling_case)
    def test_covers_exactly_its_days_ending_on_the_local_day_of_the_instant(self, case):
        period, instant, zone, first_weekday = case
        assert isinstance(period, RollingPeriod)
        w = window(period, instant, zone, week_starts_on=first_weekday)
        assert w.last_day == local_day(instant, zone)
        assert len(list(w.days())) == period.days
        assert w.first_day == w.last_day - timedelta(days=period.days - 1)

    def test_thirty_days_on_january_31_start_on_january_2(self):
        w = window(RollingPeriod(days=30), utc(2026, 1, 31, 12), "Europe/Berlin")
        assert (w.first_day, w.last_day) == (date(2026, 1, 2), date(2026, 1, 31))
        assert w.start == utc(2026, 1, 1, 23)
        assert w.end == utc(2026, 1, 31, 23)

    def test_one_day_is_today(self):
        w = window(RollingPeriod(days=1), utc(2026, 10, 25, 12), "Europe/Berlin")
        assert w == window(DAY, utc(2026, 10, 25, 12), "Europe/Berlin")


class TestRecurrencePeriod:
    BIWEEKLY = RecurrencePeriod(rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", anchor=date(2026, 1, 5))

    def test_a_biweekly_rule_cuts_fortnights_from_the_anchor(self):
        first = window(self.BIWEEKLY, utc(2026, 1, 5), "UTC")
        assert (first.first_day, first.last_day) == (date(2026, 1, 5), date(2026, 1, 18))
        second = window(self.BIWEEKLY, utc(2026, 1, 20, 9), "UTC")
        assert (second.first_day, second.last_day) == (date(2026, 1, 19), date(2026, 2, 1))

    def test_boundaries_are_local_midnights(self):
        # 23:30 UTC on Sunday 18 January is already Monday 19 January in Berlin.
        w = window(self.BIWEEKLY, utc(2026, 1, 18, 23, 30), "Europe/Berlin")
        assert w.first_day == date(2026, 1, 19)
        assert w.start == utc(2026, 1, 18, 23)

    def test_a_monthly_rule_runs_from_the_15th_to_the_14th(self):
        period = RecurrencePeriod(rule="FREQ=MONTHLY;BYMONTHDAY=15", anchor=date(2026, 1, 15))
        w = window(period, utc(2026, 3, 1), "UTC")
        assert (w.first_day, w.last_day) == (date(2026, 2, 15), date(2026, 3, 14))

    def test_the_anchor_is_a_boundary_even_where_the_rule_does_not_match_it(self):
        period = RecurrencePeriod(rule="FREQ=WEEKLY;BYDAY=MO", anchor=date(2026, 1, 7))
        w = window(period, utc(2026, 1, 9), "UTC")
        assert (w.first_day, w.last_day) == (date(2026, 1, 7), date(2026, 1, 11))
        assert window(period, w.end, "UTC").last_day == date(2026, 1, 18)

    def test_a_rule_with_a_count_ends_after_its_last_occurrence(self):
        period = RecurrencePeriod(rule="FREQ=MONTHLY;COUNT=3", anchor=date(2026, 1, 1))
        w = window(period, utc(2026, 2, 10), "UTC")
        assert (w.first_day, w.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
        with pytest.raises(ValidationError) as error:
            window(period, utc(2026, 3, 5), "UTC")
        assert error.value.field == "instant"

    def test_leap_days_recur_even_across_2100(self):
        period = RecurrencePeriod(
            rule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", anchor=date(2096, 2, 29)
        )
        w = window(period, utc(2100, 6, 1), "UTC")
        assert (w.first_day, w.last_day) == (date(2096, 2, 29), date(2104, 2, 28))

    def test_the_rule_is_stored_upper_case_without_a_prefix(self):
        period = RecurrencePeriod(rule=" rrule:freq=daily ", anchor=date(2026, 1, 1))
        assert period == RecurrencePeriod(rule="FREQ=DAILY", anchor=date(2026, 1, 1))

    def test_week_starts_on_does_not_move_a_recurrence(self):
        sunday = window(self.BIWEEKLY, utc(2026, 1, 20), week_starts_on=Weekday.SUNDAY)
        assert sunday == window(self.BIWEEKLY, utc(2026, 1, 20))


class TestWindow:
    def test_contains_compares_instants_not_wall_clock_times(self):
        zone = ZoneInfo("Europe/Berlin")
        w = window(DAY, utc(2026, 10, 25, 12), "Europe/Berlin")
        first = datetime(2026, 10, 25, 2, 30, tzinfo=zone)  # CEST
        second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=zone)  # CET, an hour later
        assert w.contains(first)
        assert w.contains(second)
        assert window(DAY, second, "Europe/Berlin") == w

    def test_refuses_a_naive_instant_to_contain(self):
        w = window(DAY, utc(2026, 1, 1))
        with pytest.raises(ValidationError) as error:
            w.contains(datetime(2026, 1, 1, 12))  # noqa: DTZ001 (the naive datetime is the point)
        assert error.value.field == "instant"

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"end": utc(2026, 1, 1)}, "end"),
            ({"start": datetime(2026, 1, 1)}, "start"),  # noqa: DTZ001 (naive on purpose)
            ({"last_day": date(2025, 12, 31)}, "last_day"),
            ({"first_day": datetime(2026, 1, 1, tzinfo=UTC)}, "first_day"),
        ],
    )
    def test_refuses_an_inconsistent_window(self, fields, field):
        good = {
            "start": utc(2026, 1, 1),
            "end": utc(2026, 1, 2),
            "first_day": date(2026, 1, 1),
            "last_day": date(2026, 1, 1),
        }
        with pytest.raises(ValidationError) as error:
            Window(**(good | fields))
        assert error.value.field == field


class TestInvalidInput:
    @pytest.mark.parametrize(
        ("rule", "anchor"),
        [
            ("not a rule", date(2026, 1, 1)),
            ("FREQ=DAILY;BYDAY=XX", date(2026, 1, 1)),
            ("FREQ=DAILY;;", date(2026, 1, 1)),
            ("FREQ=HOURLY", date(2026, 1, 1)),
            ("FREQ=MINUTELY;INTERVAL=30", date(2026, 1, 1)),
            ("FREQ=SECONDLY", date(2026, 1, 1)),
            ("FREQ=DAILY;BYHOUR=9", date(2026, 1, 1)),
            ("FREQ=WEEKLY;BYMINUTE=30", date(2026, 1, 1)),
            ("FREQ=MONTHLY;BYSECOND=1", date(2026, 1, 1)),
            ("FREQ=DAILY;INTERVAL=0", date(2026, 1, 1)),
            ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", date(2026, 1, 1)),
            ("FREQ=DAILY;UNTIL=20270101T000000Z", date(2026, 1, 1)),
            ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", date(2026, 1, 1)),
            ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", date(2026, 1, 1)),
            ("FREQ=WEEKLY;BYDAY=MO;COUNT=1", date(2026, 1, 5)),
            ("FREQ=DAILY;UNTIL=20251231", date(2026, 1, 1)),
            ("FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20260110", date(2026, 1, 1)),
            ("FREQ=YEARLY;INTERVAL=11", date(2026, 1, 1)),  # windows of more than ten years
            ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", date(2026, 1, 1)),  # next in 2044
            ("FREQ=YEARLY;BYEASTER=0", date(2026, 1, 1)),
            ("", date(2026, 1, 1)),
            (42, date(2026, 1, 1)),
        ],
    )
    def test_a_bad_rule_is_refused_naming_the_rule(self, rule, anchor):
        with pytest.raises(ValidationError) as error:
            RecurrencePeriod(rule=rule, anchor=anchor)
        assert error.value.field == "rule"

    @pytest.mark.parametrize("anchor", [datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01", None])
    def test_an_anchor_must_be_a_date(self, anchor):
        with pytest.raises(ValidationError) as error:
            RecurrencePeriod(rule="FREQ=DAILY", anchor=anchor)
        assert error.value.field == "anchor"

    @pytest.mark.parametrize("days", [0, -1, MAX_PERIOD_DAYS + 1, True, 1.5, "7"])
    def test_a_rolling_period_needs_1_to_3660_whole_days(self, days):
        with pytest.raises(ValidationError) as error:
            RollingPeriod(days=days)
        assert error.value.field == "days"

    @pytest.mark.parametrize("unit", ["fortnight", "DAY", 1, None])
    def test_an_unknown_calendar_unit_is_refused(self, unit):
        with pytest.raises(ValidationError) as error:
            CalendarPeriod(unit=unit)
        assert error.value.field == "unit"

    def test_a_naive_instant_is_refused(self):
        with pytest.raises(ValidationError) as error:
            window(MONTH, datetime(2026, 1, 1, 12))  # noqa: DTZ001 (naive on purpose)
        assert error.value.field == "instant"
        with pytest.raises(ValidationError):
            local_day(datetime(2026, 1, 1, 12), "UTC")  # noqa: DTZ001 (naive on purpose)

    @pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "localtime", "../etc/passwd", None])
    def test_an_unknown_zone_or_the_servers_zone_is_refused(self, zone):
        with pytest.raises(ValidationError) as error:
            window(MONTH, utc(2026, 1, 1), zone)
        assert error.value.field == "time_zone"
        with pytest.raises(ValidationError):
            local_day(utc(2026, 1, 1), zone)

    @pytest.mark.parametrize("first_weekday", [7, -1, "monday"])
    def test_an_unknown_first_weekday_is_refused(self, first_weekday):
        with pytest.raises(ValidationError) as error:
            window_of(WEEK, utc(2026, 1, 1), time_zone="UTC", week_starts_on=first_weekday)
        assert error.value.field == "week_starts_on"

    def test_an_instant_before_the_anchor_is_refused(self):
        period = RecurrencePeriod(rule="FREQ=MONTHLY", anchor=date(2026, 1, 1))
        with pytest.raises(ValidationError) as error:
            window(period, utc(2025, 12, 31, 23, 30), "Europe/Lisbon")
        assert error.value.field == "instant"
        # ...though 23:30 UTC is already 1 January in Berlin.
        assert window(period, utc(2025, 12, 31, 23, 30), "Europe/Berlin").first_day == date(
            2026, 1, 1
        )

    def test_something_else_than_a_period_is_refused(self):
        with pytest.raises(ValidationError) as error:
            window_of("month", utc(2026, 1, 1), time_zone="UTC")  # type: ignore[arg-type]
        assert error.value.field == "period"

    @pytest.mark.parametrize(
        "instant",
        [datetime.max.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC)],
    )
    def test_an_instant_at_the_end_of_the_calendar_is_refused(self, instant):
        with pytest.raises(ValidationError) as error:
            window(YEAR, instant, "Pacific/Kiritimati")
        assert error.value.field == "instant"
