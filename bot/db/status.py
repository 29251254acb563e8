"""The closed sets of values stored in status-like columns.

Each is a `StrEnum`, so a member is `MemberStatus.PAUSED` in code and the plain
string ``"paused"`` in the database, where a CHECK constraint (built from the
same values in `models`) keeps anything else out.
"""

from __future__ import annotations

from enum import StrEnum


class MemberStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    BLOCKED = "blocked"  # the member blocked the bot (403), or deleted their account
    LEFT = "left"  # /stop: no messages of any kind; data kept


class Role(StrEnum):
    MEMBER = "member"
    TRAINER = "trainer"
    ADMIN = "admin"


STAFF_ROLES = (Role.TRAINER, Role.ADMIN)


class Experience(StrEnum):
    """The member's answer at /start: how much they have trained before."""

    NEW = "new"
    SOME = "some"
    REGULAR = "regular"


class CheckinStatus(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    # A check-in on a rest day: noted, never a done training day (streaks, adherence,
    # sessions done and the trainers' daily chart leave it out).
    REST = "rest"


class OutboxKind(StrEnum):
    REMINDER = "reminder"
    BROADCAST = "broadcast"
    NUDGE = "nudge"
    NOTICE = "notice"  # milestones and the end of a program
    GROUP = "group"  # a post to a linked community group (no member)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    QUEUEING = "queueing"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class InboxStatus(StrEnum):
    PENDING = "pending"  # stored, not handled yet
    WORKING = "working"  # claimed by a worker (claim_expires_at says until when)
    DONE = "done"
    FAILED = "failed"  # failed every attempt; the error is kept


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The stored strings of an enum, in declaration order."""
    return tuple(member.value for member in enum)
