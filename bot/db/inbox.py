"""The inbox: every update received, stored before Telegram is told it arrived.

A row is claimable when it is pending (or its claim ran out: the worker died)
and no earlier row of the same chat is still unfinished. So the rows of one
chat are handled strictly in update id order, one at a time, by whichever
worker or replica claims them, while different chats go in parallel. On
PostgreSQL the claim locks with SKIP LOCKED, so replicas never take the same
row. Never commits: callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import dialect_name, insert_ignore
from bot.db.models import InboxUpdate
from bot.db.status import InboxStatus

UNFINISHED = (InboxStatus.PENDING, InboxStatus.WORKING)


@dataclass(frozen=True, slots=True)
class StoredUpdate:
    """One update as the workers see it."""

    update_id: int
    chat_key: str
    kind: str
    payload: dict[str, Any]
    attempts: int


def chat_key_of(payload: dict[str, Any]) -> tuple[str, str]:
    """(chat key, kind) of a raw update: the chat whose order it belongs to.

    Messages, edits and chat member changes belong to their chat; a button on
    a message to that message's chat; inline queries, a button on a message
    sent through inline mode, and anything without a chat to the user
    ("u:<id>"), so one person's inline queries are ordered too.
    """
    kind = next((key for key in payload if key != "update_id"), "unknown")
    body = payload.get(kind)
    if not isinstance(body, dict):
        return "none", kind
    chat = body.get("chat")
    if isinstance(chat, dict) and "id" in chat:
        return f"c:{chat['id']}", kind
    message = body.get("message")
    if isinstance(message, dict) and isinstance(message.get("chat"), dict):
        return f"c:{message['chat'].get('id')}", kind
    user = body.get("from") or body.get("user")
    if isinstance(user, dict) and "id" in user:
        return f"u:{user['id']}", kind
    return "none", kind


@lru_cache(maxsize=2)
def _claim_statement(dialect: str) -> Any:
    """UPDATE inbox SET working ... WHERE update_id IN (the claimable rows) RETURNING.

    Built once per dialect: the subquery picks, in update id order, rows that are
    due (pending, or claimed by someone whose claim ran out) with no earlier
    unfinished row in their chat; PostgreSQL locks them with SKIP LOCKED so two
    replicas never take the same one.
    """
    table = cast(Table, InboxUpdate.__table__)
    inbox = table.alias("candidate")
    earlier = table.alias("earlier")
    now = bindparam("now", type_=InboxUpdate.not_before.type)
    claimable = or_(
        and_(inbox.c.status == InboxStatus.PENDING.value, inbox.c.not_before <= now),
        and_(inbox.c.status == InboxStatus.WORKING.value, inbox.c.claim_expires_at < now),
    )
    blocked = exists().where(
        earlier.c.chat_key == inbox.c.chat_key,
        earlier.c.status.in_([status.value for status in UNFINISHED]),
        earlier.c.update_id < inbox.c.update_id,
    )
    chosen = (
        select(inbox.c.update_id)
        .where(claimable, ~blocked)
        .order_by(inbox.c.update_id)
        .limit(bindparam("limit"))
    )
    if dialect == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    return (
        update(table)
        .where(table.c.update_id.in_(chosen.scalar_subquery()))
        .values(
            status=InboxStatus.WORKING.value,
            claimed_by=bindparam("holder"),
            claim_expires_at=bindparam("expires", type_=InboxUpdate.claim_expires_at.type),
            attempts=table.c.attempts + 1,
        )
        .returning(
            table.c.update_id, table.c.chat_key, table.c.kind, table.c.payload, table.c.attempts
        )
    )


class InboxRepository:
    """Store, claim, finish, retry and prune updates."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def store(self, payloads: Sequence[dict[str, Any]], now: datetime) -> int:
        """Keep raw updates; an update id already stored is ignored. How many were new."""
        rows = []
        for payload in payloads:
            chat_key, kind = chat_key_of(payload)
            rows.append(
                {
                    "update_id": int(payload["update_id"]),
                    "chat_key": chat_key,
                    "kind": kind,
                    "payload": payload,
                    "status": InboxStatus.PENDING.value,
                    "attempts": 0,
                    "received_at": now,
                    "not_before": now,
                }
            )
        if not rows:
            return 0
        stmt = insert_ignore(self._s, InboxUpdate, None, ["update_id"]).returning(
            InboxUpdate.update_id
        )
        result = await self._s.execute(stmt, rows)
        return len(result.all())

    async def claim(
        self, holder: str, now: datetime, limit: int, claim_for: timedelta
    ) -> list[StoredUpdate]:
        """Take up to `limit` rows, at most one per chat: each the oldest unfinished
        row of its chat. Counts the attempt. One statement (UPDATE ... RETURNING)."""
        statement = _claim_statement(dialect_name(self._s))
        result = await self._s.execute(
            statement,
            {
                "now": now,
                "limit": limit,
                "holder": holder,
                "expires": now + claim_for,
            },
        )
        rows = sorted(result.all(), key=lambda row: row.update_id)
        return [
            StoredUpdate(row.update_id, row.chat_key, row.kind, dict(row.payload), row.attempts)
            for row in rows
        ]

    async def renew(self, holder: str, now: datetime, claim_for: timedelta) -> int:
        """Extend every claim this holder still has (it is alive)."""
        result = await self._s.execute(
            update(InboxUpdate)
            .where(InboxUpdate.claimed_by == holder, InboxUpdate.status == InboxStatus.WORKING)
            .values(claim_expires_at=now + claim_for)
        )
        return int(getattr(result, "rowcount", 0))

    async def finish(self, update_ids: Sequence[int], now: datetime) -> None:
        """These updates were handled."""
        await self._s.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_(list(update_ids)))
            .values(
                status=InboxStatus.DONE,
                finished_at=now,
                claimed_by=None,
                claim_expires_at=None,
            )
        )

    async def give_back(
        self, update_id: int, error: str | None, not_before: datetime, *, failed: bool
    ) -> None:
        """Handling failed: try again from `not_before`, or (`failed`) give up."""
        await self._s.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id)
            .values(
                status=InboxStatus.FAILED if failed else InboxStatus.PENDING,
                error=error[:2000] if error else None,
                not_before=not_before,
                finished_at=not_before if failed else None,
                claimed_by=None,
                claim_expires_at=None,
            )
        )

    async def release(self, update_ids: Sequence[int]) -> None:
        """Unclaim rows that were never started (shutting down): no attempt counted."""
        if update_ids:
            await self._s.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id.in_(list(update_ids)))
                .values(
                    status=InboxStatus.PENDING,
                    attempts=InboxUpdate.attempts - 1,
                    claimed_by=None,
                    claim_expires_at=None,
                )
            )

    async def release_all_claims(self) -> int:
        """Every claim is stale (the only process that could hold one is starting)."""
        result = await self._s.execute(
            update(InboxUpdate)
            .where(InboxUpdate.status == InboxStatus.WORKING)
            .values(status=InboxStatus.PENDING, claimed_by=None, claim_expires_at=None)
        )
        return int(getattr(result, "rowcount", 0))

    async def prune(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` finished rows older than `before`."""
        old = (
            select(InboxUpdate.update_id)
            .where(
                InboxUpdate.status.in_((InboxStatus.DONE, InboxStatus.FAILED)),
                InboxUpdate.finished_at < before,
            )
            .limit(limit)
        )
        ids = list(await self._s.scalars(old))
        if not ids:
            return 0
        await self._s.execute(delete(InboxUpdate).where(InboxUpdate.update_id.in_(ids)))
        return len(ids)

    async def depth(self) -> tuple[int, datetime | None]:
        """Unfinished rows, and when the oldest of them arrived."""
        count, oldest = (
            await self._s.execute(
                select(func.count(), func.min(InboxUpdate.received_at)).where(
                    InboxUpdate.status.in_(UNFINISHED)
                )
            )
        ).one()
        if isinstance(oldest, datetime) and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return int(count), oldest

    async def next_due(self) -> datetime | None:
        """When the earliest pending row may be claimed (None: nothing pending)."""
        value: datetime | None = await self._s.scalar(
            select(func.min(InboxUpdate.not_before)).where(
                InboxUpdate.status == InboxStatus.PENDING
            )
        )
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
