"""Benchmark: the Mini App's API and the dashboard's first load (issue 18).

Fills a fresh database with N members (default 10,000) in two cohorts with 20
days of history (the kit of tests/webapp: every fifth member at risk), computes
their stored figures, and serves the bot with its listener in this process,
polling a local sandbox. Then:

- each JSON endpoint the dashboard and the member page call, `--requests`
  times one after the other with freshly signed init data (signature check,
  role from the database, the query, JSON): the first request, p50, p99 and
  the slowest (the adherence chart is kept 15 s per scope, so its first
  request is the one that computes it);
- the dashboard's first load in Debian's Chromium at phone width (skipped
  without it): from navigating to the launch URL to the roster's first page
  drawn (the page, its script and CSS, /me, /cohorts and /roster), `--loads`
  times, each a fresh launch.

    python -m bench.webapp                                    # 10,000 members, SQLite
    python -m bench.webapp --url postgresql://postgres@127.0.0.1/test

Targets: every endpoint's p99 under 200 ms at 10,000 members on PostgreSQL;
the first load under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time as wall
from pathlib import Path

from bot.catalog import load_catalog
from bot.clock import ManualClock
from bot.config import SHIPPED_CONTENT_DIR, normalise_database_url
from bot.db.base import Base
from bot.db.session import Database
from bot.sandbox import Sandbox
from bot.services.stats import StatsService
from tests.kit import live
from tests.kit.browser import available, chromium
from tests.kit.recording import TOKEN
from tests.kit.webapp import ADMIN_ID, TRAINER_ID, Served, seed, served_app

TARGET_P99_MS = 200
TARGET_LOAD_MS = 1000


async def fresh(url: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.run_sync(Base.metadata.create_all)
    finally:
        await db.dispose()


async def latencies(served: Served, path: str, user: int, count: int) -> list[float]:
    out = []
    for _ in range(count):
        started = wall.perf_counter()
        status, _ = await served.call(path, user)
        out.append((wall.perf_counter() - started) * 1000)
        assert status == 200, (path, status)
    return out


def summary(values: list[float]) -> str:
    """The first request (nothing cached yet), then the distribution of all."""
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(len(ordered) * 0.99) - 1)]
    return (
        f"first {values[0]:6.1f}  p50 {statistics.median(ordered):6.1f}  "
        f"p99 {p99:6.1f}  max {ordered[-1]:6.1f} ms"
    )


async def run(url: str, members: int, requests: int, loads: int) -> None:
    catalog = load_catalog(SHIPPED_CONTENT_DIR)
    await fresh(url)
    started = wall.perf_counter()
    community = await seed(url, members)
    db = Database(url)
    try:
        await StatsService(db.sessions, ManualClock(live.at(6, 1)), catalog).refresh_stale(None)
    finally:
        await db.dispose()
    took = wall.perf_counter() - started
    print(f"{members:,} members filled in {took:.1f} s on {url.split(':')[0]}")
    member = community.members[7]
    some_id = community.member_ids[community.members[3]]
    endpoints = [
        ("me", ADMIN_ID),
        ("cohorts", ADMIN_ID),
        ("roster", ADMIN_ID),
        ("roster?risk=1", ADMIN_ID),
        ("roster?inactive=7", ADMIN_ID),
        ("roster?q=member%20123", ADMIN_ID),
        ("roster?sort=adherence7&desc=1&page=40", ADMIN_ID),
        ("roster", TRAINER_ID),  # her cohort: half the members
        ("adherence", ADMIN_ID),
        ("adherence", TRAINER_ID),
        (f"members/{some_id}", ADMIN_ID),
        ("audiences", ADMIN_ID),
        ("feed", ADMIN_ID),
        ("my", member),
        ("library?q=glute", member),
    ]
    with tempfile.TemporaryDirectory(prefix="bench-webapp-") as folder:
        # The sandbox signs init data at the bot's (fixed) time.
        signed_at = live.at(6, 1).timestamp()
        box = Sandbox(TOKEN, bot_username=live.BOT_USERNAME, now=lambda: signed_at)
        async with box as sandbox:
            sandbox.add_user("Dana", user_id=ADMIN_ID)
            async with served_app(sandbox, url, Path(folder), catalog) as served:
                await latencies(served, "roster", ADMIN_ID, 3)  # warm the caches
                worst = 0.0
                for path, user in endpoints:
                    values = await latencies(served, path, user, requests)
                    worst = max(worst, sorted(values)[round(len(values) * 0.99) - 1])
                    who = {ADMIN_ID: "admin", TRAINER_ID: "trainer"}.get(user, "member")
                    print(f"  {who:<7} GET /app/api/{path:<38} {summary(values)}")
                print(f"worst p99 {worst:.1f} ms (target {TARGET_P99_MS} ms)")
                if not available():
                    print("no chromium: the first load is not measured")
                    return
                timings = []
                async with chromium(Path(folder) / "shots") as browser:
                    for _ in range(loads + 1):
                        launch = sandbox.open_web_app(ADMIN_ID, f"{served.app_url}?view=roster")
                        began = wall.perf_counter()
                        await browser.open(launch)
                        await browser.wait_text("#roster-total", "members", timeout=30)
                        timings.append((wall.perf_counter() - began) * 1000)
                        await browser.open("about:blank")
                cold, warm = timings[0], timings[1:]
                print(
                    f"dashboard first load: first {cold:.0f} ms, then median "
                    f"{statistics.median(warm):.0f} ms, slowest {max(warm):.0f} ms "
                    f"(target {TARGET_LOAD_MS} ms)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--url", default=None, help="database URL (default: a temp SQLite file)")
    parser.add_argument("--requests", type=int, default=100, help="requests per endpoint")
    parser.add_argument("--loads", type=int, default=5, help="dashboard loads in the browser")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-webapp-db-") as folder:
        url = normalise_database_url(args.url or f"sqlite:///{folder}/bench.db")
        asyncio.run(run(url, args.members, args.requests, args.loads))


if __name__ == "__main__":
    main()
