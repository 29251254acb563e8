"""`bootcamp-bot run`: the application's whole life in one process.

Start: initialise PTB, open the resources (post_init), start the job queue,
then the dispatcher (workers on the inbox) and the intake (long polling into
the inbox). Stop (SIGINT, SIGTERM): stop fetching first, let the updates in
flight finish (bounded), and leave everything else in the inbox for the next
start; then stop the jobs and the sender and close the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal

from telegram.error import TelegramError

from bot.context import BotApplication
from bot.db.inbox import InboxRepository
from bot.intake.polling import ALLOWED_UPDATES, PollingIntake
from bot.intake.webhook import ensure_webhook
from bot.web import WebListener

log = logging.getLogger(__name__)

DRAIN_S = 10.0


async def serve(
    app: BotApplication,
    stop: asyncio.Event | None = None,
    *,
    ready: asyncio.Event | None = None,
    handle_signals: bool = True,
) -> None:
    """Run the bot until `stop` is set (or, with `handle_signals`, a stop signal
    arrives). `ready` is set once updates are being fetched."""
    stop = stop or asyncio.Event()
    if handle_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    started = False
    try:
        assert app.post_init is not None
        await app.post_init(app)
        services = app.bot_data.services
        if services.database.dialect == "sqlite":
            # One process owns an embedded database: claims left by a killed
            # predecessor are stale, so its updates are handled again at once.
            async with services.database.sessions.begin() as session:
                stale = await InboxRepository(session).release_all_claims()
            if stale:
                log.info("%d updates were in flight when the bot last stopped", stale)
        await app.start()
        # Everything loaded so far (PTB, SQLAlchemy, the content) lives as long as
        # the process: out of the collector's way, so a full collection takes a
        # few ms instead of 35-60 ms that a member's press would wait through.
        gc.freeze()
        started = True
        dispatcher = services.dispatcher
        stop_dispatching = asyncio.Event()
        dispatching = asyncio.create_task(
            dispatcher.run(stop_dispatching, drain_s=DRAIN_S), name="dispatcher"
        )
        try:
            listener, intake = await _start_intake(app, stop)
        except BaseException:
            stop_dispatching.set()
            await asyncio.gather(dispatching, return_exceptions=True)
            raise
        if ready is not None:
            ready.set()
        done, _ = await asyncio.wait(
            {intake, dispatching, asyncio.ensure_future(stop.wait())},
            return_when=asyncio.FIRST_COMPLETED,
        )
        stop.set()
        await asyncio.gather(intake, return_exceptions=True)
        if listener is not None:
            # No more updates taken: Telegram sends what comes now to the others
            # (or again later); what was stored waits in the inbox.
            await listener.stop()
        stop_dispatching.set()
        await asyncio.gather(dispatching, return_exceptions=True)
        for task in (intake, dispatching):
            if task in done and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        if started:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        log.info("stopped")


async def _start_intake(
    app: BotApplication, stop: asyncio.Event
) -> tuple[WebListener | None, asyncio.Task[None]]:
    """Webhook mode (BOT_WEBHOOK_URL): listen, then make sure Telegram posts to us;
    the intake task only waits for `stop`. Polling mode: delete any webhook (Telegram
    refuses getUpdates while one is set) and poll; listen only with BOT_HTTP_LISTEN."""
    data = app.bot_data
    config = data.config
    services = data.services
    address = config.listen_address
    listener = None
    if address is not None:
        listener = WebListener(app, webhook=bool(config.webhook_url))
        await listener.start(*address)
    if config.webhook_url:
        assert config.webhook_secret is not None  # required by the settings
        try:
            await ensure_webhook(
                app.bot,
                config.webhook_url,
                config.webhook_secret.get_secret_value(),
                ALLOWED_UPDATES,
                config.webhook_max_connections,
            )
        except BaseException:
            if listener is not None:
                await listener.stop()
            raise
        log.info(
            "handling updates with %d workers; webhook %s",
            services.dispatcher.workers,
            config.webhook_url,
        )
        return listener, asyncio.create_task(_until(stop), name="webhook")
    try:
        await app.bot.delete_webhook()
    except TelegramError as exc:  # Telegram unreachable: polling retries, and says so
        log.warning("could not delete a webhook that may be set (%s)", exc)
    assert config.bot_token is not None
    intake = PollingIntake(
        config.base_url,
        config.bot_token.get_secret_value(),
        services.database.sessions,
        data.clock,
        services.dispatcher.stored,
    )
    log.info(
        "handling updates with %d workers; polling %s",
        services.dispatcher.workers,
        config.api_base_url,
    )
    return listener, asyncio.create_task(intake.run(stop), name="polling")


async def _until(stop: asyncio.Event) -> None:
    await stop.wait()
