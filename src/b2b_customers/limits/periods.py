"""Budget periods: which window of time an instant falls into, in the company's time zone.

A budget ("at most 5,000 EUR a month") counts the spend of one **window**: a
half-open interval of instants ``[start, end)`` made of whole local calendar
days. Three kinds of period say how windows are cut:

- [`CalendarPeriod`][b2b_customers.limits.CalendarPeriod]: calendar days, weeks (starting on the
  company's first weekday), months, quarters (January, April, July, October) or years.
- [`RollingPeriod`][b2b_customers.limits.RollingPeriod]: the last *N* local days, including today.
- [`RecurrencePeriod`][b2b_customers.limits.RecurrencePeriod]: windows between the occurrences of an
  RFC 5545 RRULE (``"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"``), counted from an anchor date.
- [`LifetimePeriod`][b2b_customers.limits.LifetimePeriod]: one window that never resets, holding
  every day ``datetime`` can hold a whole local day of (a lifetime budget).

Days are always counted in the company's IANA time zone, never the server's.
The functions are pure: they read no clock and the caller passes the instant.

How local days meet daylight saving time:

- A local day is the half-open interval from the *start of that day* to the
  start of the next, so it may last 23 or 25 hours (or 23.5 and 24.5 on Lord
  Howe Island).
- The start of a day is its local midnight. Where midnight does not exist
  (the clocks jump from 00:00 to 01:00, as in America/Havana, America/Santiago
  or Asia/Beirut), it is the first instant of that day: the moment of the jump.
  Where midnight happens twice, it is the first (``fold=0``) occurrence.
- Where the clocks jump back across midnight (America/Goose_Bay until 2010:
  00:01 back to 23:01), the repeated wall-clock minutes after the new day began
  belong to the new day: [`local_day`][b2b_customers.limits.local_day] and the windows agree on it,
  so an order's daily spend bucket always lies in the window that contains the order.
- A day skipped entirely (Pacific/Apia, 30 December 2011) starts and ends at
  the same instant: no instant falls into it.

With these rules the windows of a calendar or recurrence period partition time:
the window after ``w`` starts exactly at ``w.end``, with no gap and no overlap.
"""

from __future__ import annotations

import zoneinfo
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, NoReturn, TypeAlias

from attrs import field, frozen
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from b2b_customers.domain.company import Weekday
from b2b_customers.domain.values import DomainEnum, aware_datetime, is_known_time_zone
from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterator

    import attrs

__all__ = [
    "MAX_PERIOD_DAYS",
    "CalendarPeriod",
    "CalendarUnit",
    "LifetimePeriod",
    "Period",
    "RecurrencePeriod",
    "RollingPeriod",
    "Window",
    "local_day",
    "window_of",
]

MAX_PERIOD_DAYS = 3660
"""The longest rolling period, and the longest first recurrence window, in days (ten years)."""

_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_QUARTER_MONTHS = 3
_SERVER_ZONE = "localtime"  # an alias of the server's own zone on many systems
_RRULE_EXAMPLE = "'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO' or 'FREQ=MONTHLY;BYMONTHDAY=15'"
_COARSE_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
_TIME_OF_DAY_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"})
_LIMITS = frozenset({"COUNT", "UNTIL"})
_GREGORIAN_CYCLE_YEARS = 400
_PROBE_LAST_YEAR = 9988  # leaves MAX_PERIOD_DAYS before the end of the year 9999
# Everything dateutil raises for text it cannot read as a rule.
_RRULE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)


class CalendarUnit(DomainEnum):
    """The unit of a [`CalendarPeriod`][b2b_customers.limits.CalendarPeriod]."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def _fail(field_name: str, message: str) -> NoReturn:
    raise ValidationError(message, field=field_name)


def _to_unit(value: CalendarUnit | str) -> CalendarUnit:
    try:
        return CalendarUnit(value)
    except ValidationError as error:
        raise ValidationError(error.reason, field="unit") from None


def _whole_days(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(attribute.name, f"must be a whole number of days, got {value!r}")
    if not 1 <= value <= MAX_PERIOD_DAYS:
        _fail(attribute.name, f"must be from 1 to {MAX_PERIOD_DAYS} days, got {value}")


def _plain_date(_instance: object, attribute: attrs.Attribute[date], value: object) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        _fail(attribute.name, f"must be a date such as date(2026, 1, 5), got {value!r}")


def _normalize_rule(value: str) -> str:
    raw: object = value
    if not isinstance(raw, str):
        return value
    text = raw.strip().upper()
    return text.removeprefix("RRULE:").strip()


def _rule_parts(rule: str) -> dict[str, str]:
    """Split ``"FREQ=WEEKLY;BYDAY=MO"`` into ``{"FREQ": "WEEKLY", "BYDAY": "MO"}``."""
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        parts[key.strip()] = value.strip()
    return parts


def _check_rule_text(rule: object) -> str:
    """Refuse rule text that is not one daily-or-coarser RRULE line; return it."""
    if not isinstance(rule, str) or not rule:
        _fail("rule", f"must be RRULE text such as {_RRULE_EXAMPLE}, got {rule!r}")
    if "\n" in rule or "\r" in rule or ":" in rule:
        _fail(
            "rule",
            f"must be a single RRULE such as {_RRULE_EXAMPLE}, without DTSTART or other "
            f"lines; give the first boundary as the anchor instead, got {rule!r}",
        )
    parts = _rule_parts(rule)
    if parts.get("FREQ") not in _COARSE_FREQUENCIES:
        _fail(
            "rule",
            "must have FREQ=DAILY, WEEKLY, MONTHLY or YEARLY: budget windows are whole "
            f"local days, got {rule!r}",
        )
    for part in sorted(_TIME_OF_DAY_PARTS & parts.keys()):
        _fail(
            "rule",
            f"must not use {part}: windows start at local midnight, so leave out "
            f"BYHOUR, BYMINUTE and BYSECOND, got {rule!r}",
        )
    if "BYEASTER" in parts:
        _fail("rule", f"BYEASTER is a dateutil extension, not RFC 5545; got {rule!r}")
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or int(interval) < 1:
        _fail("rule", f"INTERVAL must be a whole number of 1 or more, got {interval!r}")
    if parts.get("UNTIL", "").endswith("Z"):
        _fail(
            "rule",
            "UNTIL must be a local date such as 20271231, without a time zone "
            f"(the rule is read in the company's time zone), got {parts['UNTIL']!r}",
        )
    return rule


def _probe_start(anchor: date) -> datetime:
    """Return the anchor moved by whole 400-year cycles to shortly before the year 9999.

    The Gregorian calendar repeats every 400 years, weekdays and leap days
    included, so a rule matches there exactly as it does at the anchor; but
    dateutil, which searches an impossible rule ("every 30 February") to the
    year 9999, gives up after a few hundred years instead of eight thousand.
    """
    cycles = max(0, (_PROBE_LAST_YEAR - anchor.year) // _GREGORIAN_CYCLE_YEARS)
    return datetime.combine(
        anchor.replace(year=anchor.year + cycles * _GREGORIAN_CYCLE_YEARS), time()
    )


@lru_cache(maxsize=256)
def _compile(rule: str, anchor: date) -> rrule:
    """Parse a checked rule into a caching dateutil rrule starting at ``anchor``.

    Raises:
        ValidationError: dateutil cannot read the rule, or it yields no boundary
            within `MAX_PERIOD_DAYS` days after the anchor.
    """
    start = datetime.combine(anchor, time())
    pattern = ";".join(
        f"{key}={value}" for key, value in _rule_parts(rule).items() if key not in _LIMITS
    )
    try:
        compiled = rrulestr(rule, dtstart=start, cache=True)
        probe_start = _probe_start(anchor)
        probe = rrulestr(pattern, dtstart=probe_start).after(probe_start)
        # Only now is it safe to search the rule itself: it matches within the horizon.
        near = probe is not None and probe - probe_start <= timedelta(days=MAX_PERIOD_DAYS)
        following = compiled.after(start) if near else None
    except _RRULE_ERRORS as error:
        _fail("rule", f"is not an RFC 5545 RRULE such as {_RRULE_EXAMPLE} ({error}): {rule!r}")
    if not isinstance(compiled, rrule):
        _fail("rule", f"must be a single RRULE such as {_RRULE_EXAMPLE}, got {rule!r}")
    if following is None or following - start > timedelta(days=MAX_PERIOD_DAYS):
        _fail(
            "rule",
            f"yields no boundary within {MAX_PERIOD_DAYS} days after the anchor "
            f"{anchor.isoformat()}, so it has no whole window; check BYMONTH, BYMONTHDAY, "
            f"COUNT and UNTIL, got {rule!r}",
        )
    return compiled


@frozen(kw_only=True)
class CalendarPeriod:
    """Calendar days, weeks, months, quarters or years.

    A week starts on the company's first weekday (``week_starts_on``, Monday by
    default); quarters start on 1 January, April, July and October.

    Attributes:
        unit: ``"day"``, ``"week"``, ``"month"``, ``"quarter"`` or ``"year"``.
    """

    unit: CalendarUnit = field(converter=_to_unit)

    def span_of(self, day: date, *, week_starts_on: Weekday = Weekday.MONDAY) -> tuple[date, date]:
        """Return the first and last local day (inclusive) of the window holding ``day``.

        Args:
            day: A local calendar day.
            week_starts_on: The first day of a week, for weekly periods.

        Returns:
            ``(first_day, last_day)``.
        """
        first: date
        if self.unit is CalendarUnit.DAY:
            return day, day
        if self.unit is CalendarUnit.WEEK:
            first = day - timedelta(days=(day.weekday() - week_starts_on) % 7)
            return first, first + timedelta(days=6)
        if self.unit is CalendarUnit.MONTH:
            first, length = day.replace(day=1), relativedelta(months=1)
        elif self.unit is CalendarUnit.QUARTER:
            month = day.month - (day.month - 1) % _QUARTER_MONTHS
            first, length = day.replace(month=month, day=1), relativedelta(months=3)
        else:
            first, length = day.replace(month=1, day=1), relativedelta(years=1)
        return first, first + length - _ONE_DAY


@frozen(kw_only=True)
class RollingPeriod:
    """The last ``days`` local calendar days, including the day of the instant.

    ``RollingPeriod(days=30)`` on 31 January covers 2 to 31 January. Rolling
    windows overlap one another, so they do not partition time; their daily
    spend buckets do.

    Attributes:
        days: How many local days, from 1 to `MAX_PERIOD_DAYS`.
    """

    days: int = field(validator=_whole_days)

    def span_of(self, day: date, *, week_starts_on: Weekday = Weekday.MONDAY) -> tuple[date, date]:
        """Return the first and last local day (inclusive) of the window ending on ``day``.

        Args:
            day: A local calendar day: the last day of the window.
            week_starts_on: Ignored; accepted so that every period is used alike.

        Returns:
            ``(day - (days - 1), day)``.
        """
        del week_starts_on
        return day - timedelta(days=self.days - 1), day


@frozen(kw_only=True)
class RecurrencePeriod:
    """Windows between the occurrences of an RFC 5545 recurrence rule.

    The boundaries are the anchor and every occurrence of ``rule`` after it,
    each at local midnight: ``RecurrencePeriod(rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
    anchor=date(2026, 1, 5))`` cuts fortnights starting on Monday 5 January
    2026. The anchor is always a boundary (dateutil's ``dtstart``), even where
    the rule itself would not match it. There are no windows before the anchor,
    nor after the last occurrence of a rule ending with ``COUNT`` or ``UNTIL``.

    The rule is read in the company's time zone and must be daily or coarser:
    ``FREQ`` is ``DAILY``, ``WEEKLY``, ``MONTHLY`` or ``YEARLY``, without
    ``BYHOUR``, ``BYMINUTE`` or ``BYSECOND``. It is stored upper-cased, without
    an ``RRULE:`` prefix.

    Attributes:
        rule: The recurrence, such as ``"FREQ=MONTHLY;BYMONTHDAY=15"``.
        anchor: The first boundary: the local day the first window starts.
    """

    rule: str = field(converter=_normalize_rule)
    anchor: date = field(validator=_plain_date)

    def __attrs_post_init__(self) -> None:
        _compile(_check_rule_text(self.rule), self.anchor)

    def span_of(self, day: date, *, week_starts_on: Weekday = Weekday.MONDAY) -> tuple[date, date]:
        """Return the first and last local day (inclusive) of the window holding ``day``.

        Args:
            day: A local calendar day, on or after the anchor.
            week_starts_on: Ignored (the rule's ``WKST`` says when its weeks start).

        Returns:
            ``(first_day, last_day)``.

        Raises:
            ValidationError: ``day`` is before the anchor, or after the last
                occurrence of a rule that ends.
        """
        del week_starts_on
        if day < self.anchor:
            _fail(
                "instant",
                f"falls on {day.isoformat()}, before the recurrence starts on "
                f"{self.anchor.isoformat()}; move the anchor earlier",
            )
        compiled = _compile(self.rule, self.anchor)
        midnight = datetime.combine(day, time())
        previous = compiled.before(midnight, inc=True)
        following = compiled.after(midnight)
        if following is None:
            _fail(
                "instant",
                f"falls on {day.isoformat()}, after the last occurrence of {self.rule!r}; "
                "extend COUNT or UNTIL, or use a rule that does not end",
            )
        first = self.anchor if previous is None else max(self.anchor, previous.date())
        return first, following.date() - _ONE_DAY


_LIFETIME_FIRST_DAY = date(1, 1, 2)
_LIFETIME_LAST_DAY = date(9999, 12, 30)


@frozen
class LifetimePeriod:
    """One window that never resets: a lifetime budget counts every order ever placed.

    The window runs from 2 January of the year 1 to 30 December 9999, the
    local days whose start and end every time zone can express; it is the
    same window at every instant, so spend never starts again from zero.
    """

    def span_of(self, day: date, *, week_starts_on: Weekday = Weekday.MONDAY) -> tuple[date, date]:
        """Return the first and last local day of the one window.

        Args:
            day: A local calendar day, within the window.
            week_starts_on: Ignored; accepted so that every period is used alike.

        Raises:
            ValidationError: ``day`` is 1 January of the year 1 or 31 December 9999.
        """
        del week_starts_on
        if not _LIFETIME_FIRST_DAY <= day <= _LIFETIME_LAST_DAY:
            _fail(
                "instant",
                f"falls on {day.isoformat()}, outside the lifetime window "
                f"{_LIFETIME_FIRST_DAY.isoformat()} to {_LIFETIME_LAST_DAY.isoformat()}",
            )
        return _LIFETIME_FIRST_DAY, _LIFETIME_LAST_DAY


Period: TypeAlias = CalendarPeriod | RollingPeriod | RecurrencePeriod | LifetimePeriod
"""Any budget period: calendar, rolling, recurrence or lifetime."""

_PERIODS = (CalendarPeriod, RollingPeriod, RecurrencePeriod, LifetimePeriod)


def _first_day_not_after_last(
    instance: Window, attribute: attrs.Attribute[date], value: date
) -> None:
    _plain_date(instance, attribute, value)
    if value < instance.first_day:
        _fail(
            attribute.name,
            f"must not be before first_day {instance.first_day.isoformat()}, "
            f"got {value.isoformat()}",
        )


@frozen(kw_only=True)
class Window:
    """One window of a budget period: the instants ``[start, end)``, made of whole local days.

    [`window_of`][b2b_customers.limits.window_of] gives ``start`` and ``end`` at the company's UTC
    offset of each moment (a fixed offset such as ``+01:00``), so they read as local
    wall time (``2026-02-01T00:00:00+01:00``) and yet subtract and compare as
    exact instants. Convert with ``.astimezone(ZoneInfo(zone))`` to do calendar
    arithmetic in the zone.

    Attributes:
        start: The first instant, timezone-aware: the start of ``first_day``.
        end: The first instant after the window: the start of the day after
            ``last_day``.
        first_day: The first local calendar day covered.
        last_day: The last local calendar day covered (inclusive).
    """

    start: datetime = field(validator=aware_datetime)
    end: datetime = field(validator=aware_datetime)
    first_day: date = field(validator=_plain_date)
    last_day: date = field(validator=_first_day_not_after_last)

    def __attrs_post_init__(self) -> None:
        if self.start.astimezone(UTC) >= self.end.astimezone(UTC):
            _fail(
                "end",
                f"must be after start {self.start.isoformat()}, got {self.end.isoformat()}",
            )

    def contains(self, instant: datetime) -> bool:
        """Tell whether ``instant`` lies in the window (``start <= instant < end``).

        Instants are compared as points in time (in UTC), so wall-clock times
        repeated when the clocks go back are told apart.

        Args:
            instant: A timezone-aware datetime.

        Raises:
            ValidationError: ``instant`` is naive.
        """
        moment = _utc(instant)
        return self.start.astimezone(UTC) <= moment < self.end.astimezone(UTC)

    def days(self) -> Iterator[date]:
        """Yield every local day of the window, from ``first_day`` to ``last_day``."""
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += _ONE_DAY


def _utc(instant: object) -> datetime:
    if not isinstance(instant, datetime) or instant.utcoffset() is None:
        _fail(
            "instant",
            f"must be a timezone-aware datetime (e.g. datetime.now(UTC)), got {instant!r}",
        )
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        _fail("instant", f"must fall within the years 1 to 9999 in UTC, got {instant.isoformat()}")


def _zone(time_zone: object) -> zoneinfo.ZoneInfo:
    if (
        not isinstance(time_zone, str)
        or time_zone == _SERVER_ZONE
        or not is_known_time_zone(time_zone)
    ):
        _fail(
            "time_zone",
            f"must be an IANA time zone name such as 'Europe/Berlin' or 'UTC', got {time_zone!r}",
        )
    return zoneinfo.ZoneInfo(time_zone)


def _outside_calendar(instant: datetime) -> NoReturn:
    _fail(
        "instant",
        "is too close to the years 1 or 9999 for a whole local day or window, "
        f"got {instant.isoformat()}",
    )


@contextmanager
def _within_calendar(instant: datetime) -> Iterator[None]:
    """Turn date arithmetic running off ``datetime``'s years 1 to 9999 into a ValidationError."""
    try:
        yield
    except ValidationError:
        raise
    except (OverflowError, ValueError):
        _outside_calendar(instant)


def _wall(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """Return the naive local wall-clock time of an aware ``moment``."""
    return moment.astimezone(zone).replace(tzinfo=None)


@lru_cache(maxsize=4096)
def _start_of(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    """Return the first instant (in UTC) whose local wall-clock time is on or after ``day``.

    That is local midnight (its first occurrence when the clocks go back over
    it); where midnight does not exist, the moment the clocks jump past it.
    """
    midnight = datetime.combine(day, time())
    # fold=0 takes the first of two midnights; in a gap it takes the offset from
    # before the jump, which lands at or after the jump.
    late = midnight.replace(tzinfo=zone).astimezone(UTC)
    if _wall(late, zone) == midnight:
        return late
    # Midnight does not exist. fold=1 takes the offset from after the jump,
    # which lands before it: search the jump between the two, to the second
    # (zone offsets and transitions are whole seconds).
    early = midnight.replace(tzinfo=zone, fold=1).astimezone(UTC)
    while late - early > _ONE_SECOND:
        middle = early + timedelta(seconds=(late - early) // _ONE_SECOND // 2)
        if _wall(middle, zone) >= midnight:
            late = middle
        else:
            early = middle
    return late


def _local_offset(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """Return ``moment`` at the zone's UTC offset of that moment, as a fixed offset.

    It reads as local wall time, yet compares, subtracts and hashes as the
    exact instant: with the ``ZoneInfo`` itself, Python would subtract by wall
    clock and never find a repeated local time equal to a UTC one (PEP 495).
    """
    return moment.astimezone(timezone(moment.astimezone(zone).utcoffset() or timedelta()))


def _local_day(moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    day = _wall(moment, zone).date()
    # Only where the clocks went back across midnight can the next day have
    # started already although the wall clock still shows this one.
    while _start_of(day + _ONE_DAY, zone) <= moment:
        day += _ONE_DAY
    return day


def _week_start(week_starts_on: int) -> Weekday:
    if type(week_starts_on) is Weekday:
        return week_starts_on
    try:
        return Weekday(week_starts_on)
    except (ValidationError, TypeError) as error:
        _fail("week_starts_on", str(error))


def local_day(instant: datetime, time_zone: str) -> date:
    """Return the local calendar day of ``instant`` in ``time_zone``: the key of daily buckets.

    This is the date on the local wall clock, except in the minutes that repeat
    when the clocks go back across midnight: those belong to the day that had
    already begun. So an instant lies in a [`Window`][b2b_customers.limits.Window] exactly when its
    local day is one of the window's days.

    Args:
        instant: A timezone-aware datetime.
        time_zone: An IANA time zone name, such as ``"Europe/Berlin"``.

    Returns:
        The local day.

    Raises:
        ValidationError: ``instant`` is naive (``field="instant"``) or
            ``time_zone`` is not a known zone (``field="time_zone"``).
    """
    moment = _utc(instant)
    zone = _zone(time_zone)
    with _within_calendar(instant):
        return _local_day(moment, zone)


def window_of(
    period: Period,
    instant: datetime,
    *,
    time_zone: str,
    week_starts_on: Weekday = Weekday.MONDAY,
) -> Window:
    """Return the window of ``period`` that contains ``instant``, counted in ``time_zone``.

    The window starts at the start of its first local day and ends at the
    start of the day after its last one (see the module documentation for
    days whose midnight is skipped or repeated); both are given at the zone's
    UTC offset of that moment.

    Args:
        period: A calendar, rolling, recurrence or lifetime period.
        instant: A timezone-aware datetime, e.g. when the order is placed.
        time_zone: The company's IANA time zone, such as ``"Europe/Berlin"``.
        week_starts_on: The company's first weekday, for weekly periods.

    Returns:
        The window; ``window.contains(instant)`` is true.

    Raises:
        ValidationError: ``instant`` is naive, ``time_zone`` or
            ``week_starts_on`` is unknown, ``period`` is not a period, the
            instant lies outside a recurrence, or a window would reach past the
            years 1 to 9999 that ``datetime`` can hold.
    """
    if not isinstance(period, _PERIODS):
        _fail(
            "period",
            "must be a CalendarPeriod, RollingPeriod, RecurrencePeriod or LifetimePeriod, "
            f"got {type(period).__name__}",
        )
    moment = _utc(instant)
    zone = _zone(time_zone)
    first_weekday = _week_start(week_starts_on)
    # Not _within_calendar: a budget check asks for windows often, and a plain try costs less.
    try:
        return _window_holding(period, _local_day(moment, zone), zone, first_weekday)
    except ValidationError:
        raise
    except (OverflowError, ValueError):
        _outside_calendar(instant)


@lru_cache(maxsize=4096)
def _window_holding(
    period: Period, day: date, zone: zoneinfo.ZoneInfo, first_weekday: Weekday
) -> Window:
    # A window depends only on the local day, so every order of a day shares one.
    first_day, last_day = period.span_of(day, week_starts_on=first_weekday)
    start = _local_offset(_start_of(first_day, zone), zone)
    end = _local_offset(_start_of(last_day + _ONE_DAY, zone), zone)
    return Window(start=start, end=end, first_day=first_day, last_day=last_day)
