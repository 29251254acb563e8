"""Keeping the tables that only grow small: old inbox and outbox rows."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.inbox import InboxRepository
from bot.db.outbox import OutboxRepository

KEEP_UPDATES_FOR = timedelta(hours=48)  # Telegram never sends an update again that late
PRUNE_BATCH = 5000
OUTBOX_PRUNE_BATCH = 1000  # the outbox is written by the sender all day: shorter turns


async def prune_inbox(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Delete handled (and failed) updates older than 48 hours, in small batches."""
    cutoff = clock.now() - KEEP_UPDATES_FOR
    return await _in_batches(
        sessions, lambda session: InboxRepository(session).prune(cutoff, PRUNE_BATCH), PRUNE_BATCH
    )


async def prune_outbox(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, keep_days: int
) -> int:
    """Delete sent, failed and cancelled messages older than `keep_days`.

    What reports need outlives them: a finished broadcast keeps its counts, and
    members' figures live in member_stats.
    """
    cutoff = clock.now() - timedelta(days=keep_days)
    return await _in_batches(
        sessions,
        lambda session: OutboxRepository(session).prune(cutoff, OUTBOX_PRUNE_BATCH),
        OUTBOX_PRUNE_BATCH,
    )


async def _in_batches(
    sessions: async_sessionmaker[AsyncSession],
    prune: Callable[[AsyncSession], Awaitable[int]],
    size: int,
) -> int:
    """Run `prune` in one short transaction after another until a batch is short,
    letting other writers in between (on SQLite they queue for the one writer)."""
    removed = 0
    while True:
        async with sessions.begin() as session:
            batch = await prune(session)
        removed += batch
        if batch < size:
            return removed
        await asyncio.sleep(0)
