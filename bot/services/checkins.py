"""Check-ins: one row per member and local date, the last answer wins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.db import keys
from bot.db.dialect import upsert_statement
from bot.db.dto import MemberDTO, PauseSpan
from bot.db.groups import GroupRepository
from bot.db.member_stats import CheckinFacts, History, MemberStatsRepository
from bot.db.models import (
    Broadcast,
    Checkin,
    Cohort,
    FeedItem,
    Member,
    MemberOptIn,
    MemberStats,
    Outbox,
    Pause,
    ProgramRun,
)
from bot.db.outbox import OutboxRepository, outbox_row
from bot.db.repositories import MemberRepository
from bot.db.status import CheckinStatus, OutboxKind
from bot.services.figures import calendar_of, compute
from bot.services.groups import queue_shoutouts
from bot.services.members import NotAMember
from bot.services.progress import Calendar, Progress, milestone_reached
from bot.services.schedule import local_date

NOTE_LIMIT = 500
BACKFILL_DAYS = 1  # yesterday; with today that is the 48-hour window

CheckinOutcome = Literal[
    "recorded",
    "too_old",
    "future",
    "no_program",
    "not_started",  # the day is before the member's program starts
    "before_joined",  # the day is before the member sent /start
    "finished",  # the day is past the end of a program that finishes
    "no_checkin",
    "too_long",
]


@dataclass(frozen=True, slots=True)
class CheckinResult:
    """What a check-in action did and where the member stands after it."""

    outcome: CheckinOutcome
    day: date
    status: str | None = None
    program_day: int | None = None
    effort: int | None = None
    note: str | None = None
    progress: Progress | None = None
    milestone: int | None = None
    changed: bool = False
    # The member and their pauses as of the check-in (to draw the session again
    # without reading them twice).
    member: MemberDTO | None = None
    pauses: tuple[PauseSpan, ...] = ()


@dataclass(frozen=True, slots=True)
class DayRecord:
    day: date
    status: str
    program_day: int | None
    effort: int | None
    note: str | None


class CheckinService:
    """Recording, rating and annotating check-ins; the member's calendar."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, catalog: Catalog
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._catalog = catalog

    def today(self, member: MemberDTO) -> date:
        return local_date(self._clock.now(), ZoneInfo(member.timezone))

    async def _locked_member(self, session: AsyncSession, telegram_id: int) -> Member:
        row = await MemberRepository(session).lock_by_telegram_id(telegram_id)
        if row is None:
            raise NotAMember(telegram_id)
        return row

    async def _calendar(self, session: AsyncSession, member_id: int, today: date) -> Calendar:
        history = await MemberStatsRepository(session).history(member_id)
        return calendar_of(self._catalog.programs, history, today)

    async def _keep_figures(
        self, session: AsyncSession, member_id: int, history: History, today: date, now: datetime
    ) -> Calendar:
        """Store the member's figures for a history as it is after a change (same
        transaction, no second read); the calendar of that history."""
        figures = compute(self._catalog.programs, history, today)
        await MemberStatsRepository(session).save(member_id, figures, now)
        return calendar_of(self._catalog.programs, history, today)

    async def _note(self, session: AsyncSession, member_id: int, day: date) -> str | None:
        """The note already on a check-in (kept when a press changes only the status)."""
        return await session.scalar(
            select(Checkin.note).where(Checkin.member_id == member_id, Checkin.local_date == day)
        )

    def _window(self, today: date, day: date) -> CheckinOutcome | None:
        if day > today:
            return "future"
        if day < today - timedelta(days=BACKFILL_DAYS):
            return "too_old"
        return None

    async def record(
        self, telegram_id: int, day: date | None, status: str, note: str | None = None
    ) -> CheckinResult:
        """Done or skipped for `day` (default today); repeating it changes nothing.

        The member's history is read first, outside the write transaction; the
        transaction then only writes (the check-in, the figures, a celebration).
        On SQLite writers take turns, so a transaction that also waited for reads
        made every other writer wait too. The reads cannot go stale in between:
        one member's updates are handled one at a time (the inbox), and the
        write is an idempotent upsert.
        """
        if note is not None and len(note) > NOTE_LIMIT:
            return CheckinResult("too_long", day or date.min)
        now = self._clock.now()
        async with self._sessions() as session:
            member = await MemberRepository(session).get_by_telegram_id(telegram_id)
            if member is None:
                raise NotAMember(telegram_id)
            today = local_date(now, ZoneInfo(member.timezone))
            target = day or today
            if (problem := self._window(today, target)) is not None:
                return CheckinResult(problem, target)
            if member.program_start is None:
                return CheckinResult("no_program", target)
            if target < local_date(member.created_at, ZoneInfo(member.timezone)):
                return CheckinResult("before_joined", target, member=member)
            history = await MemberStatsRepository(session).history(member.id)
            programs = self._catalog.programs
            before = calendar_of(programs, history, today)
            kind, number = before.kind(target)
            if kind == "off":
                # No program day on that date: not begun yet, or over.
                problem = "not_started" if target < member.program_start else "finished"
                return CheckinResult(problem, target, member=member)
            previous = history.checkins.get(target)
            kept_note = (
                await self._note(session, member.id, target)
                if note is None and previous is not None and previous.has_note
                else None
            )
        if kind == "rest" and status == CheckinStatus.DONE:
            status = CheckinStatus.REST  # extra credit, not a done training day
        old_status = previous.status if previous else None
        effort = previous.effort if previous and status == CheckinStatus.DONE else None
        history.checkins[target] = CheckinFacts(status, effort, note is not None or bool(kept_note))
        after = calendar_of(programs, history, today)
        progress = after.progress()
        figures = compute(programs, history, today)
        values: dict[str, Any] = {
            "member_id": member.id,
            "local_date": target,
            "program_day": number,
            "status": status,
            "effort": effort,
            "note": note,
            "created_at": now,
            "updated_at": now,
        }
        changed_columns = ["status", "program_day", "effort", "updated_at"]
        if note is not None:
            changed_columns.append("note")  # otherwise the note already there stays
        milestone = None
        async with self._sessions.begin() as session:
            statement = upsert_statement(
                session, Checkin, ["member_id", "local_date"], changed_columns
            )
            await session.execute(statement, values)
            await MemberStatsRepository(session).save(member.id, figures, now)
            if status == CheckinStatus.DONE and old_status != CheckinStatus.DONE:
                milestone = await self._celebrate(session, member, before.progress(), progress, now)
                await self._celebrate_program_end(session, member, after, target, now)
        return CheckinResult(
            "recorded",
            target,
            status=status,
            program_day=number,
            effort=effort,
            note=note if note is not None else kept_note,
            progress=progress,
            milestone=milestone,
            changed=old_status != status,
            member=member,
            pauses=tuple(history.pauses),
        )

    async def _celebrate(
        self,
        session: AsyncSession,
        row: MemberDTO,
        before: Progress,
        after: Progress,
        now: datetime,
    ) -> int | None:
        reached = milestone_reached(before.current_streak, after.current_streak)
        if reached is None or after.streak_start is None:
            return None
        await _notify(
            session,
            row,
            now,
            keys.milestone(row.id, after.streak_start, reached),
            {"milestone": reached},
        )
        await queue_shoutouts(session, row, reached, after.streak_start, now)
        return reached

    async def _celebrate_program_end(
        self, session: AsyncSession, row: MemberDTO, calendar: Calendar, day: date, now: datetime
    ) -> None:
        program = self._catalog.programs.get(row.program_id or "")
        if program is None or row.program_start is None or program.rolling:
            return  # a rolling program (maintenance) has no last day to celebrate
        kind, number = calendar.kind(day)
        last_training = max(d.day for d in program.days if not d.rest)
        if kind == "training" and number == last_training:
            key = keys.program_complete(row.id, row.program_start)
            await _notify(session, row, now, key, {"program_complete": program.id})

    async def rate(self, telegram_id: int, day: date, effort: int) -> CheckinResult:
        """Effort 1 to 5 on a done check-in."""
        return await self._annotate(telegram_id, day, effort=max(1, min(5, effort)))

    async def add_note(self, telegram_id: int, day: date, text: str) -> CheckinResult:
        """A note of at most 500 characters on a check-in."""
        text = text.strip()
        if len(text) > NOTE_LIMIT:
            return CheckinResult("too_long", day)
        return await self._annotate(telegram_id, day, note=text)

    async def _annotate(self, telegram_id: int, day: date, **values: Any) -> CheckinResult:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await self._locked_member(session, telegram_id)
            today = local_date(now, ZoneInfo(row.timezone))
            if (problem := self._window(today, day)) is not None:
                return CheckinResult(problem, day)
            checkin = await _checkin_on(session, row.id, day)
            if checkin is None or (values.get("effort") and checkin.status != CheckinStatus.DONE):
                return CheckinResult("no_checkin", day)
            for key, value in values.items():
                setattr(checkin, key, value)
            checkin.updated_at = now
            await session.flush()
            history = await MemberStatsRepository(session).history(row.id)
            calendar = await self._keep_figures(session, row.id, history, today, now)
            return _answered(checkin, calendar, MemberDTO.from_row(row), history, changed=True)

    async def answer_on(self, member: MemberDTO, day: date) -> CheckinResult | None:
        """What the member answered for `day`, with their progress now; None if
        nothing yet (/today shows the answer instead of fresh buttons)."""
        async with self._sessions() as session:
            row = await _checkin_on(session, member.id, day)
            if row is None:
                return None
            history = await MemberStatsRepository(session).history(member.id)
        calendar = calendar_of(self._catalog.programs, history, self.today(member))
        return _answered(row, calendar, member, history)

    async def calendar(self, member: MemberDTO) -> Calendar:
        """The member's calendar as of their local today."""
        async with self._sessions() as session:
            return await self._calendar(session, member.id, self.today(member))

    async def records(self, member: MemberDTO, first: date, last: date) -> dict[date, DayRecord]:
        """Check-ins between two dates, by date."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Checkin).where(
                    Checkin.member_id == member.id,
                    Checkin.local_date >= first,
                    Checkin.local_date <= last,
                )
            )
            return {
                r.local_date: DayRecord(r.local_date, r.status, r.program_day, r.effort, r.note)
                for r in rows
            }

    async def export(self, telegram_id: int) -> dict[str, Any]:
        """Everything stored about the member, as JSON-ready data."""
        async with self._sessions() as session:
            member = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
            if member is None:
                raise NotAMember(telegram_id)
            data: dict[str, Any] = {"member": _columns(member)}
            if member.cohort_id is not None:
                cohort = await session.get(Cohort, member.cohort_id)
                data["member"]["cohort"] = cohort.name if cohort is not None else None
            for name, model in (
                ("checkins", Checkin),
                ("pauses", Pause),
                ("program_runs", ProgramRun),
                ("messages", Outbox),
                ("feed_items", FeedItem),
            ):
                rows = await session.scalars(
                    select(model).where(model.member_id == member.id).order_by(model.id)
                )
                data[name] = [_columns(r) for r in rows]
            stats = await session.get(MemberStats, member.id)
            data["stats"] = _columns(stats) if stats is not None else None
            opt_in = await session.get(MemberOptIn, member.id)
            data["group_opt_ins"] = _columns(opt_in) if opt_in is not None else None
            return data

    async def forget(self, telegram_id: int) -> bool:
        """Delete the member and everything that refers to them. False if unknown."""
        async with self._sessions.begin() as session:
            member = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
            if member is None:
                return False
            for model in (MemberStats, Checkin, Pause, ProgramRun, Outbox, MemberOptIn):
                await session.execute(delete(model).where(model.member_id == member.id))
            await session.execute(
                update(Cohort).where(Cohort.created_by == telegram_id).values(created_by=None)
            )
            await GroupRepository(session).forget_linker([telegram_id])
            await session.execute(
                update(Broadcast)
                .where(Broadcast.author_id == telegram_id)
                .values(author_id=0, author_chat_id=0)
            )
            await session.execute(delete(Member).where(Member.id == member.id))
            return True


async def _checkin_on(session: AsyncSession, member_id: int, day: date) -> Checkin | None:
    return await session.scalar(
        select(Checkin).where(Checkin.member_id == member_id, Checkin.local_date == day)
    )


def _answered(
    row: Checkin, calendar: Calendar, member: MemberDTO, history: History, *, changed: bool = False
) -> CheckinResult:
    """A stored check-in as a result, with the member's progress in `calendar`."""
    return CheckinResult(
        "recorded",
        row.local_date,
        status=row.status,
        program_day=row.program_day,
        effort=row.effort,
        note=row.note,
        progress=calendar.progress(),
        changed=changed,
        member=member,
        pauses=tuple(history.pauses),
    )


async def _notify(
    session: AsyncSession, row: Member | MemberDTO, now: datetime, key: str, payload: dict[str, Any]
) -> None:
    """Queue a celebration for the member (once per key)."""
    notice = outbox_row(
        OutboxKind.NOTICE,
        member_id=row.id,
        chat_id=row.chat_id,
        payload=payload,
        dedupe_key=key,
        now=now,
    )
    await OutboxRepository(session).enqueue([notice])


# Bookkeeping of the bot's own, meaningless to the member: row ids, the keys that
# prevent doubles, who claimed a row and until when, priorities, retries, what a
# message was composed from, the state of a question being asked.
INTERNAL_COLUMNS = frozenset({
    "id", "member_id", "chat_id", "cohort_id", "broadcast_id", "dedupe_key", "claimed_by",
    "claim_expires_at", "priority", "attempts", "payload", "error", "not_before",
    "telegram_message_id", "pending_input", "start_code", "version", "updated_at",
    "next_reminder_at", "uncertain",
})  # fmt: skip


def _columns(row: Any) -> dict[str, Any]:
    """A row as the member's export shows it: without the bot's bookkeeping."""
    out = {}
    for column in row.__table__.columns:
        if column.key in INTERNAL_COLUMNS:
            continue
        value = getattr(row, column.key)
        out[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out
