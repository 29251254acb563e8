"""The one place the bot learns what time it is.

Everything takes a `Clock` and asks it for `now()` (aware, UTC). The real one
reads the system clock; `ManualClock` is moved by tests and the sandbox.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """Return the system time in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until it is moved."""

    def __init__(self, start: datetime) -> None:
        self._now = _require_aware(start)

    def now(self) -> datetime:
        """Return the clock's current instant."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when` (aware)."""
        self._now = _require_aware(when)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new instant."""
        self._now = self._now + delta
        return self._now


def local_today(clock: Clock, zone: ZoneInfo) -> date:
    """The calendar date in `zone` at the clock's current instant."""
    return clock.now().astimezone(zone).date()


def _require_aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("ManualClock needs a timezone-aware datetime")
    return when.astimezone(UTC)
