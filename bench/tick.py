"""Benchmark: one tick over a large community (docs/ARCHITECTURE.md, "Scale design").

Fills a fresh database with N members spread over real time zones, makes
`due` of them due now, and measures one tick (claim, outbox rows, next
occurrence). Also reports the tick's peak Python allocation (tracemalloc), so
runs with 1,000 and 100,000 members show whether memory grows with members.

    python -m bench.tick                      # 100,000 members, 10,000 due, SQLite
    python -m bench.tick --members 1000 --due 100
    python -m bench.tick --url postgresql://postgres@127.0.0.1/test
    python -m bench.tick --url postgresql://… --members 1000000 --due 100000 --replicas 1 3

Targets: under 2 s for 100,000 members with 10,000 due on SQLite; flat memory.

`--replicas` (PostgreSQL): the same due members, ticked by 1, then N processes
at once (each its own engine, as replicas are), started together; the time is
from the start signal to the last process's end, and every due member must be
queued exactly once across them (SKIP LOCKED claims). Between runs the due
members and the outbox are put back as they were, so every run sees the same
1,000,000 rows.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import tempfile
import time as wall
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from multiprocessing import Queue
from multiprocessing.synchronize import Event as EventType
from multiprocessing.synchronize import Semaphore as SemaphoreType
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from bot.clock import ManualClock
from bot.config import normalise_database_url
from bot.db.base import Base
from bot.db.models import Member
from bot.db.session import Database
from bot.delivery.tick import Ticker
from bot.services.preferences import PreferencesService
from tests.kit.db import temporary_postgres_database

T = TypeVar("T")

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


async def _one_replica(
    url: str, start: EventType, ready: SemaphoreType
) -> tuple[int, float, float]:
    """One process's tick (after the start signal): queued, when it began and ended."""
    db = Database(url)
    try:
        ticker = _ticker(db, ManualClock(NOW))
        async with db.engine.connect() as conn:  # the pool is open before the clock runs
            await conn.execute(text("SELECT 1"))
        ready.release()
        await asyncio.to_thread(start.wait)
        began = wall.time()
        report = await ticker.tick()
        return report.queued, began, wall.time()
    finally:
        await db.dispose()


def _replica_process(
    url: str, start: EventType, ready: SemaphoreType, results: Queue[tuple[int, float, float]]
) -> None:
    results.put(asyncio.run(_one_replica(url, start, ready)))


async def _snapshot(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS bench_due"))
        await conn.execute(
            text(
                "CREATE TABLE bench_due AS SELECT id, next_reminder_at FROM members "
                "WHERE next_reminder_at <= :now"
            ),
            {"now": NOW},
        )


async def _restore(db: Database) -> int:
    """Put the due members back as due and empty the outbox; how many are due."""
    async with db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM outbox"))
        await conn.execute(
            text(
                "UPDATE members SET next_reminder_at = bench_due.next_reminder_at "
                "FROM bench_due WHERE members.id = bench_due.id"
            )
        )
        await conn.execute(text("ANALYZE members"))
        return int(await conn.scalar(text("SELECT count(*) FROM bench_due")) or 0)


async def _outbox_check(db: Database) -> tuple[int, int]:
    async with db.engine.connect() as conn:
        rows = int(await conn.scalar(text("SELECT count(*) FROM outbox")) or 0)
        members = int(await conn.scalar(text("SELECT count(DISTINCT member_id) FROM outbox")) or 0)
    return rows, members


def replicas_run(url: str, members: int, due: int, counts: list[int]) -> None:
    """The tick with 1 and with N processes claiming at once (PostgreSQL)."""
    assert url.startswith("postgresql"), "--replicas needs a PostgreSQL URL"

    def on_db(work: Callable[[Database], Awaitable[T]]) -> T:
        async def run() -> T:
            db = Database(url)
            try:
                return await work(db)
            finally:
                await db.dispose()

        return asyncio.run(run())

    async def prepare(db: Database) -> None:
        started = wall.perf_counter()
        await fill(db, members, due)
        await _snapshot(db)
        await _ticker(db, ManualClock(NOW - timedelta(days=1))).tick()  # warm up
        print(f"filled {members:,} members in {wall.perf_counter() - started:.0f} s")

    on_db(prepare)
    context = multiprocessing.get_context("spawn")
    figures: dict[int, float] = {}
    for count in counts:
        expected = on_db(_restore)
        start, ready, results = context.Event(), context.Semaphore(0), context.Queue()
        workers = [
            context.Process(target=_replica_process, args=(url, start, ready, results))
            for _ in range(count)
        ]
        for worker in workers:
            worker.start()
        for _ in workers:
            ready.acquire()
        start.set()
        outcomes = [results.get(timeout=600) for _ in workers]
        for worker in workers:
            worker.join()
        began = min(b for _, b, _ in outcomes)
        took = max(e for _, _, e in outcomes) - began
        queued = [q for q, _, _ in outcomes]
        rows, distinct = on_db(_outbox_check)
        assert sum(queued) == expected == rows == distinct, (queued, expected, rows, distinct)
        figures[count] = took
        print(
            f"tick on postgresql, {members:,} members, {expected:,} due, {count} process(es) "
            f"at once: {took:.2f} s; outbox {rows:,} rows, one per member"
        )
        for n, (q, b, e) in enumerate(sorted(outcomes, key=lambda o: o[1]), 1):
            print(f"    process {n}: queued {q:,}, from +{b - began:.2f} s to +{e - began:.2f} s")
    first = counts[0]
    for count in counts[1:]:
        print(f"  {count} vs {first}: {figures[first] / figures[count]:.2f}x faster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--url", default=None, help="database URL (default: a temp SQLite file)")
    parser.add_argument(
        "--replicas", type=int, nargs="*", default=None,
        help="PostgreSQL: tick with each number of processes at once (e.g. 1 3)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.replicas:
        server = normalise_database_url(args.url or "")
        with temporary_postgres_database(server, prefix="bench_tick") as url:
            replicas_run(url, args.members, args.due, args.replicas)
        return
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
