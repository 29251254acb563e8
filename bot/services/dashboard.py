"""What the Mini App's trainer dashboard reads: the roster as a paged, filtered
table and one member's page.

The rules are the ones the chat commands use, imported rather than restated:
the scope of a trainer (`feedback.Scope`), the at-risk rule of /stats
(`stats.AT_RISK_DROP` on the stored 7- and 30-day adherence), "inactive N days"
of the broadcast audiences (`broadcasts.inactive`), the figures of member_stats
and the calendar of `progress.Calendar`. Everything is read; changes go
through the services the chat commands call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.db.dto import MemberDTO
from bot.db.member_stats import History, MemberStatsRepository
from bot.db.models import Checkin, Cohort, Member, MemberStats
from bot.db.status import MemberStatus
from bot.services.broadcasts import _inactive
from bot.services.feedback import Scope
from bot.services.figures import calendar_of, today_in, zone_table
from bot.services.progress import Calendar, DayInfo, Progress
from bot.services.stats import ADHERENCE_7, ADHERENCE_30, AT_RISK_DROP

PAGE_MAX = 100
CALENDAR_DAYS = 28
NOTES_SHOWN = 10

_S = MemberStats
SORTS: dict[str, Any] = {
    "name": func.lower(Member.first_name),
    "streak": _S.current_streak,
    "adherence7": ADHERENCE_7,
    "adherence30": ADHERENCE_30,
    "last": _S.last_checkin,
    "joined": Member.created_at,
}
STATUSES = tuple(str(s) for s in MemberStatus)


@dataclass(frozen=True, slots=True)
class RosterQuery:
    """One page of the roster as the trainer asked for it."""

    search: str = ""
    cohort_id: int | None = None
    status: str | None = None
    at_risk: bool = False
    inactive_days: int | None = None
    sort: str = "name"
    descending: bool = False
    page: int = 0
    per_page: int = 50


@dataclass(frozen=True, slots=True)
class RosterRow:
    id: int
    name: str
    username: str | None
    cohort: str | None
    status: str
    program_day: int | None
    current_streak: int
    adherence_7: float | None
    adherence_30: float | None
    last_checkin: date | None


@dataclass(frozen=True, slots=True)
class RosterPage:
    rows: list[RosterRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class Note:
    day: date
    effort: int | None
    text: str | None


@dataclass(frozen=True, slots=True)
class MemberPage:
    """A member as their trainer sees them in the dashboard."""

    member: MemberDTO
    cohort: str | None
    progress: Progress
    days: list[DayInfo]
    notes: list[Note]


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _roster_row(r: Any) -> RosterRow:
    return RosterRow(
        r.id,
        r.first_name,
        r.username,
        r.cohort,
        r.status,
        r.program_day,
        int(r.current_streak or 0),
        r.done_7 / r.scheduled_7 if r.scheduled_7 else None,
        r.done_30 / r.scheduled_30 if r.scheduled_30 else None,
        r.last_checkin,
    )


class DashboardService:
    """The roster table and the member page, in a trainer's scope."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, catalog: Catalog
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._catalog = catalog

    async def _filtered(
        self, session: AsyncSession, scope: Scope, ask: RosterQuery, query: Select[Any]
    ) -> Select[Any]:
        conditions: list[ColumnElement[bool]] = [*scope.condition()]
        if ask.cohort_id is not None:
            conditions.append(Member.cohort_id == ask.cohort_id)
        if ask.status in STATUSES:
            conditions.append(Member.status == ask.status)
        if ask.search.strip():
            pattern = _like(ask.search.strip()[:64])
            conditions.append(
                or_(
                    func.lower(Member.first_name).like(pattern, escape="\\"),
                    func.lower(func.coalesce(Member.username, "")).like(pattern, escape="\\"),
                )
            )
        if ask.at_risk:  # the /stats rule, on active members with both windows scheduled
            conditions += [
                Member.status == MemberStatus.ACTIVE,
                _S.scheduled_7 > 0,
                _S.scheduled_30 > 0,
                ADHERENCE_30 - ADHERENCE_7 >= AT_RISK_DROP,
            ]
        if ask.inactive_days:
            days = ask.inactive_days
            now = self._clock.now()
            zones, _ = await zone_table(session, now, {"cutoff": days})
            query = query.join(zones, zones.c.zone == Member.timezone)
            conditions.append(
                _inactive(_S.last_checkin, zones.c.cutoff, now - timedelta(days=days))
            )
        return query.where(*conditions)

    async def roster(self, scope: Scope, ask: RosterQuery) -> RosterPage:
        """One page of members in the trainer's scope, filtered and sorted."""
        per_page = max(1, min(ask.per_page, PAGE_MAX))
        base: Any = (
            select(
                Member.id,
                Member.first_name,
                Member.username,
                Cohort.name.label("cohort"),
                Member.status,
                _S.program_day,
                _S.current_streak,
                _S.done_7,
                _S.scheduled_7,
                _S.done_30,
                _S.scheduled_30,
                _S.last_checkin,
            )
            .outerjoin(_S, _S.member_id == Member.id)
            .outerjoin(Cohort, Cohort.id == Member.cohort_id)
        )
        counting: Select[Any] = (
            select(func.count()).select_from(Member).outerjoin(_S, _S.member_id == Member.id)
        )
        key = SORTS.get(ask.sort, SORTS["name"])
        order = key.desc() if ask.descending else key.asc()
        async with self._sessions() as session:
            total = int(
                await session.scalar(await self._filtered(session, scope, ask, counting)) or 0
            )
            pages = max(1, -(-total // per_page))
            page = max(0, min(ask.page, pages - 1))
            query = await self._filtered(session, scope, ask, base)
            rows = await session.execute(
                query.order_by(order.nulls_last(), Member.id)
                .offset(page * per_page)
                .limit(per_page)
            )
            out = [_roster_row(r) for r in rows]
        return RosterPage(out, total, page, pages)

    async def member(self, scope: Scope, member_id: int) -> MemberPage | None:
        """A member in the trainer's scope (None outside it): figures, the last
        four weeks, their notes."""
        async with self._sessions() as session:
            row = await session.get(Member, member_id)
            if row is None or (
                scope.cohort_ids is not None and row.cohort_id not in scope.cohort_ids
            ):
                return None
            member = MemberDTO.from_row(row)
            cohort = await session.get(Cohort, row.cohort_id) if row.cohort_id else None
            history = await MemberStatsRepository(session).history(member_id)
            notes = await session.execute(
                select(Checkin.local_date, Checkin.effort, Checkin.note)
                .where(
                    Checkin.member_id == member_id,
                    or_(Checkin.note.is_not(None), Checkin.effort.is_not(None)),
                )
                .order_by(Checkin.local_date.desc())
                .limit(NOTES_SHOWN)
            )
            found = [Note(d, e, n) for d, e, n in notes]
        calendar = self.calendar_of(member, history)
        today = calendar.today
        first = today - timedelta(days=CALENDAR_DAYS - 1)
        return MemberPage(
            member, cohort.name if cohort else None, calendar.progress(),
            calendar.days(first, today), found,
        )  # fmt: skip

    def calendar_of(self, member: MemberDTO, history: History) -> Calendar:
        """The member's calendar as of their local today."""
        today = today_in(member.timezone, self._clock.now())
        return calendar_of(self._catalog.programs, history, today)
