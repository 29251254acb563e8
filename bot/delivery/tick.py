"""The due scan: one job, every few seconds, for every member at once.

Members whose `next_reminder_at` has come get one outbox row for that local
date (dedupe key `rem:<member>:<date>`) and their next occurrence. A session
more than GRACE late (downtime) is skipped, never sent at the wrong hour.
The same tick queues the posts of linked groups whose time has come
(`GroupService.queue_due`). Running the tick twice, or in two processes,
queues nothing twice: the claim uses SKIP LOCKED on PostgreSQL and the
outbox insert ignores duplicate keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import keys
from bot.db.dialect import dialect_name
from bot.db.models import Member
from bot.db.outbox import OutboxRepository, outbox_row
from bot.db.status import MemberStatus, OutboxKind
from bot.services.groups import GroupService
from bot.services.preferences import PreferencesService
from bot.services.schedule import GRACE, latest_occurrence, next_occurrence

log = logging.getLogger(__name__)

BATCH = 2000


@dataclass
class TickReport:
    """What one tick did."""

    queued: int = 0
    skipped_late: int = 0
    resumed: int = 0
    scanned: int = 0
    group_posts: int = 0


class Ticker:
    """Turns due members into outbox rows."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        preferences: PreferencesService,
        *,
        batch: int = BATCH,
        grace: timedelta = GRACE,
        groups: GroupService | None = None,
    ) -> None:
        self._sessions = sessions
        self._groups = groups
        self._clock = clock
        self._preferences = preferences
        self._batch = batch
        self._grace = grace
        self._zones: dict[str, ZoneInfo] = {}

    def _zone(self, name: str) -> ZoneInfo:
        zone = self._zones.get(name)
        if zone is None:
            zone = self._zones[name] = ZoneInfo(name)
        return zone

    async def tick(self) -> TickReport:
        """Scan once: resume finished pauses, then queue every due session."""
        now = self._clock.now()
        report = TickReport()
        report.resumed = await self._preferences.resume_finished_pauses()
        while True:
            claimed = await self._queue_batch(now, report)
            if claimed < self._batch:
                break
        if self._groups is not None:
            report.group_posts = await self._groups.queue_due()
        if report.group_posts:
            log.info("tick: %d group posts queued", report.group_posts)
        if report.queued or report.skipped_late:
            log.info(
                "tick: %d sessions queued, %d skipped as too late",
                report.queued,
                report.skipped_late,
            )
        return report

    async def _queue_batch(self, now: datetime, report: TickReport) -> int:
        async with self._sessions.begin() as session:
            query = (
                select(
                    Member.id,
                    Member.chat_id,
                    Member.timezone,
                    Member.reminder_time,
                    Member.next_reminder_at,
                )
                .where(Member.status == MemberStatus.ACTIVE, Member.next_reminder_at <= now)
                .order_by(Member.next_reminder_at)
                .limit(self._batch)
            )
            if dialect_name(session) == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Member)
            due = (await session.execute(query)).all()
            rows = []
            moves = []
            # Members share zones and popular times: compute each pair once per tick.
            slots: dict[tuple[str, time], tuple[datetime, date, datetime]] = {}
            for member_id, chat_id, zone_name, at, _scheduled in due:
                key = (zone_name, at)
                if key not in slots:
                    zone = self._zone(zone_name)
                    slot, day = latest_occurrence(now, at, zone)
                    slots[key] = (slot, day, next_occurrence(now, at, zone))
                slot, day, following = slots[key]
                if now - slot <= self._grace:
                    rows.append(
                        outbox_row(
                            OutboxKind.REMINDER,
                            member_id=member_id,
                            chat_id=chat_id,
                            payload={"local_date": day.isoformat()},
                            dedupe_key=keys.reminder(member_id, day),
                            now=now,
                        )
                    )
                else:
                    report.skipped_late += 1
                moves.append({"id": member_id, "next_reminder_at": following})
            report.queued += await OutboxRepository(session).enqueue(rows)
            if moves:
                await session.execute(update(Member), moves)
            report.scanned += len(due)
            return len(due)
