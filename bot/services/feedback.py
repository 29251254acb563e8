"""The coach feedback loop: members' notes and efforts in the trainers' feed,
alerts about notes that read like pain, and the two-way relay between a coach
and a member.

A feed item is one check-in day's note and effort (`keys.feed_checkin`), or a
photo, video or question the member chose to send to a coach. Every message of
a coach thread is a `RelayMessage`: what went to whom, and (once sent) the
Telegram message it became, so a reply to that message finds the thread again.
Members never see a coach's account: the bot writes everything itself. Who
counts as a member's coaches: the trainers assigned to their cohort who are
still trainers, else every trainer and admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.questions import reads_like_pain
from bot.clock import Clock
from bot.db import keys
from bot.db.dialect import insert_ignore
from bot.db.dto import MemberDTO
from bot.db.models import Cohort, CohortTrainer, FeedItem, Member, RelayMessage
from bot.db.outbox import OutboxRepository, outbox_row
from bot.db.status import (
    STAFF_ROLES,
    FeedKind,
    FeedStatus,
    MemberStatus,
    OutboxKind,
    RelayDirection,
    Role,
)
from bot.services.schedule import local_date

FEED_PAGE = 5
# Efforts worth a coach's look: very easy (1) and very hard (5).
NOTABLE_EFFORTS = (1, 5)
RELAY_LIMIT = 1500  # characters of one relayed message: emoji count twice, and framing
REACHABLE = (MemberStatus.ACTIVE, MemberStatus.PAUSED)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose members a trainer's views show: these cohorts, or everyone (None)."""

    cohort_ids: tuple[int, ...] | None = None
    cohort_names: tuple[str, ...] = ()

    def condition(self) -> list[ColumnElement[bool]]:
        if self.cohort_ids is None:
            return []
        return [Member.cohort_id.in_(self.cohort_ids)]


EVERYONE = Scope()


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed item as a trainer sees it."""

    id: int
    member_name: str
    kind: str
    local_date: date | None
    text: str | None
    effort: int | None
    media: str | None
    alert: bool
    at: datetime
    replies: int = 0


@dataclass(frozen=True, slots=True)
class FeedPage:
    entries: list[FeedEntry]
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class NoteOutcome:
    """What a note did besides being saved: how many coaches were alerted."""

    alert: bool
    coaches: int


@dataclass(frozen=True, slots=True)
class Thread:
    """A coach thread found from one of its messages: the item, its member and coach."""

    item: FeedEntry
    member: MemberDTO
    trainer: MemberDTO
    source_chat_id: int | None = None
    source_message_id: int | None = None


RelayOutcome = Literal["queued", "unreachable", "stale", "not_yours"]


@dataclass(frozen=True, slots=True)
class Relayed:
    outcome: RelayOutcome
    recipients: int = 0
    rerouted: bool = False  # the member's coach is no longer one: the team got it


@dataclass(frozen=True, slots=True)
class RelayView:
    """What the sender needs to write one relay message."""

    direction: str
    text: str | None
    item: FeedEntry
    coach_name: str
    member_name: str


class FeedbackService:
    """Feed items, alerts, the relay, cohort trainers and trainers' scopes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    # -- scopes and cohort trainers ------------------------------------------------------
    async def scope_of(self, telegram_id: int, role: Role) -> Scope:
        """Admins see everyone; a trainer the cohorts assigned to them, or
        everyone while they have none."""
        if role == Role.ADMIN:
            return EVERYONE
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Cohort.id, Cohort.name)
                    .join(CohortTrainer, CohortTrainer.cohort_id == Cohort.id)
                    .join(Member, Member.id == CohortTrainer.member_id)
                    .where(Member.telegram_id == telegram_id)
                    .order_by(Cohort.name)
                )
            ).all()
        if not rows:
            return EVERYONE
        return Scope(tuple(r.id for r in rows), tuple(r.name for r in rows))

    async def assign_trainer(self, cohort_id: int, trainer: MemberDTO) -> bool:
        """Make a trainer one of a cohort's coaches; False if they were already."""
        async with self._sessions.begin() as session:
            values = {"cohort_id": cohort_id, "member_id": trainer.id, "created_at": self._now()}
            result = await session.execute(
                insert_ignore(session, CohortTrainer, values, ["cohort_id", "member_id"])
            )
            return bool(getattr(result, "rowcount", 0))

    async def cohort_trainer_names(self, cohort_id: int) -> list[str]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Member.first_name)
                .join(CohortTrainer, CohortTrainer.member_id == Member.id)
                .where(CohortTrainer.cohort_id == cohort_id, Member.role.in_(STAFF_ROLES))
                .order_by(Member.first_name)
            )
            return list(rows)

    async def _coaches(self, session: AsyncSession, member: MemberDTO) -> list[MemberDTO]:
        """The member's coaches who can be written to (never the member themself)."""
        reachable = [
            Member.role.in_(STAFF_ROLES),
            Member.status.in_(REACHABLE),
            Member.id != member.id,
        ]
        if member.cohort_id is not None:
            rows = list(
                await session.scalars(
                    select(Member)
                    .join(CohortTrainer, CohortTrainer.member_id == Member.id)
                    .where(CohortTrainer.cohort_id == member.cohort_id, *reachable)
                    .order_by(Member.id)
                )
            )
            if rows:
                return [MemberDTO.from_row(r) for r in rows]
        rows = list(await session.scalars(select(Member).where(*reachable).order_by(Member.id)))
        return [MemberDTO.from_row(r) for r in rows]

    # -- what members leave ----------------------------------------------------------
    async def note(self, member: MemberDTO, day: date, text: str) -> NoteOutcome:
        """A check-in's note, into the feed; one that reads like pain alerts the
        member's coaches at once (once per day's item and coach)."""
        alert = reads_like_pain(text)
        now = self._now()
        async with self._sessions.begin() as session:
            item_id = await self._checkin_item(session, member, day, now, text=text, alert=alert)
            coaches = await self._coaches(session, member) if alert else []
            for coach in coaches:
                await self._queue(
                    session, item_id, coach, RelayDirection.TO_TRAINER, None,
                    keys.pain_alert(item_id, coach.id), now,
                )  # fmt: skip
        return NoteOutcome(alert, len(coaches))

    async def effort(self, member: MemberDTO, day: date, effort: int) -> None:
        """An effort rating; very easy and very hard ones show in the feed."""
        now = self._now()
        async with self._sessions.begin() as session:
            existing = await session.scalar(
                select(FeedItem.id).where(FeedItem.source_key == keys.feed_checkin(member.id, day))
            )
            if existing is None and effort not in NOTABLE_EFFORTS:
                return
            await self._checkin_item(session, member, day, now, effort=effort)

    async def _checkin_item(
        self,
        session: AsyncSession,
        member: MemberDTO,
        day: date,
        now: datetime,
        **values: object,
    ) -> int:
        key = keys.feed_checkin(member.id, day)
        row = await session.scalar(select(FeedItem).where(FeedItem.source_key == key))
        if row is None:
            insert = insert_ignore(
                session,
                FeedItem,
                {
                    "member_id": member.id, "kind": FeedKind.CHECKIN, "status": FeedStatus.OPEN,
                    "source_key": key, "local_date": day, "created_at": now, "updated_at": now,
                    "alert": False,
                },
                ["source_key"],
            )  # fmt: skip
            await session.execute(insert)
            row = await session.scalar(select(FeedItem).where(FeedItem.source_key == key))
            assert row is not None
        for name, value in values.items():
            if name == "alert":
                row.alert = row.alert or bool(value)
            else:
                setattr(row, name, value)
        row.updated_at = now
        await session.flush()
        return row.id

    async def draft(
        self,
        member: MemberDTO,
        *,
        chat_id: int,
        message_id: int,
        text: str | None,
        media: str | None,
    ) -> int:
        """A photo, video or question the member may send to a coach: held until
        they say yes (the same message asked about twice is one draft)."""
        now = self._now()
        key = keys.feed_asked(member.id, message_id)
        async with self._sessions.begin() as session:
            values = {
                "member_id": member.id,
                "kind": FeedKind.MEDIA if media else FeedKind.QUESTION,
                "status": FeedStatus.DRAFT, "source_key": key,
                "text": (text or "")[:RELAY_LIMIT] or None, "media": media,
                "source_chat_id": chat_id, "source_message_id": message_id, "alert": False,
                "created_at": now, "updated_at": now,
            }  # fmt: skip
            await session.execute(insert_ignore(session, FeedItem, values, ["source_key"]))
            item_id = await session.scalar(select(FeedItem.id).where(FeedItem.source_key == key))
            assert item_id is not None
            return item_id

    async def decide(
        self, telegram_id: int, item_id: int, send: bool
    ) -> Literal["sent", "dropped", "already", "stale"]:
        """The member's answer to "Send this to a coach?"."""
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(FeedItem)
                .join(Member, Member.id == FeedItem.member_id)
                .where(FeedItem.id == item_id, Member.telegram_id == telegram_id)
            )
            if row is None or row.kind == FeedKind.CHECKIN:
                return "stale"
            if row.status == FeedStatus.OPEN:
                return "already"
            if not send:
                await session.execute(delete(FeedItem).where(FeedItem.id == row.id))
                return "dropped"
            row.status = FeedStatus.OPEN
            row.updated_at = self._now()
            return "sent"

    # -- the trainers' feed ------------------------------------------------------------
    def _visible(self, scope: Scope) -> list[ColumnElement[bool]]:
        notable = or_(
            FeedItem.kind != FeedKind.CHECKIN,
            FeedItem.text.is_not(None),
            FeedItem.effort.in_(NOTABLE_EFFORTS),
        )
        return [FeedItem.status == FeedStatus.OPEN, notable, *scope.condition()]

    async def feed(self, scope: Scope, page: int, per_page: int = FEED_PAGE) -> FeedPage:
        """The newest notes, notable efforts and questions first, a page at a time."""
        async with self._sessions() as session:
            total = await session.scalar(
                select(func.count())
                .select_from(FeedItem)
                .join(Member, Member.id == FeedItem.member_id)
                .where(*self._visible(scope))
            )
            pages = max(1, -(-int(total or 0) // per_page))
            page = max(0, min(page, pages - 1))
            replies = (
                select(func.count())
                .where(
                    RelayMessage.feed_item_id == FeedItem.id,
                    RelayMessage.direction == RelayDirection.TO_MEMBER,
                )
                .scalar_subquery()
            )
            rows = await session.execute(
                select(FeedItem, Member.first_name, replies)
                .join(Member, Member.id == FeedItem.member_id)
                .where(*self._visible(scope))
                .order_by(FeedItem.updated_at.desc(), FeedItem.id.desc())
                .offset(page * per_page)
                .limit(per_page)
            )
            entries = [_entry(item, name, int(n)) for item, name, n in rows.all()]
        return FeedPage(entries, page, pages)

    async def item(self, item_id: int, scope: Scope) -> Thread | None:
        """A feed item in the trainer's scope, with its member (coach not set yet)."""
        async with self._sessions() as session:
            found = (
                await session.execute(
                    select(FeedItem, Member)
                    .join(Member, Member.id == FeedItem.member_id)
                    .where(FeedItem.id == item_id, *self._visible(scope))
                )
            ).first()
        if found is None:
            return None
        item, member = found
        dto = MemberDTO.from_row(member)
        return Thread(
            _entry(item, member.first_name), dto, dto, item.source_chat_id, item.source_message_id
        )

    # -- the relay ---------------------------------------------------------------------
    async def prompted(
        self, item_id: int, trainer: MemberDTO, chat_id: int, message_id: int
    ) -> None:
        """The bot asked a coach to type a reply: a reply to that prompt continues
        the thread."""
        async with self._sessions.begin() as session:
            values = {
                "feed_item_id": item_id, "trainer_id": trainer.id,
                "direction": RelayDirection.PROMPT, "chat_id": chat_id,
                "telegram_message_id": message_id,
                "dedupe_key": keys.relay_prompt(chat_id, message_id), "created_at": self._now(),
            }  # fmt: skip
            await session.execute(insert_ignore(session, RelayMessage, values, ["dedupe_key"]))

    async def thread_at(self, chat_id: int, message_id: int) -> Thread | None:
        """The thread a message in a chat belongs to (a reply's target), if any."""
        async with self._sessions() as session:
            found = (
                await session.execute(
                    select(RelayMessage.trainer_id, FeedItem, Member)
                    .join(FeedItem, FeedItem.id == RelayMessage.feed_item_id)
                    .join(Member, Member.id == FeedItem.member_id)
                    .where(
                        RelayMessage.chat_id == chat_id,
                        RelayMessage.telegram_message_id == message_id,
                    )
                    .limit(1)
                )
            ).first()
            if found is None:
                return None
            trainer_id, item, member = found
            trainer = await session.get(Member, trainer_id)
            assert trainer is not None  # the foreign key cascades
            return Thread(
                _entry(item, member.first_name),
                MemberDTO.from_row(member),
                MemberDTO.from_row(trainer),
                item.source_chat_id,
                item.source_message_id,
            )

    async def to_member(
        self, update_id: int, coach: MemberDTO, item_id: int, text: str, *, key: str | None = None
    ) -> Relayed:
        """A coach's answer, queued for the member of the item. `key`: the dedupe
        key of a request that is not an update (the Mini App's)."""
        now = self._now()
        async with self._sessions.begin() as session:
            found = (
                await session.execute(
                    select(Member)
                    .join(FeedItem, FeedItem.member_id == Member.id)
                    .where(FeedItem.id == item_id)
                )
            ).scalar()
            if found is None:
                return Relayed("stale")
            member = MemberDTO.from_row(found)
            if member.status not in REACHABLE:
                return Relayed("unreachable")
            await self._queue(
                session, item_id, coach, RelayDirection.TO_MEMBER, text[:RELAY_LIMIT],
                key or keys.relay(update_id, member.id), now, recipient=member,
            )  # fmt: skip
        return Relayed("queued", 1)

    async def message_member(
        self, token: str, coach: MemberDTO, member_id: int, scope: Scope, text: str
    ) -> Relayed:
        """A coach's message to a member from the dashboard, in the thread of the
        member's day (their check-in item of today, made if need be): the member
        answers by replying, as to any coach message."""
        now = self._now()
        async with self._sessions.begin() as session:
            row = await session.get(Member, member_id)
            if row is None or (
                scope.cohort_ids is not None and row.cohort_id not in scope.cohort_ids
            ):
                return Relayed("not_yours")
            member = MemberDTO.from_row(row)
            if member.status not in REACHABLE:
                return Relayed("unreachable")
            day = local_date(now, ZoneInfo(member.timezone))
            item_id = await self._checkin_item(session, member, day, now)
            await self._queue(
                session, item_id, coach, RelayDirection.TO_MEMBER, text[:RELAY_LIMIT],
                keys.web_relay(token, member.id), now, recipient=member,
            )  # fmt: skip
        return Relayed("queued", 1)

    async def to_coach(self, update_id: int, thread: Thread, text: str) -> Relayed:
        """A member's answer in a thread, queued for its coach; if that person no
        longer coaches, for the member's coaches now."""
        now = self._now()
        async with self._sessions.begin() as session:
            coach = await session.get(Member, thread.trainer.id)
            still = coach is not None and coach.role in STAFF_ROLES
            if still and coach is not None and coach.status in REACHABLE:
                coaches = [MemberDTO.from_row(coach)]
            else:
                coaches = await self._coaches(session, thread.member)
            for recipient in coaches:
                await self._queue(
                    session, thread.item.id, recipient, RelayDirection.TO_TRAINER,
                    text[:RELAY_LIMIT], keys.relay(update_id, recipient.id), now,
                )  # fmt: skip
        if not coaches:
            return Relayed("unreachable")
        return Relayed("queued", len(coaches), rerouted=not still)

    async def _queue(
        self,
        session: AsyncSession,
        item_id: int,
        coach: MemberDTO,
        direction: RelayDirection,
        text: str | None,
        key: str,
        now: datetime,
        *,
        recipient: MemberDTO | None = None,
    ) -> None:
        """One relay message and the outbox row that sends it (once per key).
        `recipient`: the member, for a coach's answer; otherwise the coach."""
        to = recipient or coach
        values = {
            "feed_item_id": item_id, "trainer_id": coach.id, "direction": direction,
            "text": text, "chat_id": to.chat_id, "dedupe_key": key, "created_at": now,
        }  # fmt: skip
        inserted = await session.execute(
            insert_ignore(session, RelayMessage, values, ["dedupe_key"]).returning(RelayMessage.id)
        )
        relay_id = inserted.scalar()
        if relay_id is None:
            return  # this update was handled before
        row = outbox_row(
            OutboxKind.NOTICE,
            member_id=to.id,
            chat_id=to.chat_id,
            payload={"relay": relay_id},
            dedupe_key=key,
            now=now,
        )
        await OutboxRepository(session).enqueue([row])

    async def view(self, relay_id: int) -> RelayView | None:
        """A relay message as it is to be sent; None when it should not go any more
        (its item is gone, or a message for a coach who no longer coaches)."""
        async with self._sessions() as session:
            found = (
                await session.execute(
                    select(RelayMessage, FeedItem, Member)
                    .join(FeedItem, FeedItem.id == RelayMessage.feed_item_id)
                    .join(Member, Member.id == FeedItem.member_id)
                    .where(RelayMessage.id == relay_id)
                )
            ).first()
            if found is None:
                return None
            relay, item, member = found
            coach = await session.get(Member, relay.trainer_id)
            if coach is None:
                return None
            if relay.direction == RelayDirection.TO_TRAINER and coach.role not in STAFF_ROLES:
                return None
            return RelayView(
                relay.direction,
                relay.text,
                _entry(item, member.first_name),
                coach.first_name or "",
                member.first_name or "",
            )

    async def delivered(self, dedupe_key: str, message_id: int) -> None:
        """A relay message went out as this Telegram message."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(RelayMessage)
                .where(RelayMessage.dedupe_key == dedupe_key)
                .values(telegram_message_id=message_id)
            )

    async def week_items(self, scope: Scope, since: datetime) -> tuple[int, int]:
        """Notes and alerts of members in scope since a moment (the trainer digest)."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(
                        func.count(),
                        func.count(FeedItem.id).filter(FeedItem.alert == true()),
                    )
                    .select_from(FeedItem)
                    .join(Member, Member.id == FeedItem.member_id)
                    .where(
                        FeedItem.updated_at >= since,
                        FeedItem.text.is_not(None),
                        *self._visible(scope),
                    )
                )
            ).one()
        return int(row[0]), int(row[1])

    def _now(self) -> datetime:
        return self._clock.now()


def _entry(item: FeedItem, name: str, replies: int = 0) -> FeedEntry:
    return FeedEntry(
        item.id,
        name or "",
        item.kind,
        item.local_date,
        item.text,
        item.effort,
        item.media,
        bool(item.alert),
        item.updated_at,
        replies,
    )


def relay_key(key: str) -> bool:
    """Whether an outbox dedupe key is one of a relay message's."""
    return key.startswith(("rl:", "al:"))
