"""Plain data that leaves the db layer (never live ORM objects)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from typing import Any, ClassVar

from bot.db.models import CommunityGroup, Member


@dataclass(frozen=True, slots=True)
class PauseSpan:
    """Local days [start, end) without sessions; `end` None while still paused."""

    start: date
    end: date | None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class MemberDTO:
    """A member as the services and handlers see them."""

    id: int
    telegram_id: int
    chat_id: int
    username: str | None
    first_name: str
    language_code: str | None
    language: str | None
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
    pending_input: str | None = None
    start_code: str | None = None
    experience: str | None = None
    equipment: str | None = None
    conditions: str | None = None

    @property
    def onboarded(self) -> bool:
        """Program, zone and time chosen: sessions are scheduled."""
        return self.program_id is not None and self.program_start is not None

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any]) -> MemberDTO:
        """Copy the columns out of a Core row (`row._mapping`)."""
        return cls(**{name: row[name] for name in _MEMBER_FIELDS})

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
            language=row.language,
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
            pending_input=row.pending_input,
            start_code=row.start_code,
            experience=row.experience,
            equipment=row.equipment,
            conditions=row.conditions,
        )


_MEMBER_FIELDS = tuple(f.name for f in fields(MemberDTO))


@dataclass(frozen=True, slots=True)
class OutboxDTO:
    """One message waiting to go out."""

    id: int
    kind: str
    member_id: int | None  # None: a post to a linked group
    chat_id: int
    broadcast_id: int | None
    payload: dict[str, Any]
    attempts: int
    dedupe_key: str
    uncertain: bool = False  # an earlier send of it timed out
    group_id: int | None = None

    # The outbox columns it is made from.
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id", "kind", "member_id", "chat_id", "broadcast_id", "payload", "attempts",
        "dedupe_key", "uncertain", "group_id",
    )  # fmt: skip

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any]) -> OutboxDTO:
        """From the outbox columns in `COLUMNS` (a Core result row's mapping)."""
        return cls(
            id=row["id"],
            kind=row["kind"],
            member_id=row["member_id"],
            chat_id=row["chat_id"],
            broadcast_id=row["broadcast_id"],
            payload=dict(row["payload"]),
            attempts=row["attempts"],
            dedupe_key=row["dedupe_key"],
            uncertain=bool(row["uncertain"]),
            group_id=row["group_id"],
        )


@dataclass(frozen=True, slots=True)
class GroupDTO:
    """A linked community group and what the bot posts there."""

    id: int
    chat_id: int
    title: str
    cohort_id: int | None
    linked_by: int
    timezone: str
    language: str
    daily_enabled: bool
    daily_time: time
    leaderboard_enabled: bool
    shoutouts_enabled: bool
    next_daily_at: datetime | None
    next_board_at: datetime | None

    @classmethod
    def from_row(cls, row: CommunityGroup) -> GroupDTO:
        return cls(**{name: getattr(row, name) for name in _GROUP_FIELDS})


_GROUP_FIELDS = tuple(f.name for f in fields(GroupDTO))
