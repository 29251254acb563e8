"""Broadcasts and nudges: draft, audience, confirm, queue through the outbox.

Queueing is idempotent (dedupe key `bc:<broadcast>:<member>`): after a crash
the same broadcast is queued again and only the missing rows are added, so a
restart resumes without sending anything twice. Progress is always read back
from the outbox, never kept only in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import keys
from bot.db.member_stats import ONBOARDED
from bot.db.models import Broadcast, Member, MemberStats, Outbox
from bot.db.outbox import OutboxRepository, outbox_row
from bot.db.status import BroadcastStatus, MemberStatus, OutboxKind, OutboxStatus
from bot.i18n import _
from bot.services.figures import zone_table

CHUNK = 1000
_QUEUEABLE = (BroadcastStatus.SCHEDULED, BroadcastStatus.QUEUEING, BroadcastStatus.SENDING)
_FINISHED = (BroadcastStatus.DONE, BroadcastStatus.CANCELLED)
INACTIVE_CHOICES = (3, 7, 14)


class BroadcastError(ValueError):
    """A broadcast action that cannot be done; str() is the reply."""


@dataclass(frozen=True, slots=True)
class Audience:
    """Who receives a broadcast."""

    kind: str  # all, cohort, inactive, not_today
    cohort_id: int | None = None
    days: int | None = None
    # Only members of these cohorts (a trainer's /nudge to their own cohorts).
    cohorts: tuple[int, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "cohort_id": self.cohort_id, "days": self.days}
        if self.cohorts is not None:
            data["cohorts"] = list(self.cohorts)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Audience:
        cohorts = data.get("cohorts")
        return cls(
            str(data.get("kind", "all")),
            data.get("cohort_id"),
            data.get("days"),
            tuple(int(c) for c in cohorts) if cohorts is not None else None,
        )

    @classmethod
    def parse(cls, token: str) -> Audience | None:
        """'all', 'c12' (cohort 12), 'i7' (inactive 7 days), 't' (not checked in today)."""
        if token == "all":
            return cls("all")
        if token == "t":
            return cls("not_today")
        if token[:1] == "c" and token[1:].isdigit():
            return cls("cohort", cohort_id=int(token[1:]))
        if token[:1] == "i" and token[1:].isdigit() and 1 <= int(token[1:]) <= 365:
            return cls("inactive", days=int(token[1:]))
        return None


@dataclass(frozen=True, slots=True)
class BroadcastView:
    """A broadcast with its counts, read from the outbox."""

    id: int
    kind: str  # broadcast or nudge
    status: str
    audience: Audience
    author_chat_id: int
    total: int
    sent: int
    failed: int
    blocked: int
    cancelled: int
    scheduled_at: datetime | None
    started_at: datetime | None
    progress_chat_id: int | None
    progress_message_id: int | None
    text: str | None
    source_chat_id: int | None = None
    source_message_id: int | None = None
    uncertain: int = 0  # sends that timed out: Telegram may have delivered them

    @property
    def remaining(self) -> int:
        return max(self.total - self.sent - self.failed - self.blocked - self.cancelled, 0)

    @property
    def finished(self) -> bool:
        return self.status in _FINISHED


@dataclass(frozen=True, slots=True)
class QueueStep:
    """What one chunk of queueing did."""

    queued: int
    finished: bool


def _inactive(last: Any, cutoff: Any, joined_before: datetime) -> ColumnElement[bool]:
    """No check-in for `days` local days: the last one on or before the cutoff
    date of the member's zone, or none at all and joined at least `days` ago."""
    return or_(
        and_(last.is_(None), Member.created_at <= joined_before),
        and_(last.is_not(None), last <= cutoff),
    )


class BroadcastService:
    """Everything a trainer does with broadcasts and nudges."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        # Broadcasts this process is queueing now (a second call returns at once).
        self._queueing: set[int] = set()

    async def draft(
        self,
        author_id: int,
        author_chat_id: int,
        *,
        text: str | None = None,
        source: tuple[int, int] | None = None,
        scheduled_at: datetime | None = None,
        nudge_days: int | None = None,
        update_id: int | None = None,
        request_key: str | None = None,
    ) -> int:
        """A new draft: a text, or a message to copy (chat id, message id).

        `update_id` is the update that asked for it, kept as the draft's request
        key: the same update handled again, after a crash mid-handler, finds its
        draft instead of making a second one; `request_key` is the same for a
        request that is not an update (the Mini App's, `keys.web_request`).
        """
        if text is None and source is None:
            raise BroadcastError(
                _("Write the message after /broadcast, or reply to a message with it.")
            )
        now = self._clock.now()
        audience = Audience("inactive", days=nudge_days) if nudge_days else Audience("all")
        async with self._sessions.begin() as session:
            if request_key is None and update_id is not None:
                request_key = keys.request(update_id)
            if request_key is not None:
                existing = await session.scalar(
                    select(Broadcast.id).where(Broadcast.request_key == request_key)
                )
                if existing is not None:
                    return existing
            row = Broadcast(
                request_key=request_key,
                author_id=author_id,
                author_chat_id=author_chat_id,
                text=text,
                source_chat_id=source[0] if source else None,
                source_message_id=source[1] if source else None,
                audience={**audience.as_dict(), "nudge": bool(nudge_days)},
                scheduled_at=scheduled_at,
                status=BroadcastStatus.DRAFT,
                total=0,
                sent=0,
                failed=0,
                blocked=0,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            return row.id

    # -- audiences -------------------------------------------------------------------
    async def _audience_query(
        self, session: AsyncSession, audience: Audience, now: datetime
    ) -> Select[int, int]:
        """(member id, chat id) of the audience, as one query (not yet ordered)."""
        query = select(Member.id, Member.chat_id).where(
            Member.status == MemberStatus.ACTIVE, ONBOARDED
        )
        if audience.cohorts is not None:
            query = query.where(Member.cohort_id.in_(audience.cohorts))
        if audience.kind == "cohort":
            return query.where(Member.cohort_id == audience.cohort_id)
        if audience.kind not in ("inactive", "not_today"):
            return query
        days = audience.days or 3
        zones, _columns = await zone_table(session, now, {"today": 0, "cutoff": days})
        query = query.join(zones, zones.c.zone == Member.timezone).outerjoin(
            MemberStats, MemberStats.member_id == Member.id
        )
        last = MemberStats.last_checkin
        if audience.kind == "not_today":
            return query.where(or_(last.is_(None), last < zones.c.today))
        return query.where(_inactive(last, zones.c.cutoff, now - timedelta(days=days)))

    async def recipients(self, audience: Audience) -> list[tuple[int, int]]:
        """(member id, chat id) of everyone the audience covers right now."""
        async with self._sessions() as session:
            query = await self._audience_query(session, audience, self._clock.now())
            return [(m, c) for m, c in await session.execute(query.order_by(Member.id))]

    async def size(self, audience: Audience) -> int:
        """How many members the audience covers right now (one count)."""
        async with self._sessions() as session:
            query = await self._audience_query(session, audience, self._clock.now())
            return int(
                await session.scalar(select(func.count()).select_from(query.subquery())) or 0
            )

    async def counts(self, cohorts: list[tuple[int, str]]) -> dict[str, int]:
        """Live audience sizes for the buttons, from one grouped query: everyone
        active, each cohort, inactive 3/7/14 days, not checked in today.

        One pass over the active members (with their member_stats row) groups
        them by cohort, zone, last check-in and whether they joined before each
        cutoff: a few thousand groups, not 100,000 rows, are then compared with
        their zone's dates and summed by cohort. Each member is read once, in
        table order, instead of in cohort-index order with a zone lookup each."""
        now = self._clock.now()
        columns = {"today": 0, **{f"cut_{days}": days for days in INACTIVE_CHOICES}}
        async with self._sessions() as session:
            zones, _columns = await zone_table(session, now, columns)
            active = (
                select(
                    Member.cohort_id,
                    Member.timezone,
                    MemberStats.last_checkin,
                    *[
                        case((Member.created_at <= now - timedelta(days=d), 1), else_=0).label(
                            f"j_{d}"
                        )
                        for d in INACTIVE_CHOICES
                    ],
                )
                .outerjoin(MemberStats, MemberStats.member_id == Member.id)
                .where(Member.status == MemberStatus.ACTIVE, ONBOARDED)
                .subquery()
            )
            keys_ = list(active.c)
            groups_query = select(*keys_, func.count().label("n")).group_by(*keys_).subquery()
            g = groups_query.c
            last, n = g.last_checkin, g.n

            def members_where(condition: ColumnElement[bool]) -> Any:
                return func.coalesce(func.sum(case((condition, n), else_=0)), 0)

            inactive = [
                members_where(
                    or_(
                        and_(last.is_(None), g[f"j_{d}"] == 1),
                        and_(last.is_not(None), last <= zones.c[f"cut_{d}"]),
                    )
                )
                for d in INACTIVE_CHOICES
            ]
            not_today = members_where(or_(last.is_(None), last < zones.c.today))
            rows = await session.execute(
                select(g.cohort_id, func.sum(n), not_today, *inactive)
                .select_from(groups_query)
                .outerjoin(zones, zones.c.zone == g.timezone)
                .group_by(g.cohort_id)
            )
            groups = {cohort_id: [int(v or 0) for v in rest] for cohort_id, *rest in rows}
        total = [sum(column) for column in zip(*groups.values(), strict=True)] or [0] * (
            2 + len(INACTIVE_CHOICES)
        )
        out = {"all": total[0]}
        for cohort_id, _name in cohorts:
            out[f"c{cohort_id}"] = groups[cohort_id][0] if cohort_id in groups else 0
        for i, days in enumerate(INACTIVE_CHOICES):
            out[f"i{days}"] = total[2 + i]
        out["t"] = total[1]
        return out

    async def choose(self, broadcast_id: int, author_id: int, audience: Audience) -> int:
        """Set the audience of a draft; returns its size now."""
        async with self._sessions.begin() as session:
            row = await self._own(session, broadcast_id, author_id)
            if row.status != BroadcastStatus.DRAFT:
                raise BroadcastError(_("That broadcast is already on its way or cancelled."))
            nudge = bool(row.audience.get("nudge"))
            row.audience = {**audience.as_dict(), "nudge": nudge}
        return await self.size(audience)

    # -- lifecycle -------------------------------------------------------------------
    async def confirm(self, broadcast_id: int, author_id: int) -> BroadcastView:
        """Send now or keep for its scheduled time. Sending now only marks the
        broadcast as queueing: `queue` (a background task, or the monitor's
        `resume_due`) writes the outbox rows."""
        async with self._sessions.begin() as session:
            row = await self._own(session, broadcast_id, author_id)
            if row.status != BroadcastStatus.DRAFT:
                raise BroadcastError(_("That broadcast is already on its way or cancelled."))
            if row.scheduled_at:
                row.status = BroadcastStatus.SCHEDULED
            else:
                row.status = BroadcastStatus.QUEUEING
                row.started_at = self._clock.now()
        return await self.view(broadcast_id)

    async def queue(self, broadcast_id: int, *, chunk: int = CHUNK) -> int:
        """Write the broadcast's outbox rows, `chunk` recipients per transaction, in
        member id order; the number written. The audience is evaluated as of the
        moment queueing started, and each chunk records how far it got, so after
        a crash (or beside another process doing the same) it carries on where
        it stopped and nothing is written twice. Returns at once if this process
        is already queueing that broadcast."""
        if broadcast_id in self._queueing:
            return 0
        self._queueing.add(broadcast_id)
        try:
            queued = 0
            while True:
                step = await self.queue_chunk(broadcast_id, chunk=chunk)
                queued += step.queued
                if step.finished:
                    return queued
        finally:
            self._queueing.discard(broadcast_id)

    async def queue_chunk(self, broadcast_id: int, *, chunk: int = CHUNK) -> QueueStep:
        """One transaction of queueing: the next `chunk` recipients after the
        recorded position; the last one marks the broadcast as sending."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await session.get(Broadcast, broadcast_id)
            if row is None or row.status not in _QUEUEABLE:
                return QueueStep(0, finished=True)
            if row.status == BroadcastStatus.SENDING:
                return QueueStep(0, finished=True)
            started = row.started_at or now
            if row.status == BroadcastStatus.SCHEDULED or row.started_at is None:
                claimed = await session.execute(
                    update(Broadcast)
                    .where(Broadcast.id == broadcast_id, Broadcast.status == row.status)
                    .values(status=BroadcastStatus.QUEUEING, started_at=started)
                )
                if not getattr(claimed, "rowcount", 0):
                    return QueueStep(0, finished=False)  # changed meanwhile: read again
            through = row.queued_through or 0
            audience = Audience.from_dict(row.audience)
            kind = OutboxKind.NUDGE if row.audience.get("nudge") else OutboxKind.BROADCAST
            payload: dict[str, Any] = (
                {"copy_from_chat": row.source_chat_id, "copy_message_id": row.source_message_id}
                if row.source_message_id
                else {"text": row.text}
            )
            query = await self._audience_query(session, audience, started)
            recipients = (
                await session.execute(
                    query.where(Member.id > through).order_by(Member.id).limit(chunk)
                )
            ).all()
            finished = len(recipients) < chunk
            values: dict[str, Any] = {
                "queued_through": recipients[-1][0] if recipients else through
            }
            if finished:
                values["status"] = BroadcastStatus.SENDING
            # Compare-and-set on the position: a second queuer (or a cancel) that
            # got there first makes this chunk roll back.
            moved = await session.execute(
                update(Broadcast)
                .where(
                    Broadcast.id == broadcast_id,
                    Broadcast.status == BroadcastStatus.QUEUEING,
                    func.coalesce(Broadcast.queued_through, 0) == through,
                )
                .values(**values)
            )
            if not getattr(moved, "rowcount", 0):
                return QueueStep(0, finished=False)
            rows = [
                outbox_row(
                    kind,
                    member_id=member_id,
                    chat_id=chat_id,
                    payload=payload,
                    dedupe_key=keys.broadcast(broadcast_id, member_id),
                    now=now,
                    broadcast_id=broadcast_id,
                )
                for member_id, chat_id in recipients
            ]
            queued = await OutboxRepository(session).enqueue(rows)
            if finished:
                total = await session.scalar(
                    select(func.count())
                    .select_from(Outbox)
                    .where(Outbox.broadcast_id == broadcast_id)
                )
                await session.execute(
                    update(Broadcast)
                    .where(Broadcast.id == broadcast_id)
                    .values(total=int(total or 0))
                )
            return QueueStep(queued, finished=finished)

    async def cancel(self, broadcast_id: int, author_id: int | None = None) -> BroadcastView:
        """Stop what has not been sent yet."""
        async with self._sessions.begin() as session:
            row = (
                await self._own(session, broadcast_id, author_id)
                if author_id is not None
                else await session.get(Broadcast, broadcast_id)
            )
            if row is None:
                raise BroadcastError(_("That broadcast no longer exists."))
            if row.status not in _FINISHED:
                row.status = BroadcastStatus.CANCELLED
                row.finished_at = self._clock.now()
            await OutboxRepository(session).cancel_pending_of_broadcast(broadcast_id)
        view = await self.view(broadcast_id)
        async with self._sessions.begin() as session:
            # The counts as of now, for when housekeeping has removed its rows.
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id)
                .values(
                    sent=view.sent, failed=view.failed, blocked=view.blocked,
                    uncertain=view.uncertain, total=view.total,
                )
            )  # fmt: skip
        return view

    async def view(self, broadcast_id: int) -> BroadcastView:
        """The broadcast and its counts, from the outbox."""
        async with self._sessions() as session:
            row = await session.get(Broadcast, broadcast_id)
            if row is None:
                raise BroadcastError(_("That broadcast no longer exists."))
            counts = dict(
                (
                    await session.execute(
                        select(Outbox.status, func.count())
                        .where(Outbox.broadcast_id == broadcast_id)
                        .group_by(Outbox.status)
                    )
                ).all()
            )
            blocked = await session.scalar(
                select(func.count())
                .select_from(Outbox)
                .where(
                    Outbox.broadcast_id == broadcast_id,
                    Outbox.status == OutboxStatus.FAILED,
                    Outbox.error.like("%Forbidden%"),
                )
            )
            uncertain = await session.scalar(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.broadcast_id == broadcast_id, Outbox.uncertain.is_(True))
            )
            failed = int(counts.get(OutboxStatus.FAILED, 0)) - int(blocked or 0)
            total = sum(int(n) for n in counts.values()) if counts else row.total
            sent = int(counts.get(OutboxStatus.SENT, 0))
            if not counts and row.status in _FINISHED:
                # Its outbox rows are gone (housekeeping): the counts kept at the end.
                sent, failed, blocked, uncertain = row.sent, row.failed, row.blocked, row.uncertain
            return BroadcastView(
                id=row.id,
                kind="nudge" if row.audience.get("nudge") else "broadcast",
                status=row.status,
                audience=Audience.from_dict(row.audience),
                author_chat_id=row.author_chat_id,
                total=total,
                sent=sent,
                failed=failed,
                blocked=int(blocked or 0),
                uncertain=int(uncertain or 0),
                cancelled=int(counts.get(OutboxStatus.CANCELLED, 0)),
                scheduled_at=row.scheduled_at,
                started_at=row.started_at,
                progress_chat_id=row.progress_chat_id,
                progress_message_id=row.progress_message_id,
                text=row.text,
                source_chat_id=row.source_chat_id,
                source_message_id=row.source_message_id,
            )

    async def attach_progress(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """Remember the trainer's progress message (it survives a restart)."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id)
                .values(progress_chat_id=chat_id, progress_message_id=message_id)
            )

    async def finish_if_done(self, view: BroadcastView) -> BroadcastView:
        """Mark a sending broadcast done once nothing remains; keep the counters."""
        if view.status != BroadcastStatus.SENDING or view.remaining:
            return view
        async with self._sessions.begin() as session:
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == view.id, Broadcast.status == BroadcastStatus.SENDING)
                .values(
                    status=BroadcastStatus.DONE,
                    finished_at=self._clock.now(),
                    sent=view.sent,
                    failed=view.failed,
                    blocked=view.blocked,
                    uncertain=view.uncertain,
                )
            )
        return await self.view(view.id)

    async def active(self, author_id: int | None = None) -> list[BroadcastView]:
        """Scheduled, queueing and sending broadcasts (of one author, or all)."""
        async with self._sessions() as session:
            query = select(Broadcast.id).where(Broadcast.status.in_(_QUEUEABLE))
            if author_id is not None:
                query = query.where(Broadcast.author_id == author_id)
            ids = list(await session.scalars(query.order_by(Broadcast.id)))
        return [await self.view(i) for i in ids]

    async def resume_due(self) -> list[int]:
        """Queue scheduled broadcasts whose time has come, and finish interrupted queueing."""
        now = self._clock.now()
        async with self._sessions() as session:
            ids = list(
                await session.scalars(
                    select(Broadcast.id).where(
                        (Broadcast.status == BroadcastStatus.QUEUEING)
                        | (
                            (Broadcast.status == BroadcastStatus.SCHEDULED)
                            & (Broadcast.scheduled_at <= now)
                        )
                    )
                )
            )
        for broadcast_id in ids:
            await self.queue(broadcast_id)
        return ids

    async def _own(self, session: AsyncSession, broadcast_id: int, author_id: int) -> Broadcast:
        row = await session.get(Broadcast, broadcast_id)
        if row is None or row.author_id != author_id:
            raise BroadcastError(_("That broadcast is not yours, or it no longer exists."))
        return row
