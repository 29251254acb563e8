"""Named leases in the database: one holder at a time, taken over when expired.

Each function runs its own short transaction: a lease is checked and renewed
between pieces of work, never held inside one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.dialect import insert_ignore
from bot.db.models import Lease

SENDER = "sender"  # the outbox sender's lease: one per bot token


async def acquire(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    holder: str,
    now: datetime,
    ttl: timedelta,
) -> bool:
    """Take or renew the lease; False while someone else holds a live one."""
    async with sessions.begin() as session:
        inserted = await session.execute(
            insert_ignore(
                session, Lease, {"name": name, "holder": holder, "expires_at": now + ttl}, ["name"]
            )
        )
        if getattr(inserted, "rowcount", 0):
            return True
        renewed = await session.execute(
            update(Lease)
            .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
            .values(holder=holder, expires_at=now + ttl)
        )
        return bool(getattr(renewed, "rowcount", 0))


async def release(sessions: async_sessionmaker[AsyncSession], name: str, holder: str) -> None:
    """Give the lease up (clean shutdown), so another process need not wait."""
    async with sessions.begin() as session:
        await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


async def holder(
    sessions: async_sessionmaker[AsyncSession], name: str, now: datetime
) -> str | None:
    """Who holds the lease now (None: nobody, or a holder whose lease ran out)."""
    async with sessions() as session:
        return await session.scalar(
            select(Lease.holder).where(Lease.name == name, Lease.expires_at >= now)
        )
