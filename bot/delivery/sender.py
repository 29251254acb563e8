"""The outbox sender: one per bot token (a lease), draining rows at a steady pace.

Outcomes per row:
- sent: the Telegram message id is kept;
- RetryAfter: every send pauses for the time Telegram asks; the row waits too,
  and the attempt does not count against it;
- Forbidden (blocked, deactivated): the member is marked blocked, their pending
  rows are cancelled, the row fails with the error kept;
- network errors: retried with exponential backoff; after MAX_ATTEMPTS the row
  fails with the last error kept;
- other API errors (bad request, chat not found): failed at once, error kept.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.db import leases
from bot.db.dto import OutboxDTO
from bot.db.outbox import OutboxRepository
from bot.db.status import OutboxStatus
from bot.services.members import MemberService

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE_NAME = "sender"
LEASE_TTL = timedelta(seconds=30)
IDLE_POLL_S = 1.0


@dataclass
class Outgoing:
    """What to send for one outbox row: a text message or a copy of a message."""

    text: str | None = None
    markup: InlineKeyboardMarkup | None = None
    copy_from_chat: int | None = None
    copy_message_id: int | None = None
    effect_id: str | None = None


@dataclass
class SendResult:
    """The result of sending one row, for callers that track progress."""

    row: OutboxDTO
    status: str  # sent, failed, blocked, retry, cancelled, paused
    message_id: int | None = None


Composer = Callable[[OutboxDTO], Awaitable[Outgoing | None]]
AfterSend = Callable[[SendResult], Awaitable[None]]


class Pacer:
    """At most `rate` sends a second, and a shared pause after RetryAfter.

    `monotonic` and `sleep` default to the event loop's; tests and benchmarks
    pass a virtual pair so pacing can be checked without waiting.
    """

    def __init__(
        self,
        rate: float,
        *,
        monotonic: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.interval = 1.0 / rate
        self._monotonic = monotonic or (lambda: asyncio.get_running_loop().time())
        self._sleep = sleep or asyncio.sleep
        self._next = 0.0
        self._paused_until = 0.0

    async def wait(self) -> None:
        now = self._monotonic()
        start = max(now, self._next, self._paused_until)
        self._next = start + self.interval
        if start > now:
            await self._sleep(start - now)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def backoff(attempts: int) -> timedelta:
    """2, 4, 8, 16 … seconds, at most five minutes."""
    return timedelta(seconds=min(2**attempts, 300))


class Sender:
    """Drains the outbox through the Bot API."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        bot: Bot,
        compose: Composer,
        members: MemberService,
        *,
        rate: float,
        batch: int = 50,
        holder: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._bot = bot
        self._compose = compose
        self._members = members
        self.pacer = Pacer(rate)
        self._batch = batch
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.wake = asyncio.Event()
        self.listeners: list[AfterSend] = []

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; the row in flight is always finished."""
        try:
            while not stop.is_set():
                sent = 0
                try:
                    if await leases.acquire(
                        self._sessions, LEASE_NAME, self.holder, self._clock.now(), LEASE_TTL
                    ):
                        sent = await self.drain(stop=stop)
                except Exception:  # a database hiccup must not kill the sender
                    log.exception("sender loop failed; retrying shortly")
                if sent == 0:
                    self.wake.clear()
                    stopper = asyncio.ensure_future(stop.wait())
                    waker = asyncio.ensure_future(self.wake.wait())
                    await asyncio.wait(
                        {stopper, waker}, timeout=IDLE_POLL_S, return_when=asyncio.FIRST_COMPLETED
                    )
                    for task in (stopper, waker):
                        task.cancel()
        finally:
            await leases.release(self._sessions, LEASE_NAME, self.holder)

    async def drain(self, stop: asyncio.Event | None = None, limit: int | None = None) -> int:
        """Send every row due now (or `limit` rows); the number handled."""
        handled = 0
        while stop is None or not stop.is_set():
            async with self._sessions.begin() as session:
                rows = await OutboxRepository(session).claim(
                    self.holder, self._clock.now(), self._batch
                )
            if not rows:
                break
            for index, row in enumerate(rows):
                if (stop is not None and stop.is_set()) or (limit is not None and handled >= limit):
                    await self._unclaim(rows[index:])
                    return handled
                await self.send_one(row)
                handled += 1
        return handled

    async def _unclaim(self, rows: list[OutboxDTO]) -> None:
        async with self._sessions.begin() as session:
            await OutboxRepository(session).release([row.id for row in rows])

    async def send_one(self, row: OutboxDTO) -> SendResult:
        """Compose, pace, send and record one row."""
        message = await self._compose(row)
        if message is None:
            return await self._record(row, "cancelled", status=OutboxStatus.CANCELLED)
        await self.pacer.wait()
        try:
            if message.copy_message_id is not None and message.copy_from_chat is not None:
                result = await self._bot.copy_message(
                    row.chat_id,
                    message.copy_from_chat,
                    message.copy_message_id,
                    reply_markup=message.markup,
                )
                message_id = result.message_id
            else:
                sent = await self._bot.send_message(
                    row.chat_id,
                    message.text or "",
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.markup,
                    message_effect_id=message.effect_id if row.chat_id > 0 else None,
                )
                message_id = sent.message_id
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            self.pacer.pause(wait)
            log.warning("Telegram asked to slow down for %.0f s", wait)
            return await self._record(
                row,
                "paused",
                status=OutboxStatus.PENDING,
                not_before=self._clock.now() + timedelta(seconds=wait),
            )
        except Forbidden as exc:
            await self._members.mark_unreachable(row.member_id)
            return await self._record(
                row, "blocked", status=OutboxStatus.FAILED, error=str(exc)[:500]
            )
        except BadRequest as exc:
            return await self._record(
                row,
                "failed",
                status=OutboxStatus.FAILED,
                attempts=row.attempts + 1,
                error=str(exc)[:500],
            )
        except (NetworkError, TelegramError) as exc:
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                log.error("giving up on outbox row %s after %d attempts: %s", row.id, attempts, exc)
                return await self._record(
                    row,
                    "failed",
                    status=OutboxStatus.FAILED,
                    attempts=attempts,
                    error=str(exc)[:500],
                )
            return await self._record(
                row,
                "retry",
                status=OutboxStatus.PENDING,
                attempts=attempts,
                error=str(exc)[:500],
                not_before=self._clock.now() + backoff(attempts),
            )
        return await self._record(
            row,
            "sent",
            message_id=message_id,
            status=OutboxStatus.SENT,
            attempts=row.attempts + 1,
            telegram_message_id=message_id,
            sent_at=self._clock.now(),
            error=None,
        )

    async def _record(
        self, row: OutboxDTO, outcome: str, message_id: int | None = None, **values: Any
    ) -> SendResult:
        async with self._sessions.begin() as session:
            await OutboxRepository(session).finish(row.id, **values)
        result = SendResult(row, outcome, message_id)
        for listener in self.listeners:
            await listener(result)
        return result
