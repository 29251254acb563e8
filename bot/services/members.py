"""Registering members and keeping their Telegram profile and reachability current."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.dto import MemberDTO, PauseSpan
from bot.db.models import Member
from bot.db.repositories import (
    CohortRepository,
    MemberRepository,
    OutboxRepository,
    PauseRepository,
    ProgramRunRepository,
)
from bot.services.schedule import local_date, next_occurrence


@dataclass(frozen=True, slots=True)
class Profile:
    """What Telegram tells us about a user, reduced to what we keep."""

    telegram_id: int
    chat_id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Registration:
    """The member after /start, and whether this /start created them."""

    member: MemberDTO
    created: bool


class MemberService:
    """Members: registration, profile refresh, blocked/unblocked."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        default_timezone: str,
        default_reminder_time: time,
        admin_ids: tuple[int, ...] = (),
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._default_timezone = default_timezone
        self._default_reminder_time = default_reminder_time
        self._admin_ids = frozenset(admin_ids)

    async def register(self, profile: Profile) -> Registration:
        """Create the member if new; otherwise only refresh their Telegram profile.

        Safe to call twice, or concurrently: the unique Telegram id decides.
        """
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repo = MemberRepository(session)
            created = await repo.insert_if_absent(
                {
                    "telegram_id": profile.telegram_id,
                    "chat_id": profile.chat_id,
                    "username": _clip(profile.username, 64),
                    "first_name": _clip(profile.first_name, 128) or "",
                    "last_name": _clip(profile.last_name, 128),
                    "language_code": _clip(profile.language_code, 16),
                    "timezone": self._default_timezone,
                    "reminder_time": self._default_reminder_time,
                    "status": "active",
                    "role": "admin" if profile.telegram_id in self._admin_ids else "member",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if not created:
                await self._refresh_profile(session, profile, now)
            member = await repo.get_by_telegram_id(profile.telegram_id)
        assert member is not None  # inserted or already present in this transaction
        return Registration(member=member, created=created)

    async def get(self, telegram_id: int) -> MemberDTO | None:
        """The member, or None for someone who never started the bot."""
        async with self._sessions() as session:
            return await MemberRepository(session).get_by_telegram_id(telegram_id)

    async def set_reachable(self, telegram_id: int, reachable: bool) -> MemberDTO | None:
        """Record that the user blocked (False) or unblocked (True) the bot."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repo = MemberRepository(session)
            member = await repo.get_by_telegram_id(telegram_id)
            if member is None:
                return None
            if not reachable and member.status != "left":
                await repo.update_by_telegram_id(
                    telegram_id,
                    {"status": "blocked", "next_reminder_at": None, "updated_at": now},
                )
                await OutboxRepository(session).cancel_pending_for(member.id)
            elif reachable and member.status == "blocked":
                await repo.update_by_telegram_id(
                    telegram_id, {"status": "active", "updated_at": now}
                )
            return await repo.get_by_telegram_id(telegram_id)

    async def _refresh_profile(self, session: AsyncSession, profile: Profile, now: object) -> None:
        await MemberRepository(session).update_by_telegram_id(
            profile.telegram_id,
            {
                "chat_id": profile.chat_id,
                "username": _clip(profile.username, 64),
                "first_name": _clip(profile.first_name, 128) or "",
                "last_name": _clip(profile.last_name, 128),
                "language_code": _clip(profile.language_code, 16),
                "updated_at": now,
            },
        )


def _clip(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    return value[:limit]


class NotAMember(LookupError):
    """The user never sent /start."""


@dataclass(frozen=True, slots=True)
class Change:
    """A member after a settings change, and what the change did."""

    member: MemberDTO
    onboarding_finished: bool = False
    cohort_name: str | None = None


class SettingsService:
    """Onboarding answers and later changes: program, zone, time, pause, stop."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def _edit(
        self, telegram_id: int, change: Callable[[Member, datetime, AsyncSession], Awaitable[bool]]
    ) -> Change:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repo = MemberRepository(session)
            row = await repo.lock_by_telegram_id(telegram_id)
            if row is None:
                raise NotAMember(telegram_id)
            finished = await change(row, now, session)
            row.updated_at = now
            await session.flush()
            return Change(MemberDTO.from_row(row), onboarding_finished=finished)

    async def choose_program(self, telegram_id: int, program_id: str) -> Change:
        """Pick a program: the next onboarding step, or a switch/restart from day 1."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            row.program_id = program_id
            if row.program_start is None:
                row.pending_input = "timezone"
                return False
            await _start_fresh(row, now, session)
            return False

        return await self._edit(telegram_id, change)

    async def set_timezone(self, telegram_id: int, zone: str) -> Change:
        """Set the time zone; during onboarding, move on to the time question."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            row.timezone = zone
            if row.program_start is None:
                row.pending_input = "time" if row.program_id else None
            else:
                row.pending_input = None
                _reschedule(row, now)
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
            _reschedule(row, now)
            return False

        return await self._edit(telegram_id, change)

    async def expect_input(self, telegram_id: int, what: str | None) -> Change:
        """Remember what the member's next typed message answers (or nothing)."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            row.pending_input = what
            return False

        return await self._edit(telegram_id, change)

    async def pause(self, telegram_id: int, days: int | None) -> Change:
        """No sessions for `days` session days (or until /resume), starting with
        the next one: a pause taken after today's session starts tomorrow."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            first_off = _next_session_date(row, now)
            if row.status != "paused":
                await PauseRepository(session).open(row.id, first_off)
            row.status = "paused"
            row.paused_until = first_off + timedelta(days=days) if days else None
            return False

        return await self._edit(telegram_id, change)

    async def resume(self, telegram_id: int) -> Change:
        """Sessions again from the next reminder time."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            if row.status == "paused":
                await _close_pause(row, now, session)
            if row.status in ("paused", "left"):
                row.status = "active"
                _reschedule(row, now)
            return False

        return await self._edit(telegram_id, change)

    async def stop(self, telegram_id: int) -> Change:
        """No more messages of any kind; the member's data stays."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            if row.status == "paused":
                await _close_pause(row, now, session)
            row.status = "left"
            row.paused_until = None
            row.next_reminder_at = None
            row.pending_input = None
            await OutboxRepository(session).cancel_pending_for(row.id)
            return False

        return await self._edit(telegram_id, change)

    async def come_back(self, telegram_id: int) -> Change:
        """A /start from someone who stopped or blocked the bot: sessions resume."""

        async def change(row: Member, now: datetime, session: AsyncSession) -> bool:
            if row.status in ("left", "blocked"):
                row.status = "active"
                if row.program_start is not None:
                    _reschedule(row, now)
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
    if row.status == "active":
        row.next_reminder_at = first
    assert row.program_id is not None
    await ProgramRunRepository(session).start(row.id, row.program_id, row.program_start)


def _reschedule(row: Member, now: datetime) -> None:
    if row.status == "active" and row.program_start is not None:
        row.next_reminder_at = next_occurrence(now, row.reminder_time, ZoneInfo(row.timezone))


def _next_session_date(row: Member, now: datetime) -> date:
    """The local date of the member's next session time (today if it is still ahead)."""
    zone = ZoneInfo(row.timezone)
    return local_date(next_occurrence(now, row.reminder_time, zone), zone)


async def _close_pause(row: Member, now: datetime, session: AsyncSession) -> None:
    """Sessions come back with the next session time; days before it stay paused."""
    await PauseRepository(session).close(row.id, _next_session_date(row, now))
    row.paused_until = None
