"""Benchmark: the morning rush, as members experience it (docs/ARCHITECTURE.md, "Scale design").

The real `bootcamp-bot run` process polls the sandbox over HTTP; the sandbox
answers every Bot API call after 150 ms ± 50 ms (a real network) and applies
Telegram's flood limits. The community has history (every member has weeks of
check-ins). Then, at 07:00:
- 1,000 members press ✅ Done on the session they got at 06:00, spread over 10 s;
- at the same time 1,000 other members' 07:00 sessions fall due and go out.
Reported: answers per second, press→answer p50 and p99 (the sandbox's own
clock, from the press to the bot's answerCallbackQuery), presses answered
after Telegram's 15 s window or never ("expired"), check-ins recorded, and
how long the 1,000 sessions took. Target: p99 under 1.5 s, 0 expired.

    python -m bench.rush                              # SQLite, 64 workers (the default)
    python -m bench.rush --workers 1                  # one update at a time
    python -m bench.rush --url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.config import normalise_database_url
from bot.db.migrate import upgrade
from bot.db.models import Checkin
from bot.db.session import Database
from bot.sandbox import Sandbox
from tests.kit.db import temporary_postgres_database
from tests.kit.live import (
    BOT_USERNAME,
    FIRST_ID,
    TODAY,
    BotProcess,
    add_members,
    at,
    done_data,
    poll_until,
    session_message,
)
from tests.kit.recording import TOKEN


async def fill(url: str, members: int, pressers: int, reminders: int) -> None:
    """Members with history: the pressers got their session at 06:00, the next
    `reminders` members are due at 07:00, everyone else at noon."""
    await asyncio.to_thread(upgrade, url)
    hours = [6 if n < pressers else 7 if n < pressers + reminders else 12 for n in range(members)]
    await add_members(url, hours)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _profile(pid: int, seconds: float) -> subprocess.Popen[bytes] | None:
    """With BENCH_PROFILE=FILE, sample the bot with py-spy during the presses."""
    target = os.environ.get("BENCH_PROFILE")
    if not target:
        return None
    spy = str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "--gil", "--pid", str(pid), "-d", str(int(seconds)), "-r", "100"]
    return subprocess.Popen(
        [*command, "-f", "raw", "-o", target],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def rush(
    url: str, *, members: int, pressers: int, reminders: int, seconds: float, workers: int,
    latency_ms: float, jitter_ms: float,
) -> dict[str, float]:  # fmt: skip
    await fill(url, members, pressers, reminders)
    sandbox = Sandbox(TOKEN, bot_username=BOT_USERNAME)
    for n in range(members):
        sandbox.add_user(f"Member {n}", user_id=FIRST_ID + n)
    await sandbox.start()
    bot = BotProcess(url, sandbox, Path(tempfile.mkdtemp(prefix="rush-")), workers=workers)
    bot.set_clock(at(6, 1))
    process = bot.start()
    try:
        sandbox.set_latency(latency_ms / 1000, jitter_ms / 1000, seed=3)
        # Setup: the pressers' 06:00 sessions go out first (not measured).
        presser_ids = [FIRST_ID + n for n in range(pressers)]
        done_day = done_data(TODAY)

        def session_of(user_id: int) -> int | None:
            message = session_message(sandbox, user_id)
            return None if message is None else message.message_id

        await poll_until(lambda: all(session_of(u) for u in presser_ids), pressers / 10 + 120)
        # 07:00: the next sessions fall due while the pressers tap ✅ Done.
        loop = asyncio.get_running_loop()
        bot.set_clock(at(7, 0) + timedelta(seconds=1))
        started = loop.time()
        cpu_before = _cpu_seconds(process.pid)
        sandbox_before = _cpu_seconds(os.getpid())
        profile = _profile(process.pid, seconds + 5)
        rng = random.Random(5)
        schedule = sorted((rng.uniform(0, seconds), u) for u in presser_ids)
        queries = []
        for offset, user_id in schedule:
            delay = started + offset - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            message_id = session_of(user_id)
            assert message_id is not None
            queries.append(sandbox.press_button(user_id, user_id, message_id, done_day))
        reminder_ids = [FIRST_ID + pressers + n for n in range(reminders)]

        def answered() -> bool:
            return all(sandbox.callback_answer(q).answered for q in queries)

        def delivered_all() -> bool:
            return all(any(m.from_bot for m in sandbox.messages(u)) for u in reminder_ids)

        await poll_until(answered, 60)
        cpu_rush = _cpu_seconds(process.pid) - cpu_before
        sandbox_cpu = _cpu_seconds(os.getpid()) - sandbox_before
        press_window = loop.time() - started
        if profile is not None:
            profile.wait()
        await poll_until(delivered_all, reminders / 20 + 120)
        finished = loop.time()
        waits, expired = [], 0
        for query in queries:
            record = sandbox.callback_answer(query)
            if record.answered and record.answered_at is not None:
                wait = record.answered_at - record.pressed_at
                waits.append(wait)
                expired += wait > 15
            else:
                expired += 1
        first_press = min(sandbox.callback_answer(q).pressed_at for q in queries)
        last_answer = max((sandbox.callback_answer(q).answered_at or 0.0) for q in queries)
        delivered = [m.date for u in reminder_ids for m in sandbox.messages(u) if m.from_bot]
        db = Database(url)
        try:
            async with db.sessions() as session:
                recorded = await session.scalar(
                    select(func.count()).select_from(Checkin).where(Checkin.local_date == TODAY)
                )
        finally:
            await db.dispose()
        errors = [e for e in sandbox.errors() if e.code != 429]
        waits.sort()
        return {
            "answers_per_s": len(waits) / max(last_answer - first_press, 1e-9),
            "p50_s": statistics.median(waits) if waits else float("nan"),
            "p99_s": waits[int(len(waits) * 0.99) - 1] if waits else float("nan"),
            "max_s": waits[-1] if waits else float("nan"),
            "expired": expired,
            "recorded": int(recorded or 0),
            "sessions_delivered": len(delivered),
            "sessions_s": finished - started,
            "api_errors": len(errors),
            "press_window_s": press_window,
            "bot_cpu_s_during_presses": cpu_rush,
            "sandbox_cpu_s_during_presses": sandbox_cpu,
            "429s": sum(1 for e in sandbox.errors() if e.code == 429),
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--pressers", type=int, default=1000)
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--jitter-ms", type=float, default=50.0)
    args = parser.parse_args()
    options = dict(
        members=args.members, pressers=args.pressers, reminders=args.reminders,
        seconds=args.seconds, workers=args.workers, latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
    )  # fmt: skip
    if args.url:
        with temporary_postgres_database(args.url, prefix="bench_rush") as url:
            result = asyncio.run(rush(url, **options))  # type: ignore[arg-type]
        engine = "postgresql"
    else:
        path = Path(tempfile.mkdtemp()) / "rush.db"
        url = normalise_database_url(f"sqlite:///{path}")
        result = asyncio.run(rush(url, **options))  # type: ignore[arg-type]
        engine = "sqlite"
    print(
        f"{engine}, {args.workers} workers, {args.pressers} presses in {args.seconds:g} s, "
        f"{args.reminders} sessions due, {args.members} members, "
        f"latency {args.latency_ms:g} ± {args.jitter_ms:g} ms"
    )
    for key, value in result.items():
        print(f"  {key:>20}: {value:.3f}" if isinstance(value, float) else f"  {key:>20}: {value}")


if __name__ == "__main__":
    main()
