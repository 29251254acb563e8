"""Telegram's flood control, as the sandbox applies it to every sent message.

Three limits, each answered with 429 and `retry_after`: about 30 messages a
second overall, about one a second to a private chat (a short burst is let
through first) and 20 a minute to a group. A message sent with
`allow_paid_broadcast` counts against a paid overall limit of 1000 a second
instead of the free 30 (the per-chat limits still apply), and is tallied as
paid: Telegram bills 0.1 Star for it (`STARS_PER_PAID_MESSAGE`; the sandbox
charges every paid message, an upper bound of what Telegram bills).

For tests and benchmarks it also keeps the most messages it accepted in any
one second (`peak_per_second`, free and paid apart), so a run can show it
never went above a limit. Time comes from an injectable monotonic source so
tests can move it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

FREE_PER_SECOND = 30
PAID_PER_SECOND = 1000
STARS_PER_PAID_MESSAGE = 0.1


class FloodControl:
    """Decides whether one more message may go out now, and records sent ones."""

    def __init__(
        self,
        monotonic: Callable[[], float],
        *,
        per_second: int = FREE_PER_SECOND,
        paid_per_second: int = PAID_PER_SECOND,
        private_interval: float = 1.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
    ) -> None:
        self._monotonic = monotonic
        self.per_second = per_second
        self.paid_per_second = paid_per_second
        self.private_interval = private_interval
        self.private_burst = private_burst
        self.group_per_minute = group_per_minute
        self._recent: deque[float] = deque()
        self._recent_paid: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._groups: dict[int, deque[float]] = {}
        self.messages = 0  # every message recorded
        self.paid_messages = 0  # of which sent with allow_paid_broadcast
        self._peak = 0
        self._peak_paid = 0

    def retry_after(self, chat_id: int, *, group: bool, paid: bool = False) -> int | None:
        """Seconds the bot must wait before this send, or None when it may go now."""
        now = self._monotonic()
        waits: list[float] = []
        recent, limit = self._overall(paid)
        self._forget(recent, now - 1.0)
        if len(recent) >= limit:
            waits.append(recent[0] + 1.0 - now)
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

    def record(self, chat_id: int, *, group: bool, paid: bool = False) -> None:
        """Count one message that went out to `chat_id`."""
        now = self._monotonic()
        recent, _ = self._overall(paid)
        self._forget(recent, now - 1.0)
        recent.append(now)
        self.messages += 1
        if paid:
            self.paid_messages += 1
            self._peak_paid = max(self._peak_paid, len(recent))
        else:
            self._peak = max(self._peak, len(recent))
        if group:
            self._groups.setdefault(chat_id, deque()).append(now)
        else:
            self._buckets[chat_id] = (self._tokens(chat_id, now) - 1.0, now)

    def peak_per_second(self, *, paid: bool = False) -> int:
        """The most messages accepted within any one second so far (free or paid ones)."""
        return self._peak_paid if paid else self._peak

    @property
    def stars(self) -> float:
        """The Stars Telegram would bill for the paid messages so far."""
        return round(self.paid_messages * STARS_PER_PAID_MESSAGE, 1)

    def _overall(self, paid: bool) -> tuple[deque[float], int]:
        if paid:
            return self._recent_paid, self.paid_per_second
        return self._recent, self.per_second

    def _tokens(self, chat_id: int, now: float) -> float:
        tokens, at = self._buckets.get(chat_id, (float(self.private_burst), now))
        return min(float(self.private_burst), tokens + (now - at) / self.private_interval)

    @staticmethod
    def _forget(times: deque[float], before: float) -> None:
        while times and times[0] <= before:
            times.popleft()
