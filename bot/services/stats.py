"""Adherence across the community (or one cohort), for trainers.

Every figure is read from member_stats (one row per member, kept by the
services that change a calendar and by `refresh_stale`), with grouped SQL:
/stats is a handful of small queries whatever the size of the community, and
/roster streams its rows (constant memory). "Today" is each member's own
local date: a small table of today per zone is joined on `members.timezone`.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import ColumnElement, Float, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.db.member_stats import ONBOARDED, Figures, History, MemberStatsRepository
from bot.db.models import Checkin, Cohort, Member, MemberStats
from bot.db.status import CheckinStatus, MemberStatus
from bot.services.figures import compute, zone, zone_table

AT_RISK_DROP = 0.3
TOP_STREAKS = 5
AT_RISK_BATCH = 2000
CHART_DAYS = 30
# The background refresh: members per transaction, and per call of refresh_stale.
REFRESH_CHUNK = 500
REFRESH_LIMIT = 20_000
ROSTER_BATCH = 1000

ROSTER_COLUMNS = (
    "name",
    "username",
    "telegram_id",
    "cohort",
    "program",
    "program_day",
    "current_streak",
    "longest_streak",
    "adherence_7",
    "adherence_30",
    "last_checkin",
    "last_effort",
    "last_note_date",
    "joined",
    "status",
    "onboarded",
    "figures_as_of",
)


@dataclass
class CommunityStats:
    """What /stats shows."""

    scope: str
    by_status: dict[str, int] = field(default_factory=dict)
    checked_in_today: int = 0
    adherence_7: float | None = None
    adherence_30: float | None = None
    top_streaks: list[tuple[str, int]] = field(default_factory=list)
    at_risk: list[tuple[str, float, float]] = field(default_factory=list)
    daily_done: list[tuple[date, int]] = field(default_factory=list)
    # For each day of daily_done: active members whose program had started by then.
    daily_active: list[int] = field(default_factory=list)
    # Active members whose figures are not yet for their local today (the
    # background refresh is behind, e.g. just after a date rolled over).
    stale: int = 0


_S = MemberStats
# One cohort's id, several (a trainer's own cohorts), or None for everyone.
CohortScope = int | tuple[int, ...] | None


def in_cohorts(cohort_id: CohortScope) -> list[ColumnElement[bool]]:
    """The condition on members for a report's scope."""
    if cohort_id is None:
        return []
    if isinstance(cohort_id, tuple):
        return [Member.cohort_id.in_(cohort_id)]
    return [Member.cohort_id == cohort_id]


# A member's share of scheduled sessions done over the last 7 and 30 days
# (NULL while nothing was scheduled); the digests rank members by them too.
ADHERENCE_7 = case((_S.scheduled_7 > 0, cast(_S.done_7, Float) / _S.scheduled_7))
ADHERENCE_30 = case((_S.scheduled_30 > 0, cast(_S.done_30, Float) / _S.scheduled_30))


class StatsService:
    """Trainer reports from the stored figures, and the refresh that keeps them."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, catalog: Catalog
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._catalog = catalog

    # -- /stats ----------------------------------------------------------------------
    async def community(
        self, cohort_id: CohortScope = None, scope: str = "everyone"
    ) -> CommunityStats:
        """Members by status, checked in today, mean adherence over 7 and 30 days,
        top streaks, who is at risk (7-day adherence 30 points below the 30-day
        one) and done check-ins per day for the chart."""
        now = self._clock.now()
        stats = CommunityStats(scope=scope)
        in_scope = in_cohorts(cohort_id)
        active = [Member.status == MemberStatus.ACTIVE, ONBOARDED, *in_scope]
        async with self._sessions() as session:
            by_status = await session.execute(
                select(Member.status, func.count()).where(*in_scope).group_by(Member.status)
            )
            stats.by_status = {status: int(n) for status, n in by_status}
            zones, _ = await zone_table(session, now, {"today": 0})
            today = zones.c.today
            summary = (
                await session.execute(
                    select(
                        func.count(case((_S.last_checkin == today, 1))),
                        func.avg(ADHERENCE_7),
                        func.avg(ADHERENCE_30),
                        func.count(case((or_(_S.as_of.is_(None), _S.as_of != today), 1))),
                    )
                    .select_from(Member)
                    .outerjoin(_S, _S.member_id == Member.id)
                    .outerjoin(zones, zones.c.zone == Member.timezone)
                    .where(*active)
                )
            ).one()
            stats.checked_in_today = int(summary[0])
            stats.adherence_7 = None if summary[1] is None else float(summary[1])
            stats.adherence_30 = None if summary[2] is None else float(summary[2])
            stats.stale = int(summary[3])
            top = await session.execute(
                select(Member.first_name, _S.current_streak)
                .join(_S, _S.member_id == Member.id)
                .where(*active, _S.current_streak > 0)
                .order_by(_S.current_streak.desc(), Member.first_name, Member.id)
                .limit(TOP_STREAKS)
            )
            stats.top_streaks = [(name, int(days)) for name, days in top]
            # Thousands of rows in a big community: read a batch at a time, so
            # turning them into tuples never holds the event loop for long.
            risky = await session.stream(
                select(Member.first_name, ADHERENCE_7, ADHERENCE_30)
                .join(_S, _S.member_id == Member.id)
                .where(
                    *active,
                    _S.scheduled_7 > 0,
                    _S.scheduled_30 > 0,
                    ADHERENCE_30 - ADHERENCE_7 >= AT_RISK_DROP,
                )
                .order_by(ADHERENCE_7, Member.first_name, Member.id)
                .execution_options(yield_per=AT_RISK_BATCH)
            )
            async for part in risky.partitions():
                stats.at_risk += [(name, float(a7), float(a30)) for name, a7, a30 in part]
            stats.daily_done = await self._daily_done(session, now, cohort_id)
            stats.daily_active = await self._daily_active(session, stats.daily_done, active)
        return stats

    async def _daily_done(
        self, session: AsyncSession, now: datetime, cohort_id: CohortScope
    ) -> list[tuple[date, int]]:
        """Done check-ins per local date over the last 30 days (one grouped count).

        Everyone: a range of the (status, local date) index. One cohort: its
        members first (index on cohort), then each one's days through the
        (member, local date) unique index, so a cohort's chart costs its own
        check-ins, not a walk over everyone's done days of the month."""
        last = now.date()
        first = last - timedelta(days=CHART_DAYS - 1)
        query = select(Checkin.local_date, func.count()).where(
            Checkin.status == CheckinStatus.DONE,
            Checkin.local_date >= first,
            Checkin.local_date <= last,
        )
        if cohort_id is not None:
            query = query.where(
                Checkin.member_id.in_(select(Member.id).where(*in_cohorts(cohort_id)))
            )
        rows = await session.execute(query.group_by(Checkin.local_date))
        counts = {day: int(n) for day, n in rows}
        return [
            (first + timedelta(days=offset), counts.get(first + timedelta(days=offset), 0))
            for offset in range(CHART_DAYS)
        ]

    async def _daily_active(
        self, session: AsyncSession, days: list[tuple[date, int]], active: list[Any]
    ) -> list[int]:
        """Active members whose program had started by each day (one grouped count of
        the members by start date, summed up day by day)."""
        if not days:
            return []
        rows = await session.execute(
            select(Member.program_start, func.count())
            .where(*active, Member.program_start <= days[-1][0])
            .group_by(Member.program_start)
        )
        starts: list[tuple[date, int]] = sorted(
            (start, int(n)) for start, n in rows if start is not None
        )
        out, total, index = [], 0, 0
        for day, _ in days:
            while index < len(starts) and starts[index][0] <= day:
                total += starts[index][1]
                index += 1
            out.append(total)
        return out

    # -- /roster ---------------------------------------------------------------------
    async def roster_rows(
        self, cohort_id: CohortScope = None, *, batch: int = ROSTER_BATCH
    ) -> AsyncIterator[list[str]]:
        """The header, then one row per member in scope (by name), read from the
        database `batch` rows at a time: memory stays flat however many members."""
        yield list(ROSTER_COLUMNS)
        async for rows in self._roster_batches(cohort_id, batch):
            for cells in self._cells(rows):
                yield cells

    async def _roster_batches(self, cohort_id: CohortScope, batch: int) -> AsyncIterator[Any]:
        """The roster's database rows, `batch` at a time (one fetch, and one hop
        between the event loop and the driver, per batch rather than per row)."""
        query = (
            select(
                Member.first_name,
                Member.username,
                Member.telegram_id,
                Cohort.name,
                Member.program_id,
                Member.program_start,
                Member.timezone,
                Member.created_at,
                Member.status,
                _S.program_day,
                _S.current_streak,
                _S.longest_streak,
                _S.done_7,
                _S.scheduled_7,
                _S.done_30,
                _S.scheduled_30,
                _S.last_checkin,
                _S.last_effort,
                _S.last_note_date,
                _S.as_of,
            )
            .outerjoin(_S, _S.member_id == Member.id)
            .outerjoin(Cohort, Cohort.id == Member.cohort_id)
            .where(*in_cohorts(cohort_id))
            .order_by(Member.first_name, Member.id)
            .execution_options(yield_per=batch)
        )
        async with self._sessions() as session:
            result = await session.stream(query)
            async for rows in result.partitions(batch):
                yield rows

    def _cells(self, rows: Any) -> list[list[str]]:
        """The CSV cells of some roster rows."""
        programs = self._catalog.programs
        out = []
        for row in rows:
            program = programs.get(row.program_id or "")
            out.append(
                [
                    _safe_cell(row.first_name),
                    _safe_cell(row.username or ""),
                    str(row.telegram_id),
                    _safe_cell(row.name or ""),
                    program.name if program else "",
                    _text(row.program_day),
                    _text(row.current_streak or 0),
                    _text(row.longest_streak or 0),
                    _percent(row.done_7, row.scheduled_7),
                    _percent(row.done_30, row.scheduled_30),
                    _text(row.last_checkin),
                    _text(row.last_effort),
                    _text(row.last_note_date),
                    _joined(row.created_at, row.timezone),
                    row.status,
                    # Never chose a program (or never finished /start's steps).
                    "yes" if row.program_id and row.program_start else "no (no program yet)",
                    _text(row.as_of),
                ]
            )
        return out

    async def write_roster(
        self, path: Path, cohort_id: CohortScope = None, *, batch: int = ROSTER_BATCH
    ) -> int:
        """Write the roster CSV (UTF-8 with BOM, for spreadsheets) to `path` as the
        rows are read; the number of members written. Each batch is turned into
        CSV and written in a worker thread, so the event loop only fetches."""
        handle: TextIO = await asyncio.to_thread(path.open, "w", encoding="utf-8-sig", newline="")
        members = 0
        try:
            writer = csv.writer(handle)
            await asyncio.to_thread(writer.writerow, ROSTER_COLUMNS)
            async for rows in self._roster_batches(cohort_id, batch):
                await asyncio.to_thread(self._write_batch, writer, rows)
                members += len(rows)
        finally:
            await asyncio.to_thread(handle.close)
        return members

    def _write_batch(self, writer: Any, rows: Any) -> None:
        writer.writerows(self._cells(rows))

    async def roster_csv(self, cohort_id: CohortScope = None) -> bytes:
        """The whole roster CSV in memory (small communities; prefer write_roster)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        async for cells in self.roster_rows(cohort_id):
            writer.writerow(cells)
        return buffer.getvalue().encode("utf-8-sig")

    # -- keeping the figures current ------------------------------------------------
    async def refresh_stale(
        self, limit: int | None = REFRESH_LIMIT, *, chunk: int = REFRESH_CHUNK
    ) -> int:
        """Recompute the figures of members whose stored figures are not for their
        local today (their date rolled over, they have none yet, or they were
        marked out of date), `chunk` members per transaction, at most `limit`
        (None: all). The number of members recomputed. Safe beside check-ins: a
        row that changed since it was read is left alone (it is newer)."""
        now = self._clock.now()
        seen = 0
        after = 0
        async with self._sessions() as session:
            zones, _ = await zone_table(session, now, {"today": 0})
        while limit is None or seen < limit:
            size = chunk if limit is None else min(chunk, limit - seen)
            async with self._sessions() as session:
                due = (
                    await session.execute(
                        select(Member.id, zones.c.today, _S.version)
                        .join(zones, zones.c.zone == Member.timezone)
                        .outerjoin(_S, _S.member_id == Member.id)
                        .where(
                            Member.id > after,
                            or_(_S.as_of.is_(None), _S.as_of != zones.c.today),
                        )
                        .order_by(Member.id)
                        .limit(size)
                    )
                ).all()
                if not due:
                    break
                histories = await MemberStatsRepository(session).histories([r[0] for r in due])
            items = [(member_id, today, version) for member_id, today, version in due]
            figures = await asyncio.to_thread(self._compute_all, items, histories)
            async with self._sessions.begin() as session:
                await MemberStatsRepository(session).save_unless_changed(figures, now)
            seen += len(due)
            after = due[-1][0]
            if len(due) < size:
                break
        return seen

    def _compute_all(
        self, items: list[tuple[int, date, int | None]], histories: dict[int, History]
    ) -> list[tuple[int, int | None, Figures]]:
        programs = self._catalog.programs
        return [
            (member_id, version, compute(programs, histories[member_id], today))
            for member_id, today, version in items
        ]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _percent(done: int | None, scheduled: int | None) -> str:
    return f"{round(100 * (done or 0) / scheduled)}%" if scheduled else ""


def _joined(created_at: datetime, timezone: str) -> str:
    """The member's local date of joining."""
    try:
        return created_at.astimezone(zone(timezone)).date().isoformat()
    except (ValueError, KeyError):
        return created_at.date().isoformat()


def _safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a name as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
