"""The one place the bot learns what time it is.

Everything takes a `Clock` and asks it for `now()` (aware, UTC). The real one
reads the system clock; `ManualClock` is moved by tests and the sandbox.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


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


class OffsetClock:
    """The wall clock moved by an offset kept in a file (sandbox and end-to-end tests).

    The file holds a number of seconds; another process (the chat console, a
    test) rewrites it to move this process's time. It is re-read when it changes.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: float | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """System time in UTC plus the current offset."""
        try:
            stamp = self._path.stat().st_mtime_ns
        except FileNotFoundError:
            return datetime.now(UTC) + self._offset
        if stamp != self._stamp:
            self._stamp = stamp
            # A file that cannot be read or parsed keeps the previous offset.
            with contextlib.suppress(OSError, ValueError):
                self._offset = timedelta(seconds=float(self._path.read_text().strip() or 0))
        return datetime.now(UTC) + self._offset

    @staticmethod
    def write(path: Path, offset: timedelta) -> None:
        """Set the offset (atomically, so a reader never sees half a number)."""
        temporary = path.with_suffix(".tmp")
        temporary.write_text(f"{offset.total_seconds():.3f}\n")
        temporary.replace(path)


def _require_aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("ManualClock needs a timezone-aware datetime")
    return when.astimezone(UTC)
