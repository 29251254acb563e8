"""The outbox: every message the bot sends on its own. Never commits.

Rows are built by `outbox_row` (the one place that knows the row's shape and
each kind's priority) and written by `OutboxRepository.enqueue`, which skips a
dedupe key already present (see `bot.db.keys`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import dialect_name, insert_ignore
from bot.db.dto import OutboxDTO
from bot.db.models import Outbox
from bot.db.status import OutboxKind, OutboxStatus

# Lower goes first: a member's session and their celebrations before bulk mail.
PRIORITY = {
    OutboxKind.REMINDER: 0,
    OutboxKind.NOTICE: 0,
    OutboxKind.NUDGE: 5,
    OutboxKind.BROADCAST: 10,
}
CLAIM_FOR = timedelta(seconds=60)


def outbox_row(
    kind: OutboxKind,
    *,
    member_id: int,
    chat_id: int,
    payload: dict[str, Any],
    dedupe_key: str,
    now: datetime,
    broadcast_id: int | None = None,
) -> dict[str, Any]:
    """The values of one new outbox row, due now."""
    row: dict[str, Any] = {
        "kind": kind.value,
        "member_id": member_id,
        "chat_id": chat_id,
        "payload": payload,
        "priority": PRIORITY[kind],
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "not_before": now,
        "dedupe_key": dedupe_key,
        "created_at": now,
    }
    if broadcast_id is not None:
        row["broadcast_id"] = broadcast_id
    return row


class OutboxRepository:
    """Queue, claim, finish and cancel outbox rows."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def enqueue(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert rows; a dedupe key already present is skipped. The number inserted."""
        if not rows:
            return 0
        # One statement without values, executed with many parameter sets: it
        # compiles once however many rows (a multi-VALUES insert recompiles).
        stmt = insert_ignore(self._s, Outbox, None, ["dedupe_key"]).returning(Outbox.id)
        result = await self._s.execute(stmt, list(rows))
        return len(result.all())

    async def claim(self, holder: str, now: datetime, limit: int) -> list[OutboxDTO]:
        """Take up to `limit` due rows (by priority), or rows whose claim expired."""
        due = or_(
            and_(Outbox.status == OutboxStatus.PENDING, Outbox.not_before <= now),
            and_(Outbox.status == OutboxStatus.SENDING, Outbox.claim_expires_at < now),
        )
        query = select(Outbox).where(due).order_by(Outbox.priority, Outbox.id).limit(limit)
        if dialect_name(self._s) == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(await self._s.scalars(query))
        for row in rows:
            row.status = OutboxStatus.SENDING
            row.claimed_by = holder
            row.claim_expires_at = now + CLAIM_FOR
        await self._s.flush()
        return [OutboxDTO.from_row(row) for row in rows]

    async def finish(self, row_id: int, **values: Any) -> None:
        """Record the outcome of one row (status, message id, error, next attempt)."""
        values.setdefault("claimed_by", None)
        values.setdefault("claim_expires_at", None)
        await self._s.execute(update(Outbox).where(Outbox.id == row_id).values(**values))

    async def release(self, row_ids: Sequence[int]) -> None:
        """Give claimed rows back unsent (the sender is stopping)."""
        if row_ids:
            await self._s.execute(
                update(Outbox)
                .where(Outbox.id.in_(list(row_ids)), Outbox.status == OutboxStatus.SENDING)
                .values(status=OutboxStatus.PENDING, claimed_by=None, claim_expires_at=None)
            )

    async def cancel_pending_for(self, member_id: int) -> int:
        """Cancel what is still waiting for a member (blocked, stopped, forgotten)."""
        return await self._cancel(Outbox.member_id == member_id)

    async def cancel_pending_of_broadcast(self, broadcast_id: int) -> int:
        """Cancel what a broadcast has not sent yet."""
        return await self._cancel(Outbox.broadcast_id == broadcast_id)

    async def _cancel(self, condition: Any) -> int:
        result = await self._s.execute(
            update(Outbox)
            .where(condition, Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELLED)
        )
        return int(getattr(result, "rowcount", 0))
