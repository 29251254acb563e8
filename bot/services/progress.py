"""Streaks and adherence, computed from the calendar — a pure function of the
member's program runs, pauses and check-ins, and of "today" in their zone.

The rules:
- a *training day* is a local date inside a program run, not paused, whose
  program day exists and is not a rest day (a rolling program's days repeat,
  so it always has one: `Program.day`);
- a streak counts consecutive training days that are done;
- rest days and paused days neither break nor extend a streak; a check-in
  on a rest day is extra credit (mark "extra"): shown, never counted as a
  done training day;
- a skipped training day, or a past one with no check-in (missed), breaks it;
- today, while not checked in, is pending: it breaks nothing yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.catalog.schema import Program
from bot.db.dto import PauseSpan
from bot.db.status import CheckinStatus
from bot.services.program import is_paused, program_day

DayKind = Literal["training", "rest", "paused", "off"]
Mark = Literal["done", "skipped", "missed", "pending", "rest", "extra", "paused", "off"]
# What a member recorded on a rest day (a rest check-in, or "done" stored before
# rest check-ins had their own status).
RESTED = (CheckinStatus.REST, CheckinStatus.DONE)

MILESTONES = (3, 7, 14, 21, 28)


@dataclass(frozen=True, slots=True)
class Run:
    """A program followed from `start` until `end` (exclusive; None: still running)."""

    program_id: str
    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class DayInfo:
    """One calendar day of a member."""

    day: date
    kind: DayKind
    mark: Mark
    program_day: int | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """The numbers /progress shows."""

    current_streak: int
    longest_streak: int
    total_done: int
    adherence_7: float | None
    adherence_30: float | None
    streak_start: date | None
    rest_extras: int = 0  # rest days checked in anyway (extra credit, not sessions)


class Calendar:
    """Classifies days for one member."""

    def __init__(
        self,
        programs: Mapping[str, Program],
        runs: Iterable[Run],
        pauses: Iterable[PauseSpan],
        checkins: Mapping[date, str],
        today: date,
    ) -> None:
        self._programs = programs
        self._runs = sorted(runs, key=lambda run: run.start)
        self._pauses = list(pauses)
        self._checkins = dict(checkins)
        self.today = today

    @property
    def first_day(self) -> date | None:
        return self._runs[0].start if self._runs else None

    def kind(self, day: date) -> tuple[DayKind, int | None]:
        """Whether `day` was a training day (and which program day)."""
        run = next((r for r in reversed(self._runs) if r.covers(day)), None)
        if run is None:
            return "off", None
        if is_paused(day, self._pauses):
            return "paused", None
        program = self._programs.get(run.program_id)
        number = program_day(run.start, day, self._pauses)
        scheduled = program.day(number) if program is not None else None
        if scheduled is None:  # before the start, after the end, or an unknown program
            return "off", None
        # A rolling program starts over after its last day: the day of the cycle.
        return ("rest" if scheduled.rest else "training"), scheduled.day

    def info(self, day: date) -> DayInfo:
        kind, number = self.kind(day)
        status = self._checkins.get(day)
        mark: Mark
        if kind == "training":
            if status == CheckinStatus.DONE:
                mark = "done"
            elif status == CheckinStatus.SKIPPED:
                mark = "skipped"
            elif day >= self.today:
                mark = "pending"
            else:
                mark = "missed"
        elif kind == "rest":
            mark = "extra" if status in RESTED else "rest"
        else:
            mark = kind
        return DayInfo(day, kind, mark, number)

    def days(self, first: date, last: date) -> list[DayInfo]:
        span = (last - first).days
        return [self.info(first + timedelta(days=i)) for i in range(span + 1)]

    def progress(self) -> Progress:
        """Current and longest streak, totals and adherence."""
        total_done = sum(1 for status in self._checkins.values() if status == CheckinStatus.DONE)
        if self.first_day is None:
            return Progress(0, 0, total_done, None, None, None)
        days = self.days(self.first_day, self.today)
        longest = run = extras = 0
        run_start: date | None = None
        current_start: date | None = None
        for info in days:
            extras += info.mark == "extra"
            if info.kind != "training" or info.mark == "pending":
                continue
            if info.mark == "done":
                run += 1
                if run == 1:
                    run_start = info.day
                longest = max(longest, run)
            else:
                run = 0
                run_start = None
        current = run
        current_start = run_start if run else None
        return Progress(
            current_streak=current,
            longest_streak=longest,
            total_done=total_done,
            adherence_7=self.adherence(7),
            adherence_30=self.adherence(30),
            streak_start=current_start,
            rest_extras=extras,
        )

    def adherence(self, window: int) -> float | None:
        """Done ÷ scheduled training days over the last `window` days (today
        counts only once it is checked in). None when nothing was scheduled."""
        first = self.today - timedelta(days=window - 1)
        scheduled = done = 0
        for info in self.days(first, self.today):
            if info.kind != "training" or info.mark == "pending":
                continue
            scheduled += 1
            done += info.mark == "done"
        return done / scheduled if scheduled else None


def milestone_reached(before: int, after: int) -> int | None:
    """The milestone this check-in crossed, if any (3, 7, 14, 21, 28 days)."""
    crossed = [m for m in MILESTONES if before < m <= after]
    return crossed[-1] if crossed else None
