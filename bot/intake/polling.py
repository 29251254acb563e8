"""Long polling that never confirms an update before it is stored.

Telegram confirms updates through the `offset` of the next getUpdates call:
every update with a lower id is forgotten. PTB's built-in Updater moves the
offset as soon as it has fetched a batch, before any handler ran, so a crash
then loses the whole batch. This loop calls getUpdates itself, stores the raw
updates in the inbox (one transaction per batch, duplicates ignored), and only
then asks for the next batch with the offset past them. A crash at any moment
either leaves the batch unconfirmed (Telegram sends it again; the inbox drops
the repeats) or stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.clock import Clock
from bot.db.inbox import InboxRepository

log = logging.getLogger(__name__)

ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "my_chat_member",
)
LONG_POLL_S = 25
MAX_BACKOFF_S = 30.0
STORE_RETRY_S = 1.0


class PollingIntake:
    """Fetches updates from the Bot API into the inbox."""

    def __init__(
        self,
        base_url: str,
        token: str,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        on_stored: Callable[[int], None],
        *,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        long_poll_s: int = LONG_POLL_S,
    ) -> None:
        self._url = f"{base_url}{token}/getUpdates"
        self._http: aiohttp.ClientSession | None = None
        self._sessions = sessions
        self._clock = clock
        self._on_stored = on_stored
        self._allowed = list(allowed_updates)
        self._long_poll_s = long_poll_s
        self.offset: int | None = None
        self.received = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set. A poll in progress is abandoned, and so is a
        batch the database would not take: neither was confirmed, so Telegram
        sends them again."""
        backoff = 1.0
        self._http = aiohttp.ClientSession()
        try:
            await self._poll(stop, backoff)
        finally:
            await self._http.close()

    async def _poll(self, stop: asyncio.Event, backoff: float) -> None:
        while not stop.is_set():
            fetch = asyncio.ensure_future(self._fetch())
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if fetch not in done:
                fetch.cancel()
                await asyncio.gather(fetch, return_exceptions=True)
                break
            stopping.cancel()
            try:
                batch = fetch.result()
            except InvalidToken:
                log.error("Telegram refused the bot token; polling stops")
                raise
            except Conflict:
                log.error(
                    "another process is polling with this token (or a webhook is set); "
                    "retrying in %.0f s",
                    backoff,
                )
                await _pause(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                await _pause(stop, seconds)
                continue
            except (NetworkError, TelegramError) as exc:
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await _pause(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            backoff = 1.0
            if batch:
                await self._store(batch, stop)

    async def _fetch(self) -> list[dict[str, Any]]:
        """One getUpdates call: Telegram's raw updates, or a PTB error."""
        assert self._http is not None
        body: dict[str, Any] = {"timeout": self._long_poll_s, "allowed_updates": self._allowed}
        if self.offset is not None:
            body["offset"] = self.offset
        timeout = aiohttp.ClientTimeout(total=self._long_poll_s + 15, sock_connect=10)
        try:
            async with self._http.post(self._url, json=body, timeout=timeout) as response:
                status = response.status
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = {}
        except TimeoutError as exc:
            raise TimedOut("getUpdates timed out") from exc
        except aiohttp.ClientError as exc:
            # The URL holds the token: never put it into the message.
            raise NetworkError(f"getUpdates failed: {exc.__class__.__name__}") from exc
        if isinstance(answer, dict) and answer.get("ok") is True:
            return [item for item in answer.get("result") or [] if isinstance(item, dict)]
        description = str(answer.get("description", "")) if isinstance(answer, dict) else ""
        if status in (401, 404):
            raise InvalidToken(description or "the token was refused")
        if status == 409:
            raise Conflict(description)
        if status == 429:
            parameters = answer.get("parameters") or {} if isinstance(answer, dict) else {}
            raise RetryAfter(int(parameters.get("retry_after", 5)))
        raise NetworkError(f"getUpdates answered {status}: {description}")

    async def _store(self, batch: list[dict[str, Any]], stop: asyncio.Event) -> None:
        while True:
            try:
                async with self._sessions.begin() as session:
                    fresh = await InboxRepository(session).store(batch, self._clock.now())
                break
            except Exception:  # the database is down: keep the batch unconfirmed
                log.exception("could not store %d updates; retrying", len(batch))
                await _pause(stop, STORE_RETRY_S)
                if stop.is_set():
                    return  # unconfirmed: Telegram sends the batch again after the restart
        # Only now may Telegram forget them: the next call confirms.
        self.offset = max(int(item["update_id"]) for item in batch) + 1
        self.received += fresh
        if fresh:
            self._on_stored(fresh)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
