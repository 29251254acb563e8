"""Adherence across the community (or one cohort), for trainers."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.db.dto import MemberDTO, PauseSpan
from bot.db.models import Checkin, Cohort, Member, Pause, ProgramRun
from bot.db.status import CheckinStatus, MemberStatus
from bot.services.progress import Calendar, Progress, Run
from bot.services.schedule import local_date

AT_RISK_DROP = 0.3


@dataclass(frozen=True, slots=True)
class MemberStats:
    member: MemberDTO
    progress: Progress
    program_day: int | None
    last_checkin: date | None
    cohort: str | None


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


class StatsService:
    """Reads everyone's calendar in a few queries."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, catalog: Catalog
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._catalog = catalog

    async def members(self, cohort_id: int | None = None) -> list[MemberStats]:
        """Every member in scope with their progress as of their local today."""
        now = self._clock.now()
        async with self._sessions() as session:
            query = select(Member).order_by(Member.first_name, Member.id)
            if cohort_id is not None:
                query = query.where(Member.cohort_id == cohort_id)
            members = [MemberDTO.from_row(r) for r in await session.scalars(query)]
            ids = [m.id for m in members]
            runs: dict[int, list[Run]] = defaultdict(list)
            pauses: dict[int, list[PauseSpan]] = defaultdict(list)
            checkins: dict[int, dict[date, str]] = defaultdict(dict)
            cohorts = dict((await session.execute(select(Cohort.id, Cohort.name))).all())
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for r in await session.scalars(
                    select(ProgramRun).where(ProgramRun.member_id.in_(chunk))
                ):
                    runs[r.member_id].append(Run(r.program_id, r.start_date, r.end_date))
                for p in await session.scalars(select(Pause).where(Pause.member_id.in_(chunk))):
                    pauses[p.member_id].append(PauseSpan(p.start_date, p.end_date))
                rows = await session.execute(
                    select(Checkin.member_id, Checkin.local_date, Checkin.status).where(
                        Checkin.member_id.in_(chunk)
                    )
                )
                for member_id, day, status in rows.all():
                    checkins[member_id][day] = status
        out = []
        for member in members:
            today = local_date(now, ZoneInfo(member.timezone))
            calendar = Calendar(
                self._catalog.programs,
                runs[member.id],
                pauses[member.id],
                checkins[member.id],
                today,
            )
            days = checkins[member.id]
            out.append(
                MemberStats(
                    member=member,
                    progress=calendar.progress(),
                    program_day=calendar.info(today).program_day,
                    last_checkin=max(days) if days else None,
                    cohort=cohorts.get(member.cohort_id) if member.cohort_id else None,
                )
            )
        return out

    async def community(
        self, cohort_id: int | None = None, scope: str = "everyone"
    ) -> CommunityStats:
        rows = await self.members(cohort_id)
        stats = CommunityStats(scope=scope)
        for row in rows:
            stats.by_status[row.member.status] = stats.by_status.get(row.member.status, 0) + 1
        active = [
            r for r in rows if r.member.status == MemberStatus.ACTIVE and r.member.program_start
        ]
        now = self._clock.now()
        daily: dict[date, int] = defaultdict(int)
        async with self._sessions() as session:
            first = now.date() - timedelta(days=31)
            query = select(Checkin.local_date, Checkin.member_id).where(
                Checkin.status == CheckinStatus.DONE, Checkin.local_date >= first
            )
            member_ids = {r.member.id for r in rows}
            for day, member_id in (await session.execute(query)).all():
                if member_id in member_ids:
                    daily[day] += 1
        for row in active:
            today = local_date(now, ZoneInfo(row.member.timezone))
            if row.last_checkin == today:
                stats.checked_in_today += 1
        sevens = [r.progress.adherence_7 for r in active if r.progress.adherence_7 is not None]
        thirties = [r.progress.adherence_30 for r in active if r.progress.adherence_30 is not None]
        stats.adherence_7 = sum(sevens) / len(sevens) if sevens else None
        stats.adherence_30 = sum(thirties) / len(thirties) if thirties else None
        ranked = sorted(active, key=lambda r: -r.progress.current_streak)
        stats.top_streaks = [
            (r.member.first_name, r.progress.current_streak)
            for r in ranked[:5]
            if r.progress.current_streak > 0
        ]
        for row in active:
            seven, thirty = row.progress.adherence_7, row.progress.adherence_30
            if seven is not None and thirty is not None and thirty - seven >= AT_RISK_DROP:
                stats.at_risk.append((row.member.first_name, seven, thirty))
        stats.at_risk.sort(key=lambda item: item[1])
        today = now.date()
        stats.daily_done = [
            (today - timedelta(days=offset), daily.get(today - timedelta(days=offset), 0))
            for offset in range(29, -1, -1)
        ]
        return stats

    async def roster_csv(self, cohort_id: int | None = None) -> bytes:
        """name, username, cohort, program, program day, streak, last check-in, status."""
        rows = await self.members(cohort_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "name",
                "username",
                "cohort",
                "program",
                "program_day",
                "current_streak",
                "last_checkin",
                "status",
            ]
        )
        for row in rows:
            member = row.member
            program = self._catalog.programs.get(member.program_id or "")
            writer.writerow(
                [
                    _safe_cell(member.first_name),
                    member.username or "",
                    _safe_cell(row.cohort or ""),
                    program.name if program else "",
                    row.program_day or "",
                    row.progress.current_streak,
                    row.last_checkin.isoformat() if row.last_checkin else "",
                    member.status,
                ]
            )
        return buffer.getvalue().encode("utf-8-sig")


def _safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a name as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
