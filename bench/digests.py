"""Benchmark: the weekly digest job on a Sunday over a large community.

Fills a fresh database with N members spread over real time zones (the same
fill as `bench.tick`), sets the clock to a Sunday morning in Europe, and
measures the first run of the digest job (everyone whose session time came
in the last three hours is queued), a second run a minute later (nothing left
to queue: the cost of every other run that day), and composing one digest.

    python -m bench.digests                      # 100,000 members, SQLite
    python -m bench.digests --members 10000
    python -m bench.digests --url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time as wall
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bench.tick import fill
from bot.catalog import load_catalog
from bot.clock import ManualClock
from bot.config import SHIPPED_CONTENT_DIR, normalise_database_url
from bot.db.models import Outbox
from bot.db.session import Database
from bot.services.digests import DigestService
from bot.services.feedback import FeedbackService

SUNDAY = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)


async def measure(url: str, members: int) -> dict[str, float]:
    db = Database(url)
    try:
        await fill(db, members, 0)
        clock = ManualClock(SUNDAY)
        digests = DigestService(
            db.sessions,
            clock,
            load_catalog(SHIPPED_CONTENT_DIR),
            FeedbackService(db.sessions, clock),
        )
        started = wall.perf_counter()
        queued = await digests.queue_due()
        first = wall.perf_counter() - started
        clock.advance(timedelta(minutes=1))
        started = wall.perf_counter()
        again = await digests.queue_due()
        second = wall.perf_counter() - started
        assert again == 0 or again < queued / 50, (queued, again)
        async with db.sessions() as session:
            row = await session.scalar(select(Outbox).limit(1))
        assert row is not None
        started = wall.perf_counter()
        digest = await digests.member_digest(row.member_id, date.fromisoformat(row.payload["week"]))
        compose = wall.perf_counter() - started
        assert digest is not None
        return {
            "queued": queued,
            "first": first,
            "again": again,
            "second": second,
            "compose": compose,
        }
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        default = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        url = normalise_database_url(args.url) if args.url else default
        result = asyncio.run(measure(url, args.members))
    engine = url.split(":", 1)[0]
    print(
        f"digests on {engine}: {args.members:,} members -> first run queued "
        f"{result['queued']:,.0f} in {result['first']:.2f} s; a minute later "
        f"{result['again']:,.0f} more in {result['second']:.2f} s; one digest composed in "
        f"{result['compose'] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
