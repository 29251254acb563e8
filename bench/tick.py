"""Benchmark: one tick over a large community (docs/ARCHITECTURE.md, "Scale design").

Fills a fresh database with N members spread over real time zones, makes
`due` of them due now, and measures one tick (claim, outbox rows, next
occurrence). Also reports the tick's peak Python allocation (tracemalloc), so
runs with 1,000 and 100,000 members show whether memory grows with members.

    python -m bench.tick                      # 100,000 members, 10,000 due, SQLite
    python -m bench.tick --members 1000 --due 100
    python -m bench.tick --url postgresql://postgres@127.0.0.1/test

Targets: under 2 s for 100,000 members with 10,000 due on SQLite; flat memory.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time as wall
import tracemalloc
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from bot.clock import ManualClock
from bot.config import normalise_database_url
from bot.db.base import Base
from bot.db.models import Member
from bot.db.session import Database
from bot.delivery.tick import Ticker
from bot.services.preferences import PreferencesService

ZONES = [
    "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo",
    "Asia/Kolkata", "Australia/Sydney", "America/Sao_Paulo", "Africa/Lagos", "UTC",
]  # fmt: skip
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def fill(db: Database, members: int, due: int) -> None:
    rng = random.Random(7)
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
        chunk = []
        for n in range(members):
            is_due = n < due
            zone = rng.choice(ZONES)
            if is_due:
                # Their session time was a few minutes ago, local time.
                slot = NOW - timedelta(minutes=rng.randrange(1, 30))
                local = slot.astimezone(ZoneInfo(zone))
                at = time(local.hour, local.minute)
                next_at = slot.replace(second=0, microsecond=0)
            else:
                at = time(rng.randrange(5, 22), rng.choice((0, 15, 30, 45)))
                next_at = NOW + timedelta(minutes=rng.randrange(5, 24 * 60))
            chunk.append(
                {
                    "telegram_id": 10_000_000 + n,
                    "chat_id": 10_000_000 + n,
                    "first_name": f"Member {n}",
                    "timezone": zone,
                    "reminder_time": at,
                    "program_id": "defy-gravity",
                    "program_start": NOW.date(),
                    "status": "active",
                    "role": "member",
                    "next_reminder_at": next_at,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            if len(chunk) == 10_000:
                await conn.execute(insert(Member), chunk)
                chunk = []
        if chunk:
            await conn.execute(insert(Member), chunk)
        if db.dialect == "sqlite":
            await conn.execute(text("ANALYZE"))


def _ticker(db: Database, clock: ManualClock) -> Ticker:
    return Ticker(db.sessions, clock, PreferencesService(db.sessions, clock))


async def measure(url: str, members: int, due: int) -> dict[str, float]:
    """Time one tick; then, on a fresh fill, its peak allocation (tracemalloc
    slows Python down several times, so the two are never measured together)."""
    db = Database(url)
    try:
        await fill(db, members, due)
        ticker = _ticker(db, ManualClock(NOW))
        await _ticker(db, ManualClock(NOW - timedelta(days=1))).tick()  # warm up
        started = wall.perf_counter()
        report = await ticker.tick()
        elapsed = wall.perf_counter() - started
        assert report.queued == due, report
        again = await ticker.tick()
        assert again.queued == 0, "a second tick must queue nothing"

        await fill(db, members, due)
        tracemalloc.start()
        await _ticker(db, ManualClock(NOW)).tick()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"seconds": elapsed, "peak_mib": peak / 2**20, "queued": report.queued}
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--url", default=None, help="database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        default = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        url = normalise_database_url(args.url) if args.url else default
        result = asyncio.run(measure(url, args.members, args.due))
    engine = url.split(":", 1)[0]
    print(
        f"tick on {engine}: {args.members:,} members, {args.due:,} due -> "
        f"{result['queued']:,.0f} queued in {result['seconds']:.2f} s, "
        f"peak allocation {result['peak_mib']:.1f} MiB"
    )


if __name__ == "__main__":
    main()
