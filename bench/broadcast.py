"""Benchmark: the outbox sender through the sandbox over HTTP (ARCHITECTURE.md, "Scale design").

The bot is built as `run` builds it (aiohttp, the rate limiter, the real
composer) and pointed at the sandbox, which runs in a process of its own,
answers every call after --latency-ms ± --jitter-ms and applies Telegram's
flood limits. Figures:

- rate: a broadcast at 25/s and at 30/s configured: the sustained rate and its
  ratio to the configured one (target ≥ 0.95), lost and duplicated messages
  (target 0);
- paid: the pipeline's ceiling with paid broadcasts at 1000/s (target ≥ 500/s);
- reminders: 10,000 daily sessions due at once (07:00) at 25/s: when the last
  one went out, against 10,000 / 25 × 1.05 s;
- claim: the time to claim 100 rows with 10,000 and with 1,000,000 rows of
  history in the outbox (target: flat);
- queue: the time to turn a confirmed broadcast to 100,000 members into
  outbox rows.

    python -m bench.broadcast                            # every figure, SQLite
    python -m bench.broadcast --url postgresql://postgres@127.0.0.1/test
    python -m bench.broadcast --figures rate --window 1  # one send at a time (the old sender)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import tempfile
import time as wall
import urllib.request
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from bot.app import build_application
from bot.catalog import load_catalog
from bot.clock import SystemClock
from bot.config import SHIPPED_CONTENT_DIR, Settings, normalise_database_url
from bot.context import BotApplication
from bot.db.migrate import upgrade
from bot.db.models import Member, Outbox, ProgramRun
from bot.db.outbox import OutboxRepository, outbox_row
from bot.db.session import Database
from bot.db.status import OutboxKind
from bot.delivery.sender import Window
from bot.services.broadcasts import Audience, BroadcastService
from tests.kit.db import temporary_postgres_database
from tests.kit.recording import TOKEN

FIRST_ID = 70_000_000
PROGRAM = "defy-gravity"


# -- the sandbox, in a process of its own ------------------------------------------------
def _serve_sandbox(port: Any, users: int, latency: float, jitter: float) -> None:
    from bot.sandbox import Sandbox

    async def serve() -> None:
        sandbox = Sandbox(TOKEN, latency=latency, jitter=jitter, seed=1)
        for n in range(users):
            sandbox.add_user(f"Member {n}", user_id=FIRST_ID + n)
        await sandbox.start()
        port.value = int(sandbox.url.rsplit(":", 1)[1])
        await asyncio.Event().wait()  # until terminated

    asyncio.run(serve())


@contextmanager
def sandbox_process(users: int, latency_ms: float, jitter_ms: float) -> Iterator[str]:
    """A sandbox in a child process with `users` users; its URL.

    The child's pid is kept in `SANDBOX_PIDS[url]`, so a figure can say how
    much of the machine the sandbox itself used."""
    context = multiprocessing.get_context("spawn")
    port = context.Value("i", 0)
    child = context.Process(
        target=_serve_sandbox, args=(port, users, latency_ms / 1000, jitter_ms / 1000)
    )
    child.start()
    try:
        deadline = wall.monotonic() + 120
        while not port.value:
            if wall.monotonic() > deadline or not child.is_alive():
                raise RuntimeError("the sandbox did not start")
            wall.sleep(0.1)
        url = f"http://127.0.0.1:{port.value}"
        SANDBOX_PIDS[url] = int(child.pid or 0)
        yield url
    finally:
        child.terminate()
        child.join(10)


SANDBOX_PIDS: dict[str, int] = {}
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pids: Iterable[int]) -> dict[int, float]:
    """CPU seconds (user + system) each process has used so far, from /proc."""
    used: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    return used


class CpuMeter:
    """CPU used between `start` and `stop` by the bot (this process), the
    sandbox and the database server's backends serving this database (other
    work on the same server, and its background writers, are not counted):
    where a figure's machine time went."""

    def __init__(self, app: BotApplication, api: str) -> None:
        self._app = app
        self._sandbox = SANDBOX_PIDS.get(api, 0)

    async def _backends(self) -> list[int]:
        engine = self._app.bot_data.services.database.engine
        if engine.dialect.name != "postgresql":
            return []
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
            return [int(pid) for pid in found.scalars()]

    async def _read(self) -> tuple[float, float, dict[int, float]]:
        database = cpu_of(await self._backends())
        return wall.process_time(), cpu_of([self._sandbox]).get(self._sandbox, 0.0), database

    async def start(self) -> None:
        self._before = await self._read()

    async def stop(self) -> dict[str, float]:
        bot, sandbox, database = await self._read()
        bot0, sandbox0, database0 = self._before
        return {
            "bot": bot - bot0,
            "sandbox": sandbox - sandbox0,
            "database": sum(t - database0.get(pid, 0.0) for pid, t in database.items()),
        }


def counters(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/sandbox/counters", timeout=10) as answer:
        return dict(json.load(answer)["result"])


def sandbox_errors(url: str) -> dict[int, int]:
    with urllib.request.urlopen(f"{url}/sandbox/errors", timeout=30) as answer:
        found: dict[int, int] = {}
        for error in json.load(answer)["result"]:
            found[error["code"]] = found.get(error["code"], 0) + 1
        return found


# -- databases and the bot ----------------------------------------------------------------
@contextmanager
def database(server: str | None) -> Iterator[str]:
    """A fresh database at the head revision: a SQLite file, or one on `server`."""
    if server:
        with temporary_postgres_database(server, prefix="bench_broadcast") as url:
            upgrade(url)
            yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = normalise_database_url(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(url)
        yield url


async def fill(url: str, members: int, due: datetime | None = None) -> None:
    """Onboarded members (UTC, program started three days ago); due at `due` if given."""
    db = Database(url)
    now = datetime.now(UTC)
    start = now.date() - timedelta(days=3)
    try:
        async with db.engine.begin() as conn:
            for first in range(0, members, 5000):
                await conn.execute(
                    insert(Member),
                    [
                        {
                            "telegram_id": FIRST_ID + n, "chat_id": FIRST_ID + n,
                            "first_name": f"M{n}", "timezone": "UTC",
                            "reminder_time": (due or now).time().replace(microsecond=0),
                            "program_id": PROGRAM, "program_start": start, "status": "active",
                            "role": "member", "next_reminder_at": due, "created_at": now,
                            "updated_at": now,
                        }
                        for n in range(first, min(first + 5000, members))
                    ],
                )  # fmt: skip
            ids = list((await conn.execute(select(Member.id))).scalars())
            for first in range(0, len(ids), 5000):
                await conn.execute(
                    insert(ProgramRun),
                    [
                        {"member_id": i, "program_id": PROGRAM, "start_date": start}
                        for i in ids[first : first + 5000]
                    ],
                )
    finally:
        await db.dispose()


@asynccontextmanager
async def the_bot(url: str, api: str, **variables: str) -> AsyncIterator[BotApplication]:
    """The application as `run` builds it, pointed at the sandbox; no polling, no jobs."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            BOT_TOKEN=TOKEN, DATABASE_URL=url, BOT_API_BASE_URL=api, BOT_DATA_DIR=tmp,
            BOT_RENDER_PROCESSES="0", BOT_AUTO_MIGRATE="0", **variables,
        )  # fmt: skip
        app = build_application(settings, workers=False, catalog=CATALOG)
        await app.initialize()
        assert app.post_init is not None
        assert app.post_shutdown is not None
        await app.post_init(app)
        try:
            yield app
        finally:
            await app.shutdown()
            await app.post_shutdown(app)


CATALOG = load_catalog(SHIPPED_CONTENT_DIR)


async def broadcast_to_all(app: BotApplication, text: str) -> int:
    service = app.bot_data.services.broadcasts
    broadcast_id = await service.draft(1, 1, text=text)
    await service.choose(broadcast_id, 1, Audience("all"))
    await service.confirm(broadcast_id, 1)
    return await service.queue(broadcast_id)


def cap_window(app: BotApplication, window: int | None) -> None:
    if window is not None:
        sender = app.bot_data.services.sender
        sender.window = Window(sender.window.rate, ceiling=window)


async def drain_all(app: BotApplication, limit_s: float) -> float:
    """Drain until nothing is pending; seconds from the first send to the last outcome."""
    sender = app.bot_data.services.sender
    started = wall.perf_counter()
    while await pending(app):
        if wall.perf_counter() - started > limit_s:
            raise RuntimeError("the outbox did not drain in time")
        if not await sender.drain():
            await asyncio.sleep(0.2)
    return wall.perf_counter() - started


async def pending(app: BotApplication) -> int:
    async with app.bot_data.services.database.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.status.in_(("pending", "sending")))
            )
            or 0
        )


async def outcome(app: BotApplication) -> tuple[int, datetime | None, datetime | None]:
    """Rows sent, and the first and last sent_at."""
    async with app.bot_data.services.database.sessions() as session:
        sent, first, last = (
            await session.execute(
                select(func.count(), func.min(Outbox.sent_at), func.max(Outbox.sent_at)).where(
                    Outbox.status == "sent"
                )
            )
        ).one()
    return int(sent), first, last


# -- the figures ---------------------------------------------------------------------------
async def rate_figure(
    url: str, api: str, messages: int, rate: float, window: int | None, paid: float = 0
) -> dict[str, Any]:
    await fill(url, messages)
    variables = {"BOT_BROADCAST_RATE": f"{rate:g}", "BOT_PAID_BROADCAST_RATE": f"{paid:g}"}
    async with the_bot(url, api, **variables) as app:
        cap_window(app, window)
        queued = await broadcast_to_all(app, "Hello everyone")
        before = counters(api)["messages"]
        meter = CpuMeter(app, api)
        await meter.start()
        await drain_all(app, messages / min(paid or rate, 30) * 3 + 60)
        cpu = await meter.stop()
        sent, first, last = await outcome(app)
    delivered = counters(api)["messages"] - before
    span = (last - first).total_seconds() if first and last else 0.0
    achieved = (sent - 1) / span if span else 0.0
    configured = paid or rate
    return {
        "configured": configured, "sustained": achieved, "ratio": achieved / configured,
        "lost": queued - sent, "duplicated": delivered - sent, "errors": sandbox_errors(api),
        "cpu_ms": {part: seconds / max(sent, 1) * 1000 for part, seconds in cpu.items()},
        "peak": counters(api)["peak_paid_per_second" if paid else "peak_per_second"],
    }  # fmt: skip


async def reminders_figure(url: str, api: str, due_count: int, rate: float) -> dict[str, Any]:
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=30)
    await fill(url, due_count, due=due)
    async with the_bot(url, api, BOT_BROADCAST_RATE=f"{rate:g}") as app:
        services = app.bot_data.services
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        report = await services.ticker.tick()  # 07:00: the due scan
        await drain_all(app, due_count / rate * 2 + 120)
        sent, _, last = await outcome(app)
    last_after = (last - due).total_seconds() if last else float("nan")
    return {
        "queued": report.queued, "sent": sent, "last_sent_after_s": last_after,
        "target_s": due_count / rate * 1.05,
    }  # fmt: skip


async def claim_figure(url: str, history: int, samples: int = 20) -> float:
    """Median milliseconds to claim 100 rows with `history` finished rows present."""
    await fill(url, 1000)
    db = Database(url)
    now = datetime.now(UTC)
    try:
        async with db.sessions() as session:
            members = list(await session.scalars(select(Member.id)))
        chunk = 20_000
        for first in range(0, history + 5000, chunk):
            rows = []
            for n in range(first, min(first + chunk, history + 5000)):
                row = outbox_row(
                    OutboxKind.BROADCAST, member_id=members[n % len(members)],
                    chat_id=FIRST_ID + n % len(members), payload={"text": "x"},
                    dedupe_key=f"h:{n}", now=now - timedelta(days=1),
                )  # fmt: skip
                if n < history:
                    row.update(status="sent", sent_at=now - timedelta(days=1))
                rows.append(row)
            async with db.sessions.begin() as session:
                await session.execute(insert(Outbox), rows)
        if db.engine.dialect.name == "postgresql":
            async with db.engine.begin() as conn:
                await conn.exec_driver_sql("ANALYZE outbox")
        times = []
        for _ in range(samples):
            started = wall.perf_counter()
            async with db.sessions.begin() as session:
                claimed = await OutboxRepository(session).claim("bench", now, 100)
            times.append((wall.perf_counter() - started) * 1000)
            assert len(claimed) == 100
        return statistics.median(times)
    finally:
        await db.dispose()


async def queue_figure(url: str, recipients: int) -> float:
    """Seconds to queue a confirmed broadcast to `recipients` members."""
    await fill(url, recipients)
    db = Database(url)
    try:
        service = BroadcastService(db.sessions, SystemClock())
        broadcast_id = await service.draft(1, 1, text="Hello everyone")
        await service.choose(broadcast_id, 1, Audience("all"))
        await service.confirm(broadcast_id, 1)
        started = wall.perf_counter()
        queued = await service.queue(broadcast_id)
        elapsed = wall.perf_counter() - started
        assert queued == recipients, queued
        return elapsed
    finally:
        await db.dispose()


def cpu_text(cpu_ms: dict[str, float]) -> str:
    return ", ".join(f"{part} {ms:.2f} ms" for part, ms in cpu_ms.items() if ms)


def run(args: argparse.Namespace) -> None:
    engine = "postgresql" if args.url else "sqlite"
    figures = set(args.figures.split(","))
    latency = f"latency {args.latency_ms:g} ± {args.jitter_ms:g} ms"
    window = f", window capped at {args.window}" if args.window else ""
    if "rate" in figures:
        for rate in (25.0, 30.0):
            messages = int(rate * args.seconds)
            with (
                database(args.url) as url,
                sandbox_process(messages, args.latency_ms, args.jitter_ms) as api,
            ):
                r = asyncio.run(rate_figure(url, api, messages, rate, args.window))
            print(
                f"{engine} rate: {messages} messages at {rate:g}/s configured "
                f"({latency}{window}) -> "
                f"{r['sustained']:.2f}/s sustained, ratio {r['ratio']:.3f}, "
                f"{r['lost']} lost, {r['duplicated']} duplicated, errors {r['errors']}"
            )
    if "paid" in figures:
        messages = args.paid_messages
        with (
            database(args.url) as url,
            sandbox_process(messages, args.latency_ms, args.jitter_ms) as api,
        ):
            r = asyncio.run(rate_figure(url, api, messages, 30, args.window, paid=1000))
        print(
            f"{engine} paid: {messages} messages at 1000/s configured ({latency}{window}) -> "
            f"{r['sustained']:.0f}/s (the most in any one second: {r['peak']}), {r['lost']} lost, "
            f"{r['duplicated']} duplicated, errors {r['errors']}; "
            f"CPU per message: {cpu_text(r['cpu_ms'])}"
        )
    if "reminders" in figures:
        with (
            database(args.url) as url,
            sandbox_process(args.reminders, args.latency_ms, args.jitter_ms) as api,
        ):
            r = asyncio.run(reminders_figure(url, api, args.reminders, 25.0))
        print(
            f"{engine} reminders: {r['queued']} due at once at 25/s ({latency}{window}) -> "
            f"last sent after {r['last_sent_after_s']:.1f} s (target {r['target_s']:.0f} s), "
            f"{r['queued'] - r['sent']} not sent"
        )
    if "claim" in figures:
        for history in (10_000, 1_000_000):
            with database(args.url) as url:
                ms = asyncio.run(claim_figure(url, history))
            print(
                f"{engine} claim: 100 rows with {history:,} rows of history: {ms:.2f} ms (median)"
            )
    if "queue" in figures:
        with database(args.url) as url:
            seconds = asyncio.run(queue_figure(url, args.queue))
        print(f"{engine} queue: {args.queue:,} recipients queued in {seconds:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--figures", default="rate,paid,reminders,claim,queue")
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--jitter-ms", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of a rate run")
    parser.add_argument("--paid-messages", type=int, default=10_000)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--queue", type=int, default=100_000, help="recipients to queue")
    parser.add_argument(
        "--window", type=int, help="at most this many sends in flight (1: the old sender)"
    )
    run(parser.parse_args())


if __name__ == "__main__":
    main()
