"""What /healthz and /metrics read from the database: one short read each time.

The figures are for the whole deployment (every replica shares the database);
whether this process holds the sender lease is the caller's to add.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import leases
from bot.db.inbox import InboxRepository
from bot.db.outbox import OutboxRepository


@dataclass(frozen=True, slots=True)
class Health:
    """The database's view of the bot's work."""

    inbox_depth: int
    inbox_lag_s: float  # age of the oldest unhandled update; 0 when there is none
    outbox_waiting: int
    sender: str | None  # the holder of the sender lease, or None


async def read_health(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> Health:
    """Read the inbox and outbox depths and the sender lease; raises if the database is down."""
    now = clock.now()
    async with sessions() as session:
        depth, oldest = await InboxRepository(session).depth()
        waiting = await OutboxRepository(session).waiting()
    holder = await leases.holder(sessions, leases.SENDER, now)
    lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return Health(depth, lag, waiting, holder)
