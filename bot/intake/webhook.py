"""Webhook mode: Telegram posts each update to our URL; we answer 200 once it is stored.

Telegram sends an update again until it gets a 2xx answer, so the request
handler stores the update in the inbox, commits, and only then answers: a
crash (or a database that is down) before the commit means no 200, and the
update comes again, to this replica or another one behind the load balancer.
A repeated update id is ignored at insert, as with polling.

A request without the secret token that setWebhook was given is answered 401
and has no effect. setWebhook itself is called only when getWebhookInfo
differs from what this process wants, so replicas starting together do not
set it over and over. Telegram does not tell which secret a webhook has: after
changing BOT_WEBHOOK_SECRET alone, delete the webhook once (start one process
without BOT_WEBHOOK_URL) so the next start sets it with the new secret.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Sequence

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.clock import Clock
from bot.db.inbox import InboxRepository
from bot.metrics import Metrics

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def ensure_webhook(
    bot: Bot, url: str, secret: str, allowed_updates: Sequence[str], max_connections: int
) -> bool:
    """Point Telegram at `url` unless it already is with these settings; whether it set it."""
    info = await bot.get_webhook_info()
    if (
        info.url == url
        and set(info.allowed_updates or ()) == set(allowed_updates)
        and info.max_connections == max_connections
    ):
        log.info("webhook already set to %s", url)
        return False
    await bot.set_webhook(
        url,
        secret_token=secret,
        allowed_updates=list(allowed_updates),
        max_connections=max_connections,
    )
    log.info("webhook set to %s (was %s)", url, info.url or "none")
    return True


class WebhookReceiver:
    """The aiohttp handler of the webhook path: check the secret, store, answer."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        secret: str,
        on_stored: Callable[[int], None],
        metrics: Metrics,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._secret = secret.encode()
        self._on_stored = on_stored
        self._metrics = metrics

    async def take(self, request: web.Request) -> web.Response:
        """Answer one post: 401 without the secret, 400 for what is no update, 503
        when it could not be stored (Telegram sends it again), else 200."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self._metrics.webhook_refused.inc()
            return web.Response(status=401, text="wrong or missing secret token")
        try:
            payload = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON")
        update_id = payload.get("update_id") if isinstance(payload, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return web.Response(status=400, text="not an update")
        try:
            async with self._sessions.begin() as session:
                fresh = await InboxRepository(session).store([payload], self._clock.now())
        except Exception:  # not stored: no 2xx, so Telegram sends it again
            log.exception("could not store update %s; Telegram will send it again", update_id)
            return web.Response(status=503, text="not stored, send it again")
        if fresh:
            self._on_stored(fresh)
        return web.Response(status=200)
