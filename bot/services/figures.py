"""A member's trainer-view figures, computed with the pure calendar.

`compute` is the one place that turns a history (program runs, pauses,
check-ins) and a local "today" into the figures stored in member_stats. It
classifies days with `Calendar.info` — the rules of `services/progress.py` —
and walks each day once; tests check that it equals `Calendar.progress()`.

`FigureKeeper.recompute` is what a service calls inside the transaction that
changed a member's calendar (a check-in, a pause, a resume, a program start).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import CTE
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog.schema import Program
from bot.db.member_stats import (
    CheckinFacts,
    Figures,
    History,
    MemberStatsRepository,
    zone_dates,
    zones_in_use,
)
from bot.db.status import CheckinStatus
from bot.services.progress import Calendar, Run
from bot.services.schedule import local_date

WINDOWS = (7, 30)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def today_in(name: str, now: datetime) -> date:
    """The local date in a zone at `now`."""
    return local_date(now, zone(name))


def local_dates(zones: list[str], now: datetime) -> dict[str, date]:
    """Today in each zone (zones that are not valid IANA names are left out)."""
    out = {}
    for name in zones:
        try:
            out[name] = today_in(name, now)
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            continue
    return out


def calendar_of(programs: Mapping[str, Program], history: History, today: date) -> Calendar:
    runs = [Run(program_id, first, end) for program_id, first, end in history.runs]
    statuses = {day: facts.status for day, facts in history.checkins.items()}
    return Calendar(programs, runs, history.pauses, statuses, today)


def compute(programs: Mapping[str, Program], history: History, today: date) -> Figures:
    """The figures of one member as of their local `today`."""
    calendar = calendar_of(programs, history, today)
    checkins: Mapping[date, CheckinFacts] = history.checkins
    total_done = sum(1 for facts in checkins.values() if facts.status == CheckinStatus.DONE)
    last_checkin = max(checkins) if checkins else None
    rated = [day for day, facts in checkins.items() if facts.effort is not None]
    last_effort = checkins[max(rated)].effort if rated else None
    noted = [day for day, facts in checkins.items() if facts.has_note]
    last_note_date = max(noted) if noted else None

    window_first = {w: today - timedelta(days=w - 1) for w in WINDOWS}
    done = dict.fromkeys(WINDOWS, 0)
    scheduled = dict.fromkeys(WINDOWS, 0)
    longest = run = 0
    run_start: date | None = None
    program_day: int | None = None
    first_day = calendar.first_day
    if first_day is not None:
        first = min(first_day, window_first[max(WINDOWS)])
        for offset in range((today - first).days + 1):
            info = calendar.info(first + timedelta(days=offset))
            if info.day == today:
                program_day = info.program_day
            if info.kind != "training" or info.mark == "pending":
                continue
            is_done = info.mark == "done"
            for w in WINDOWS:
                if info.day >= window_first[w]:
                    scheduled[w] += 1
                    done[w] += is_done
            if info.day < first_day:
                continue
            if is_done:
                run += 1
                if run == 1:
                    run_start = info.day
                longest = max(longest, run)
            else:
                run = 0
                run_start = None
    return Figures(
        as_of=today,
        current_streak=run,
        longest_streak=longest,
        streak_start=run_start if run else None,
        total_done=total_done,
        done_7=done[7],
        scheduled_7=scheduled[7],
        done_30=done[30],
        scheduled_30=scheduled[30],
        program_day=program_day,
        last_checkin=last_checkin,
        last_effort=last_effort,
        last_note_date=last_note_date,
    )


class FigureKeeper:
    """Recomputes one member's figures inside the caller's transaction."""

    def __init__(self, programs: Mapping[str, Program]) -> None:
        self.programs = programs

    async def recompute(
        self, session: AsyncSession, member_id: int, timezone: str, now: datetime
    ) -> Figures:
        """Read the member's history, compute their figures as of their local
        today and write them (the caller's transaction commits them)."""
        repository = MemberStatsRepository(session)
        history = await repository.history(member_id)
        figures = compute(self.programs, history, today_in(timezone, now))
        await repository.save(member_id, figures, now)
        return figures


async def zone_table(
    session: AsyncSession, now: datetime, columns: Mapping[str, int]
) -> tuple[CTE, dict[str, date]]:
    """A CTE `zone_dates(zone, <column>...)`: for every zone members have, the
    local date `days` before today at `now` (`{"today": 0, "cut_3": 3}`); and
    today by zone. Join it on `members.timezone`."""
    today = local_dates(await zones_in_use(session), now)
    rows = {
        name: [day - timedelta(days=days) for days in columns.values()]
        for name, day in today.items()
    }
    return zone_dates(rows, list(columns)), today
