"""The tables of the bot (docs/ARCHITECTURE.md, "Data"). Status and role values
are the `StrEnum`s of `bot.db.status`, stored as plain strings and checked by
constraints, so that both engines and Alembic see the same schema."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime
from bot.db.status import (
    BroadcastStatus,
    CheckinStatus,
    Experience,
    FeedKind,
    FeedStatus,
    InboxStatus,
    MemberStatus,
    OutboxKind,
    OutboxStatus,
    RelayDirection,
    Role,
    values,
)

MEMBER_STATUSES = values(MemberStatus)
ROLES = values(Role)
CHECKIN_STATUSES = values(CheckinStatus)
OUTBOX_KINDS = values(OutboxKind)
OUTBOX_STATUSES = values(OutboxStatus)
BROADCAST_STATUSES = values(BroadcastStatus)
INBOX_STATUSES = values(InboxStatus)
EXPERIENCES = values(Experience)
FEED_KINDS = values(FeedKind)
FEED_STATUSES = values(FeedStatus)
RELAY_DIRECTIONS = values(RelayDirection)


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CommunityGroup(Base):
    """A Telegram group linked by an admin with /group link: what the bot posts there.

    The daily post goes at `daily_time` in `timezone` (`next_daily_at` is its
    next instant, UTC); the weekly leaderboard on Sunday evening
    (`next_board_at`). `next_post_at` paces every post to the group within
    Telegram's 20 messages a minute. Unlinking deletes the row, and with it
    whatever the outbox still held for the group.
    """

    __tablename__ = "community_groups"
    __table_args__ = (Index("ix_community_groups_next_daily_at", "next_daily_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(128), default="")
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="SET NULL"), index=True
    )
    linked_by: Mapped[int] = mapped_column(BigInteger)
    timezone: Mapped[str] = mapped_column(String(64))
    # What the bot writes in here: the linker's language, then /language in the group.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    daily_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    daily_time: Mapped[time] = mapped_column(Time())
    leaderboard_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    shoutouts_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_daily_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_board_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_post_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberOptIn(Base):
    """What a member agreed to show in the community groups (both off by default)."""

    __tablename__ = "member_optins"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    leaderboard: Mapped[bool] = mapped_column(Boolean, default=False)
    shoutouts: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(_in("status", MEMBER_STATUSES), name="status"),
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(_in("experience", EXPERIENCES), name="experience"),
        Index("ix_members_status_next_reminder_at", "status", "next_reminder_at"),
        # The distinct zones of the community (local "today" per zone for reports).
        Index("ix_members_timezone", "timezone"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(128), default="")
    last_name: Mapped[str | None] = mapped_column(String(128))
    language_code: Mapped[str | None] = mapped_column(String(16))
    # The language chosen with /language; NULL: follow Telegram's language_code.
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    reminder_time: Mapped[time] = mapped_column(Time())
    program_id: Mapped[str | None] = mapped_column(String(64))
    program_start: Mapped[date | None] = mapped_column(Date())
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE)
    paused_until: Mapped[date | None] = mapped_column(Date())
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="SET NULL"), index=True
    )
    start_code: Mapped[str | None] = mapped_column(String(64))
    # What a free-text reply in the private chat answers ("timezone", "time", "note").
    pending_input: Mapped[str | None] = mapped_column(String(16))
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The quick questions of /start (NULL: not answered; sessions as the program
    # has them). Equipment and conditions are comma-separated lists of
    # `bot.services.answers` values, "none" for an empty answer.
    experience: Mapped[str | None] = mapped_column(String(16))
    equipment: Mapped[str | None] = mapped_column(String(64))
    conditions: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Pause(Base):
    """A stretch of local days without sessions: [start_date, end_date); open while paused."""

    __tablename__ = "pauses"
    __table_args__ = (UniqueConstraint("member_id", "start_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    start_date: Mapped[date] = mapped_column(Date())
    end_date: Mapped[date | None] = mapped_column(Date())


class ProgramRun(Base):
    """A program followed from start_date until end_date (exclusive; open while current)."""

    __tablename__ = "program_runs"
    __table_args__ = (UniqueConstraint("member_id", "start_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    program_id: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date())
    end_date: Mapped[date | None] = mapped_column(Date())


class Checkin(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("member_id", "local_date"),
        CheckConstraint(_in("status", CHECKIN_STATUSES), name="status"),
        CheckConstraint("effort IS NULL OR (effort BETWEEN 1 AND 5)", name="effort"),
        # The daily chart of /stats: done check-ins counted by local date.
        Index("ix_checkins_status_local_date", "status", "local_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date())
    program_day: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))
    effort: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberStats(Base):
    """What trainers' views need of one member, kept current with their calendar.

    Recomputed with the pure calendar (`services/progress.py`) in the same
    transaction as every change of the member's check-ins, pauses or program,
    and by a background refresh once their local date has moved on (`as_of`
    is the local date the figures are for; NULL: not computed yet). `version`
    goes up with every write, so a refresh never overwrites newer figures.
    """

    __tablename__ = "member_stats"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    as_of: Mapped[date | None] = mapped_column(Date())
    current_streak: Mapped[int] = mapped_column(Integer, default=0)
    longest_streak: Mapped[int] = mapped_column(Integer, default=0)
    streak_start: Mapped[date | None] = mapped_column(Date())
    total_done: Mapped[int] = mapped_column(Integer, default=0)
    # Done and scheduled training days in the last 7 and 30 local days.
    done_7: Mapped[int] = mapped_column(Integer, default=0)
    scheduled_7: Mapped[int] = mapped_column(Integer, default=0)
    done_30: Mapped[int] = mapped_column(Integer, default=0)
    scheduled_30: Mapped[int] = mapped_column(Integer, default=0)
    program_day: Mapped[int | None] = mapped_column(Integer)
    # Kept by every check-in write, so they are exact whatever `as_of` says.
    last_checkin: Mapped[date | None] = mapped_column(Date())
    last_effort: Mapped[int | None] = mapped_column(SmallInteger)
    last_note_date: Mapped[date | None] = mapped_column(Date())
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (
        CheckConstraint(_in("status", BROADCAST_STATUSES), name="status"),
        Index("ix_broadcasts_request_key", "request_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    author_chat_id: Mapped[int] = mapped_column(BigInteger)
    source_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=BroadcastStatus.DRAFT)
    total: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)
    uncertain: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The update that created the draft ("u:<update id>"): handling it again
    # after a crash finds this draft instead of making a second one.
    request_key: Mapped[str | None] = mapped_column(String(64))
    # Queueing writes the audience in member id order, one chunk per transaction;
    # the last member id written, so a restart carries on after it.
    queued_through: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Outbox(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_in("kind", OUTBOX_KINDS), name="kind"),
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
        # The claim walks pending rows in (priority, id) order: no sort, however
        # many rows wait or how much history there is.
        Index("ix_outbox_status_priority_id", "status", "priority", "id"),
        # Housekeeping finds old finished rows without reading the rest.
        Index("ix_outbox_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # NULL for a post to a linked group (`group_id` says which).
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("community_groups.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A send timed out: Telegram may have delivered it. Retried once at most.
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class InboxUpdate(Base):
    """Every update received, stored before it is acknowledged to Telegram.

    Workers handle the rows of different chats at once and the rows of one
    chat (`chat_key`) strictly in update id order, one at a time.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        CheckConstraint(_in("status", INBOX_STATUSES), name="status"),
        Index("ix_inbox_status_update_id", "status", "update_id"),
        Index("ix_inbox_chat_key_status_update_id", "chat_key", "status", "update_id"),
        Index("ix_inbox_finished_at", "finished_at"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CohortTrainer(Base):
    """A trainer assigned to a cohort (`/cohort <name> trainer @user`)."""

    __tablename__ = "cohort_trainers"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FeedItem(Base):
    """Something of a member's for the coaches: a check-in's note or notable effort
    (one item per member and local date, `source_key` `fc:<member>:<date>`), or a
    photo, video or question the member chose to send (`fa:<member>:<message>`)."""

    __tablename__ = "feed_items"
    __table_args__ = (
        CheckConstraint(_in("kind", FEED_KINDS), name="kind"),
        CheckConstraint(_in("status", FEED_STATUSES), name="status"),
        # /feed: the newest open items first.
        Index("ix_feed_items_status_updated_at", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=FeedStatus.OPEN)
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    local_date: Mapped[date | None] = mapped_column(Date())
    text: Mapped[str | None] = mapped_column(Text)
    effort: Mapped[int | None] = mapped_column(SmallInteger)
    # A photo or video: the member's own message, copied to a coach on demand.
    media: Mapped[str | None] = mapped_column(String(16))
    source_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The note reads like pain or an injury: the member's coaches were alerted.
    alert: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RelayMessage(Base):
    """One message of a coach thread about a feed item: which coach, which way,
    and the Telegram message it became, so that a reply to that message finds
    the thread again (`chat_id`, `telegram_message_id`)."""

    __tablename__ = "relay_messages"
    __table_args__ = (
        CheckConstraint(_in("direction", RELAY_DIRECTIONS), name="direction"),
        Index("ix_relay_messages_chat_id_telegram_message_id", "chat_id", "telegram_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_item_id: Mapped[int] = mapped_column(
        ForeignKey("feed_items.id", ondelete="CASCADE"), index=True
    )
    trainer_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestOptOut(Base):
    """A member who said `/digest off`: no weekly digest."""

    __tablename__ = "digest_opt_outs"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
