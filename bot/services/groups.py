"""The community groups: linking, their settings, and what the bot posts there.

A group is linked by an admin (`/group link` in the group); it reads the
language of whoever linked it until an admin picks another with `/language`
there. The bot then posts on its own, through the outbox: a daily post at the
group's local time, a leaderboard on Sunday evening, and shout-outs of
milestones. Nothing about a member goes to a group unless they opted in
(`/leaderboard on`, `/shoutouts on`; both off by default), and a group tied to
a cohort only sees that cohort's members. Every post is paced within Telegram's limit per group
(`GroupRepository.reserve`) and keyed once per purpose (`bot.db.keys`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import i18n
from bot.catalog import Catalog
from bot.catalog.schema import ProgramDay
from bot.clock import Clock
from bot.db import keys
from bot.db.dto import GroupDTO, MemberDTO
from bot.db.groups import GroupRepository
from bot.db.models import Cohort, CommunityGroup, Member
from bot.db.outbox import OutboxRepository, outbox_row
from bot.db.status import MemberStatus, OutboxKind
from bot.services.schedule import GRACE, latest_occurrence, next_occurrence, occurrence_on

log = logging.getLogger(__name__)

DEFAULT_DAILY_TIME = time(7, 0)
BOARD_TIME = time(18, 0)  # the weekly leaderboard: Sunday evening, local time
BOARD_SIZE = 5
BATCH = 500
Toggle = Literal["daily", "leaderboard", "shoutouts"]
_TOGGLE_COLUMNS: dict[str, str] = {
    "daily": "daily_enabled",
    "leaderboard": "leaderboard_enabled",
    "shoutouts": "shoutouts_enabled",
}


@dataclass(frozen=True)
class OptIns:
    """What a member shows in the community groups."""

    leaderboard: bool = False
    shoutouts: bool = False


@dataclass(frozen=True)
class DailyPost:
    """What the day's group post says: the day most of the group trains."""

    group: GroupDTO
    local_date: date
    program_name: str | None = None
    day_number: int | None = None
    day: ProgramDay | None = None
    focus_name: str | None = None


@dataclass(frozen=True)
class Leaderboard:
    """The week Monday to Sunday: most sessions and longest current streaks (opted in)."""

    group: GroupDTO
    first: date
    last: date
    sessions: list[tuple[str, int]]
    streaks: list[tuple[str, int]]


@dataclass(frozen=True)
class Linked:
    group: GroupDTO
    created: bool


def next_board(after: datetime, zone: ZoneInfo) -> datetime:
    """The first Sunday BOARD_TIME (local) strictly after `after`."""
    local = after.astimezone(zone).date()
    sunday = local + timedelta(days=(6 - local.weekday()) % 7)
    for week in range(3):
        candidate = occurrence_on(sunday + timedelta(weeks=week), BOARD_TIME, zone)
        if candidate > after:
            return candidate
    raise AssertionError("a Sunday comes within three weeks")  # pragma: no cover


def _schedule(group: CommunityGroup, now: datetime) -> None:
    """Both next posting times, from now (after any change of time, zone or switch)."""
    zone = ZoneInfo(group.timezone)
    group.next_daily_at = next_occurrence(now, group.daily_time, zone)
    group.next_board_at = next_board(now, zone)


async def queue_shoutouts(
    session: AsyncSession, member: MemberDTO, days: int, streak_start: date, now: datetime
) -> int:
    """In the check-in's transaction: a shout-out of the milestone in every group that
    shouts out this member's cohort, if the member opted in. How many queued."""
    groups = GroupRepository(session)
    opt_in = await groups.opt_in(member.id)
    if opt_in is None or not opt_in.shoutouts:
        return 0
    queued = 0
    outbox = OutboxRepository(session)
    for group in await groups.shoutout_groups(member.cohort_id):
        slots = await groups.reserve(group.id, 1, now)
        queued += await outbox.enqueue(
            [
                outbox_row(
                    OutboxKind.GROUP,
                    member_id=None,
                    group_id=group.id,
                    chat_id=group.chat_id,
                    payload={"group_post": "shoutout", "member_id": member.id, "days": days},
                    dedupe_key=keys.group_shoutout(group.id, member.id, streak_start, days),
                    now=now,
                    not_before=slots[0],
                )
            ]
        )
    return queued


class GroupService:
    """Linked groups, their settings and posts, and members' opt-ins."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        catalog: Catalog,
        *,
        default_timezone: str,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._catalog = catalog
        self._default_timezone = default_timezone

    # -- linking -------------------------------------------------------------------
    async def get(self, chat_id: int) -> GroupDTO | None:
        async with self._sessions() as session:
            row = await GroupRepository(session).by_chat(chat_id)
            return GroupDTO.from_row(row) if row is not None else None

    async def language_of(self, chat_id: int) -> str | None:
        """The language a linked group reads; None if the chat is not linked."""
        async with self._sessions() as session:
            return await session.scalar(
                select(CommunityGroup.language).where(CommunityGroup.chat_id == chat_id)
            )

    async def languages_among(self, group_ids: Sequence[int]) -> dict[int, str]:
        """The language of each of the linked groups `group_ids` (one query)."""
        if not group_ids:
            return {}
        async with self._sessions() as session:
            rows = await session.execute(
                select(CommunityGroup.id, CommunityGroup.language).where(
                    CommunityGroup.id.in_(set(group_ids))
                )
            )
            return {row[0]: i18n.resolve(row[1]) for row in rows}

    async def link(self, chat_id: int, title: str, by: int, language: str) -> Linked:
        """Link a group (linking it again keeps its settings). Posts follow the zone of
        whoever linked it, or the default zone, and `language` (theirs)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            groups = GroupRepository(session)
            existing = await groups.by_chat(chat_id, lock=True)
            if existing is not None:
                existing.title = title[:128]
                existing.updated_at = now
                return Linked(GroupDTO.from_row(existing), False)
            zone = await session.scalar(select(Member.timezone).where(Member.telegram_id == by))
            group = CommunityGroup(
                chat_id=chat_id,
                title=title[:128],
                linked_by=by,
                timezone=zone or self._default_timezone,
                language=i18n.resolve(language),
                daily_enabled=True,
                daily_time=DEFAULT_DAILY_TIME,
                leaderboard_enabled=True,
                shoutouts_enabled=True,
                created_at=now,
                updated_at=now,
            )
            _schedule(group, now)
            session.add(group)
            await session.flush()
            return Linked(GroupDTO.from_row(group), True)

    async def unlink(self, chat_id: int) -> bool:
        """Forget the group (and what the outbox still held for it). False if not linked."""
        async with self._sessions.begin() as session:
            removed = await GroupRepository(session).delete(chat_id)
        if removed:
            log.info("group %s unlinked", chat_id)
        return removed

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> GroupDTO | None:
        """The group became a supergroup with a new id: follow it."""
        async with self._sessions.begin() as session:
            group = await GroupRepository(session).move_chat(old_chat_id, new_chat_id)
            moved = GroupDTO.from_row(group) if group is not None else None
        if moved is not None:
            log.info("group %s is now supergroup %s", old_chat_id, new_chat_id)
        return moved

    # -- settings ------------------------------------------------------------------
    async def _change(
        self, chat_id: int, *, flip: str | None = None, reschedule: bool = True, **values: Any
    ) -> GroupDTO | None:
        """Set `values` (and switch the `flip` column) in one transaction, then
        reschedule both posts from now (unless what changed is not about when)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            group = await GroupRepository(session).by_chat(chat_id, lock=True)
            if group is None:
                return None
            if flip is not None:
                values[flip] = not getattr(group, flip)
            for name, value in values.items():
                setattr(group, name, value)
            group.updated_at = now
            if reschedule:
                _schedule(group, now)
            await session.flush()
            return GroupDTO.from_row(group)

    async def toggle(self, chat_id: int, what: Toggle) -> GroupDTO | None:
        """Switch the daily post, the leaderboard or the shout-outs on or off."""
        return await self._change(chat_id, flip=_TOGGLE_COLUMNS[what])

    async def set_time(self, chat_id: int, at: time) -> GroupDTO | None:
        return await self._change(chat_id, daily_time=at.replace(second=0, microsecond=0))

    async def set_zone(self, chat_id: int, zone: str) -> GroupDTO | None:
        return await self._change(chat_id, timezone=zone)

    async def set_cohort(self, chat_id: int, cohort_id: int | None) -> GroupDTO | None:
        return await self._change(chat_id, cohort_id=cohort_id)

    async def set_language(self, chat_id: int, language: str) -> GroupDTO | None:
        """Write the group's posts and answers in `language` from now on (a post
        already queued is composed at send time, so it follows too)."""
        return await self._change(chat_id, reschedule=False, language=i18n.resolve(language))

    async def next_language(self, chat_id: int) -> GroupDTO | None:
        """Switch the group to the next language the bot speaks (after the last:
        the first again)."""
        current = await self.get(chat_id)
        if current is None:
            return None
        spoken = i18n.LANGUAGES
        position = spoken.index(current.language) if current.language in spoken else -1
        return await self.set_language(chat_id, spoken[(position + 1) % len(spoken)])

    async def next_cohort(self, chat_id: int) -> GroupDTO | None:
        """Tie the group to the next cohort by name (after the last: to everyone)."""
        current = await self.get(chat_id)
        if current is None:
            return None
        async with self._sessions() as session:
            ids = list(await session.scalars(select(Cohort.id).order_by(Cohort.name, Cohort.id)))
        choices: list[int | None] = [None, *ids]
        position = choices.index(current.cohort_id) if current.cohort_id in choices else 0
        return await self.set_cohort(chat_id, choices[(position + 1) % len(choices)])

    async def cohort_name(self, cohort_id: int | None) -> str | None:
        if cohort_id is None:
            return None
        async with self._sessions() as session:
            return await session.scalar(select(Cohort.name).where(Cohort.id == cohort_id))

    # -- opt-ins -------------------------------------------------------------------
    async def opt_ins(self, member_id: int) -> OptIns:
        async with self._sessions() as session:
            row = await GroupRepository(session).opt_in(member_id)
        return OptIns(row.leaderboard, row.shoutouts) if row is not None else OptIns()

    async def set_opt_ins(self, member_id: int, **values: bool) -> OptIns:
        """Change `leaderboard` and/or `shoutouts` for a member."""
        async with self._sessions.begin() as session:
            row = await GroupRepository(session).set_opt_in(member_id, self._clock.now(), **values)
            return OptIns(row.leaderboard, row.shoutouts)

    # -- the due scan --------------------------------------------------------------
    async def queue_due(self) -> int:
        """Queue the daily posts and leaderboards whose time has come; how many.

        A post more than GRACE late (downtime) is skipped, as sessions are; each
        group then moves on to its next local occurrence.
        """
        now = self._clock.now()
        queued = 0
        while True:
            async with self._sessions.begin() as session:
                groups = GroupRepository(session)
                due = await groups.due(now, BATCH)
                for group in due:
                    queued += await self._queue_group(session, group, now)
            if len(due) < BATCH:
                return queued

    async def _queue_group(self, session: AsyncSession, group: GroupDTO, now: datetime) -> int:
        zone = ZoneInfo(group.timezone)
        groups = GroupRepository(session)
        rows = []
        moves: dict[str, Any] = {}
        if group.daily_enabled and group.next_daily_at is not None and group.next_daily_at <= now:
            slot, day = latest_occurrence(now, group.daily_time, zone)
            if now - slot <= GRACE:
                rows.append(
                    ({"group_post": "daily", "local_date": day.isoformat()},
                     keys.group_daily(group.id, day))
                )  # fmt: skip
            moves["next_daily_at"] = next_occurrence(now, group.daily_time, zone)
        board_at = group.next_board_at
        if group.leaderboard_enabled and board_at is not None and board_at <= now:
            sunday = board_at.astimezone(zone).date()
            if now - board_at <= GRACE:
                rows.append(
                    ({"group_post": "leaderboard", "sunday": sunday.isoformat()},
                     keys.group_leaderboard(group.id, sunday))
                )  # fmt: skip
            moves["next_board_at"] = next_board(now, zone)
        await groups.set_next(group.id, **moves)
        slots = await groups.reserve(group.id, len(rows), now)
        return await OutboxRepository(session).enqueue(
            [
                outbox_row(
                    OutboxKind.GROUP,
                    member_id=None,
                    group_id=group.id,
                    chat_id=group.chat_id,
                    payload=payload,
                    dedupe_key=key,
                    now=now,
                    not_before=slot,
                )
                for (payload, key), slot in zip(rows, slots, strict=True)
            ]
        )

    # -- what a post says (at send time) ---------------------------------------------
    async def _current(self, group_id: int | None) -> GroupDTO | None:
        if group_id is None:
            return None
        async with self._sessions() as session:
            row = await GroupRepository(session).by_id(group_id)
            return GroupDTO.from_row(row) if row is not None else None

    async def daily_post(
        self, group_id: int | None, day: date, content: Catalog | None = None
    ) -> DailyPost | None:
        """The daily post, if the group still wants it, with the names of `content`
        (the group's language; by default the service's catalog)."""
        group = await self._current(group_id)
        if group is None or not group.daily_enabled:
            return None
        async with self._sessions() as session:
            common = await GroupRepository(session).common_program(group.cohort_id)
        catalog = content or self._catalog
        if common is None or common[0] not in catalog.programs:
            return DailyPost(group, day)
        program = catalog.programs[common[0]]
        number = (day - common[1]).days + 1
        program_day = program.day(number)
        if program_day is None:
            return DailyPost(group, day, program.name)
        focus = catalog.name(program_day.focus) if program_day.focus else None
        return DailyPost(group, day, program.name, number, program_day, focus)

    async def leaderboard(self, group_id: int | None, sunday: date) -> Leaderboard | None:
        """The week that ends on `sunday`, if the group still wants its leaderboard."""
        group = await self._current(group_id)
        if group is None or not group.leaderboard_enabled:
            return None
        monday = sunday - timedelta(days=6)
        async with self._sessions() as session:
            groups = GroupRepository(session)
            sessions = await groups.week_sessions(group.cohort_id, monday, sunday, BOARD_SIZE)
            streaks = await groups.top_streaks(group.cohort_id, BOARD_SIZE)
        return Leaderboard(group, monday, sunday, sessions, streaks)

    async def shoutout(self, group_id: int | None, member_id: int) -> str | None:
        """The member's first name, if the group still shouts out and they still agree."""
        group = await self._current(group_id)
        if group is None or not group.shoutouts_enabled:
            return None
        async with self._sessions() as session:
            opt_in = await GroupRepository(session).opt_in(member_id)
            member = await session.get(Member, member_id)
        if opt_in is None or not opt_in.shoutouts or member is None:
            return None
        if member.status != MemberStatus.ACTIVE:
            return None
        if group.cohort_id is not None and member.cohort_id != group.cohort_id:
            return None
        return member.first_name
