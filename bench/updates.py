"""Benchmark: how long an ordinary update takes to handle (docs/ARCHITECTURE.md, "Scale design").

Runs the real application (handlers, services, SQLite or PostgreSQL) with the
Bot API replaced by an in-process recorder, in a community of N members, and
times `process_update` for check-in taps and anatomy questions.
Target: median under 20 ms, p99 under 100 ms.

    python -m bench.updates                    # 10,000 members, 500 of each update
    python -m bench.updates --url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time as wall
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bot.app import build_application
from bot.catalog import load_catalog
from bot.clock import ManualClock
from bot.config import SHIPPED_CONTENT_DIR, Settings, normalise_database_url
from bot.db.base import Base
from bot.db.session import create_engine
from tests.kit.members import bulk_members
from tests.kit.recording import TOKEN, RecordingRequest
from tests.kit.updates import TgUser, UpdateFactory

QUERIES = ["gluteus medus", "glute max", "TFL", "hip thrust", "butt", "piriformis"]


async def measure(url: str, members: int, samples: int) -> dict[str, list[float]]:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    settings = Settings(_env_file=None, BOT_TOKEN=TOKEN, DATABASE_URL=url)  # type: ignore[call-arg]
    clock = ManualClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    request = RecordingRequest()
    app = build_application(
        settings, clock=clock, request=request, updates_request=request,
        catalog=load_catalog(SHIPPED_CONTENT_DIR), workers=False, rate_limiter=False,
    )  # fmt: skip
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    timings: dict[str, list[float]] = {"check-in tap": [], "anatomy question": []}
    try:
        ids = await bulk_members(app, members, first_id=1_000_000)
        factory = UpdateFactory(app.bot)
        for n in range(samples):
            user = TgUser(id=ids[n % len(ids)], first_name="M")
            for kind, update in (
                ("check-in tap", factory.callback(user, "ci:d:20260310")),
                ("anatomy question", factory.command(user, "anatomy", QUERIES[n % len(QUERIES)])),
            ):
                started = wall.perf_counter()
                await app.process_update(update)
                timings[kind].append((wall.perf_counter() - started) * 1000)
            if n % 100 == 0:
                request.clear()
        async with app.bot_data.database.sessions() as session:
            done = await session.scalar(text("SELECT COUNT(*) FROM checkins"))
        assert done == min(samples, members), done
    finally:
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        default = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        url = normalise_database_url(args.url) if args.url else default
        timings = asyncio.run(measure(url, args.members, args.samples))
    for kind, values in timings.items():
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(
            f"{kind} on {url.split(':')[0]}: median {statistics.median(values):.1f} ms, "
            f"p99 {p99:.1f} ms over {len(values)} updates ({args.members:,} members)"
        )


if __name__ == "__main__":
    main()
