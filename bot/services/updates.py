"""Telegram delivers updates at least once; this makes handling them once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.repositories import ProcessedUpdateRepository

KEEP_UPDATE_IDS_FOR = timedelta(hours=48)


class UpdateLog:
    """Which update ids were already handled."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def first_time(self, update_id: int) -> bool:
        """Record the update id; True the first time it is seen, False on a repeat."""
        async with self._sessions.begin() as session:
            return await ProcessedUpdateRepository(session).record(update_id, self._clock.now())

    async def prune(self) -> int:
        """Drop ids older than 48 hours (Telegram never redelivers that late)."""
        cutoff = self._clock.now() - KEEP_UPDATE_IDS_FOR
        async with self._sessions.begin() as session:
            return await ProcessedUpdateRepository(session).delete_older_than(cutoff)
