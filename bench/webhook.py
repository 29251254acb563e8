"""Benchmark: updates per second through nginx into 1 or N webhook replicas on PostgreSQL.

The real `bootcamp-bot run` processes run in webhook mode behind a real nginx
(tests/kit/replicas.py); the sandbox answers every Bot API call after 150 ms ±
50 ms and posts every update through nginx (at most 40 at once, as Telegram
does by default). Every member first gets the day's session; then all of them
press ✅ Done at once, and we time from the first press to the last answer
(the edit that shows the day done) as the sandbox sees it. A press is a full round: the
post stored in the inbox, claimed, handled (check-in upsert, figures), the
callback answered and the message edited.

    python -m bench.webhook --url postgresql://postgres@127.0.0.1/test             # 1 and 3
    python -m bench.webhook --url postgresql://postgres@127.0.0.1/test --replicas 2
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from bot.db.migrate import upgrade
from bot.sandbox import Sandbox
from tests.kit.db import temporary_postgres_database
from tests.kit.live import (
    BOT_USERNAME,
    TODAY,
    add_members,
    at,
    checkins_on,
    done_data,
    poll_until,
    session_message,
)
from tests.kit.recording import TOKEN
from tests.kit.replicas import Cluster


async def presses_per_second(
    url: str, replicas: int, members: int, latency_ms: float, jitter_ms: float
) -> dict[str, float | int]:
    """One run on a fresh database: the figures."""
    await asyncio.to_thread(upgrade, url)
    ids = await add_members(url, [6] * members)
    async with Sandbox(TOKEN, bot_username=BOT_USERNAME) as sandbox:
        for user_id in ids:
            sandbox.add_user(f"Member {user_id}", user_id=user_id)
        cluster = Cluster(url, sandbox, Path(tempfile.mkdtemp()), replicas, rate=30)
        try:
            cluster.start(at(6, 1))
            await cluster.ready()
            sessions: dict[int, int] = {}

            def delivered() -> bool:
                for user_id in ids:
                    if user_id not in sessions and (found := session_message(sandbox, user_id)):
                        sessions[user_id] = found.message_id
                return len(sessions) == members

            assert await poll_until(delivered, 60 + members / 10), "sessions missing"
            sandbox.set_latency(latency_ms / 1000, jitter_ms / 1000, seed=3)
            loop = asyncio.get_running_loop()
            started = loop.time()
            queries = [sandbox.press_button(u, u, sessions[u], done_data(TODAY)) for u in ids]
            records = [sandbox.callback_answer(q) for q in queries]
            # Handled: the session message was edited to show the day done (also for
            # a press answered too late for Telegram's 15 s window, counted apart).
            assert await poll_until(
                lambda: all(sandbox.message(u, sessions[u]).edits for u in ids),
                120 + members / 5,
                every=0.05,
            ), "presses not handled"
            took = loop.time() - started
            waits = sorted(
                (r.answered_at or 0) - r.pressed_at for r in records if r.answered_at is not None
            )
        finally:
            codes = await asyncio.to_thread(cluster.stop)  # the sandbox answers meanwhile
    done = await checkins_on(url)
    return {
        "updates/s": members / took,
        "seconds": took,
        "p50 press→answer s": statistics.median(waits) if waits else 0.0,
        "p99 press→answer s": waits[int(len(waits) * 0.99) - 1] if waits else 0.0,
        "expired (> 15 s)": sum(1 for r in records if not r.answered),
        "check-ins": sum(1 for u in ids if done.get(u) == ["done"]),
        "webhook posts": sandbox.api.webhook.posts,
        "clean stops": sum(1 for code in codes if code == 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL server URL")
    parser.add_argument("--replicas", type=int, nargs="*", default=[1, 3])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--jitter-ms", type=float, default=50.0)
    args = parser.parse_args()
    rates = {}
    for replicas in args.replicas:
        with temporary_postgres_database(args.url, prefix="bench_webhook") as url:
            result = asyncio.run(
                presses_per_second(url, replicas, args.members, args.latency_ms, args.jitter_ms)
            )
        rates[replicas] = float(result["updates/s"])
        print(
            f"{replicas} replica(s) behind nginx, postgresql, {args.members} presses at once, "
            f"latency {args.latency_ms:g} ± {args.jitter_ms:g} ms"
        )
        for key, value in result.items():
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"  {key:>20}: {shown}")
    if len(rates) > 1:
        first = min(rates)
        for replicas, rate in sorted(rates.items()):
            print(f"  {replicas} vs {first}: {rate / rates[first]:.2f}x")


if __name__ == "__main__":
    main()
