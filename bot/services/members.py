"""Registering members and keeping their Telegram profile and reachability current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.dto import MemberDTO
from bot.db.repositories import MemberRepository


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
                    telegram_id, {"status": "blocked", "updated_at": now}
                )
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
