"""The real `bootcamp-bot run` process against the sandbox, on a database we fill.

Shared by the morning-rush benchmark (bench/rush.py) and the soak tests
(tests/soak): a community of onboarded members with weeks of history, written
straight into the tables; the bot as a child process that can be stopped,
killed and started again on the same database; its clock moved through the
offset file; and the few readings both need (the session message of a day,
the inbox, the check-ins).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

from bot.catalog import load_catalog
from bot.clock import OffsetClock, SystemClock
from bot.config import SHIPPED_CONTENT_DIR
from bot.db.models import Checkin, InboxUpdate, Member, ProgramRun
from bot.db.session import Database
from bot.db.status import InboxStatus
from bot.render.callbacks import CheckinPress
from bot.sandbox import Sandbox, SandboxMessage
from bot.services.broadcasts import Audience, BroadcastService
from tests.kit.recording import TOKEN

ZONE = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 3, 10)
PROGRAM = "defy-gravity"
HISTORY_DAYS = 20
FIRST_ID = 5_000_000
BOT_USERNAME = "defy_gravity_bot"


def program_start() -> date:
    """A start date that makes TODAY a training day after HISTORY_DAYS days."""
    program = load_catalog(SHIPPED_CONTENT_DIR).programs[PROGRAM]
    day = HISTORY_DAYS + 1
    while program.days[day - 1].rest:
        day += 1
    return TODAY - timedelta(days=day - 1)


def at(hour: int, minute: int = 0) -> datetime:
    """TODAY at this local time in ZONE, as UTC."""
    return datetime.combine(TODAY, time(hour, minute), ZONE).astimezone(UTC)


def done_data(day: date = TODAY) -> str:
    """The callback data of the ✅ Done button of that day's session."""
    return CheckinPress("d", day).encode()


async def add_members(
    url: str, hours: Sequence[int], *, first_id: int = FIRST_ID, seed: int = 11
) -> list[int]:
    """One active, onboarded member per entry of `hours`, whose session is due at
    that hour of TODAY (Telegram ids from `first_id` on), each with a check-in
    on about 80 % of the HISTORY_DAYS days before. Returns the Telegram ids."""
    db = Database(url)
    start = program_start()
    created = datetime.combine(start, time(9), ZONE).astimezone(UTC)
    rng = random.Random(seed)
    telegram_ids = [first_id + n for n in range(len(hours))]
    try:
        async with db.engine.begin() as conn:
            rows = [
                {
                    "telegram_id": tid, "chat_id": tid, "first_name": f"Member {tid - first_id}",
                    "timezone": ZONE.key, "reminder_time": time(hour), "program_id": PROGRAM,
                    "program_start": start, "status": "active", "role": "member",
                    "next_reminder_at": at(hour), "created_at": created, "updated_at": created,
                }
                for tid, hour in zip(telegram_ids, hours, strict=True)
            ]  # fmt: skip
            for chunk in range(0, len(rows), 5000):
                await conn.execute(insert(Member), rows[chunk : chunk + 5000])
            ids = list(
                (
                    await conn.execute(
                        select(Member.id)
                        .where(Member.telegram_id.between(telegram_ids[0], telegram_ids[-1]))
                        .order_by(Member.id)
                    )
                ).scalars()
            )
            await conn.execute(
                insert(ProgramRun),
                [{"member_id": i, "program_id": PROGRAM, "start_date": start} for i in ids],
            )
            history = []
            for member_id in ids:
                for offset in range(1, HISTORY_DAYS + 1):
                    if rng.random() < 0.8:
                        history.append(
                            {
                                "member_id": member_id,
                                "local_date": TODAY - timedelta(days=offset),
                                "status": "done", "effort": rng.randint(2, 5),
                                "created_at": created, "updated_at": created,
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
    return telegram_ids


async def members_and_broadcast(
    url: str, text: str, count: int, *, first_id: int = FIRST_ID
) -> list[int]:
    """`count` onboarded members (no session due) and a broadcast of `text` to
    them all, confirmed: the bot's monitor queues it and its sender sends it.
    The members' Telegram ids."""
    joined = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    ids = list(range(first_id, first_id + count))
    db = Database(url)
    try:
        async with db.sessions.begin() as session:
            await session.execute(
                insert(Member),
                [
                    {
                        "telegram_id": u, "chat_id": u, "first_name": f"Member {u}",
                        "timezone": "UTC", "reminder_time": time(7), "status": "active",
                        "role": "member", "program_id": PROGRAM,
                        "program_start": joined.date(), "created_at": joined,
                        "updated_at": joined,
                    }
                    for u in ids
                ],
            )  # fmt: skip
        broadcasts = BroadcastService(db.sessions, SystemClock())
        broadcast_id = await broadcasts.draft(1, 1, text=text)
        await broadcasts.choose(broadcast_id, 1, Audience("all"))
        await broadcasts.confirm(broadcast_id, 1)
    finally:
        await db.dispose()
    return ids


class BotProcess:
    """`python -m bot run` on `url`, polling `sandbox`; started again as often as needed.

    Every run appends to one log file, so a test reads the whole story at the end.
    """

    def __init__(
        self,
        url: str,
        sandbox: Sandbox,
        workdir: Path,
        *,
        workers: int = 64,
        log_level: str = "WARNING",
    ) -> None:
        self.url = url
        self.sandbox = sandbox
        self.workdir = workdir
        self.clock_file = workdir / "clock"
        self.log_path = workdir / "bot.log"
        self.runs = 0
        self.process: subprocess.Popen[bytes] | None = None
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL"))}
        env.update(
            BOT_TOKEN=TOKEN, BOT_API_BASE_URL=sandbox.url, DATABASE_URL=url,
            BOT_DATA_DIR=str(workdir), BOT_TICK_SECONDS="1",
            BOT_SANDBOX_CLOCK_FILE=str(self.clock_file), BOT_UPDATE_WORKERS=str(workers),
            BOT_AUTO_MIGRATE="0", LOG_LEVEL=log_level,
        )  # fmt: skip
        self.env = env  # what every run gets; a test may add to it before start()

    def use_webhook(self, url: str, port: int, secret: str) -> None:
        """Run in webhook mode: Telegram (the sandbox) posts to `url`; listen on `port`."""
        self.env.update(
            BOT_WEBHOOK_URL=url, BOT_WEBHOOK_LISTEN=f"127.0.0.1:{port}", BOT_WEBHOOK_SECRET=secret
        )

    def set_clock(self, when: datetime) -> None:
        """Move the bot's clock so that it reads `when` now (and runs on from there)."""
        OffsetClock.write(self.clock_file, when - datetime.now(UTC))

    def start(self) -> subprocess.Popen[bytes]:
        """Start a new run (the previous one must have ended)."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.runs += 1
        with self.log_path.open("a") as out:
            out.write(f"--- run {self.runs} ---\n")
            out.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                env=self.env,
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self.process

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, whatever was in flight is cut off."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    async def stop(self, timeout: float = 30.0) -> int:  # noqa: ASYNC109 - a grace period
        """SIGTERM and wait for the orderly shutdown (killed if it takes longer); the exit code."""
        process = self.process
        if process is None or process.poll() is not None:
            return process.returncode if process is not None else 0
        process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.to_thread(process.wait, timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
            raise

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def polls(self) -> int:
        """getUpdates calls the sandbox has answered or is answering (any run)."""
        return len(self.sandbox.calls("getUpdates"))


def bot_command(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` to its end, with its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def poll_until(condition: Callable[[], object], limit_s: float, every: float = 0.5) -> bool:
    """Check `condition()` every `every` seconds (cheap for a busy sandbox, unlike
    waking on each of its changes) until it is true or `limit_s` has passed. A
    condition may be a coroutine function (a database query)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(every)


def session_message(sandbox: Sandbox, user_id: int, day: date = TODAY) -> SandboxMessage | None:
    """The bot's message in a private chat that offers ✅ Done for `day`, if any."""
    data = done_data(day)
    for message in sandbox.messages(user_id):
        if message.from_bot and any(b.get("callback_data") == data for b in message.buttons):
            return message
    return None


async def community(bot: BotProcess, count: int, *, first_id: int = FIRST_ID) -> dict[int, int]:
    """`count` members (also sandbox users) whose 06:00 session the bot, started
    here at 06:01, has delivered. Telegram id → the session message's id."""
    members = await add_members(bot.url, [6] * count, first_id=first_id)
    for user_id in members:
        bot.sandbox.add_user(f"Member {user_id - first_id}", user_id=user_id)
    bot.set_clock(at(6, 1))
    bot.start()
    sessions: dict[int, int] = {}

    def delivered() -> bool:
        for user_id in members:
            if user_id not in sessions and (found := session_message(bot.sandbox, user_id)):
                sessions[user_id] = found.message_id
        return len(sessions) == count

    assert await poll_until(delivered, 60 + count / 5), f"{count - len(sessions)} sessions missing"
    return sessions


def errors_besides_429(sandbox: Sandbox, chats: Collection[int] | None = None) -> list[str]:
    """Every error the sandbox answered the bot with, except flood control (429)
    for one of `chats` (for any chat when None), as short lines for a message.

    "Message is not modified" is not counted either: two taps on one message
    both carry the message as it was before the first edit, so the second
    edit can only be found unchanged by Telegram; the bot takes that answer
    as done (`handlers/common.py:edit`)."""
    unexpected = []
    for error in sandbox.errors():
        chat = error.params.get("chat_id")
        if error.code == 429 and (chats is None or str(chat) in {str(c) for c in chats}):
            continue
        if error.code == 400 and "message is not modified" in error.description:
            continue
        unexpected.append(f"{error.method} to {chat}: {error.code} {error.description}")
    return unexpected


async def updates_in_flight(db: Database, pid: int) -> int:
    """Inbox rows the bot process `pid` has claimed and not finished (on an open
    `db`: cheap enough to ask many times a second). A claim's holder names the
    process (bot.intake.dispatcher: host:pid:dispatcher)."""
    async with db.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(InboxUpdate)
            .where(
                InboxUpdate.status == InboxStatus.WORKING,
                InboxUpdate.claimed_by.like(f"%:{pid}:%"),
            )
        )
    return int(count or 0)


async def inbox_statuses(url: str) -> dict[str, int]:
    """How many inbox rows are in each status."""
    counted: dict[str, int] = {}
    for _, status, _, _ in await inbox_rows(url):
        counted[status] = counted.get(status, 0) + 1
    return counted


async def inbox_rows(url: str) -> list[tuple[str, str, int, str | None]]:
    """(kind, status, attempts, error) of every inbox row, in update id order."""
    db = Database(url)
    try:
        async with db.sessions() as session:
            rows = await session.execute(
                select(
                    InboxUpdate.kind, InboxUpdate.status, InboxUpdate.attempts, InboxUpdate.error
                ).order_by(InboxUpdate.update_id)
            )
            return [
                (str(kind), str(status), int(tries), error)
                for kind, status, tries, error in rows.all()
            ]
    finally:
        await db.dispose()


async def checkins_on(url: str, day: date = TODAY) -> dict[int, list[str]]:
    """Telegram id → the statuses of that member's check-in rows for `day`."""
    db = Database(url)
    try:
        async with db.sessions() as session:
            rows = await session.execute(
                select(Member.telegram_id, Checkin.status)
                .join(Checkin, Checkin.member_id == Member.id)
                .where(Checkin.local_date == day)
            )
            found: dict[int, list[str]] = {}
            for telegram_id, status in rows.all():
                found.setdefault(int(telegram_id), []).append(str(status))
            return found
    finally:
        await db.dispose()
