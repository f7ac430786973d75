"""Clocks: the system's, and one a test or a simulation moves by hand."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from b2b_customers.errors import ValidationError

__all__ = ["ManualClock", "SystemClock"]


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """Return the current time (timezone-aware, UTC)."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until moved: for tests, demos and what-if runs.

    Args:
        start: The time it shows first (timezone-aware).

    Raises:
        ValidationError: ``start`` is naive.
    """

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the time the clock shows."""
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta``; return the new time.

        Raises:
            ValidationError: ``delta`` is negative: time does not run backwards.
        """
        if delta < timedelta(0):
            raise ValidationError(f"a clock only moves forward, got {delta}", field="delta")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> None:
        """Show ``moment`` from now on (it may be earlier, for replaying history)."""
        aware = _aware(moment)
        with self._lock:
            self._now = aware


def _aware(moment: datetime) -> datetime:
    raw: object = moment
    if not isinstance(raw, datetime) or raw.utcoffset() is None:
        raise ValidationError(
            "give a timezone-aware datetime such as datetime(2026, 1, 1, tzinfo=UTC), "
            f"got {moment!r}",
            field="moment",
        )
    return moment
