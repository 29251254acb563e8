"""The outbox: every message the bot sends on its own. Never commits.

Rows are built by `outbox_row` (the one place that knows the row's shape and
each kind's priority) and written by `OutboxRepository.enqueue`, which skips a
dedupe key already present (see `bot.db.keys`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import dialect_name, insert_ignore
from bot.db.dto import OutboxDTO
from bot.db.models import Broadcast, Outbox
from bot.db.status import BroadcastStatus, OutboxKind, OutboxStatus

# Lower goes first: a member's session and their celebrations before bulk mail.
PRIORITY = {
    OutboxKind.REMINDER: 0,
    OutboxKind.NOTICE: 0,
    OutboxKind.NUDGE: 5,
    OutboxKind.BROADCAST: 10,
    OutboxKind.GROUP: 5,
}
CLAIM_FOR = timedelta(seconds=60)
FINISHED = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CANCELLED)
BROADCAST_OVER = (BroadcastStatus.DONE, BroadcastStatus.CANCELLED)
# What an outcome sets, besides clearing the claim.
OUTCOME_COLUMNS = (
    "status", "attempts", "not_before", "error", "telegram_message_id", "sent_at", "uncertain",
)  # fmt: skip


@lru_cache(maxsize=1)
def _finish_statement() -> Any:
    table = cast(Table, Outbox.__table__)
    values: dict[str, Any] = {name: bindparam(name) for name in OUTCOME_COLUMNS}
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.claimed_by == bindparam("claimant"))
        .values(**values, claimed_by=None, claim_expires_at=None)
    )


@lru_cache(maxsize=1)
def mark_statement() -> Any:
    """Mark rows whose requests went out (`sent_at`), only the holder's own claims:
    parameters ids (a list), holder, now. Core and cached, since the sender runs
    it every few ms.

    A row carries `claimed_by` exactly while it is `sending` (every way out of
    `sending` clears it), so the holder's name is the whole condition. Naming
    the status as well made PostgreSQL walk the `sending` range of the status
    index, full of entries that rows already sent left behind, on every mark:
    at paid rates that cost the database more than the rest of a send together;
    by id alone it is a few primary-key probes."""
    table = cast(Table, Outbox.__table__)
    return (
        update(table)
        .where(
            table.c.id.in_(bindparam("ids", expanding=True)),
            table.c.claimed_by == bindparam("holder"),
        )
        .values(sent_at=bindparam("now", type_=Outbox.sent_at.type))
    )


def outbox_row(
    kind: OutboxKind,
    *,
    member_id: int | None,
    chat_id: int,
    payload: dict[str, Any],
    dedupe_key: str,
    now: datetime,
    broadcast_id: int | None = None,
    not_before: datetime | None = None,
    group_id: int | None = None,
) -> dict[str, Any]:
    """The values of one new outbox row, due now (or at `not_before`); a post to a
    linked group has `group_id` and no member."""
    row: dict[str, Any] = {
        "kind": kind.value,
        "member_id": member_id,
        "chat_id": chat_id,
        "payload": payload,
        "priority": PRIORITY[kind],
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "not_before": not_before or now,
        "dedupe_key": dedupe_key,
        "created_at": now,
    }
    if broadcast_id is not None:
        row["broadcast_id"] = broadcast_id
    if group_id is not None:
        row["group_id"] = group_id
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
        """Take up to `limit` due pending rows, by priority then age.

        Only pending rows are read, in index order (`ix_outbox_status_priority_id`),
        so the cost does not grow with history or with the number waiting; rows
        whose claim ran out come back through `reclaim_expired`. One statement
        (an UPDATE of the rows a locked, skip-locked SELECT picks, returning
        them): at paid rates the sender claims ten batches a second, and
        loading each row as an object to change it cost more than sending it.
        """
        table = cast(Table, Outbox.__table__)
        due = (
            select(table.c.id)
            .where(table.c.status == OutboxStatus.PENDING.value, table.c.not_before <= now)
            .order_by(table.c.priority, table.c.id)
            .limit(limit)
        )
        if dialect_name(self._s) == "postgresql":
            due = due.with_for_update(skip_locked=True)
        taken = await self._s.execute(
            update(table)
            .where(table.c.id.in_(due.scalar_subquery()))
            .values(
                status=OutboxStatus.SENDING.value,
                claimed_by=holder,
                claim_expires_at=now + CLAIM_FOR,
            )
            .returning(table.c.priority, *(table.c[name] for name in OutboxDTO.COLUMNS)),
            execution_options={"synchronize_session": False},
        )
        rows = sorted(taken.all(), key=lambda row: (row.priority, row.id))
        return [OutboxDTO.from_mapping(row._mapping) for row in rows]

    async def waiting(self) -> int:
        """Rows not sent yet: pending, or claimed and on their way (an index range)."""
        count = await self._s.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
        )
        return int(count or 0)

    async def mark_on_wire(self, holder: str, row_ids: Sequence[int], now: datetime) -> None:
        """Note that these rows' requests went out to Telegram (`sent_at` on a row
        still `sending`), so a sender that dies before their answers are written
        is not followed by a second copy. Only the holder's own claims."""
        if row_ids:
            await self._s.execute(
                mark_statement(), {"ids": list(row_ids), "holder": holder, "now": now}
            )

    async def reclaim_expired(self, now: datetime, holder: str | None = None) -> int:
        """Rows claimed by a sender that died, past their claim: settled (see
        `_settle_abandoned`).

        A sender passes itself as `holder`: its own rows are never taken back
        from under it, however long they wait for their turn (a long batch
        while giving way to a rush), or they would be claimed and sent twice.
        """
        others = [Outbox.claimed_by != holder] if holder is not None else []
        return await self._settle_abandoned(Outbox.claim_expires_at < now, *others)

    async def release_others(self, holder: str) -> int:
        """Rows claimed by anyone but `holder`: settled at once (see
        `_settle_abandoned`).

        Called by a sender that has just taken the lease over; whoever claimed
        them lost the lease and sends nothing more.
        """
        return await self._settle_abandoned(Outbox.claimed_by != holder)

    async def _settle_abandoned(self, *where: Any) -> int:
        """Claimed rows whose sender is gone: a row whose request went out
        (`sent_at` set) is taken as sent, counted uncertain, never sent again;
        every other row is pending again. How many rows were settled."""
        abandoned = (Outbox.status == OutboxStatus.SENDING, *where)
        went_out = await self._s.execute(
            update(Outbox)
            .where(*abandoned, Outbox.sent_at.is_not(None))
            .values(
                status=OutboxStatus.SENT, uncertain=True, claimed_by=None, claim_expires_at=None
            )
        )
        back = await self._s.execute(
            update(Outbox)
            .where(*abandoned, Outbox.sent_at.is_(None))
            .values(status=OutboxStatus.PENDING, claimed_by=None, claim_expires_at=None)
        )
        return int(getattr(went_out, "rowcount", 0)) + int(getattr(back, "rowcount", 0))

    async def finish(self, row_id: int, **values: Any) -> None:
        """Record the outcome of one row (status, message id, error, next attempt)."""
        values.setdefault("claimed_by", None)
        values.setdefault("claim_expires_at", None)
        await self._s.execute(update(Outbox).where(Outbox.id == row_id).values(**values))

    async def finish_many(self, outcomes: Sequence[dict[str, Any]], holder: str) -> None:
        """Record many outcomes in one statement executed with many parameter sets.

        Each dict holds `row_id` and every column of `OUTCOME_COLUMNS`. Only rows
        still claimed by `holder` change: a sender that stalled past its lease
        must not undo what the next holder settled (a row it took as sent set
        back to pending would go twice).
        """
        if outcomes:
            await self._s.execute(
                _finish_statement(), [{**o, "claimant": holder} for o in outcomes]
            )

    async def prune(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` sent, failed or cancelled rows created before `before`."""
        # A broadcast's rows go only once it is over and its counts are kept.
        over = select(Broadcast.id).where(Broadcast.status.in_(BROADCAST_OVER))
        old = (
            select(Outbox.id)
            .where(
                Outbox.created_at < before,
                Outbox.status.in_(FINISHED),
                or_(Outbox.broadcast_id.is_(None), Outbox.broadcast_id.in_(over)),
            )
            .limit(limit)
        )
        ids = list(await self._s.scalars(old))
        if ids:
            await self._s.execute(delete(Outbox).where(Outbox.id.in_(ids)))
        return len(ids)

    async def release(self, row_ids: Sequence[int], holder: str | None = None) -> None:
        """Give claimed rows back unsent (the sender is stopping or lost its lease);
        with `holder`, only those still claimed by it (not a new holder's)."""
        if row_ids:
            mine = [Outbox.claimed_by == holder] if holder is not None else []
            await self._s.execute(
                update(Outbox)
                .where(Outbox.id.in_(list(row_ids)), Outbox.status == OutboxStatus.SENDING, *mine)
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
