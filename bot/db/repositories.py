"""Queries by table. Repositories read and write through the session they are
given and never commit: the calling service owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import insert_ignore
from bot.db.dto import MemberDTO
from bot.db.models import Member, ProcessedUpdate


class MemberRepository:
    """The members table."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get_by_telegram_id(self, telegram_id: int) -> MemberDTO | None:
        """The member with this Telegram user id, if any."""
        row = await self._s.scalar(select(Member).where(Member.telegram_id == telegram_id))
        return MemberDTO.from_row(row) if row else None

    async def insert_if_absent(self, values: dict[str, Any]) -> bool:
        """Insert a member unless the Telegram id exists; True if a row was created."""
        stmt = insert_ignore(self._s, Member, values, ["telegram_id"])
        result = await self._s.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def update_by_telegram_id(self, telegram_id: int, values: dict[str, Any]) -> int:
        """Update columns of one member; the number of rows changed."""
        result = await self._s.execute(
            update(Member).where(Member.telegram_id == telegram_id).values(**values)
        )
        return int(getattr(result, "rowcount", 0))


class ProcessedUpdateRepository:
    """Update ids already handled (at-least-once delivery made idempotent)."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def record(self, update_id: int, when: datetime) -> bool:
        """Record the id; False if it was already there."""
        stmt = insert_ignore(
            self._s, ProcessedUpdate, {"update_id": update_id, "processed_at": when}, ["update_id"]
        )
        result = await self._s.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Forget ids recorded before `cutoff`; the number removed."""
        result = await self._s.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0))
