"""Registering members and keeping their Telegram profile and reachability current.

The rule for an unreachable member (blocked the bot, deleted their account) is
written once here, in `block_member`; the handler of my_chat_member updates and
the outbox sender both call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import i18n
from bot.clock import Clock
from bot.db.dto import MemberDTO
from bot.db.models import Member
from bot.db.outbox import OutboxRepository
from bot.db.repositories import MemberRepository
from bot.db.status import MemberStatus, Role


def speaks(stored: tuple[str | None, str | None] | None, telegram_code: str | None) -> str:
    """The language of someone whose row holds `stored` (their /language choice,
    the language_code Telegram last gave; None without a row) and who comes with
    `telegram_code` now: the choice, else the code of now, else the one kept."""
    chosen, known_code = stored if stored else (None, None)
    return i18n.resolve(chosen, telegram_code or known_code)


def language_of_member(member: MemberDTO | None, telegram_code: str | None) -> str:
    """`speaks` for a member already read (the Mini App has them at each request)."""
    return speaks((member.language, member.language_code) if member else None, telegram_code)


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


class NotAMember(LookupError):
    """The user never sent /start."""


async def block_member(session: AsyncSession, member_id: int, now: datetime) -> None:
    """The member cannot be reached: no more sessions, nothing left waiting.

    A member who chose /stop keeps that status (they come back the same way).
    """
    await session.execute(
        update(Member)
        .where(Member.id == member_id, Member.status != MemberStatus.LEFT)
        .values(status=MemberStatus.BLOCKED, next_reminder_at=None, updated_at=now)
    )
    await OutboxRepository(session).cancel_pending_for(member_id)


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
                    **_profile_columns(profile),
                    "telegram_id": profile.telegram_id,
                    "timezone": self._default_timezone,
                    "reminder_time": self._default_reminder_time,
                    "status": MemberStatus.ACTIVE,
                    "role": Role.ADMIN if profile.telegram_id in self._admin_ids else Role.MEMBER,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if not created:
                await repo.update_by_telegram_id(
                    profile.telegram_id, {**_profile_columns(profile), "updated_at": now}
                )
            member = await repo.get_by_telegram_id(profile.telegram_id)
        assert member is not None  # inserted or already present in this transaction
        return Registration(member=member, created=created)

    async def get(self, telegram_id: int) -> MemberDTO | None:
        """The member, or None for someone who never started the bot."""
        async with self._sessions() as session:
            return await MemberRepository(session).get_by_telegram_id(telegram_id)

    async def language_of(self, telegram_id: int, telegram_code: str | None = None) -> str:
        """The language to speak to this user: their /language choice, else
        Telegram's language_code (the one on the update first), else English."""
        async with self._sessions() as session:
            stored = await MemberRepository(session).language_of(telegram_id)
        return speaks(stored, telegram_code)

    async def set_language(self, telegram_id: int, language: str) -> MemberDTO | None:
        """Keep the member's language choice (one of i18n.LANGUAGES)."""
        if language not in i18n.LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        async with self._sessions.begin() as session:
            repo = MemberRepository(session)
            await repo.update_by_telegram_id(
                telegram_id, {"language": language, "updated_at": self._clock.now()}
            )
            return await repo.get_by_telegram_id(telegram_id)

    async def set_reachable(self, telegram_id: int, reachable: bool) -> MemberDTO | None:
        """Record that the user blocked (False) or unblocked (True) the bot."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repo = MemberRepository(session)
            member = await repo.get_by_telegram_id(telegram_id)
            if member is None:
                return None
            if not reachable:
                await block_member(session, member.id, now)
            elif member.status == MemberStatus.BLOCKED:
                await repo.update_by_telegram_id(
                    telegram_id, {"status": MemberStatus.ACTIVE, "updated_at": now}
                )
            return await repo.get_by_telegram_id(telegram_id)

    async def mark_unreachable(self, member_id: int) -> None:
        """Telegram answered 403 for this member (blocked, deactivated)."""
        async with self._sessions.begin() as session:
            await block_member(session, member_id, self._clock.now())


def _profile_columns(profile: Profile) -> dict[str, object]:
    return {
        "chat_id": profile.chat_id,
        "username": _clip(profile.username, 64),
        "first_name": _clip(profile.first_name, 128) or "",
        "last_name": _clip(profile.last_name, 128),
        "language_code": _clip(profile.language_code, 16),
    }


def _clip(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    return value[:limit]
