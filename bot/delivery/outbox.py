"""Outbox queries shared by the tick and the sender. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import dialect_name, insert_ignore
from bot.db.dto import OutboxDTO
from bot.db.models import Outbox

PRIORITY_REMINDER = 0
PRIORITY_NUDGE = 5
PRIORITY_BROADCAST = 10
CLAIM_FOR = timedelta(seconds=60)


async def enqueue(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows; a dedupe_key already present is skipped. The number inserted."""
    if not rows:
        return 0
    stmt = insert_ignore(session, Outbox, None, ["dedupe_key"]).returning(Outbox.id)
    result = await session.execute(stmt, list(rows))
    return len(result.all())


async def claim(session: AsyncSession, holder: str, now: datetime, limit: int) -> list[OutboxDTO]:
    """Take up to `limit` due rows (reminders first), or rows whose claim expired."""
    due = or_(
        and_(Outbox.status == "pending", Outbox.not_before <= now),
        and_(Outbox.status == "sending", Outbox.claim_expires_at < now),
    )
    query = select(Outbox).where(due).order_by(Outbox.priority, Outbox.id).limit(limit)
    if dialect_name(session) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(await session.scalars(query))
    for row in rows:
        row.status = "sending"
        row.claimed_by = holder
        row.claim_expires_at = now + CLAIM_FOR
    await session.flush()
    return [OutboxDTO.from_row(row) for row in rows]


async def finish(session: AsyncSession, row_id: int, **values: Any) -> None:
    """Record the outcome of one row (status, message id, error, next attempt)."""
    values.setdefault("claimed_by", None)
    values.setdefault("claim_expires_at", None)
    await session.execute(update(Outbox).where(Outbox.id == row_id).values(**values))


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending row becomes due (None: nothing pending)."""
    return await session.scalar(
        select(Outbox.not_before)
        .where(Outbox.status == "pending")
        .order_by(Outbox.not_before)
        .limit(1)
    )
