"""The sandbox's webhook delivery: it posts updates to the bot as Telegram does.

After setWebhook (an http:// or https:// URL on this machine), every pending
update is POSTed as JSON with the `X-Telegram-Bot-Api-Secret-Token` header,
at most `max_connections` at once and one at a time per chat (the next update
of a chat waits until the one before is confirmed). An update is confirmed,
and forgotten, only on a 2xx answer; any other answer, a refused connection or
no answer within `timeout_s` keeps it and tries again after `retry_s`, and is
reported in getWebhookInfo's `last_error_date` / `last_error_message`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from pydantic import SecretStr

from bot.db.inbox import chat_key_of
from bot.sandbox.errors import bad_request
from bot.sandbox.state import SandboxState

log = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_MAX_CONNECTIONS = 40
IDLE_S = 0.2  # how often waiting retries are looked at when nothing changes


@dataclass(frozen=True)
class Webhook:
    """What setWebhook asked for."""

    url: str
    secret: str | None
    max_connections: int


def check_url(url: str) -> str:
    """The URL, or the ApiError Telegram would answer (the sandbox posts only locally)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if parts.hostname not in LOOPBACK:
        raise bad_request("bad webhook: the sandbox posts only to 127.0.0.1 or localhost")
    return url


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (for a bot's webhook listener)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def local_webhook(path: str = "/telegram") -> dict[str, Any]:
    """Settings that put a bot in webhook mode on a free local port with a fresh secret."""
    port = free_port()
    return {
        "webhook_url": f"http://127.0.0.1:{port}{path}",
        "webhook_listen": f"127.0.0.1:{port}",
        "webhook_secret": SecretStr(secrets.token_urlsafe(32)),
    }


class WebhookPusher:
    """Posts the state's pending updates to the webhook until it is deleted."""

    def __init__(self, state: SandboxState, *, retry_s: float = 1.0, timeout_s: float = 30.0):
        self.state = state
        self.retry_s = retry_s
        self.timeout_s = timeout_s
        self.webhook: Webhook | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.posts = 0  # requests made (answered or not)
        self.peak = 0  # the most requests in flight at once
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._retry_at: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._ended = 0  # posts that ended, answered or not

    def set(self, webhook: Webhook) -> None:
        """Deliver to `webhook` from now on."""
        self.webhook = webhook
        self._ended += 1  # look at the queue again with the new settings
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="sandbox-webhook")
        self.state.touch()

    async def delete(self) -> None:
        """Stop delivering; requests in flight are abandoned (their updates stay)."""
        self.webhook = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for post in list(self._in_flight.values()):
            post.cancel()
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        self._in_flight.clear()
        self._retry_at.clear()

    def info(self) -> dict[str, Any]:
        """getWebhookInfo's result."""
        webhook = self.webhook
        result: dict[str, Any] = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.pending_updates(limit=1_000_000)),
        }
        if webhook is not None:
            result["max_connections"] = webhook.max_connections
            result["ip_address"] = "127.0.0.1"
            if self.state.allowed_updates:
                result["allowed_updates"] = list(self.state.allowed_updates)
        if self.last_error_date is not None:
            result["last_error_date"] = self.last_error_date
            result["last_error_message"] = self.last_error_message
        return result

    async def _run(self) -> None:
        # The sandbox changes with every call the bot makes; look at the queue
        # again only when an update came, a post ended or a retry fell due.
        seen: tuple[int, int] | None = None
        async with aiohttp.ClientSession() as http:
            while self.webhook is not None and not self.state.closing:
                mark = (self.state.updates_queued, self._ended)
                due = self._retry_at and min(self._retry_at.values()) <= self.state.monotonic()
                if mark != seen or due:
                    seen = mark
                    self._start_due(http, self.webhook)
                await self.state.wait_change(IDLE_S)

    def _start_due(self, http: aiohttp.ClientSession, webhook: Webhook) -> None:
        """Post the first unconfirmed update of every chat with nothing in flight."""
        now = self.state.monotonic()
        seen: set[str] = set()
        for update in self.state.pending_updates(limit=1_000_000):
            if len(self._in_flight) >= webhook.max_connections:
                return
            update_id = int(update["update_id"])
            chat, _ = chat_key_of(update)
            if chat in seen:
                continue  # an earlier update of this chat is not confirmed yet
            seen.add(chat)
            if update_id in self._in_flight or self._retry_at.get(update_id, 0.0) > now:
                continue
            task = asyncio.create_task(self._post(http, webhook, update))
            self._in_flight[update_id] = task
            self.peak = max(self.peak, len(self._in_flight))

    async def _post(self, http: aiohttp.ClientSession, webhook: Webhook, update: Any) -> None:
        update_id = int(update["update_id"])
        headers = {SECRET_HEADER: webhook.secret} if webhook.secret else {}
        error: str | None = None
        self.posts += 1
        try:
            timeout = aiohttp.ClientTimeout(total=self.timeout_s)
            async with http.post(
                webhook.url, json=update, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                if not 200 <= response.status < 300:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientError as exc:
            error = f"Connection failed: {exc.__class__.__name__}"
        finally:
            self._in_flight.pop(update_id, None)
            self._ended += 1
        if error is None:
            self._retry_at.pop(update_id, None)
            self.state.forget_update(update_id)
        else:
            log.debug("sandbox: webhook post of update %d failed: %s", update_id, error)
            self.last_error_date = self.state.now()
            self.last_error_message = error
            self._retry_at[update_id] = self.state.monotonic() + self.retry_s
            self.state.touch()
