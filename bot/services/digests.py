"""Weekly digests: members on Sunday at their session time, coaches on Monday
morning, each once per week and person (`keys.member_digest`,
`keys.trainer_digest`).

`queue_due` finds who is due with one query per zone whose local day is the
digest's day (a handful) for those due whose key is not in the outbox yet,
and writes their rows; the dedupe keys make a second run, a restart or a
second process harmless. A digest is computed when
it is sent, from the stored figures (`member_stats`), the week's check-ins and
the feed, so it says what is true then. Like a session, a digest more than
three hours late (downtime) waits for the next week rather than arriving at an
odd hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, cast, delete, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.db import keys
from bot.db.dialect import insert_ignore
from bot.db.member_stats import ONBOARDED, History, MemberStatsRepository
from bot.db.models import Checkin, Cohort, DigestOptOut, Member, MemberStats, Outbox
from bot.db.outbox import OutboxRepository, outbox_row
from bot.db.status import STAFF_ROLES, MemberStatus, OutboxKind, Role
from bot.services.feedback import FeedbackService, Scope
from bot.services.figures import calendar_of
from bot.services.stats import ADHERENCE_7, ADHERENCE_30, AT_RISK_DROP

MEMBER_WEEKDAY = 6  # Sunday
TRAINER_WEEKDAY = 0  # Monday
TRAINER_TIME = time(8, 0)
LATE = timedelta(hours=3)

_S = MemberStats


def week_start(day: date) -> date:
    """The Monday of the week a local date is in."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class MemberDigest:
    name: str
    week: date  # its Monday
    days: list[tuple[date, str | None]]  # each day of the week: done, skipped, rest, None
    done: int
    current_streak: int
    adherence_7: float | None
    # Next week's training days: (date, program, program day); render words them.
    next_week: list[tuple[date, str, int]]


@dataclass(frozen=True, slots=True)
class CohortLine:
    name: str
    members: int
    adherence_7: float | None


@dataclass
class TrainerDigest:
    name: str
    week: date  # the Monday of the week it covers
    scope: Scope
    cohorts: list[CohortLine] = field(default_factory=list)
    at_risk: list[str] = field(default_factory=list)
    notes: int = 0
    alerts: int = 0
    new_members: int = 0


class DigestService:
    """Who is due for a digest, what it says, and `/digest on|off`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        catalog: Catalog,
        feedback: FeedbackService,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._catalog = catalog
        self._feedback = feedback

    async def set_wanted(self, member_id: int, wanted: bool) -> None:
        """`/digest on` or `/digest off`."""
        async with self._sessions.begin() as session:
            if wanted:
                await session.execute(
                    delete(DigestOptOut).where(DigestOptOut.member_id == member_id)
                )
                return
            values = {"member_id": member_id, "created_at": self._clock.now()}
            await session.execute(insert_ignore(session, DigestOptOut, values, ["member_id"]))

    async def wanted(self, member_id: int) -> bool:
        async with self._sessions() as session:
            return await session.get(DigestOptOut, member_id) is None

    # -- queueing ----------------------------------------------------------------------
    async def queue_due(self) -> int:
        """Queue every digest that is due now; how many rows were written."""
        now = self._clock.now()
        queued = 0
        async with self._sessions.begin() as session:
            zones = list(await session.scalars(select(Member.timezone).distinct()))
            for zone in zones:
                local = now.astimezone(ZoneInfo(zone))
                if local.weekday() == MEMBER_WEEKDAY:
                    queued += await self._queue_members(session, zone, local, now)
                if local.weekday() == TRAINER_WEEKDAY:
                    queued += await self._queue_trainers(session, zone, local, now)
        return queued

    async def _queue_members(
        self, session: AsyncSession, zone: str, local: datetime, now: datetime
    ) -> int:
        monday = week_start(local.date())
        opted_out = select(DigestOptOut.member_id)
        query = select(Member.id, Member.chat_id).where(
            Member.timezone == zone,
            Member.status == MemberStatus.ACTIVE,
            ONBOARDED,
            Member.id.not_in(opted_out),
            *_window(Member.reminder_time, local),
        )
        query = query.where(_not_queued(keys.member_digest(0, monday)))
        rows = [
            _digest_row(m, c, keys.member_digest(m, monday), "member", monday, now)
            for m, c in await session.execute(query)
        ]
        return await OutboxRepository(session).enqueue(rows)

    async def _queue_trainers(
        self, session: AsyncSession, zone: str, local: datetime, now: datetime
    ) -> int:
        if not _window(TRAINER_TIME, local, literal=True):
            return 0
        covered = week_start(local.date()) - timedelta(days=7)
        query = select(Member.id, Member.chat_id).where(
            Member.timezone == zone,
            Member.role.in_(STAFF_ROLES),
            Member.status.in_((MemberStatus.ACTIVE, MemberStatus.PAUSED)),
        )
        query = query.where(_not_queued(keys.trainer_digest(0, covered)))
        rows = [
            _digest_row(m, c, keys.trainer_digest(m, covered), "trainer", covered, now)
            for m, c in await session.execute(query)
        ]
        return await OutboxRepository(session).enqueue(rows)

    # -- what they say -------------------------------------------------------------------
    async def member_digest(self, member_id: int, monday: date) -> MemberDigest | None:
        """A member's week (Monday to Sunday); None when they should not get it now."""
        async with self._sessions() as session:
            member = await session.get(Member, member_id)
            if member is None or member.status != MemberStatus.ACTIVE:
                return None
            if await session.get(DigestOptOut, member_id) is not None:
                return None
            sunday = monday + timedelta(days=6)
            rows = await session.execute(
                select(Checkin.local_date, Checkin.status).where(
                    Checkin.member_id == member_id,
                    Checkin.local_date >= monday,
                    Checkin.local_date <= sunday,
                )
            )
            statuses = {day: status for day, status in rows}
            figures = await session.get(MemberStats, member_id)
            history = await MemberStatsRepository(session).history(member_id)
        days = [
            (monday + timedelta(days=n), statuses.get(monday + timedelta(days=n))) for n in range(7)
        ]
        adherence = None
        if figures is not None and figures.scheduled_7:
            adherence = figures.done_7 / figures.scheduled_7
        return MemberDigest(
            member.first_name or "",
            monday,
            days,
            sum(1 for _, status in days if status == "done"),
            figures.current_streak if figures is not None else 0,
            adherence,
            self._next_week(history, member.program_id, sunday),
        )

    def _next_week(
        self, history: History, program_id: str | None, sunday: date
    ) -> list[tuple[date, str, int]]:
        """Next week's training days with their title and focus muscle."""
        calendar = calendar_of(self._catalog.programs, history, sunday)
        program = self._catalog.programs.get(program_id or "")
        lines = []
        for offset in range(1, 8):
            day = sunday + timedelta(days=offset)
            kind, number = calendar.kind(day)
            if kind != "training" or number is None or program is None:
                continue
            plan = next((d for d in program.days if d.day == number), None)
            if plan is None:
                continue
            lines.append((day, program.id, plan.day))
        return lines

    async def trainer_digest(self, member_id: int, monday: date) -> TrainerDigest | None:
        """A coach's last week: adherence by cohort, who is at risk, notes and
        alerts, new members. None when they no longer coach."""
        async with self._sessions() as session:
            coach = await session.get(Member, member_id)
            if coach is None or coach.role not in STAFF_ROLES:
                return None
            telegram_id, name, role = coach.telegram_id, coach.first_name, Role(coach.role)
        scope = await self._feedback.scope_of(telegram_id, role)
        digest = TrainerDigest(name or "", monday, scope)
        start = datetime.combine(monday, time(0), tzinfo=ZoneInfo("UTC"))
        in_scope = scope.condition()
        active = [Member.status == MemberStatus.ACTIVE, ONBOARDED, *in_scope]
        async with self._sessions() as session:
            by_cohort = await session.execute(
                select(func.coalesce(Cohort.name, ""), func.count(), func.avg(ADHERENCE_7))
                .select_from(Member)
                .outerjoin(_S, _S.member_id == Member.id)
                .outerjoin(Cohort, Cohort.id == Member.cohort_id)
                .where(*active)
                .group_by(Cohort.name)
                .order_by(Cohort.name)
            )
            digest.cohorts = [
                CohortLine(n or "no cohort", int(count), None if a is None else float(a))
                for n, count, a in by_cohort
            ]
            risky = await session.scalars(
                select(Member.first_name)
                .join(_S, _S.member_id == Member.id)
                .where(
                    *active,
                    _S.scheduled_7 > 0,
                    _S.scheduled_30 > 0,
                    ADHERENCE_30 - ADHERENCE_7 >= AT_RISK_DROP,
                )
                .order_by(ADHERENCE_7, Member.first_name)
                .limit(10)
            )
            digest.at_risk = list(risky)
            digest.new_members = int(
                await session.scalar(
                    select(func.count())
                    .select_from(Member)
                    .where(Member.created_at >= start, *in_scope)
                )
                or 0
            )
        digest.notes, digest.alerts = await self._feedback.week_items(scope, start)
        return digest


def _window(at: Any, local: datetime, *, literal: bool = False) -> Any:
    """Conditions (or, with `literal`, whether) a local time `at` has come today,
    at most LATE ago."""
    now = local.time().replace(tzinfo=None)
    earliest = (local - LATE).time().replace(tzinfo=None)
    if (local - LATE).date() != local.date():
        earliest = time(0)
    if literal:
        return earliest <= at <= now
    return [at <= now, at >= earliest]


def _digest_row(
    member_id: int, chat_id: int, key: str, who: str, monday: date, now: datetime
) -> dict[str, Any]:
    return outbox_row(
        OutboxKind.NOTICE,
        member_id=member_id,
        chat_id=chat_id,
        payload={"digest": who, "week": monday.isoformat()},
        dedupe_key=key,
        now=now,
    )


def _not_queued(sample_key: str) -> ColumnElement[bool]:
    """No outbox row yet with the member's key, given the key of member 0 (keys
    are `<kind>:<member>:<week>`): one probe of the unique index per member due,
    so the minute-by-minute runs of a Sunday read only who is still missing."""
    kind, _, week = sample_key.split(":", 2)
    key = literal(f"{kind}:") + cast(Member.id, String) + literal(f":{week}")
    return ~exists().where(Outbox.dedupe_key == key)
