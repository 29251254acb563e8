"""Telegram delivers updates at least once; this makes handling them once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.inbox import InboxRepository

KEEP_UPDATES_FOR = timedelta(hours=48)
PRUNE_BATCH = 5000


class UpdateLog:
    """Which updates were already received."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def first_time(self, payload: dict[str, Any]) -> bool:
        """Record the update; True the first time it is seen, False on a repeat."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            inbox = InboxRepository(session)
            if not await inbox.store([payload], now):
                return False
            await inbox.finish(int(payload["update_id"]), "", now)
            return True

    async def prune(self) -> int:
        """Drop finished updates older than 48 hours (Telegram never redelivers that late)."""
        cutoff = self._clock.now() - KEEP_UPDATES_FOR
        removed = 0
        while True:
            async with self._sessions.begin() as session:
                batch = await InboxRepository(session).prune(cutoff, PRUNE_BATCH)
            removed += batch
            if batch < PRUNE_BATCH:
                return removed
