"""Handling inbox rows: many chats at once, one chat strictly in order.

A claim loop takes rows from the inbox (`InboxRepository.claim`: at most one
row per chat, each the oldest unfinished row of its chat) while workers are
free, and runs each through PTB's own `Application.process_update`, so every
handler, filter and error handler works as registered. PTB's update queue
and update processor are not used for this: the inbox is the queue, and the
database decides the order, so it holds across processes.

After a handler returns, the row is marked done. If a handler failed, the
error handler recorded it (`bot.intake.handling`) and the row is retried after
a short delay; after `max_attempts` it is marked failed with the error kept,
and its chat goes on. A row is marked done only after the handler (and its
reply) finished, so a crash at any moment means the update is handled again:
handlers are idempotent by key (check-ins are upserts per member and date,
drafts carry the id of the update that made them), and a second run answers
the same as the first.

Claims expire after `claim_for` unless renewed; the loop renews its claims
every third of that, so when a process dies its rows go to others within
`claim_for`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import Application

from bot.clock import Clock
from bot.db.inbox import InboxRepository, StoredUpdate
from bot.intake.handling import CURRENT, Handling
from bot.logs import UPDATE, UpdateLog
from bot.metrics import Metrics

log = logging.getLogger(__name__)

IDLE_POLL_S = 1.0
HANDLER_TIMEOUT_S = 180.0
# An update that took this long is logged as a warning (Telegram users wait).
SLOW_UPDATE_S = 5.0


@dataclass
class DispatchStats:
    """Counts since start (for /metrics and tests)."""

    handled: int = 0
    failed: int = 0
    retried: int = 0


class Dispatcher:
    """Claims inbox rows and hands them to PTB, `workers` at a time."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        workers: int = 64,
        holder: str | None = None,
        claim_for: timedelta = timedelta(seconds=10),
        max_attempts: int = 3,
        retry_delays: tuple[float, ...] = (2.0, 8.0),
        on_handled: Callable[[StoredUpdate, float, bool], None] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._app = app
        self._sessions = sessions
        self._clock = clock
        self.workers = workers
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._claim_for = claim_for
        self.max_attempts = max_attempts
        self._retry_delays = retry_delays
        self._on_handled = on_handled
        self.metrics = metrics or Metrics()
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self.stats = DispatchStats()
        # Handled updates waiting to be marked done, written many per transaction.
        self._to_finish: set[int] = set()
        # Updates stored since the last claims (a hint: retries and other
        # processes' rows are not counted).
        self.waiting = 0
        self._finishing = asyncio.Lock()

    def wake(self) -> None:
        """New rows may be waiting (stored, or a chat's previous row finished)."""
        self._wake.set()

    def stored(self, count: int) -> None:
        """`count` new updates were stored: wake, and count them as waiting."""
        self.waiting += count
        self.metrics.updates_received.inc(count)
        self._wake.set()

    @property
    def pressed(self) -> bool:
        """People are waiting for answers: half the workers' worth of updates is in
        flight or stored and not yet claimed (the sender gives way meanwhile)."""
        return self.busy + self.waiting >= max(1, self.workers // 2)

    @property
    def busy(self) -> int:
        return len(self._inflight)

    # -- the loop ------------------------------------------------------------------
    async def run(self, stop: asyncio.Event, *, drain_s: float = 10.0) -> None:
        """Claim and handle until `stop`; then let what is in flight finish (bounded)."""
        renewer = asyncio.create_task(self._renew_until(stop), name="inbox-claims")
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    claimed = await self.claim_and_start()
                except Exception:  # a database hiccup must not end the loop
                    log.exception("claiming updates failed; retrying shortly")
                    claimed = 0
                if claimed and self.busy < self.workers:
                    continue
                await _first_of(stop.wait(), self._wake.wait(), within=IDLE_POLL_S)
        finally:
            await self._drain(drain_s)
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def claim_and_start(self) -> int:
        """Claim as many rows as there are free workers and start them."""
        free = self.workers - self.busy
        if free <= 0:
            return 0
        async with self._sessions.begin() as session:
            rows = await InboxRepository(session).claim(
                self.holder, self._clock.now(), free, self._claim_for
            )
        for row in rows:
            task = asyncio.create_task(self._handle(row), name=f"update-{row.update_id}")
            self._inflight[row.update_id] = task
            task.add_done_callback(self._finished_callback(row.update_id))
        self.waiting = max(0, self.waiting - len(rows))
        return len(rows)

    def _finished_callback(self, update_id: int) -> Callable[[asyncio.Task[None]], None]:
        def finished(_task: asyncio.Task[None]) -> None:
            self._inflight.pop(update_id, None)
            self._wake.set()

        return finished

    async def run_until_idle(self) -> int:
        """Handle everything claimable now, one round after another (tests, the console)."""
        handled = 0
        while True:
            started = await self.claim_and_start()
            if not started and not self._inflight:
                return handled
            handled += started
            if self._inflight:
                await asyncio.wait(list(self._inflight.values()))

    async def _drain(self, limit_s: float) -> None:
        if not self._inflight:
            return
        running = dict(self._inflight)
        _, pending = await asyncio.wait(list(running.values()), timeout=limit_s)
        if not pending:
            return
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=2)
        stopped = [uid for uid, task in running.items() if task in pending]
        log.warning("stopped %d updates mid-way; they will be handled again", len(stopped))
        with contextlib.suppress(Exception):
            async with self._sessions.begin() as session:
                await InboxRepository(session).release(stopped)

    async def _renew_until(self, stop: asyncio.Event) -> None:
        every = self._claim_for.total_seconds() / 3
        while not stop.is_set():
            await _first_of(stop.wait(), within=every)
            if self._inflight:
                try:
                    async with self._sessions.begin() as session:
                        await InboxRepository(session).renew(
                            self.holder, self._clock.now(), self._claim_for
                        )
                except Exception:
                    log.exception("could not renew update claims")

    # -- one update ----------------------------------------------------------------
    async def _handle(self, row: StoredUpdate) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        handling = Handling(row.update_id, row.attempts, final=row.attempts >= self.max_attempts)
        # Every log line written from here on (and by background work the
        # handler starts) names the update, its chat and, once known, the handler.
        log_token = UPDATE.set(UpdateLog(row.update_id, row.chat_key))
        token = CURRENT.set(handling)
        try:
            update = Update.de_json(without_nul(row.payload), self._app.bot)
            await asyncio.wait_for(self._app.process_update(update), HANDLER_TIMEOUT_S)
        except asyncio.CancelledError:
            UPDATE.reset(log_token)
            # Shutting down mid-handler: _drain gives the row back unclaimed.
            raise
        except Exception as exc:  # a malformed update, or a handler that timed out
            log.exception("update %s could not be handled", row.update_id)
            handling.errors.append(exc)
        finally:
            CURRENT.reset(token)
        took = loop.time() - started
        ok = not handling.errors
        try:
            await self._record(row, handling)
        except Exception:
            log.exception("could not record the outcome of update %s", row.update_id)
        level = logging.WARNING if took >= SLOW_UPDATE_S else logging.DEBUG
        if log.isEnabledFor(level):
            log.log(
                level,
                "update %s %s in %.0f ms",
                row.update_id,
                "handled" if ok else "failed",
                took * 1000,
                extra={"duration_ms": round(took * 1000, 1)},
            )
        self.metrics.handler_seconds.observe(took)
        UPDATE.reset(log_token)
        if self._on_handled is not None:
            self._on_handled(row, took, ok)

    async def _finish(self, update_id: int) -> None:
        """Mark an update done. Under load, whoever gets the lock writes every
        update finished meanwhile in one transaction; the others find theirs done."""
        self._to_finish.add(update_id)
        async with self._finishing:
            if update_id not in self._to_finish:
                return
            batch, self._to_finish = self._to_finish, set()
            try:
                async with self._sessions.begin() as session:
                    await InboxRepository(session).finish(sorted(batch), self._clock.now())
            except BaseException:
                self._to_finish |= batch  # a later one tries again
                raise
        self.stats.handled += len(batch)
        self.metrics.updates_handled.inc(len(batch))

    async def _record(self, row: StoredUpdate, handling: Handling) -> None:
        if not handling.errors:
            await self._finish(row.update_id)
            return
        now = self._clock.now()
        async with self._sessions.begin() as session:
            inbox = InboxRepository(session)
            error = "; ".join(repr(e)[:500] for e in handling.errors)
            if handling.final:
                log.error("update %s failed %d times; giving up", row.update_id, row.attempts)
                await inbox.give_back(row.update_id, error, now, failed=True)
                self.stats.failed += 1
                self.metrics.updates_failed.inc()
                return
            delay = self._retry_delays[min(row.attempts - 1, len(self._retry_delays) - 1)]
            await inbox.give_back(
                row.update_id, error, now + timedelta(seconds=delay), failed=False
            )
            self.stats.retried += 1
            self.metrics.updates_retried.inc()


def without_nul(value: Any) -> Any:
    """The raw update with every U+0000 in its strings replaced by U+FFFD.

    A client can put NUL characters in a name, a text or button data, and
    Telegram passes them on; PostgreSQL text cannot hold them, so a note or a
    name with one would fail its transaction on every attempt. U+FFFD is one
    UTF-16 unit, like NUL, so Telegram's entity offsets stay right.
    """
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {key: without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


async def _first_of(*waits: Any, within: float) -> None:
    """Wait until the first of these awaitables finishes, or `within` seconds."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
