"""One rate budget for everything the bot sends: replies and the outbox alike.

Telegram allows about 30 new messages a second overall, about one a second to
one private chat (after a short burst) and 20 a minute to a group; above that
it answers 429 with `retry_after`. PTB's own AIORateLimiter throttles every
request behind one shared limiter, so one chatty chat or a broadcast makes
every other chat wait. This limiter keeps the accounts apart:

- per chat: a private chat has a small token bucket (burst, then one a
  second), a group a sliding window of 20 a minute. A chat over its limit
  waits alone;
- overall: new messages are granted at most `overall_rate` a second, in
  priority order: replies first, then sessions and notices, then bulk mail
  (broadcasts, nudges). Paid broadcasts have a budget of their own;
- a 429 for one chat blocks only that chat for the time asked; 429s for
  several chats at once mean the bot as a whole is over the limit, and every
  new message waits;
- edits, callback answers and inline answers are not new messages: they are
  never held back (a press must be answered within seconds).

Time comes from `monotonic`/`sleep` (the event loop's by default), so tests
can move it.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.metrics import Metrics

log = logging.getLogger(__name__)

# Methods that create a message in a chat: the ones Telegram's flood limits count.
NEW_MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendVideoNote",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    }
)
# 429s for this many different chats within GLOBAL_WINDOW_S: the bot is over the limit.
GLOBAL_CHATS = 3
GLOBAL_WINDOW_S = 2.0


class Priority(IntEnum):
    """Who goes first when the overall budget is short."""

    REPLY = 0  # an answer to what a person just did
    SESSION = 1  # a daily session, a milestone
    BULK = 2  # broadcasts and nudges


@dataclass(frozen=True, slots=True)
class SendArgs:
    """Per-request options (PTB's `rate_limit_args`)."""

    priority: Priority = Priority.REPLY
    paid: bool = False  # allow_paid_broadcast: counted against the paid budget
    max_retries: int | None = None  # None: the limiter's default; 0: raise RetryAfter


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass
class _ChatBudget:
    """One chat's allowance: a token bucket (private) or a sliding window (group)."""

    group: bool
    tokens: float
    stamp: float
    sent: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0

    def wait(self, now: float, burst: int, interval: float, per_minute: int) -> float:
        """Seconds until one more message may go to this chat."""
        waits = [self.blocked_until - now]
        if self.group:
            while self.sent and self.sent[0] <= now - 60.0:
                self.sent.popleft()
            if len(self.sent) >= per_minute:
                waits.append(self.sent[0] + 60.0 - now)
        else:
            self.tokens = min(float(burst), self.tokens + (now - self.stamp) / interval)
            self.stamp = now
            if self.tokens < 1.0:
                waits.append((1.0 - self.tokens) * interval)
        return max(0.0, *waits)

    def take(self, now: float) -> None:
        if self.group:
            self.sent.append(now)
        else:
            self.tokens -= 1.0

    def restamp(self, taken: float, now: float) -> None:
        """A group message taken at `taken` really went out at `now` (it waited for
        the overall budget): count it in the minute it was sent."""
        if not self.group or now <= taken:
            return
        with contextlib.suppress(ValueError):
            self.sent.remove(taken)
        self.sent.append(now)


# How far behind its schedule a grant may fall and still be made up. Each
# grant waits for its slot with a timer, and the event loop wakes a timer a
# little late (about a millisecond when busy); a schedule that restarted from
# each late wake-up lost that much per grant, which at 1 ms slots (paid
# broadcasts at 1000/s) held the rate under 500/s. Slots missed by less than
# this are granted at once instead, so the rate holds; below 100/s it is
# less than one slot, so the free rates keep their exact spacing.
CATCH_UP_S = 0.01


def catch_up(rate: float) -> float:
    """Seconds of missed slots a schedule at `rate` makes up: whole slots
    within CATCH_UP_S (none below 100/s)."""
    interval = 1.0 / rate
    return int(CATCH_UP_S / interval + 1e-9) * interval


class _Grants:
    """Grants of an overall rate, one at a time, to the highest-priority waiter."""

    def __init__(
        self, rate: float, monotonic: Callable[[], float], sleep: Callable[[float], Awaitable[None]]
    ) -> None:
        self.interval = 1.0 / rate
        self._behind = catch_up(rate)
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0
        self.paused_until = 0.0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    def waiting(self) -> int:
        return sum(1 for _, _, future in self._waiters if not future.done())

    async def acquire(self, priority: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        self._wake.set()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run(), name="rate-limiter")
        await future

    async def _run(self) -> None:
        while True:
            while self._waiters and self._waiters[0][2].done():
                heapq.heappop(self._waiters)  # cancelled while waiting
            if not self._waiters:
                self._wake.clear()
                await self._wake.wait()
                continue
            now = self._monotonic()
            start = max(now, self._next, self.paused_until)
            if start > now:
                await self._sleep(start - now)
                continue
            _, _, future = heapq.heappop(self._waiters)
            if future.done():
                continue
            self._next = max(now - self._behind, self._next) + self.interval
            future.set_result(None)

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None


# Below Telegram's ~30/s, so replies and the outbox together stay clear of it;
# a bot configured to broadcast faster (BOT_BROADCAST_RATE up to 30) gets more,
# up to MAX_OVERALL_RATE: Telegram counts messages as they arrive, and a
# network's jitter bunches sends paced at exactly 30/s into seconds of 31 or 32
# (measured: 21 429s in 30 s at 30/s, 3 at 29.5/s, 150 ± 50 ms latency).
DEFAULT_OVERALL_RATE = 28.0
MAX_OVERALL_RATE = 29.5
# The same for paid broadcasts, under Telegram's 1000/s: a configured 1000
# grants 960. Measured at 1000 (150 ± 50 ms, 10,000 messages): about one
# send in a hundred came back 429, the arrivals of a full-speed second
# bunched over the limit by the network's jitter and made-up slots.
MAX_PAID_RATE = 960.0


class TelegramLimiter(BaseRateLimiter[SendArgs]):
    """PTB rate limiter with per-chat accounts, priorities and scoped 429s."""

    def __init__(
        self,
        *,
        overall_rate: float = DEFAULT_OVERALL_RATE,
        paid_rate: float = 0.0,
        private_burst: int = 3,
        private_interval: float = 1.05,
        group_per_minute: int = 19,
        max_retries: int = 3,
        monotonic: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._monotonic = monotonic or (lambda: asyncio.get_running_loop().time())
        self._sleep = sleep or asyncio.sleep
        self.overall_rate = overall_rate
        self.paid_rate = paid_rate
        self._burst = private_burst
        self._interval = private_interval
        self._per_minute = group_per_minute
        self._max_retries = max_retries
        self._chats: dict[int, _ChatBudget] = {}
        self._free = _Grants(overall_rate, self._now, self._sleep)
        paid = min(paid_rate, MAX_PAID_RATE)
        self._paid = _Grants(paid, self._now, self._sleep) if paid_rate > 0 else None
        self._recent_429: deque[tuple[float, int]] = deque()
        self.stats: dict[str, int] = {"retry_after": 0, "global_pauses": 0}
        self.metrics = metrics or Metrics()

    def _now(self) -> float:
        return self._monotonic()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        await self._free.close()
        if self._paid is not None:
            await self._paid.close()

    # -- accounting ----------------------------------------------------------------
    def _chat(self, chat_id: int) -> _ChatBudget:
        budget = self._chats.get(chat_id)
        if budget is None:
            if len(self._chats) > 50_000:  # forget idle chats, keep memory flat
                self._forget_idle()
            budget = _ChatBudget(group=chat_id < 0, tokens=float(self._burst), stamp=self._now())
            self._chats[chat_id] = budget
        return budget

    def _forget_idle(self) -> None:
        now = self._now()
        for chat_id in [
            c
            for c, b in self._chats.items()
            if b.blocked_until < now and (b.group is False or not b.sent)
        ]:
            del self._chats[chat_id]

    def chat_wait(self, chat_id: int) -> float:
        """Seconds before one more message may go to this chat (0: now)."""
        return self._chat(chat_id).wait(self._now(), self._burst, self._interval, self._per_minute)

    async def _admit(self, chat_id: int | None, args: SendArgs) -> None:
        budget, taken = None, 0.0
        if chat_id is not None:
            while (wait := self.chat_wait(chat_id)) > 0:
                await self._sleep(wait)
            # Taken before waiting for the overall grant, with no await in between,
            # so two sends to one chat can never both see the same free token.
            budget, taken = self._chat(chat_id), self._now()
            budget.take(taken)
        grants = self._paid if args.paid and self._paid is not None else self._free
        await grants.acquire(int(args.priority))
        if budget is not None:
            budget.restamp(taken, self._now())

    def _record_429(self, chat_id: int | None, seconds: float, paid: bool = False) -> None:
        now = self._now()
        self.stats["retry_after"] += 1
        self.metrics.retry_after.inc()
        if chat_id is not None:
            budget = self._chat(chat_id)
            budget.blocked_until = max(budget.blocked_until, now + seconds)
        self._recent_429.append((now, chat_id if chat_id is not None else 0))
        while self._recent_429 and self._recent_429[0][0] < now - GLOBAL_WINDOW_S:
            self._recent_429.popleft()
        chats = {chat for _, chat in self._recent_429}
        if chat_id is None or len(chats) >= GLOBAL_CHATS:
            self.stats["global_pauses"] += 1
            log.warning("Telegram says the bot is over its limit: pausing for %.0f s", seconds)
            # The limit that was hit is the one of the grants this send used.
            grants = self._paid if paid and self._paid is not None else self._free
            grants.paused_until = max(grants.paused_until, now + seconds)

    # -- PTB -----------------------------------------------------------------------
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: SendArgs | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        options = rate_limit_args or SendArgs()
        chat_id = _chat_id(data)
        limited = endpoint in NEW_MESSAGE_METHODS
        retries = self._max_retries if options.max_retries is None else options.max_retries
        attempt = 0
        while True:
            if limited:
                await self._admit(chat_id, options)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = _seconds(exc.retry_after)
                self._record_429(chat_id, seconds, paid=options.paid)
                if attempt >= retries:
                    raise
                attempt += 1
                if not limited:  # an edit or an answer: wait here, then try again
                    await self._sleep(seconds)


def _chat_id(data: dict[str, Any]) -> int | None:
    value = data.get("chat_id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None
