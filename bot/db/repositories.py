"""Queries by table. Repositories read and write through the session they are
given and never commit: the calling service owns the transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import insert_ignore
from bot.db.dto import MemberDTO, PauseSpan
from bot.db.models import Cohort, Member, Pause, ProgramRun


class MemberRepository:
    """The members table."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get_by_telegram_id(self, telegram_id: int) -> MemberDTO | None:
        """The member with this Telegram user id, if any."""
        row = await self._s.scalar(select(Member).where(Member.telegram_id == telegram_id))
        return MemberDTO.from_row(row) if row else None

    async def language_of(self, telegram_id: int) -> tuple[str | None, str | None] | None:
        """(chosen language, Telegram's language_code) of a member, or None."""
        row = (
            await self._s.execute(
                select(Member.language, Member.language_code).where(
                    Member.telegram_id == telegram_id
                )
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def lock_by_telegram_id(self, telegram_id: int) -> Member | None:
        """The member's row, locked for this transaction (PostgreSQL; SQLite
        serialises writers anyway). For use inside a service transaction only."""
        return await self._s.scalar(
            select(Member).where(Member.telegram_id == telegram_id).with_for_update()
        )

    async def lock_dto_by_telegram_id(self, telegram_id: int) -> MemberDTO | None:
        """The member, locked for this transaction, read without the ORM (cheaper
        where nothing on the row changes)."""
        table = Member.__table__
        row = (
            await self._s.execute(
                select(table).where(table.c.telegram_id == telegram_id).with_for_update()
            )
        ).first()
        return MemberDTO.from_mapping(row._mapping) if row is not None else None

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


class PauseRepository:
    """Pause spans of members."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def spans(self, member_id: int) -> list[PauseSpan]:
        """Every pause of a member, oldest first."""
        rows = await self._s.scalars(
            select(Pause).where(Pause.member_id == member_id).order_by(Pause.start_date)
        )
        return [PauseSpan(row.start_date, row.end_date) for row in rows]

    async def open(self, member_id: int, start: date) -> None:
        """Start a pause today, or reopen one that started today."""
        row = await self._s.scalar(
            select(Pause).where(Pause.member_id == member_id, Pause.start_date == start)
        )
        if row is None:
            self._s.add(Pause(member_id=member_id, start_date=start, end_date=None))
        else:
            row.end_date = None

    async def close(self, member_id: int, end: date) -> None:
        """End the open pause (the member is back from `end` on)."""
        await self._s.execute(
            update(Pause)
            .where(Pause.member_id == member_id, Pause.end_date.is_(None))
            .values(end_date=end)
        )


class ProgramRunRepository:
    """Which program a member followed when."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def start(self, member_id: int, program_id: str, start: date) -> None:
        """Begin a run on `start`, ending the current one there (or replacing a
        run that would have begun the same day)."""
        same_day = await self._s.scalar(
            select(ProgramRun).where(
                ProgramRun.member_id == member_id, ProgramRun.start_date == start
            )
        )
        await self._s.execute(
            update(ProgramRun)
            .where(
                ProgramRun.member_id == member_id,
                ProgramRun.end_date.is_(None),
                ProgramRun.start_date < start,
            )
            .values(end_date=start)
        )
        # Runs planned to begin after `start` never happened.
        await self._s.execute(
            delete(ProgramRun).where(
                ProgramRun.member_id == member_id, ProgramRun.start_date > start
            )
        )
        if same_day is not None:
            same_day.program_id = program_id
            same_day.end_date = None
        else:
            self._s.add(ProgramRun(member_id=member_id, program_id=program_id, start_date=start))

    async def runs(self, member_id: int) -> list[tuple[str, date, date | None]]:
        """(program id, start, end) oldest first."""
        rows = await self._s.scalars(
            select(ProgramRun)
            .where(ProgramRun.member_id == member_id)
            .order_by(ProgramRun.start_date)
        )
        return [(row.program_id, row.start_date, row.end_date) for row in rows]


class CohortRepository:
    """Cohorts and their invite codes."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def id_for_code(self, code: str) -> tuple[int, str] | None:
        """(cohort id, name) for an invite code."""
        row = await self._s.scalar(select(Cohort).where(Cohort.code == code))
        return (row.id, row.name) if row else None
