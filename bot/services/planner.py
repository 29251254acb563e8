"""What a member's session is on a given local date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import i18n
from bot.catalog import Catalog
from bot.catalog.schema import Program
from bot.clock import Clock
from bot.db import keys
from bot.db.dto import MemberDTO, PauseSpan
from bot.db.models import Member
from bot.db.outbox import OutboxRepository, outbox_row
from bot.db.repositories import PauseRepository
from bot.db.status import MemberStatus, OutboxKind
from bot.services.program import is_paused, program_day
from bot.services.schedule import local_date, occurrence_on

# Days after the "what next?" message when, unanswered, it is asked once more.
FOLLOW_UP_DAYS = 3

State = Literal["not_onboarded", "not_started", "paused", "training", "rest", "finished"]


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """The session of one member on one local date."""

    member: MemberDTO
    local_date: date
    day: int
    length: int
    state: State

    @property
    def program_id(self) -> str | None:
        return self.member.program_id


def day_state(program: Program, number: int, paused: bool) -> tuple[State, int]:
    """The state of the `number`-th program day and the day to show (1-based).

    A rolling program never finishes: after its last day it starts over, so
    the day shown is the day of the cycle. Other programs finish after their
    last day.
    """
    if paused:
        return "paused", number
    if number < 1:
        return "not_started", number
    day = program.day(number)
    if day is None:  # past the last day of a program that finishes
        return "finished", number
    return ("rest" if day.rest else "training"), day.day


class SessionPlanner:
    """Plans training sessions from the member's program, start date and pauses."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, catalog: Catalog
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._catalog = catalog

    async def plan(self, member: MemberDTO, on: date | None = None) -> SessionPlan:
        """The member's session on `on` (default: their local today)."""
        day_date = on or local_date(self._clock.now(), ZoneInfo(member.timezone))
        program = self._catalog.programs.get(member.program_id or "")
        if program is None or member.program_start is None:
            return SessionPlan(member, day_date, 0, 0, "not_onboarded")
        async with self._sessions() as session:
            pauses = await PauseRepository(session).spans(member.id)
        return self.plan_with(member, day_date, pauses)

    def plan_with(
        self, member: MemberDTO, day_date: date, pauses: Sequence[PauseSpan]
    ) -> SessionPlan:
        """The plan from pauses already read (no database)."""
        program = self._catalog.programs.get(member.program_id or "")
        if program is None or member.program_start is None:
            return SessionPlan(member, day_date, 0, 0, "not_onboarded")
        number = program_day(member.program_start, day_date, pauses)
        paused = is_paused(day_date, pauses) or member.status == MemberStatus.PAUSED
        state, shown = day_state(program, number, paused)
        return SessionPlan(member, day_date, shown, program.length, state)

    async def _member(self, member_id: int) -> MemberDTO | None:
        async with self._sessions() as session:
            row = await session.scalar(select(Member).where(Member.id == member_id))
            return MemberDTO.from_row(row) if row else None

    async def plan_for_member_id(self, member_id: int, on: date) -> SessionPlan | None:
        """The plan for the sender, by internal id (None if the member is gone)."""
        member = await self._member(member_id)
        if member is None:
            return None
        return await self.plan(member, on)

    async def is_active(self, member_id: int) -> bool:
        """Whether the member still takes messages from the bot."""
        return member_id in await self.active_among([member_id])

    async def active_among(self, member_ids: Sequence[int]) -> set[int]:
        """Those of `member_ids` who still take messages from the bot (one query)."""
        if not member_ids:
            return set()
        async with self._sessions() as session:
            found = await session.scalars(
                select(Member.id).where(
                    Member.id.in_(set(member_ids)), Member.status == MemberStatus.ACTIVE
                )
            )
            return set(found)

    async def languages_among(self, member_ids: Sequence[int]) -> dict[int, str]:
        """The language each of `member_ids` reads the bot in (one query)."""
        if not member_ids:
            return {}
        async with self._sessions() as session:
            rows = await session.execute(
                select(Member.id, Member.language, Member.language_code).where(
                    Member.id.in_(set(member_ids))
                )
            )
            return {row[0]: i18n.resolve(row[1], row[2]) for row in rows}

    async def finish(self, member_id: int, day: date) -> None:
        """The program is over (`day` is the first day after it, when the member is
        asked what next): no daily sessions until they choose, and one gentle
        reminder FOLLOW_UP_DAYS later at their session time if they have not.
        Doing it again changes nothing (the reminder's key is per program run)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(Member).where(Member.id == member_id).with_for_update()
            )
            if row is None or row.program_start is None or row.program_id is None:
                return
            row.next_reminder_at = None
            later = day + timedelta(days=FOLLOW_UP_DAYS)
            reminder = outbox_row(
                OutboxKind.NOTICE,
                member_id=row.id,
                chat_id=row.chat_id,
                payload={
                    "program_followup": row.program_id,
                    "program_start": row.program_start.isoformat(),
                },
                dedupe_key=keys.program_followup(row.id, row.program_start),
                now=now,
                not_before=occurrence_on(later, row.reminder_time, ZoneInfo(row.timezone)),
            )
            await OutboxRepository(session).enqueue([reminder])

    async def still_finished(
        self, member_id: int, program_id: str, start: date
    ) -> SessionPlan | None:
        """The member's plan today if they are still at the end of that program run
        and take messages (the follow-up goes only then); else None."""
        member = await self._member(member_id)
        if member is None or member.status != MemberStatus.ACTIVE:
            return None
        if (member.program_id, member.program_start) != (program_id, start):
            return None  # they chose something since
        plan = await self.plan(member)
        return plan if plan.state == "finished" else None
