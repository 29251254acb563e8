"""Which program day a local date is: calendar days since the start, minus paused days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.db.dto import PauseSpan

__all__ = ["PauseSpan", "is_paused", "program_day"]


def is_paused(day: date, pauses: Iterable[PauseSpan]) -> bool:
    """Whether `day` falls inside a pause."""
    return any(p.covers(day) for p in pauses)


def program_day(start: date, day: date, pauses: Iterable[PauseSpan]) -> int:
    """1 on the start date; each later non-paused day adds one. 0 or less: not started."""
    if day < start:
        return (day - start).days + 1
    spans = list(pauses)
    paused = 0
    for span in spans:
        first = max(span.start, start)
        last = day if span.end is None else min(span.end, day)
        if last > first:
            paused += (last - first).days
    return (day - start).days + 1 - paused
