"""The outbox sender: one per bot token (a lease), many sends in flight at a steady pace.

A real Bot API answers in 50-200 ms, so one send at a time reaches a quarter of
Telegram's rate. The sender is a pipeline instead: it claims rows in batches
and starts each send as its turn in the pace comes, with up to a window of
sends awaiting their answers; the window follows the observed latency (rate x
latency, with headroom). Outcomes are written many per transaction by an
`OutcomeWriter`, so the database is never the bottleneck, and a failed write
is retried in-process: a message that went out is never sent again because
its outcome could not be written.

Pace: `BOT_BROADCAST_RATE` for everything free; broadcasts go at
`BOT_PAID_BROADCAST_RATE` with `allow_paid_broadcast` when that is set. Per-chat
limits and the bot-wide budget shared with replies are the rate limiter's
(`bot.delivery.limiter`), which every request passes through.

Outcomes per row:
- sent: the Telegram message id is kept;
- RetryAfter: that chat is deferred for the time asked, the attempt does not
  count (a bot-wide 429 pauses every send: the limiter sees it across chats);
- Forbidden (blocked, deactivated): the member is marked blocked, their pending
  rows are cancelled, the row fails with the error kept;
- timed out: Telegram may have delivered it. The row is marked uncertain and
  tried once more at most; the broadcast report counts uncertain sends;
- network errors: retried with exponential backoff; after MAX_ATTEMPTS the row
  fails with the last error kept;
- other API errors (bad request, chat not found): failed at once, error kept.

A post to a linked group (no member) differs: Forbidden, or "chat not found",
means the bot was removed from the group, which is then unlinked; a group that
became a supergroup (ChatMigrated) is followed to its new id and the post goes
there at once. A group post whose chat is still over its minute's allowance in
the rate limiter waits in the outbox, not in the sender's window.

One process sends at a time: the lease (8 s, renewed every 2 s) is checked
before each batch and each send (also a send already waiting for its turn in
the pace); a process that loses it stops at once, and the one that takes it
over settles the rows the other had claimed at once: those whose request had
gone out (`WireMarker`) and got no "not delivered" answer count as sent
(uncertain), the rest are pending again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.clock import Clock
from bot.db import leases
from bot.db.dto import OutboxDTO
from bot.db.outbox import OUTCOME_COLUMNS, OutboxRepository, mark_statement
from bot.db.status import OutboxKind, OutboxStatus
from bot.delivery.limiter import Priority, SendArgs, catch_up
from bot.metrics import Metrics
from bot.net import ON_WIRE
from bot.services.groups import GroupService
from bot.services.members import MemberService

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE_NAME = leases.SENDER
# A process that dies is replaced within 10 s: its lease runs out at most 8 s
# after the kill, and a standby tries again every IDLE_POLL_S. Three renewals
# can fail in a row before the lease goes.
LEASE_TTL = timedelta(seconds=8)
LEASE_RENEW_S = 2.0
IDLE_POLL_S = 1.0
SEND_TIMEOUT_S = 30.0
# How often a drain looks for claims abandoned by a dead sender (they count
# only once their minute is up; a takeover frees them at once anyway).
RECLAIM_EVERY = timedelta(seconds=5)
GIVE_WAY_S = 1.0  # the longest one send waits for the update workers
GIVE_WAY_STEP_S = 0.02
RELEASED = "released"  # a row not sent because the lease was lost: no outcome to write
# Outcomes after which Telegram has (or may have) the message; any other answer
# says it was not delivered.
LANDED = frozenset({"sent", "uncertain"})
# Priority of each kind in the rate limiter's overall budget.
KIND_PRIORITY = {
    OutboxKind.REMINDER: Priority.SESSION,
    OutboxKind.NOTICE: Priority.SESSION,
    OutboxKind.NUDGE: Priority.BULK,
    OutboxKind.BROADCAST: Priority.BULK,
    OutboxKind.GROUP: Priority.BULK,
}
# A group post waits in the outbox rather than in the window when its chat
# needs longer than this before one more message.
GROUP_WAIT_S = 1.0


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
    status: str  # sent, failed, blocked, retry, uncertain, cancelled, paused, released
    message_id: int | None = None


class Composer(Protocol):
    """What each outbox row becomes at send time (delivery/compose.py)."""

    async def prepare(self, rows: Sequence[OutboxDTO]) -> None:
        """Called with each claimed batch before its rows are composed: a place to
        read what the whole batch needs in one query instead of one per row."""

    async def __call__(self, row: OutboxDTO) -> Outgoing | None: ...


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
        self._behind = catch_up(rate)  # missed slots made up (see limiter.CATCH_UP_S)
        self._monotonic = monotonic or (lambda: asyncio.get_running_loop().time())
        self._sleep = sleep or asyncio.sleep
        self._next = 0.0
        self._paused_until = 0.0

    async def wait(self) -> None:
        now = self._monotonic()
        start = max(now - self._behind, self._next, self._paused_until)
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


class Window:
    """How many sends may await their answers at once: rate x latency, with headroom.

    The latency is a moving average of observed answers, so the window grows
    when Telegram is slow and shrinks when it is fast; `floor` keeps a few in
    flight even at a low rate, and `ceiling` is a hard cap over both.
    """

    def __init__(
        self, rate: float, *, latency: float = 0.2, floor: int = 4, ceiling: int = 2000
    ) -> None:
        self.rate = rate
        self.latency = latency
        self._floor = floor
        self._ceiling = ceiling
        self.in_flight = 0
        self._changed = asyncio.Condition()

    @property
    def size(self) -> int:
        wanted = math.ceil(self.rate * self.latency * 2) + 2
        return min(self._ceiling, max(self._floor, wanted))

    async def enter(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < self.size)
            self.in_flight += 1

    async def leave(self, latency: float | None) -> None:
        async with self._changed:
            self.in_flight -= 1
            if latency is not None:
                self.latency = 0.8 * self.latency + 0.2 * latency
            self._changed.notify_all()

    async def idle(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight == 0)


class OutcomeWriter:
    """Writes send outcomes many per transaction, and never gives up on one.

    `add` queues an outcome; a flush writes every queued one in one statement
    (at most every `every` seconds, sooner when `batch` are waiting). A write
    that fails is retried with backoff while the outcomes stay queued: the
    rows stay claimed meanwhile, so nothing is sent twice for want of a write.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        holder: str,
        *,
        every: float = 0.05,
        batch: int = 200,
        listeners: list[AfterSend] | None = None,
    ) -> None:
        self._sessions = sessions
        self._holder = holder
        self._every = every
        self._batch = batch
        self._queued: list[tuple[dict[str, Any], SendResult]] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self.listeners = listeners if listeners is not None else []
        self.write_failures = 0

    def add(self, values: dict[str, Any], result: SendResult) -> None:
        self._queued.append((values, result))
        if len(self._queued) >= self._batch:
            self._wake.set()

    def wake(self) -> None:
        """Flush now rather than at the end of the interval."""
        self._wake.set()

    @property
    def queued(self) -> int:
        return len(self._queued)

    async def run(self, stop: asyncio.Event) -> None:
        """Flush now and then until `stop`, then until nothing is left."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._every)
            self._wake.clear()
            await self.flush()
        while self._queued:
            await self.flush()

    async def flush(self) -> int:
        """Write what is queued now, in one transaction (retried until it is
        written); how many. What is added meanwhile waits for the next flush."""
        async with self._lock:
            batch, self._queued = self._queued, []
            delay = 0.1
            while batch:
                try:
                    async with self._sessions.begin() as session:
                        await OutboxRepository(session).finish_many(
                            [v for v, _ in batch], self._holder
                        )
                except Exception:
                    self.write_failures += 1
                    log.exception("could not record %d send outcomes; retrying", len(batch))
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                for _, result in batch:
                    for listener in self.listeners:
                        await listener(result)
                return len(batch)
            return 0


class WireMarker:
    """Records, a few at a time, which rows' requests went out to Telegram.

    A send task notes its row as the request's bytes are handed to the socket
    (`bot.net.ON_WIRE`); the rows noted since the last write are marked in one
    statement, at most every `every` seconds. If the process dies, the next
    holder of the lease takes a marked row as sent (it went out, whatever the
    answer was) and sends only the rest again: what can go twice after a kill
    is what went out in the last interval before it, not every send in flight.
    A mark that cannot be written is dropped: at worst that row goes twice
    after a crash, never zero times.

    An answer that says "not delivered" (429, an error) must undo the mark
    before a kill could read it: the row's outcome, which clears `sent_at`, is
    then written at once instead of with the next batch, and a mark still
    waiting here is dropped. What a kill can still cost is a message whose
    429 came in the few milliseconds before it (the write was not done).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        holder: str,
        *,
        every: float = 0.005,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._holder = holder
        self._every = every
        self._noted: list[int] = []
        self._wake = asyncio.Event()
        self._session: AsyncSession | None = None
        self._connection: AsyncConnection | None = None

    def note(self, row_id: int) -> None:
        if not self._noted:
            self._wake.set()
        self._noted.append(row_id)

    def forget(self, row_id: int) -> None:
        """The row's answer came: a mark not yet written is no longer needed
        (its outcome, which clears any mark, is on its way)."""
        if row_id in self._noted:
            self._noted = [noted for noted in self._noted if noted != row_id]

    def wake(self) -> None:
        """Look at `stop` now (the drain is over)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Mark what is noted until `stop`, then what is left.

        The marks go through one connection held for the whole drain, in
        autocommit: each mark is a single statement, so it needs no
        transaction around it, and at paid rates (200 marks a second) the
        checkouts and the BEGIN and COMMIT round trips were most of its cost.
        """
        async with self._sessions() as session:
            self._session = session
            self._connection = None
            try:
                while not stop.is_set():
                    await self._wake.wait()
                    self._wake.clear()
                    await self.flush()
                    if not stop.is_set():
                        await asyncio.sleep(self._every)
                await self.flush()
            finally:
                self._session = self._connection = None

    async def flush(self) -> None:
        batch, self._noted = self._noted, []
        if not batch or self._session is None:
            return
        try:
            if self._connection is None:
                self._connection = await self._session.connection(
                    execution_options={"isolation_level": "AUTOCOMMIT"}
                )
            await self._connection.execute(
                mark_statement(), {"ids": batch, "holder": self._holder, "now": self._clock.now()}
            )
        except Exception:
            log.warning("could not mark %d rows as gone out", len(batch), exc_info=True)
            # A broken connection is not used again: the next mark takes a new one.
            self._connection = None
            with contextlib.suppress(Exception):
                await self._session.invalidate()


class Sender:
    """Drains the outbox through the Bot API, many sends in flight."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        bot: Bot,
        compose: Composer,
        members: MemberService,
        *,
        rate: float,
        paid_rate: float = 0.0,
        send_timeout: float = SEND_TIMEOUT_S,
        batch: int = 100,
        holder: str | None = None,
        max_in_flight: int | None = None,
        metrics: Metrics | None = None,
        groups: GroupService | None = None,
    ) -> None:
        self._sessions = sessions
        self._groups = groups
        self._clock = clock
        self._bot = bot
        self._compose = compose
        self._members = members
        self.pacer = Pacer(rate)
        self.paid_pacer = Pacer(paid_rate) if paid_rate > 0 else None
        # `max_in_flight` caps the window (1: one send at a time, for comparison).
        self.window = Window(max(rate, paid_rate), ceiling=max_in_flight or 2000)
        self.send_timeout = send_timeout
        self._batch = batch
        self.outcome_every = 0.05  # seconds between outcome writes (sooner when asked)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.wake = asyncio.Event()
        self.listeners: list[AfterSend] = []
        self._marker: WireMarker | None = None
        self.lease_lost = asyncio.Event()
        # True while people are waiting for answers (Dispatcher.pressed):
        # the sender then gives way, one send per GIVE_WAY_S at least, so a
        # morning rush of presses is answered first and sessions go a few
        # seconds later. The process has one core's worth of Python to share.
        self.busy_answering: Callable[[], bool] | None = None
        self.metrics = metrics or Metrics()
        self._holding = False
        self._next_reclaim: datetime | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def holding(self) -> bool:
        """Whether this process holds the sender lease (as of its last renewal)."""
        return self._holding

    # -- the loop --------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Send while holding the lease, until `stop`; sends in flight always finish."""
        renewer = asyncio.create_task(self._keep_lease(stop), name="sender-lease")
        try:
            while not stop.is_set():
                sent = 0
                # Cleared before the drain, not after it: a wake that comes while
                # draining (a row queued just too late for this drain) is kept,
                # and the idle wait below returns at once.
                self.wake.clear()
                try:
                    if await self._take_lease():
                        sent = await self.drain(stop=stop)
                except Exception:  # a database hiccup must not kill the sender
                    log.exception("sender loop failed; retrying shortly")
                if sent == 0:
                    await self._idle(stop)
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            if self._holding:
                with contextlib.suppress(Exception):
                    await leases.release(self._sessions, LEASE_NAME, self.holder)

    async def _idle(self, stop: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
        await asyncio.wait(waits, timeout=IDLE_POLL_S, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()

    async def _take_lease(self) -> bool:
        """Take or renew the lease; on taking it over, free the rows the last holder had."""
        held = await leases.acquire(
            self._sessions, LEASE_NAME, self.holder, self._clock.now(), LEASE_TTL
        )
        if held and not self._holding:
            async with self._sessions.begin() as session:
                freed = await OutboxRepository(session).release_others(self.holder)
            if freed:
                log.warning(
                    "took the sender over; settled the %d messages it had claimed "
                    "(those that had gone out count as sent, the rest go now)",
                    freed,
                )
            self.lease_lost.clear()
        self._holding = held
        return held

    async def _keep_lease(self, stop: asyncio.Event) -> None:
        """Renew the lease every few seconds while holding it; note at once if it is lost."""
        while not stop.is_set():
            await asyncio.sleep(LEASE_RENEW_S)
            if not self._holding:
                continue
            try:
                still = await leases.acquire(
                    self._sessions, LEASE_NAME, self.holder, self._clock.now(), LEASE_TTL
                )
            except Exception:
                log.exception("could not renew the sender lease")
                continue
            if not still:
                log.error("another process took the sender lease; stopping sends")
                self._holding = False
                self.lease_lost.set()

    # -- draining --------------------------------------------------------------------
    async def drain(self, stop: asyncio.Event | None = None, limit: int | None = None) -> int:
        """Send every row due now (or `limit` rows); the number handled.

        Returns when every send it started has an answer and its outcome is
        written.
        """
        writer = OutcomeWriter(
            self._sessions, self.holder, every=self.outcome_every, listeners=self.listeners
        )
        writing_done = asyncio.Event()
        writing = asyncio.create_task(writer.run(writing_done), name="send-outcomes")
        marker = self._marker = WireMarker(self._sessions, self._clock, self.holder)
        marking = asyncio.create_task(marker.run(writing_done), name="send-marks")
        started = 0

        def stopping() -> bool:
            return (stop is not None and stop.is_set()) or self.lease_lost.is_set()

        try:
            while not stopping() and (limit is None or started < limit):
                async with self._sessions.begin() as session:
                    outbox = OutboxRepository(session)
                    now = self._clock.now()
                    if self._next_reclaim is None or now >= self._next_reclaim:
                        # Abandoned claims are a minute old before they count: a
                        # look every few seconds is enough, and each look walks
                        # the claimed rows' part of the status index.
                        await outbox.reclaim_expired(now, self.holder)
                        self._next_reclaim = now + RECLAIM_EVERY
                    want = self._batch if limit is None else min(self._batch, limit - started)
                    rows = await outbox.claim(self.holder, now, want)
                if not rows:
                    break
                try:
                    await self._compose.prepare(rows)
                except Exception:  # each row is then composed on its own
                    log.exception("could not prepare a batch of %d outbox rows", len(rows))
                for index, row in enumerate(rows):
                    if stopping():
                        await self._unclaim(rows[index:])
                        break
                    await self._give_way()
                    await self.window.enter()
                    task = asyncio.create_task(self._send_task(row, writer))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    started += 1
                # No waiting between batches: rows still in flight are `sending`,
                # so the next claim cannot take them again.
        finally:
            await self.window.idle()
            writing_done.set()
            writer.wake()  # write the last outcomes now, not after the interval
            marker.wake()
            await asyncio.gather(writing, marking)
        return started

    async def _give_way(self) -> None:
        waited = 0.0
        while self.busy_answering is not None and self.busy_answering() and waited < GIVE_WAY_S:
            await asyncio.sleep(GIVE_WAY_STEP_S)
            waited += GIVE_WAY_STEP_S

    async def _unclaim(self, rows: list[OutboxDTO]) -> None:
        async with self._sessions.begin() as session:
            await OutboxRepository(session).release([row.id for row in rows], holder=self.holder)

    async def _send_task(self, row: OutboxDTO, writer: OutcomeWriter) -> None:
        latency: float | None = None
        try:
            values, result, latency = await self._attempt(row)
        except Exception as exc:  # composing failed (a database error, a bug): try later
            log.exception("could not prepare outbox row %s", row.id)
            values, result = self._outcome(
                row, "retry", OutboxStatus.PENDING, attempts=row.attempts + 1,
                error=repr(exc)[:500], not_before=self._clock.now() + backoff(row.attempts + 1),
            )  # fmt: skip
        finally:
            await self.window.leave(latency)
        if result.status == RELEASED:
            # Not sent: the lease went while it waited for its turn. Give it back
            # unless the new holder already took it over.
            with contextlib.suppress(Exception):
                await self._unclaim([row])
            return
        self.metrics.sent(row.kind, result.status, latency)
        writer.add(values, result)
        if self._marker is not None:
            self._marker.forget(row.id)
        if result.status not in LANDED:
            # Telegram said it did not deliver (429, an error) while the row may
            # carry the mark that a kill would read as "sent": the outcome, which
            # clears the mark, is written now, not at the end of the interval.
            writer.wake()

    async def _attempt(self, row: OutboxDTO) -> tuple[dict[str, Any], SendResult, float | None]:
        """One try at one row: the outcome to write, and how long Telegram took."""
        message = await self._compose(row)
        if message is None:
            return (*self._outcome(row, "cancelled", OutboxStatus.CANCELLED), None)
        group_wait = self._group_wait(row)
        if group_wait > GROUP_WAIT_S:
            return (*self._outcome(
                row, "paused", OutboxStatus.PENDING,
                not_before=self._clock.now() + timedelta(seconds=group_wait),
            ), None)  # fmt: skip
        paid = self.paid_pacer is not None and row.kind == OutboxKind.BROADCAST
        await (self.paid_pacer if paid and self.paid_pacer else self.pacer).wait()
        if self.lease_lost.is_set():  # another process sends now: this one must not
            return (*self._outcome(row, RELEASED, OutboxStatus.PENDING), None)
        loop = asyncio.get_running_loop()
        asked = loop.time()
        try:
            message_id = await self._deliver(row, message, paid=paid)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            if getattr(self._bot, "rate_limiter", None) is None:
                self.pacer.pause(wait)  # nobody else can tell one chat from all
            log.warning("Telegram asked to wait %.0f s before chat %s", wait, row.chat_id)
            outcome = self._outcome(
                row, "paused", OutboxStatus.PENDING,
                not_before=self._clock.now() + timedelta(seconds=wait),
            )  # fmt: skip
        except ChatMigrated as exc:
            outcome = await self._migrated(row, exc)
        except Forbidden as exc:
            await self._unreachable(row)
            outcome = self._outcome(row, "blocked", OutboxStatus.FAILED, error=str(exc)[:500])
        except BadRequest as exc:
            if row.member_id is None and "chat not found" in str(exc).lower():
                await self._unreachable(row)
            outcome = self._outcome(
                row, "failed", OutboxStatus.FAILED, attempts=row.attempts + 1, error=str(exc)[:500]
            )
        except TimedOut as exc:
            outcome = self._timed_out(row, exc)
        except (NetworkError, TelegramError) as exc:
            outcome = self._network_error(row, exc)
        else:
            outcome = self._outcome(
                row, "sent", OutboxStatus.SENT, message_id=message_id, attempts=row.attempts + 1,
                telegram_message_id=message_id, sent_at=self._clock.now(), error=None,
            )  # fmt: skip
        return (*outcome, loop.time() - asked)

    def _group_wait(self, row: OutboxDTO) -> float:
        """Seconds before the rate limiter lets one more message into a group's chat."""
        limiter = getattr(self._bot, "rate_limiter", None)
        if row.group_id is None or limiter is None or not hasattr(limiter, "chat_wait"):
            return 0.0
        return float(limiter.chat_wait(row.chat_id))

    async def _unreachable(self, row: OutboxDTO) -> None:
        """Forbidden: a member blocked the bot, or the bot was removed from a group."""
        if row.member_id is not None:
            await self._members.mark_unreachable(row.member_id)
        elif self._groups is not None:
            await self._groups.unlink(row.chat_id)

    async def _migrated(
        self, row: OutboxDTO, exc: ChatMigrated
    ) -> tuple[dict[str, Any], SendResult]:
        """The group is a supergroup now: follow it and send there at once."""
        if row.member_id is None and self._groups is not None:
            await self._groups.migrate(row.chat_id, int(exc.new_chat_id))
            return self._outcome(
                row, "retry", OutboxStatus.PENDING, attempts=row.attempts + 1, error=str(exc)[:500]
            )
        return self._outcome(
            row, "failed", OutboxStatus.FAILED, attempts=row.attempts + 1, error=str(exc)[:500]
        )

    async def _deliver(self, row: OutboxDTO, message: Outgoing, *, paid: bool) -> int:
        timeouts: dict[str, Any] = {
            "read_timeout": self.send_timeout,
            "write_timeout": self.send_timeout,
        }
        if getattr(self._bot, "rate_limiter", None) is not None:
            # Our own handling of 429s below: the limiter raises instead of retrying.
            timeouts["rate_limit_args"] = SendArgs(
                priority=KIND_PRIORITY.get(OutboxKind(row.kind), Priority.BULK),
                paid=paid,
                max_retries=0,
            )
        if paid:
            timeouts["allow_paid_broadcast"] = True
        marker = self._marker
        if marker is not None:  # this task's context only: replies are not marked
            ON_WIRE.set(functools.partial(marker.note, row.id))
        if message.copy_message_id is not None and message.copy_from_chat is not None:
            copied = await self._bot.copy_message(
                row.chat_id,
                message.copy_from_chat,
                message.copy_message_id,
                reply_markup=message.markup,
                **timeouts,
            )
            return copied.message_id
        sent = await self._bot.send_message(
            row.chat_id,
            message.text or "",
            parse_mode=ParseMode.HTML,
            reply_markup=message.markup,
            message_effect_id=message.effect_id if row.chat_id > 0 else None,
            **timeouts,
        )
        return sent.message_id

    def _timed_out(self, row: OutboxDTO, exc: TelegramError) -> tuple[dict[str, Any], SendResult]:
        """No answer in time: it may have been delivered. One more try at most."""
        if row.uncertain:
            log.error("outbox row %s timed out twice; not trying again", row.id)
            return self._outcome(
                row, "failed", OutboxStatus.FAILED, attempts=row.attempts + 1,
                error=f"timed out twice (may have been delivered): {exc}"[:500],
            )  # fmt: skip
        return self._outcome(
            row, "uncertain", OutboxStatus.PENDING, attempts=row.attempts + 1, uncertain=True,
            error=f"timed out (may have been delivered): {exc}"[:500],
            not_before=self._clock.now() + backoff(row.attempts + 1),
        )  # fmt: skip

    def _network_error(
        self, row: OutboxDTO, exc: TelegramError
    ) -> tuple[dict[str, Any], SendResult]:
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.error("giving up on outbox row %s after %d attempts: %s", row.id, attempts, exc)
            return self._outcome(
                row, "failed", OutboxStatus.FAILED, attempts=attempts, error=str(exc)[:500]
            )
        return self._outcome(
            row, "retry", OutboxStatus.PENDING, attempts=attempts, error=str(exc)[:500],
            not_before=self._clock.now() + backoff(attempts),
        )  # fmt: skip

    def _outcome(
        self,
        row: OutboxDTO,
        outcome: str,
        status: OutboxStatus,
        *,
        message_id: int | None = None,
        **values: Any,
    ) -> tuple[dict[str, Any], SendResult]:
        """Every column an outcome sets (unchanged ones keep the row's values)."""
        full: dict[str, Any] = {
            "row_id": row.id,
            "status": status.value,
            "attempts": row.attempts,
            "not_before": self._clock.now(),
            "error": None,
            "telegram_message_id": None,
            "sent_at": None,
            "uncertain": row.uncertain,
        }
        full.update(values)
        assert set(full) == {"row_id", *OUTCOME_COLUMNS}, sorted(full)
        return full, SendResult(row, outcome, message_id)
