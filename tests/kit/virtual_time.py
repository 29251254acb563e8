"""Virtual time for pacing tests: sleeping advances it (and a ManualClock) at once."""

from __future__ import annotations

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
