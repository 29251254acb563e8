"""Benchmark: trainer reports and audiences at community scale (issue 13).

Fills a fresh database with N members (default 100,000) spread over real time
zones (DST, far east, far west) and 20 cohorts, with 28 days of history each:
program runs, ~80 % done, ~8 % skipped, the rest missed, efforts and notes,
pauses for some, members who left or never finished onboarding. Bulk inserts,
so 2.5 M check-ins take a minute, not hours. Then the stored figures are
computed once (the background refresh, timed: it is also what a day's
rollover costs) and each trainer view is measured:

- /stats for everyone and for one cohort,
- /roster (streamed to a file) for everyone,
- the /broadcast audience counts (5 audiences + one per cohort),
- queueing a broadcast to everyone (what Send does now, and the background
  queueing after it).

During a third run of each view a member's Done press (`CheckinService.record`
for a different active member each time) is made again and again, and the
slowest press is reported, with the longest the event loop went without
running a 10 ms timer (how long the view held the loop at a time).

Each next to the code before member_stats (commit 5fe88c0, kept as
tests/reports/legacy.py), measured in the same run on the same data. Time and
peak Python allocation (tracemalloc) are measured in separate runs, because
tracemalloc slows Python down several times.

    python -m bench.reports                       # 100,000 members, SQLite
    python -m bench.reports --members 10000
    python -m bench.reports --url postgresql://postgres@127.0.0.1/test
    python -m bench.reports --skip-old            # only the new code

Targets: /stats under 1.5 s and +50 MiB; /roster under 5 s with flat memory;
all audience counts together under 0.5 s; a Done press answered within 1 s
while any of them runs.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time as wall
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from bot.catalog import load_catalog
from bot.clock import ManualClock
from bot.config import SHIPPED_CONTENT_DIR, normalise_database_url
from bot.db.base import Base
from bot.db.models import Checkin, Cohort, Member, Outbox, Pause, ProgramRun
from bot.db.session import Database
from bot.services.broadcasts import Audience, BroadcastService
from bot.services.checkins import CheckinService
from bot.services.stats import StatsService
from tests.reports.legacy import LegacyAudiences, LegacyStats

ZONES = [
    "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo",
    "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", "Africa/Lagos", "UTC",
    "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "Pacific/Auckland",
]  # fmt: skip
NOW = datetime(2026, 3, 30, 13, 0, tzinfo=UTC)
COHORTS = 20
DAYS = 28
BATCH = 10_000


async def fill(db: Database, members: int) -> None:
    rng = random.Random(13)
    start = (NOW - timedelta(days=DAYS)).date()
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(
            insert(Cohort),
            [
                {"name": f"Cohort {n}", "code": f"code{n}", "created_at": NOW}
                for n in range(COHORTS)
            ],
        )
        for first in range(0, members, BATCH):
            rows = []
            for n in range(first, min(first + BATCH, members)):
                onboarded = rng.random() > 0.03
                status = rng.choices(["active", "paused", "left", "blocked"], [90, 5, 3, 2])[0]
                rows.append(
                    {
                        "telegram_id": 20_000_000 + n, "chat_id": 20_000_000 + n,
                        "first_name": f"Member {rng.randrange(10**6):06d}",
                        "username": f"user{n}", "timezone": rng.choice(ZONES),
                        "reminder_time": time(rng.randrange(5, 22), rng.choice((0, 30))),
                        "program_id": rng.choice(["defy-gravity", "beginner-basics"])
                        if onboarded else None,
                        "program_start": start if onboarded else None,
                        "status": status if onboarded else "active", "role": "member",
                        "cohort_id": 1 + n % COHORTS if rng.random() < 0.7 else None,
                        "created_at": NOW - timedelta(days=DAYS + 1), "updated_at": NOW,
                    }
                )  # fmt: skip
            await conn.execute(insert(Member), rows)
        result = await conn.execute(
            select(Member.id, Member.program_id, Member.status).where(
                Member.program_id.is_not(None)
            )
        )
        onboarded_members = result.all()
        for first in range(0, len(onboarded_members), BATCH):
            chunk = onboarded_members[first : first + BATCH]
            await conn.execute(
                insert(ProgramRun),
                [{"member_id": m, "program_id": p, "start_date": start} for m, p, _ in chunk],
            )
            pauses = [
                {"member_id": m, "start_date": start + timedelta(days=20), "end_date": None}
                for m, _, s in chunk
                if s == "paused"
            ]
            if pauses:
                await conn.execute(insert(Pause), pauses)
            checkins = []
            for member_id, _, _ in chunk:
                # Some fade out: a member's activity drops after a random day.
                fade = rng.choice([DAYS, DAYS, DAYS, rng.randrange(5, DAYS)])
                for day in range(DAYS):
                    p_done = 0.85 if day < fade else 0.2
                    roll = rng.random()
                    if roll > p_done + 0.08:
                        continue
                    done = roll < p_done
                    checkins.append(
                        {
                            "member_id": member_id, "local_date": start + timedelta(days=day),
                            "program_day": day + 1, "status": "done" if done else "skipped",
                            "effort": rng.randrange(1, 6) if done and rng.random() < 0.4 else None,
                            "note": "felt good" if rng.random() < 0.05 else None,
                            "created_at": NOW, "updated_at": NOW,
                        }
                    )  # fmt: skip
            for part in range(0, len(checkins), 50_000):
                await conn.execute(insert(Checkin), checkins[part : part + 50_000])
        await conn.execute(text("ANALYZE"))


async def timed(action: Callable[[], Awaitable[Any]], memory: bool) -> tuple[float, Any]:
    """Seconds (or peak MiB with `memory`) of one call, and its result."""
    if memory:
        tracemalloc.start()
        result = await action()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak / 2**20, result
    started = wall.perf_counter()
    result = await action()
    return wall.perf_counter() - started, result


class Presses:
    """Done presses by active members, one member after another (each press
    alternates done and skipped for today, so every one really writes)."""

    def __init__(self, service: CheckinService, telegram_ids: list[int]) -> None:
        self._service = service
        self._ids = telegram_ids
        self._n = 0

    async def press(self) -> float:
        member = self._ids[self._n % len(self._ids)]
        status = "done" if (self._n // len(self._ids)) % 2 else "skipped"
        self._n += 1
        started = wall.perf_counter()
        await self._service.record(member, None, status)
        return wall.perf_counter() - started

    async def during(self, action: Callable[[], Awaitable[Any]]) -> tuple[float, float, float, int]:
        """Run `action` while pressing Done every 50 ms: its seconds, the slowest
        press, the longest event-loop stall (both seconds) and the presses made."""
        task = asyncio.ensure_future(action())
        slowest = stall = 0.0
        presses = 0

        async def ticker() -> None:
            nonlocal stall
            while not task.done():
                before = wall.perf_counter()
                await asyncio.sleep(0.01)
                stall = max(stall, wall.perf_counter() - before - 0.01)

        async def presser() -> None:
            nonlocal slowest, presses
            while not task.done():
                await asyncio.sleep(0.05)
                if task.done():
                    break
                slowest = max(slowest, await self.press())
                presses += 1

        started = wall.perf_counter()
        await asyncio.gather(task, ticker(), presser())
        return wall.perf_counter() - started, slowest, stall, presses


async def measure(url: str, members: int, old: bool, tmp: Path) -> list[tuple[str, Any, Any]]:
    db = Database(url)
    catalog = load_catalog(SHIPPED_CONTENT_DIR)
    clock = ManualClock(NOW)
    stats = StatsService(db.sessions, clock, catalog)
    broadcasts = BroadcastService(db.sessions, clock)
    legacy = LegacyStats(db.sessions, clock, catalog)
    legacy_audiences = LegacyAudiences(db.sessions, clock)
    checkins_service = CheckinService(db.sessions, clock, catalog)
    lines: list[tuple[str, Any, Any]] = []
    try:
        started = wall.perf_counter()
        await fill(db, members)
        async with db.sessions() as session:
            checkins = await session.scalar(select(func.count()).select_from(Checkin))
            cohorts = [(c.id, c.name) for c in await session.scalars(select(Cohort))]
        print(
            f"filled {members:,} members, {checkins:,} check-ins"
            f" in {wall.perf_counter() - started:.0f} s"
        )
        seconds, refreshed = await timed(lambda: stats.refresh_stale(None, chunk=2000), False)
        lines.append(("refresh all figures (a day's rollover)", None, f"{seconds:.1f} s"))
        assert refreshed == members, refreshed
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
        cohort_id = cohorts[3][0]
        async with db.sessions() as session:
            pressers = list(
                await session.scalars(
                    select(Member.telegram_id)
                    .where(Member.status == "active", Member.program_id.is_not(None))
                    .order_by(Member.id)
                    .limit(500)
                )
            )
        presses = Presses(checkins_service, pressers)
        idle = max([await presses.press() for _ in range(20)])
        lines.append(("Done press, nothing else running", None, f"slowest {idle * 1000:.0f} ms"))
        roster = tmp / "roster.csv"

        async def queue_all(service: Any, inline: bool) -> float:
            broadcast_id = await broadcasts.draft(1, 1, text="Hello everyone")
            await broadcasts.choose(broadcast_id, 1, Audience("all"))
            started = wall.perf_counter()
            await broadcasts.confirm(broadcast_id, 1)
            if inline:  # the old Send: queue inside the handler
                await service.queue(broadcast_id)
                return wall.perf_counter() - started
            confirm = wall.perf_counter() - started
            started = wall.perf_counter()
            await broadcasts.queue(broadcast_id)
            return confirm, wall.perf_counter() - started  # type: ignore[return-value]

        views: list[tuple[str, Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]] = [
            ("/stats everyone", lambda: stats.community(None), lambda: legacy.community(None)),
            (
                "/stats one cohort",
                lambda: stats.community(cohort_id),
                lambda: legacy.community(cohort_id),
            ),
            ("/roster everyone", lambda: stats.write_roster(roster), lambda: legacy.roster_csv()),
            (
                "audience counts (5 + 20 cohorts)",
                lambda: broadcasts.counts(cohorts),
                lambda: legacy_audiences.counts(cohorts),
            ),
        ]
        for name, new, before in views:
            new_s, result = await timed(new, False)
            new_m, _ = await timed(new, True)
            if old:
                old_s, old_result = await timed(before, False)
                old_m, _ = await timed(before, True)
                check(name, result, old_result)
                lines.append(
                    (name, f"{old_s:.2f} s, {old_m:.0f} MiB", f"{new_s:.2f} s, {new_m:.1f} MiB")
                )
            else:
                lines.append((name, None, f"{new_s:.2f} s, {new_m:.1f} MiB"))
            # Last, as the presses change the data the checks above compare.
            busy_s, slowest, stall, made = await presses.during(new)
            lines.append(
                (
                    f"  Done press during {name.split()[0]}",
                    None,
                    f"slowest of {made} {slowest * 1000:.0f} ms, loop stall"
                    f" {stall * 1000:.0f} ms (view {busy_s:.2f} s)",
                )
            )
        confirm, background = await queue_all(broadcasts, inline=False)  # type: ignore[misc]
        if old:
            async with db.engine.begin() as conn:
                await conn.execute(Outbox.__table__.delete())
            inline = await queue_all(legacy_audiences, inline=True)
            lines.append(
                (
                    "Send (queue to everyone)",
                    f"{inline:.2f} s in the handler",
                    f"{confirm * 1000:.0f} ms in the handler + {background:.2f} s background",
                )
            )
        else:
            lines.append(
                (
                    "Send (queue to everyone)",
                    None,
                    f"{confirm * 1000:.0f} ms + {background:.2f} s background",
                )
            )
        return lines
    finally:
        await db.dispose()


def check(name: str, new: Any, old: Any) -> None:
    """The same answers as before (where the meaning did not change on purpose)."""
    if name.startswith("/stats"):
        assert new.by_status == old.by_status, name
        assert new.checked_in_today == old.checked_in_today, name
        assert new.top_streaks == old.top_streaks, name
        assert new.daily_done == old.daily_done, name
        assert len(new.at_risk) == len(old.at_risk), name
        assert abs((new.adherence_7 or 0) - (old.adherence_7 or 0)) < 1e-9, name
    if name.startswith("audience"):
        for key in ("i3", "i7", "i14", "t"):
            assert new[key] == old[key], (name, key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="database URL (default: a temp SQLite file)")
    parser.add_argument("--skip-old", action="store_true", help="do not measure the old code")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        default = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        url = normalise_database_url(args.url) if args.url else default
        lines = asyncio.run(measure(url, args.members, not args.skip_old, Path(tmp)))
    engine = url.split(":", 1)[0]
    print(f"reports on {engine}, {args.members:,} members x {DAYS} days:")
    for name, before, after in lines:
        print(f"  {name:<40} before: {before or '-':<28} now: {after}")


if __name__ == "__main__":
    main()
