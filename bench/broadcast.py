"""Benchmark: broadcast throughput and queueing (docs/ARCHITECTURE.md, "Scale design").

1. Sustained rate: the real sender (real clock, real pacing) drains N broadcast
   rows to an in-process Bot API stand-in; the achieved rate is compared with
   the configured one (target: at least 95 %), and every recipient must get
   exactly one message.
2. Queueing: the time to turn a confirmed broadcast into outbox rows for
   100,000 recipients.

    python -m bench.broadcast                  # 750 messages at 25/s, 100,000 queued
    python -m bench.broadcast --rate 30 --messages 900 --queue 100000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time as wall
from collections import Counter
from datetime import UTC, datetime, time
from pathlib import Path

from sqlalchemy import insert
from telegram import Bot

from bot.clock import SystemClock
from bot.db.base import Base
from bot.db.models import Member
from bot.db.session import Database
from bot.delivery.sender import Sender
from bot.services.broadcasts import Audience, BroadcastService
from bot.services.members import MemberService
from tests.kit.recording import TOKEN, RecordingRequest

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def fill(db: Database, members: int) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
        for start in range(0, members, 10_000):
            await conn.execute(
                insert(Member),
                [
                    {
                        "telegram_id": 50_000_000 + n, "chat_id": 50_000_000 + n,
                        "first_name": f"M{n}", "timezone": "UTC", "reminder_time": time(7),
                        "status": "active", "role": "member", "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for n in range(start, min(start + 10_000, members))
                ],
            )  # fmt: skip


async def queue_time(url: str, recipients: int) -> float:
    db = Database(url)
    try:
        await fill(db, recipients)
        service = BroadcastService(db.sessions, SystemClock())
        broadcast_id = await service.draft(1, 1, text="Hello everyone")
        await service.choose(broadcast_id, 1, Audience("all"))
        started = wall.perf_counter()
        view = await service.confirm(broadcast_id, 1)
        elapsed = wall.perf_counter() - started
        assert view.total == recipients, view
        return elapsed
    finally:
        await db.dispose()


async def sustained_rate(url: str, messages: int, rate: float) -> tuple[float, int, int]:
    db = Database(url)
    request = RecordingRequest()
    bot = Bot(TOKEN, request=request, get_updates_request=request)
    try:
        await fill(db, messages)
        await bot.initialize()
        service = BroadcastService(db.sessions, SystemClock())
        broadcast_id = await service.draft(1, 1, text="Hello everyone")
        await service.choose(broadcast_id, 1, Audience("all"))
        await service.confirm(broadcast_id, 1)

        async def compose(row: object) -> object:
            from bot.delivery.sender import Outgoing

            return Outgoing(text="Hello everyone")

        members = MemberService(
            db.sessions, SystemClock(), default_timezone="UTC", default_reminder_time=time(7)
        )
        sender = Sender(db.sessions, SystemClock(), bot, compose, members, rate=rate)  # type: ignore[arg-type]
        started = wall.perf_counter()
        sent = await sender.drain()
        elapsed = wall.perf_counter() - started
        per_chat = Counter(c.chat_id for c in request.calls if c.method == "sendMessage")
        duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
        # n messages paced at `rate` span (n - 1) intervals.
        achieved = (sent - 1) / elapsed if elapsed else 0.0
        return achieved, len(per_chat), duplicates
    finally:
        await bot.shutdown()
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--messages", type=int, default=750)
    parser.add_argument("--queue", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        achieved, reached, duplicates = asyncio.run(sustained_rate(url, args.messages, args.rate))
        print(
            f"broadcast: {args.messages} messages at {args.rate:g}/s configured -> "
            f"{achieved:.2f}/s sustained ({100 * achieved / args.rate:.1f} %), "
            f"{reached} recipients reached, {duplicates} duplicates, "
            f"{args.messages - reached} lost"
        )
        seconds = asyncio.run(queue_time(url, args.queue))
        print(f"queueing: {args.queue:,} recipients queued in {seconds:.2f} s")


if __name__ == "__main__":
    main()
