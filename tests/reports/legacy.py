"""The trainer reports and audiences as they were before member_stats (commit
5fe88c0): every calendar built in Python. Kept only as the reference the new
SQL is compared with (tests/reports) and as the "before" of bench/reports.py.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.db import keys
from bot.db.dto import MemberDTO, PauseSpan
from bot.db.models import Broadcast, Checkin, Cohort, Member, Outbox, Pause, ProgramRun
from bot.db.outbox import OutboxRepository, outbox_row
from bot.db.status import BroadcastStatus, CheckinStatus, MemberStatus, OutboxKind
from bot.services.broadcasts import Audience
from bot.services.progress import Calendar, Progress, Run
from bot.services.schedule import local_date
from bot.services.stats import AT_RISK_DROP, CommunityStats


@dataclass(frozen=True, slots=True)
class MemberStats:
    member: MemberDTO
    progress: Progress
    program_day: int | None
    last_checkin: date | None
    cohort: str | None


class LegacyStats:
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


class LegacyAudiences:
    """BroadcastService.recipients and counts of 5fe88c0."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def recipients(self, audience: Audience) -> list[tuple[int, int]]:
        """(member id, chat id) of everyone the audience covers right now."""
        now = self._clock.now()
        async with self._sessions() as session:
            query = select(Member.id, Member.chat_id, Member.timezone, Member.created_at).where(
                Member.status == MemberStatus.ACTIVE
            )
            if audience.kind == "cohort":
                query = query.where(Member.cohort_id == audience.cohort_id)
            if audience.kind in ("all", "cohort"):
                everyone = (await session.execute(query.order_by(Member.id))).all()
                return [(member_id, chat_id) for member_id, chat_id, _, _ in everyone]
            last = (
                select(Checkin.member_id, func.max(Checkin.local_date).label("last"))
                .group_by(Checkin.member_id)
                .subquery()
            )
            rows = (
                await session.execute(
                    select(
                        Member.id, Member.chat_id, Member.timezone, Member.created_at, last.c.last
                    )
                    .outerjoin(last, last.c.member_id == Member.id)
                    .where(Member.status == MemberStatus.ACTIVE, Member.program_start.is_not(None))
                    .order_by(Member.id)
                )
            ).all()
        chosen = []
        for member_id, chat_id, zone, created_at, last_day in rows:
            today = local_date(now, ZoneInfo(zone))
            if audience.kind == "not_today":
                if last_day is None or last_day < today:
                    chosen.append((member_id, chat_id))
            else:
                days = audience.days or 3
                cutoff: date = today - timedelta(days=days)
                if (last_day is None and created_at <= now - timedelta(days=days)) or (
                    last_day is not None and last_day <= cutoff
                ):
                    chosen.append((member_id, chat_id))
        return chosen

    async def counts(self, cohorts: list[tuple[int, str]]) -> dict[str, int]:
        out = {"all": len(await self.recipients(Audience("all")))}
        for cohort_id, _ in cohorts:
            out[f"c{cohort_id}"] = len(await self.recipients(Audience("cohort", cohort_id)))
        for days in (3, 7, 14):
            out[f"i{days}"] = len(await self.recipients(Audience("inactive", days=days)))
        out["t"] = len(await self.recipients(Audience("not_today")))
        return out

    async def queue(self, broadcast_id: int) -> int:
        """The old inline queueing of confirm(): the whole audience in memory,
        then outbox rows in chunks of 1,000."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await session.get(Broadcast, broadcast_id)
            if row is None:
                return 0
            row.status = BroadcastStatus.QUEUEING
            row.started_at = row.started_at or now
            audience = Audience.from_dict(row.audience)
            payload: dict[str, Any] = {"text": row.text}
        recipients = await self.recipients(audience)
        queued = 0
        for start in range(0, len(recipients), 1000):
            rows = [
                outbox_row(
                    OutboxKind.BROADCAST,
                    member_id=member_id,
                    chat_id=chat_id,
                    payload=payload,
                    dedupe_key=keys.broadcast(broadcast_id, member_id),
                    now=now,
                    broadcast_id=broadcast_id,
                )
                for member_id, chat_id in recipients[start : start + 1000]
            ]
            async with self._sessions.begin() as session:
                queued += await OutboxRepository(session).enqueue(rows)
        async with self._sessions.begin() as session:
            total = await session.scalar(
                select(func.count()).select_from(Outbox).where(Outbox.broadcast_id == broadcast_id)
            )
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id)
                .values(status=BroadcastStatus.SENDING, total=int(total or 0))
            )
        return queued
