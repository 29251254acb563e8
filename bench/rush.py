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
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

from bot.catalog import load_catalog
from bot.clock import OffsetClock
from bot.config import SHIPPED_CONTENT_DIR, normalise_database_url
from bot.db.migrate import upgrade
from bot.db.models import Checkin, Member, ProgramRun
from bot.db.session import Database
from bot.sandbox import Sandbox
from tests.kit.db import temporary_postgres_database
from tests.kit.recording import TOKEN

ZONE = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 3, 10)
PROGRAM = "defy-gravity"
HISTORY_DAYS = 20
FIRST_ID = 5_000_000


def _program_start() -> date:
    """A start date that makes TODAY a training day after HISTORY_DAYS days."""
    program = load_catalog(SHIPPED_CONTENT_DIR).programs[PROGRAM]
    day = HISTORY_DAYS + 1
    while program.days[day - 1].rest:
        day += 1
    return TODAY - timedelta(days=day - 1)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TODAY, time(hour, minute), ZONE).astimezone(UTC)


async def fill(url: str, members: int, pressers: int, reminders: int) -> None:
    """Members with history: the pressers got their session at 06:00, the next
    `reminders` members are due at 07:00, everyone else at noon."""
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    start = _program_start()
    created = datetime.combine(start, time(9), ZONE).astimezone(UTC)
    rng = random.Random(11)
    try:
        async with db.engine.begin() as conn:
            rows = []
            for n in range(members):
                hour = 6 if n < pressers else 7 if n < pressers + reminders else 12
                rows.append(
                    {
                        "telegram_id": FIRST_ID + n, "chat_id": FIRST_ID + n,
                        "first_name": f"Member {n}", "timezone": ZONE.key,
                        "reminder_time": time(hour), "program_id": PROGRAM,
                        "program_start": start, "status": "active", "role": "member",
                        "next_reminder_at": _at(hour), "created_at": created,
                        "updated_at": created,
                    }
                )  # fmt: skip
            for chunk in range(0, len(rows), 5000):
                await conn.execute(insert(Member), rows[chunk : chunk + 5000])
            ids = [row[0] for row in (await conn.execute(select(Member.id))).all()]
            await conn.execute(
                insert(ProgramRun),
                [{"member_id": i, "program_id": PROGRAM, "start_date": start} for i in ids],
            )
            history = []
            for member_id in ids:
                for offset in range(1, HISTORY_DAYS + 1):
                    if rng.random() < 0.8:
                        day = TODAY - timedelta(days=offset)
                        history.append(
                            {
                                "member_id": member_id, "local_date": day, "status": "done",
                                "effort": rng.randint(2, 5), "created_at": created,
                                "updated_at": created,
                            }
                        )  # fmt: skip
                if len(history) >= 20_000:
                    await conn.execute(insert(Checkin), history)
                    history = []
            if history:
                await conn.execute(insert(Checkin), history)
            await conn.execute(text("ANALYZE"))
    finally:
        await db.dispose()


def start_bot(url: str, sandbox: Sandbox, log: Path, **settings: str) -> subprocess.Popen[bytes]:
    """The real `python -m bot run` against the sandbox and `url` (already migrated),
    with `settings` (BOT_... variables) on top; its output goes to `log`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL"))}
    env.update(
        BOT_TOKEN=TOKEN, BOT_API_BASE_URL=sandbox.url, DATABASE_URL=url,
        BOT_TICK_SECONDS="1", BOT_AUTO_MIGRATE="0", LOG_LEVEL="WARNING",
    )  # fmt: skip
    env.update(settings)
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


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


async def _poll(condition: object, limit_s: float) -> bool:
    """Check `condition()` twice a second (cheap for the sandbox) until true or the limit."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while loop.time() < deadline:
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.5)
    return False


def _set_clock(clock_file: Path, when: datetime) -> None:
    OffsetClock.write(clock_file, when - datetime.now(UTC))


async def rush(
    url: str, *, members: int, pressers: int, reminders: int, seconds: float, workers: int,
    latency_ms: float, jitter_ms: float,
) -> dict[str, float]:  # fmt: skip
    await fill(url, members, pressers, reminders)
    sandbox = Sandbox(TOKEN, bot_username="defy_gravity_bot")
    for n in range(members):
        sandbox.add_user(f"Member {n}", user_id=FIRST_ID + n)
    await sandbox.start()
    workdir = Path(tempfile.mkdtemp(prefix="rush-"))
    clock_file = workdir / "clock"
    _set_clock(clock_file, _at(6, 1))
    process = start_bot(
        url, sandbox, workdir / "bot.log",
        BOT_SANDBOX_CLOCK_FILE=str(clock_file), BOT_UPDATE_WORKERS=str(workers),
    )  # fmt: skip
    try:
        sandbox.set_latency(latency_ms / 1000, jitter_ms / 1000, seed=3)
        # Setup: the pressers' 06:00 sessions go out first (not measured).
        presser_ids = [FIRST_ID + n for n in range(pressers)]
        done_day = f"ci:d:{TODAY:%Y%m%d}"

        def session_of(user_id: int) -> int | None:
            for message in sandbox.messages(user_id):
                if message.from_bot and done_day in str(message.reply_markup):
                    return message.message_id
            return None

        await _poll(lambda: all(session_of(u) for u in presser_ids), pressers / 10 + 120)
        # 07:00: the next sessions fall due while the pressers tap ✅ Done.
        loop = asyncio.get_running_loop()
        _set_clock(clock_file, _at(7, 0) + timedelta(seconds=1))
        started = loop.time()
        cpu_before = _cpu_seconds(process.pid)
        sandbox_before = _cpu_seconds(os.getpid())
        profile = _profile(process.pid, seconds + 5)
        rng = random.Random(5)
        schedule = sorted((rng.uniform(0, seconds), u) for u in presser_ids)
        queries = []
        for at, user_id in schedule:
            delay = started + at - loop.time()
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

        await _poll(answered, 60)
        cpu_rush = _cpu_seconds(process.pid) - cpu_before
        sandbox_cpu = _cpu_seconds(os.getpid()) - sandbox_before
        press_window = loop.time() - started
        if profile is not None:
            profile.wait()
        await _poll(delivered_all, reminders / 20 + 120)
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
