"""Linked community groups and members' opt-ins. Never commits.

The queries the group posts need are here: which groups are due, who of a
group's scope opted in, the week's sessions and the current streaks of
those, and the pace of posts to one group (`reserve`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.dialect import dialect_name
from bot.db.dto import GroupDTO
from bot.db.models import Checkin, CommunityGroup, Member, MemberOptIn, MemberStats, Outbox
from bot.db.status import CheckinStatus, MemberStatus, OutboxStatus

# Telegram allows 20 messages a minute to a group; posts are spaced to stay
# at 18, leaving room for the bot's replies to commands there.
POST_SPACING = timedelta(seconds=60 / 18)


class GroupRepository:
    """Read and change linked groups and opt-ins inside the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def by_chat(self, chat_id: int, *, lock: bool = False) -> CommunityGroup | None:
        query = select(CommunityGroup).where(CommunityGroup.chat_id == chat_id)
        if lock and dialect_name(self._s) == "postgresql":
            query = query.with_for_update()
        return await self._s.scalar(query)

    async def by_id(self, group_id: int, *, lock: bool = False) -> CommunityGroup | None:
        query = select(CommunityGroup).where(CommunityGroup.id == group_id)
        if lock and dialect_name(self._s) == "postgresql":
            query = query.with_for_update()
        return await self._s.scalar(query)

    async def delete(self, chat_id: int) -> bool:
        result = await self._s.execute(
            delete(CommunityGroup).where(CommunityGroup.chat_id == chat_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> CommunityGroup | None:
        """The group became a supergroup: its posts go to the new chat id from now on."""
        group = await self.by_chat(old_chat_id, lock=True)
        if group is None:
            return None
        if await self.by_chat(new_chat_id) is not None:
            # Linked again in its new form already: the old link goes.
            await self.delete(old_chat_id)
            return await self.by_chat(new_chat_id)
        group.chat_id = new_chat_id
        await self._s.execute(
            update(Outbox)
            .where(
                Outbox.group_id == group.id,
                Outbox.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
            )
            .values(chat_id=new_chat_id)
        )
        await self._s.flush()
        return group

    async def due(self, now: datetime, limit: int) -> list[GroupDTO]:
        """Groups whose daily post or leaderboard time has come."""
        query = (
            select(CommunityGroup)
            .where(
                or_(
                    and_(CommunityGroup.daily_enabled, CommunityGroup.next_daily_at <= now),
                    and_(CommunityGroup.leaderboard_enabled, CommunityGroup.next_board_at <= now),
                )
            )
            .order_by(CommunityGroup.id)
            .limit(limit)
        )
        if dialect_name(self._s) == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [GroupDTO.from_row(row) for row in await self._s.scalars(query)]

    async def set_next(self, group_id: int, **values: Any) -> None:
        await self._s.execute(
            update(CommunityGroup).where(CommunityGroup.id == group_id).values(**values)
        )

    async def reserve(self, group_id: int, count: int, now: datetime) -> list[datetime]:
        """`count` send times for posts to the group, POST_SPACING apart, after the
        ones already given out: however many are queued at once, the group gets
        at most 18 a minute."""
        group = await self.by_id(group_id, lock=True)
        if group is None or count <= 0:
            return []
        start = max(now, group.next_post_at or now)
        slots = [start + POST_SPACING * index for index in range(count)]
        group.next_post_at = slots[-1] + POST_SPACING
        await self._s.flush()
        return slots

    async def shoutout_groups(self, cohort_id: int | None) -> list[GroupDTO]:
        """Groups that shout out milestones of a member of this cohort (or of none)."""
        scope: list[Any] = [CommunityGroup.cohort_id.is_(None)]
        if cohort_id is not None:
            scope.append(CommunityGroup.cohort_id == cohort_id)
        rows = await self._s.scalars(
            select(CommunityGroup)
            .where(CommunityGroup.shoutouts_enabled, or_(*scope))
            .order_by(CommunityGroup.id)
        )
        return [GroupDTO.from_row(row) for row in rows]

    # -- opt-ins -------------------------------------------------------------------
    async def opt_in(self, member_id: int) -> MemberOptIn | None:
        return await self._s.get(MemberOptIn, member_id)

    async def set_opt_in(self, member_id: int, now: datetime, **values: bool) -> MemberOptIn:
        row = await self._s.get(MemberOptIn, member_id)
        if row is None:
            row = MemberOptIn(member_id=member_id, leaderboard=False, shoutouts=False)
            self._s.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now
        await self._s.flush()
        return row

    def _scope(self, cohort_id: int | None, flag: Any) -> list[Any]:
        """Active members of the group's cohort (all, without one) who opted in."""
        conditions = [Member.status == MemberStatus.ACTIVE, flag.is_(True)]
        if cohort_id is not None:
            conditions.append(Member.cohort_id == cohort_id)
        return conditions

    async def week_sessions(
        self, cohort_id: int | None, first: date, last: date, limit: int
    ) -> list[tuple[str, int]]:
        """Opted-in members with the most sessions done between two local dates."""
        done = func.count(Checkin.id).label("done")
        query = (
            select(Member.first_name, done)
            .join(MemberOptIn, MemberOptIn.member_id == Member.id)
            .join(Checkin, Checkin.member_id == Member.id)
            .where(
                *self._scope(cohort_id, MemberOptIn.leaderboard),
                Checkin.status == CheckinStatus.DONE,
                Checkin.local_date >= first,
                Checkin.local_date <= last,
            )
            .group_by(Member.id, Member.first_name)
            .order_by(done.desc(), Member.first_name, Member.id)
            .limit(limit)
        )
        return [(name, int(count)) for name, count in (await self._s.execute(query)).all()]

    async def top_streaks(self, cohort_id: int | None, limit: int) -> list[tuple[str, int]]:
        """Opted-in members with the longest current streaks."""
        query = (
            select(Member.first_name, MemberStats.current_streak)
            .join(MemberOptIn, MemberOptIn.member_id == Member.id)
            .join(MemberStats, MemberStats.member_id == Member.id)
            .where(
                *self._scope(cohort_id, MemberOptIn.leaderboard),
                MemberStats.current_streak > 0,
            )
            .order_by(MemberStats.current_streak.desc(), Member.first_name, Member.id)
            .limit(limit)
        )
        return [(name, int(days)) for name, days in (await self._s.execute(query)).all()]

    async def common_program(self, cohort_id: int | None) -> tuple[str, date] | None:
        """The program and start date most active members of the scope share."""
        conditions = [Member.status == MemberStatus.ACTIVE, Member.program_start.is_not(None)]
        if cohort_id is not None:
            conditions.append(Member.cohort_id == cohort_id)
        many = func.count(Member.id)
        row = (
            await self._s.execute(
                select(Member.program_id, Member.program_start)
                .where(*conditions)
                .group_by(Member.program_id, Member.program_start)
                .order_by(many.desc(), Member.program_start.desc())
                .limit(1)
            )
        ).first()
        if row is None or row[0] is None or row[1] is None:
            return None
        return str(row[0]), row[1]

    async def forget_linker(self, telegram_ids: Sequence[int]) -> None:
        """A person who linked groups deleted their data: the links stay, unnamed."""
        await self._s.execute(
            update(CommunityGroup)
            .where(CommunityGroup.linked_by.in_(list(telegram_ids)))
            .values(linked_by=0)
        )
