"""Keeping the tables that only grow small: old inbox rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.inbox import InboxRepository

KEEP_UPDATES_FOR = timedelta(hours=48)  # Telegram never sends an update again that late
PRUNE_BATCH = 5000


async def prune_inbox(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Delete handled (and failed) updates older than 48 hours, in small batches."""
    cutoff = clock.now() - KEEP_UPDATES_FOR
    removed = 0
    while True:
        async with sessions.begin() as session:
            batch = await InboxRepository(session).prune(cutoff, PRUNE_BATCH)
        removed += batch
        if batch < PRUNE_BATCH:
            return removed
