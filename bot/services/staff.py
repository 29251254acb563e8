"""Roles (member, trainer, admin) and cohorts with invite codes."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.dto import MemberDTO
from bot.db.models import Cohort, Member
from bot.db.status import STAFF_ROLES, MemberStatus, Role
from bot.i18n import _

COHORT_NAME = re.compile(r"^[\w][\w .'&+-]{0,47}$", re.UNICODE)


@dataclass(frozen=True, slots=True)
class CohortInfo:
    id: int
    name: str
    code: str
    members: int
    created_at: datetime


class StaffError(ValueError):
    """A trainer action that cannot be done; str() is the reply."""


class StaffService:
    """Who may do what, and the cohorts trainers create."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        admin_ids: tuple[int, ...],
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.admin_ids = frozenset(admin_ids)

    def role_of(self, telegram_id: int, member: MemberDTO | None) -> Role:
        """Admins come from configuration; trainers from /promote."""
        if telegram_id in self.admin_ids:
            return Role.ADMIN
        return Role(member.role) if member else Role.MEMBER

    async def sync_admins(self) -> None:
        """Apply BOT_ADMIN_IDS: listed users are admins, nobody else is."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(Member)
                .where(Member.role == Role.ADMIN, Member.telegram_id.not_in(self.admin_ids or {0}))
                .values(role=Role.MEMBER)
            )
            if self.admin_ids:
                await session.execute(
                    update(Member)
                    .where(Member.telegram_id.in_(self.admin_ids))
                    .values(role=Role.ADMIN)
                )

    async def find(self, who: str) -> MemberDTO | None:
        """A member by numeric id or @username."""
        who = who.strip()
        async with self._sessions() as session:
            if re.fullmatch(r"\d{1,20}", who):
                row = await session.scalar(select(Member).where(Member.telegram_id == int(who)))
            else:
                name = who.removeprefix("@").lower()
                row = await session.scalar(
                    select(Member).where(func.lower(Member.username) == name)
                )
            return MemberDTO.from_row(row) if row else None

    async def set_role(self, telegram_id: int, role: Role) -> MemberDTO:
        """Make someone a trainer or a plain member (admins are configuration)."""
        if telegram_id in self.admin_ids:
            raise StaffError(_("That person is an admin from BOT_ADMIN_IDS; change it there."))
        async with self._sessions.begin() as session:
            row = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
            if row is None:
                raise StaffError(
                    _("I don't know that person yet: ask them to send me /start first.")
                )
            row.role = role
            row.updated_at = self._clock.now()
            await session.flush()
            return MemberDTO.from_row(row)

    async def staff(self) -> list[MemberDTO]:
        """Every trainer and admin with a member row."""
        async with self._sessions() as session:
            rows = await session.scalars(select(Member).where(Member.role.in_(STAFF_ROLES)))
            return [MemberDTO.from_row(r) for r in rows]

    # -- cohorts ---------------------------------------------------------------------
    async def create_cohort(self, name: str, created_by: int) -> CohortInfo:
        name = " ".join(name.split())
        if not COHORT_NAME.match(name):
            raise StaffError(
                _(
                    "A cohort name is 1 to 48 letters, digits, spaces or - ' & +, "
                    "like: /cohort new Spring 2026"
                )
            )
        now = self._clock.now()
        async with self._sessions.begin() as session:
            taken = await session.scalar(
                select(Cohort).where(func.lower(Cohort.name) == name.lower())
            )
            if taken is not None and taken.created_by == created_by:
                # The same trainer asking again (or the same update handled a
                # second time after a crash): the cohort they already have.
                members = await session.scalar(
                    select(func.count()).select_from(Member).where(Member.cohort_id == taken.id)
                )
                return CohortInfo(taken.id, taken.name, taken.code, members or 0, taken.created_at)
            if taken is not None:
                raise StaffError(_("There is already a cohort called {name}.").format(name=name))
            cohort = Cohort(
                name=name, code=secrets.token_urlsafe(6), created_by=created_by, created_at=now
            )
            session.add(cohort)
            await session.flush()
            return CohortInfo(cohort.id, cohort.name, cohort.code, 0, now)

    async def cohorts(self) -> list[CohortInfo]:
        async with self._sessions() as session:
            counts = (
                select(Member.cohort_id, func.count().label("n"))
                .where(Member.status.in_((MemberStatus.ACTIVE, MemberStatus.PAUSED)))
                .group_by(Member.cohort_id)
                .subquery()
            )
            rows = await session.execute(
                select(Cohort, func.coalesce(counts.c.n, 0))
                .outerjoin(counts, counts.c.cohort_id == Cohort.id)
                .order_by(Cohort.name)
            )
            return [CohortInfo(c.id, c.name, c.code, int(n), c.created_at) for c, n in rows.all()]

    async def cohort(self, name: str) -> CohortInfo | None:
        wanted = " ".join(name.split()).lower()
        return next((c for c in await self.cohorts() if c.name.lower() == wanted), None)

    async def cohort_members(self, cohort_id: int) -> list[MemberDTO]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Member).where(Member.cohort_id == cohort_id).order_by(Member.first_name)
            )
            return [MemberDTO.from_row(r) for r in rows]
