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


class FeedKind(StrEnum):
    """What a feed item is: a check-in's note or notable effort, or something the
    member chose to send to a coach (a photo, a video, a question)."""

    CHECKIN = "checkin"
    MEDIA = "media"
    QUESTION = "question"


class FeedStatus(StrEnum):
    DRAFT = "draft"  # asked "Send this to a coach?", not answered yet
    OPEN = "open"  # in the trainers' feed


class RelayDirection(StrEnum):
    TO_MEMBER = "to_member"  # a coach's answer, relayed to the member
    TO_TRAINER = "to_trainer"  # an alert, or a member's answer, relayed to a coach
    PROMPT = "prompt"  # the bot asking a coach to type a reply (in the coach's chat)


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
