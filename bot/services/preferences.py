"""A member's choices: onboarding answers and later changes (program, time zone,
session time, pause, resume, stop), and what their next typed message answers.

Onboarding asks in a fixed order, decided here and only here: three quick
questions (experience, equipment, conditions; `services/answers.py`), then
program, time zone and session time. Every change returns the member and the
step that comes next (`Change.next_step`), so a handler only shows it. A
program picked before the questions are answered (an older button) skips them;
they can be answered later in /settings.

Pauses are date ranges [start, end) of local days. The one rule for where a
pause ends is `_end_pause`: at `paused_until` when a timed pause has run out,
otherwise at the member's next session date (days before it stay paused).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.schema import Program
from bot.clock import Clock
from bot.db import keys
from bot.db.dto import MemberDTO, PauseSpan
from bot.db.member_stats import MemberStatsRepository
from bot.db.models import Checkin, Member, Outbox
from bot.db.outbox import OutboxRepository
from bot.db.repositories import (
    CohortRepository,
    MemberRepository,
    PauseRepository,
    ProgramRunRepository,
)
from bot.db.status import Experience, MemberStatus, OutboxStatus
from bot.services.answers import CONDITION_CHOICES, EQUIPMENT_CHOICES, stored
from bot.services.figures import FigureKeeper
from bot.services.members import NotAMember
from bot.services.schedule import local_date, next_occurrence, occurrence_on


class Step(StrEnum):
    """Where a member stands in onboarding."""

    EXPERIENCE = "experience"
    EQUIPMENT = "equipment"
    CONDITIONS = "conditions"
    PROGRAM = "program"
    TIMEZONE = "timezone"
    TIME = "time"
    DONE = "done"


class Awaiting(StrEnum):
    """What the member's next typed message in the private chat answers."""

    TIMEZONE = "timezone"
    TIME = "time"
    NOTE = "note"  # stored as note:YYYYMMDD, the check-in day the note is for


@dataclass(frozen=True, slots=True)
class Expected:
    """The question a typed message answers (and the day, for a note)."""

    what: Awaiting
    day: date | None = None


def onboarding_step(member: MemberDTO) -> Step:
    """The next onboarding question for this member, or DONE."""
    if member.onboarded:
        return Step.DONE
    if member.program_id is None:
        if member.experience is None:
            return Step.EXPERIENCE
        if member.equipment is None:
            return Step.EQUIPMENT
        if member.conditions is None:
            return Step.CONDITIONS
        return Step.PROGRAM
    if member.pending_input == Awaiting.TIME:
        return Step.TIME
    return Step.TIMEZONE


def expected_input(member: MemberDTO) -> Expected | None:
    """What the member was asked to type, if anything."""
    pending = member.pending_input or ""
    if pending in (Awaiting.TIME, Awaiting.TIMEZONE):
        return Expected(Awaiting(pending))
    if pending.startswith(f"{Awaiting.NOTE}:"):
        try:
            day = date.fromisoformat(pending.partition(":")[2])
        except ValueError:
            return None
        return Expected(Awaiting.NOTE, day)
    return None


def _pending_value(expected: Expected | None) -> str | None:
    if expected is None:
        return None
    if expected.what == Awaiting.NOTE:
        assert expected.day is not None
        return f"{Awaiting.NOTE}:{expected.day:%Y%m%d}"
    return expected.what.value


@dataclass(frozen=True, slots=True)
class Change:
    """A member after a change of their choices, and what comes next."""

    member: MemberDTO
    onboarding_finished: bool = False
    cohort_name: str | None = None

    @property
    def next_step(self) -> Step:
        return onboarding_step(self.member)


StartOutcome = Literal["started", "already", "stale"]


@dataclass(frozen=True, slots=True)
class StartToday:
    """A member after ▶ Start today: moved to today, already today, or a stale button."""

    member: MemberDTO
    outcome: StartOutcome


Edit = Callable[[Member, datetime, AsyncSession], Awaitable[bool]]


class PreferencesService:
    """Everything a member chooses about their program and its schedule."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        programs: Mapping[str, Program] | None = None,
    ) -> None:
        """With `programs`, a member's trainer-view figures are recomputed in the
        transaction of every change; without (tools that have no content), they
        are marked out of date for the background refresh."""
        self._sessions = sessions
        self._clock = clock
        self._figures = FigureKeeper(programs) if programs is not None else None

    async def _keep_figures(self, session: AsyncSession, row: Member, now: datetime) -> None:
        """A pause, a resume, a program start or a new zone changes the calendar."""
        await session.flush()
        if self._figures is not None:
            await self._figures.recompute(session, row.id, row.timezone, now)
        else:
            await MemberStatsRepository(session).invalidate(row.id)

    async def _edit(self, telegram_id: int, change: Edit, *, figures: bool = True) -> Change:
        """Apply a change to the locked member row; `figures`: it may change the
        calendar (recompute the trainer-view figures)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await MemberRepository(session).lock_by_telegram_id(telegram_id)
            if row is None:
                raise NotAMember(telegram_id)
            finished = await change(row, now, session)
            row.updated_at = now
            if figures:
                await self._keep_figures(session, row, now)
            return Change(MemberDTO.from_row(row), onboarding_finished=finished)

    async def answer_experience(self, telegram_id: int, experience: Experience) -> Change:
        """How much the member has trained (question 1)."""
        return await self._answer(telegram_id, "experience", experience.value)

    async def answer_equipment(self, telegram_id: int, kits: Iterable[str]) -> Change:
        """The equipment at hand (question 2); nothing ticked means none."""
        return await self._answer(telegram_id, "equipment", stored(kits, EQUIPMENT_CHOICES))

    async def answer_conditions(self, telegram_id: int, conditions: Iterable[str]) -> Change:
        """Knee or back pain, pregnancy or postpartum, a recent injury (question 3)."""
        value = stored(conditions, CONDITION_CHOICES)
        return await self._answer(telegram_id, "conditions", value)

    async def _answer(self, telegram_id: int, column: str, value: str) -> Change:
        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            setattr(row, column, value)
            return False

        return await self._edit(telegram_id, change, figures=False)

    async def choose_program(self, telegram_id: int, program_id: str) -> Change:
        """Pick a program: the next onboarding step, or a switch/restart from day 1."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            row.program_id = program_id
            if row.program_start is None:
                row.pending_input = Awaiting.TIMEZONE
                return False
            await _start_fresh(row, now, session)
            return False

        return await self._edit(telegram_id, change)

    async def start_today(self, telegram_id: int, day: date) -> StartToday:
        """Make `day`, the member's local today, day 1 of a program planned to
        begin later (they joined after today's session time). The daily session
        stays where it is: tomorrow's is day 2."""
        outcome: StartOutcome = "stale"

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            nonlocal outcome
            today = local_date(now, ZoneInfo(row.timezone))
            if row.program_id is None or row.program_start is None or day != today:
                return False  # a button from another day, or no program any more
            if row.program_start == today:
                outcome = "already"
            elif row.program_start > today:
                row.program_start = today
                await ProgramRunRepository(session).start(row.id, row.program_id, today)
                outcome = "started"
            return False

        result = await self._edit(telegram_id, change)
        return StartToday(result.member, outcome)

    async def set_timezone(self, telegram_id: int, zone: str) -> Change:
        """Set the time zone; during onboarding, move on to the time question."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            row.timezone = zone
            if row.program_start is None:
                row.pending_input = Awaiting.TIME if row.program_id else None
            else:
                row.pending_input = None
                await _reschedule(row, now, session)
            return False

        return await self._edit(telegram_id, change)

    async def set_reminder_time(self, telegram_id: int, at: time) -> Change:
        """Set the daily time; during onboarding this is the last answer."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            row.reminder_time = at
            row.pending_input = None
            if row.program_start is None:
                if row.program_id is None:
                    return False
                await _start_fresh(row, now, session)
                return True
            await _reschedule(row, now, session)
            return False

        return await self._edit(telegram_id, change)

    async def expect(self, telegram_id: int, expected: Expected | None) -> Change:
        """Remember what the member's next typed message answers (None: nothing)."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            row.pending_input = _pending_value(expected)
            return False

        return await self._edit(telegram_id, change)

    async def pause(self, telegram_id: int, days: int | None) -> Change:
        """No sessions for `days` session days (or until /resume), starting with
        the next one: a pause taken after today's session starts tomorrow."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            first_off = _next_session_date(row, now)
            if row.status != MemberStatus.PAUSED:
                await PauseRepository(session).open(row.id, first_off)
            row.status = MemberStatus.PAUSED
            row.paused_until = first_off + timedelta(days=days) if days else None
            return False

        return await self._edit(telegram_id, change)

    async def resume(self, telegram_id: int) -> Change:
        """Sessions again from the next reminder time."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            if row.status == MemberStatus.PAUSED:
                await _end_pause(row, now, session)
            if row.status in (MemberStatus.PAUSED, MemberStatus.LEFT):
                row.status = MemberStatus.ACTIVE
                await _reschedule(row, now, session)
            return False

        return await self._edit(telegram_id, change)

    async def resume_finished_pauses(self) -> int:
        """Members whose /pause N days ran out get their sessions back; how many."""
        now = self._clock.now()
        # A pause ends on a local date; no zone is more than a day ahead of UTC.
        horizon = now.date() + timedelta(days=1)
        resumed = 0
        async with self._sessions.begin() as session:
            rows = await session.scalars(
                select(Member).where(
                    Member.status == MemberStatus.PAUSED,
                    Member.paused_until.is_not(None),
                    Member.paused_until <= horizon,
                )
            )
            for row in rows:
                until = row.paused_until
                assert until is not None
                zone = ZoneInfo(row.timezone)
                if local_date(now, zone) < until:
                    continue
                await _end_pause(row, now, session)
                row.status = MemberStatus.ACTIVE
                row.updated_at = now
                # The first day back has its session, however late this tick runs
                # (what /settings promised); the tick's grace rule decides if it is
                # still sent.
                row.next_reminder_at = occurrence_on(until, row.reminder_time, zone)
                await self._keep_figures(session, row, now)
                resumed += 1
        return resumed

    async def stop(self, telegram_id: int) -> Change:
        """No more messages of any kind; the member's data stays."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            if row.status == MemberStatus.PAUSED:
                await _end_pause(row, now, session)
            row.status = MemberStatus.LEFT
            row.next_reminder_at = None
            row.pending_input = None
            await OutboxRepository(session).cancel_pending_for(row.id)
            return False

        return await self._edit(telegram_id, change)

    async def come_back(self, telegram_id: int) -> Change:
        """A /start from someone who stopped or blocked the bot: sessions resume."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            if row.status in (MemberStatus.LEFT, MemberStatus.BLOCKED):
                row.status = MemberStatus.ACTIVE
                await _reschedule(row, now, session)
            return False

        return await self._edit(telegram_id, change)

    async def join_cohort(self, telegram_id: int, code: str) -> Change:
        """Remember the invite code; join its cohort when the code is known."""
        cohort_name: str | None = None

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            nonlocal cohort_name
            row.start_code = code[:64]
            found = await CohortRepository(session).id_for_code(code)
            if found is not None:
                row.cohort_id, cohort_name = found
            return False

        result = await self._edit(telegram_id, change)
        return Change(result.member, cohort_name=cohort_name)

    async def pauses(self, member_id: int) -> list[PauseSpan]:
        """The member's pause history."""
        async with self._sessions() as session:
            return await PauseRepository(session).spans(member_id)


async def _start_fresh(row: Member, now: datetime, session: AsyncSession) -> None:
    """Day 1 is the date of the next session; the program history records it."""
    zone = ZoneInfo(row.timezone)
    first = next_occurrence(now, row.reminder_time, zone)
    row.program_start = local_date(first, zone)
    if row.status == MemberStatus.ACTIVE:
        row.next_reminder_at = first
    assert row.program_id is not None
    await ProgramRunRepository(session).start(row.id, row.program_id, row.program_start)


async def _reschedule(row: Member, now: datetime, session: AsyncSession) -> None:
    """The next session at the member's (new) time and zone. Never a second one
    today: once today's session went out or today is checked in, it is tomorrow's."""
    if row.status != MemberStatus.ACTIVE or row.program_start is None:
        return
    zone = ZoneInfo(row.timezone)
    following = next_occurrence(now, row.reminder_time, zone)
    today = local_date(now, zone)
    if local_date(following, zone) == today and await _had_session(session, row.id, today):
        following = occurrence_on(today + timedelta(days=1), row.reminder_time, zone)
    row.next_reminder_at = following


async def _had_session(session: AsyncSession, member_id: int, day: date) -> bool:
    """Whether the member's session of `day` was queued or sent, or the day is checked in."""
    queued = await session.scalar(
        select(Outbox.id).where(
            Outbox.dedupe_key == keys.reminder(member_id, day),
            Outbox.status != OutboxStatus.CANCELLED,
        )
    )
    if queued is not None:
        return True
    answered = await session.scalar(
        select(Checkin.id).where(Checkin.member_id == member_id, Checkin.local_date == day)
    )
    return answered is not None


def next_session(member: MemberDTO) -> datetime | None:
    """When the member's next session comes: the first one after a timed pause
    while paused; None while paused until /resume, stopped or blocked."""
    if member.status == MemberStatus.PAUSED:
        if member.paused_until is None:
            return None
        # The pause ends on `paused_until`: that day's session is the first one.
        return occurrence_on(member.paused_until, member.reminder_time, ZoneInfo(member.timezone))
    if member.status != MemberStatus.ACTIVE:
        return None
    return member.next_reminder_at


def _next_session_date(row: Member, now: datetime) -> date:
    """The local date of the member's next session time (today if it is still ahead)."""
    zone = ZoneInfo(row.timezone)
    return local_date(next_occurrence(now, row.reminder_time, zone), zone)


async def _end_pause(row: Member, now: datetime, session: AsyncSession) -> None:
    """Close the open pause: at `paused_until` if a timed pause ran out, else at
    the next session date."""
    end = _next_session_date(row, now)
    if row.paused_until is not None and row.paused_until <= end:
        end = row.paused_until
    await PauseRepository(session).close(row.id, end)
    row.paused_until = None
