"""Virtual time for pacing tests: `VirtualTime` advances at once when slept in (and a
ManualClock with it); `SteppedTime` moves only when the test moves it."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from datetime import timedelta

from bot.clock import ManualClock
from tests.kit.recording import Call


class VirtualTime:
    def __init__(self, clock: ManualClock | None = None) -> None:
        self.now = 0.0
        self.clock = clock
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds
        if self.clock is not None:
            self.clock.advance(timedelta(seconds=seconds))


class FloodRule:
    """Telegram's bulk limit: more than `limit` messages in any second → 429."""

    SENDS = frozenset({"sendMessage", "copyMessage", "sendPhoto", "sendDocument"})

    def __init__(self, limit: int = 30) -> None:
        self.limit = limit
        self.window: deque[float] = deque()
        self.refused = 0

    def __call__(self, call: Call) -> bool:
        if call.method not in self.SENDS:
            return False
        while self.window and call.at - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= self.limit:
            self.refused += 1
            return True
        self.window.append(call.at)
        return False


class SteppedTime:
    """Time that stands still until the test moves it, for concurrent pacing tests.

    `VirtualTime` adds every sleep to one total, which suits a single sender.
    Here each `sleep` waits for its own deadline, so the waits of tasks that run
    side by side overlap as they would on a real clock: `advance` moves time on
    deadline by deadline, waking each sleeper in turn and letting the woken
    tasks run before going further.
    """

    SETTLE_STEPS = 100  # loop turns that let woken tasks reach their next wait
    RESOLUTION = 1e-6  # the shortest sleep: as on a real clock, time moves while asleep

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        deadline = self.now + max(seconds, self.RESOLUTION)
        heapq.heappush(self._sleepers, (deadline, next(self._order), future))
        await future

    async def advance(self, seconds: float) -> None:
        """Move time on by `seconds`, waking every sleeper due on the way."""
        target = self.now + seconds
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, deadline)
            if not future.done():
                future.set_result(None)
            await self.settle()
        self.now = target
        await self.settle()

    async def settle(self) -> None:
        """Give the loop a few turns: enough for woken tasks to reach their next wait."""
        for _ in range(self.SETTLE_STEPS):
            await asyncio.sleep(0)
