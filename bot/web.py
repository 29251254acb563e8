"""The one HTTP listener of a bot process (aiohttp.web): the webhook, /healthz,
/metrics and the Mini App under /app (`bot.webapp.server`).

In webhook mode it listens on BOT_WEBHOOK_LISTEN and takes updates at the path
of BOT_WEBHOOK_URL (`bot.intake.webhook`); in polling mode it runs only when
BOT_HTTP_LISTEN is set, with /healthz and /metrics alone.

- GET /healthz: 200 and JSON (database reachable, inbox depth and lag, outbox
  waiting, who holds the sender lease and whether it is this process, the
  version); 503 when the database does not answer within HEALTH_TIMEOUT_S.
- GET /metrics: the Prometheus text format of `bot.metrics`, with the depths
  and the lease read from the database at that moment.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot import __version__
from bot.context import BotApplication
from bot.intake.webhook import WebhookReceiver
from bot.services.health import Health, read_health
from bot.webapp.server import MiniApp

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_S = 3.0
MAX_UPDATE_BYTES = 1024 * 1024  # Telegram's updates are a few kB


class WebListener:
    """Serves the webhook (when `webhook`), /healthz and /metrics for one application."""

    def __init__(self, app: BotApplication, *, webhook: bool) -> None:
        self._app = app
        self._webhook = webhook
        self._runner: web.AppRunner | None = None
        self.address: tuple[str, int] | None = None

    def build(self) -> web.Application:
        """The aiohttp application with this bot's routes."""
        data = self._app.bot_data
        web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        web_app.router.add_get("/healthz", self._healthz)
        web_app.router.add_get("/metrics", self._metrics)
        MiniApp(self._app).mount(web_app)
        if self._webhook:
            config = data.config
            assert config.webhook_secret is not None  # required by the settings
            services = data.services
            receiver = WebhookReceiver(
                services.database.sessions,
                data.clock,
                config.webhook_secret.get_secret_value(),
                services.dispatcher.stored,
                data.metrics,
            )
            web_app.router.add_post(config.webhook_path, receiver.take)
        return web_app

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (port 0: any free one; `address` tells which)."""
        runner = web.AppRunner(self.build(), access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound = next(iter(runner.addresses))
        self.address = (str(bound[0]), int(bound[1]))
        log.info("listening on %s:%d", *self.address)

    async def stop(self) -> None:
        """Stop taking requests; the ones being answered get a few seconds."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _read(self) -> Health | None:
        data = self._app.bot_data
        try:
            return await asyncio.wait_for(
                read_health(data.services.database.sessions, data.clock), HEALTH_TIMEOUT_S
            )
        except Exception as exc:  # the database is down or too slow: report, never fail
            log.warning("health check: the database did not answer (%s)", exc.__class__.__name__)
            return None

    async def _healthz(self, request: web.Request) -> web.Response:
        health = await self._read()
        if health is None:
            return web.json_response(
                {"status": "unavailable", "database": False, "version": __version__}, status=503
            )
        sender = self._app.bot_data.services.sender
        return web.json_response(
            {
                "status": "ok",
                "database": True,
                "inbox": {
                    "waiting": health.inbox_depth,
                    "lag_seconds": round(health.inbox_lag_s, 3),
                },
                "outbox": {"waiting": health.outbox_waiting},
                "sender": {"holder": health.sender, "this_process": sender.holding},
                "version": __version__,
            }
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        data = self._app.bot_data
        metrics = data.metrics
        health = await self._read()
        metrics.database_up.set(0 if health is None else 1)
        if health is not None:
            metrics.inbox_depth.set(health.inbox_depth)
            metrics.inbox_lag.set(health.inbox_lag_s)
            metrics.outbox_depth.set(health.outbox_waiting)
        metrics.sender_lease.set(1 if data.services.sender.holding else 0)
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})
