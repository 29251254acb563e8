"""Plain data that leaves the db layer (never live ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.db.models import Member


@dataclass(frozen=True, slots=True)
class MemberDTO:
    """A member as the services and handlers see them."""

    id: int
    telegram_id: int
    chat_id: int
    username: str | None
    first_name: str
    language_code: str | None
    timezone: str
    reminder_time: time
    program_id: str | None
    program_start: date | None
    status: str
    paused_until: date | None
    role: str
    cohort_id: int | None
    next_reminder_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Member) -> MemberDTO:
        """Copy the columns out of an ORM row."""
        return cls(
            id=row.id,
            telegram_id=row.telegram_id,
            chat_id=row.chat_id,
            username=row.username,
            first_name=row.first_name,
            language_code=row.language_code,
            timezone=row.timezone,
            reminder_time=row.reminder_time,
            program_id=row.program_id,
            program_start=row.program_start,
            status=row.status,
            paused_until=row.paused_until,
            role=row.role,
            cohort_id=row.cohort_id,
            next_reminder_at=row.next_reminder_at,
            created_at=row.created_at,
        )
