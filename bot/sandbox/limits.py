"""Telegram's flood control, as the sandbox applies it to every sent message.

Three limits, each answered with 429 and `retry_after`: about 30 messages a
second overall, about one a second to a private chat (a short burst is let
through first) and 20 a minute to a group. Time comes from an injectable
monotonic source so tests can move it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable


class FloodControl:
    """Decides whether one more message may go out now, and records sent ones."""

    def __init__(
        self,
        monotonic: Callable[[], float],
        *,
        per_second: int = 30,
        private_interval: float = 1.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
    ) -> None:
        self._monotonic = monotonic
        self.per_second = per_second
        self.private_interval = private_interval
        self.private_burst = private_burst
        self.group_per_minute = group_per_minute
        self._recent: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._groups: dict[int, deque[float]] = {}

    def retry_after(self, chat_id: int, *, group: bool) -> int | None:
        """Seconds the bot must wait before this send, or None when it may go now."""
        now = self._monotonic()
        waits: list[float] = []
        self._forget(self._recent, now - 1.0)
        if len(self._recent) >= self.per_second:
            waits.append(self._recent[0] + 1.0 - now)
        if group:
            sent = self._groups.get(chat_id)
            if sent is not None:
                self._forget(sent, now - 60.0)
                if len(sent) >= self.group_per_minute:
                    waits.append(sent[0] + 60.0 - now)
        else:
            tokens = self._tokens(chat_id, now)
            if tokens < 1.0:
                waits.append((1.0 - tokens) * self.private_interval)
        if not waits:
            return None
        return max(1, math.ceil(max(waits)))

    def record(self, chat_id: int, *, group: bool) -> None:
        """Count one message that went out to `chat_id`."""
        now = self._monotonic()
        self._recent.append(now)
        if group:
            self._groups.setdefault(chat_id, deque()).append(now)
        else:
            self._buckets[chat_id] = (self._tokens(chat_id, now) - 1.0, now)

    def _tokens(self, chat_id: int, now: float) -> float:
        tokens, at = self._buckets.get(chat_id, (float(self.private_burst), now))
        return min(float(self.private_burst), tokens + (now - at) / self.private_interval)

    @staticmethod
    def _forget(times: deque[float], before: float) -> None:
        while times and times[0] <= before:
            times.popleft()
