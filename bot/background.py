"""Work that must not hold a chat's queue: rendering charts, writing files,
counting audiences, queueing broadcasts.

`spawn` runs a coroutine as a PTB task after the handler has answered: the
update is done, the chat's next update goes on, and an exception still
reaches the error handler (which tells the person, once). `HeavyWork` runs
CPU-bound functions (matplotlib) in a separate process, so drawing a chart
never slows the event loop that answers everyone else.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable, Coroutine
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from telegram.ext import Application

from bot.intake.handling import CURRENT

log = logging.getLogger(__name__)

T = TypeVar("T")


def spawn(
    app: Application[Any, Any, Any, Any, Any, Any],
    work: Coroutine[Any, Any, None],
    *,
    update: object | None = None,
    name: str = "background",
) -> asyncio.Task[None]:
    """Run `work` after the current update; its errors go to the error handler
    as errors of `update`, told to the person at once (there is no retry)."""

    async def detached() -> None:
        CURRENT.set(None)  # not part of the update's attempt any more
        await work

    task = app.create_task(detached(), update=update, name=name)
    running: set[asyncio.Task[None]] = app.bot_data.background
    running.add(task)
    task.add_done_callback(running.discard)
    return task


async def settle(app: Application[Any, Any, Any, Any, Any, Any], limit_s: float = 30.0) -> None:
    """Wait (at most `limit_s`) until the background work started so far is done."""
    running: set[asyncio.Task[None]] = app.bot_data.background
    if running:
        await asyncio.wait(set(running), timeout=limit_s)


class HeavyWork:
    """A small pool of worker processes for CPU-bound functions.

    `processes=0` runs them in a thread instead (tests, tiny machines). The
    pool starts on first use; functions and arguments must be picklable.
    """

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        if self.processes == 0:
            return await asyncio.to_thread(function, *args)
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(self.processes, mp_context=context)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, function, *args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
