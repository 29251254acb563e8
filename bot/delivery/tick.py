"""The due scan: one job, every few seconds, for every member at once.

Members whose `next_reminder_at` has come get one outbox row for that local
date (dedupe key `rem:<member>:<date>`) and their next occurrence. A session
more than GRACE late (downtime) is skipped, never sent at the wrong hour.
Running the tick twice, or in two processes, queues nothing twice: the claim
uses SKIP LOCKED on PostgreSQL and the outbox insert ignores duplicate keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.dialect import dialect_name
from bot.db.models import Member
from bot.db.repositories import PauseRepository
from bot.delivery.outbox import PRIORITY_REMINDER, enqueue
from bot.services.schedule import GRACE, latest_occurrence, local_date, next_occurrence

log = logging.getLogger(__name__)

BATCH = 2000


@dataclass
class TickReport:
    """What one tick did."""

    queued: int = 0
    skipped_late: int = 0
    resumed: int = 0
    scanned: int = 0


class Ticker:
    """Turns due members into outbox rows."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        batch: int = BATCH,
        grace: timedelta = GRACE,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
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
        report.resumed = await self._resume_finished_pauses(now)
        while True:
            claimed = await self._queue_batch(now, report)
            if claimed < self._batch:
                break
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
                .where(Member.status == "active", Member.next_reminder_at <= now)
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
                        {
                            "kind": "reminder",
                            "member_id": member_id,
                            "chat_id": chat_id,
                            "payload": {"local_date": day.isoformat()},
                            "priority": PRIORITY_REMINDER,
                            "status": "pending",
                            "attempts": 0,
                            "not_before": now,
                            "dedupe_key": f"rem:{member_id}:{day.isoformat()}",
                            "created_at": now,
                        }
                    )
                else:
                    report.skipped_late += 1
                moves.append({"id": member_id, "next_reminder_at": following})
            report.queued += await enqueue(session, rows)
            if moves:
                await session.execute(update(Member), moves)
            report.scanned += len(due)
            return len(due)

    async def _resume_finished_pauses(self, now: datetime) -> int:
        """Members whose /pause N days ran out get their sessions back."""
        horizon = now.date() + timedelta(days=1)
        resumed = 0
        async with self._sessions.begin() as session:
            rows = list(
                await session.scalars(
                    select(Member).where(
                        Member.status == "paused",
                        Member.paused_until.is_not(None),
                        Member.paused_until <= horizon,
                    )
                )
            )
            for row in rows:
                zone = self._zone(row.timezone)
                today = local_date(now, zone)
                if row.paused_until is None or today < row.paused_until:
                    continue
                await PauseRepository(session).close(row.id, row.paused_until)
                row.status = "active"
                row.paused_until = None
                row.updated_at = now
                if row.program_start is not None:
                    row.next_reminder_at = next_occurrence(now, row.reminder_time, zone)
                resumed += 1
        return resumed
