"""The composition root: settings in, a ready PTB Application out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import cast

from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot import i18n
from bot.background import HeavyWork, settle
from bot.catalog import Catalog, load_catalogs
from bot.catalog.library import Libraries
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import BotApplication, BotContext, BotData, Services, Worker
from bot.db.session import Database
from bot.db.status import BroadcastStatus, Role
from bot.delivery.compose import make_composer, make_relay_listener
from bot.delivery.limiter import DEFAULT_OVERALL_RATE, MAX_OVERALL_RATE, TelegramLimiter
from bot.delivery.menus import publish_default_menu, publish_member_menu
from bot.delivery.monitor import BroadcastMonitor
from bot.delivery.sender import Sender
from bot.delivery.tick import Ticker
from bot.handlers import register
from bot.intake.dispatcher import Dispatcher
from bot.metrics import Metrics
from bot.net import AiohttpRequest
from bot.services.broadcasts import BroadcastService
from bot.services.checkins import CheckinService
from bot.services.digests import DigestService
from bot.services.feedback import FeedbackService
from bot.services.groups import GroupService
from bot.services.housekeeping import prune_inbox, prune_outbox
from bot.services.members import MemberService
from bot.services.planner import SessionPlanner
from bot.services.preferences import PreferencesService
from bot.services.staff import StaffService
from bot.services.stats import StatsService

log = logging.getLogger(__name__)

PRUNE_INBOX_EVERY = timedelta(hours=1)
PRUNE_OUTBOX_EVERY = timedelta(hours=1)
MONITOR_EVERY = timedelta(seconds=3)
REFRESH_STATS_EVERY = timedelta(seconds=30)
DIGESTS_EVERY = timedelta(minutes=1)


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    catalog: Catalog | None = None,
    catalogs: Mapping[str, Catalog] | None = None,
    workers: bool = True,
    rate_limiter: bool = True,
) -> BotApplication:
    """Build the bot. `request`/`updates_request` replace the HTTP layer (tests).

    The content of every language is loaded and validated here, before anything
    connects: a bad content directory raises ContentError with every problem.
    `catalog` (English only) or `catalogs` (by language) replace the loading.
    """
    if settings.bot_token is None:
        raise ValueError("a bot token is needed to build the application")
    if catalogs is None:
        catalogs = {i18n.DEFAULT: catalog} if catalog else load_catalogs(settings.content_dir)
    libraries = Libraries(catalogs)
    builder = (
        Application.builder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        # Every message is Telegram HTML; user text is escaped where it is rendered.
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .post_init(_open_resources)
        .post_stop(_stop_workers)
        .post_shutdown(_close_resources)
    )
    metrics = Metrics()
    if rate_limiter:
        # One budget for replies and the outbox: per chat, overall with replies
        # first, and 429s kept to the chat they were about (delivery/limiter.py).
        # The overall grant is never below the configured broadcast rate, or the
        # sender could not reach the rate it was given.
        limiter = TelegramLimiter(
            overall_rate=max(DEFAULT_OVERALL_RATE, min(settings.broadcast_rate, MAX_OVERALL_RATE)),
            paid_rate=settings.paid_broadcast_rate,
            metrics=metrics,
        )
        # The builder's type is fixed as ExtBot[None] by Application.builder().
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    # aiohttp under PTB (bot/net.py): the default httpx client costs more CPU per
    # request than the handlers themselves.
    builder = builder.request(request or AiohttpRequest(connection_pool_size=256))
    builder = builder.get_updates_request(
        updates_request or AiohttpRequest(connection_pool_size=2, read_timeout=40.0)
    )
    app = cast(BotApplication, builder.build())
    app.bot_data.config = settings
    app.bot_data.metrics = metrics
    app.bot_data.clock = clock or SystemClock()
    app.bot_data.libraries = libraries
    app.bot_data.run_workers = workers
    register(app)
    return app


async def _open_resources(app: BotApplication) -> None:
    """Open the database, build the services, start the tick and the sender."""
    bot_data: BotData = app.bot_data
    settings = bot_data.config
    clock = bot_data.clock
    # The services work with ids and program days, the same in every language.
    catalog = bot_data.libraries.catalog(i18n.DEFAULT)
    database = Database(settings.effective_database_url)
    planner = SessionPlanner(database.sessions, clock, catalog)
    preferences = PreferencesService(database.sessions, clock, catalog.programs)
    broadcasts = BroadcastService(database.sessions, clock)
    feedback = FeedbackService(database.sessions, clock)
    digests = DigestService(database.sessions, clock, catalog, feedback)
    groups = GroupService(
        database.sessions, clock, catalog, default_timezone=settings.default_timezone
    )
    members = MemberService(
        database.sessions,
        clock,
        default_timezone=settings.default_timezone,
        default_reminder_time=settings.default_reminder_time,
        admin_ids=settings.admin_ids,
    )
    services = Services(
        database=database,
        members=members,
        preferences=preferences,
        planner=planner,
        checkins=CheckinService(database.sessions, clock, catalog),
        dispatcher=Dispatcher(
            app,
            database.sessions,
            clock,
            workers=settings.update_workers,
            metrics=bot_data.metrics,
        ),
        heavy=HeavyWork(settings.render_processes),
        ticker=Ticker(database.sessions, clock, preferences, groups=groups),
        sender=Sender(
            database.sessions,
            clock,
            app.bot,
            make_composer(
                planner,
                catalog,
                feedback=feedback,
                digests=digests,
                groups=groups,
                bot_username=lambda: app.bot.username,
                catalogs=bot_data.libraries.catalog,
            ),
            members,
            rate=settings.broadcast_rate,
            paid_rate=settings.paid_broadcast_rate,
            send_timeout=settings.send_timeout,
            metrics=bot_data.metrics,
            groups=groups,
        ),
        staff=StaffService(database.sessions, clock, settings.admin_ids),
        broadcasts=broadcasts,
        stats=StatsService(database.sessions, clock, catalog),
        monitor=BroadcastMonitor(
            broadcasts,
            app.bot,
            clock,
            settings.broadcast_rate,
            settings.paid_broadcast_rate,
        ),
        feedback=feedback,
        digests=digests,
        groups=groups,
    )
    services.sender.busy_answering = lambda: services.dispatcher.pressed
    services.sender.listeners.append(make_relay_listener(feedback))
    bot_data.open(services)
    await services.staff.sync_admins()
    await publish_default_menu(app.bot, settings.app_url)
    for person in await services.staff.staff():
        await publish_member_menu(app.bot, person, Role(person.role), settings.app_url)
    if bot_data.run_workers:
        _start_workers(app, services)
    log.info("bot @%s ready on %s", app.bot.username, database.dialect)


def _start_workers(app: BotApplication, services: Services) -> None:
    """The due scan as one repeating job; the sender as one long-running task."""
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    job_kwargs = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
    tick_every = timedelta(seconds=app.bot_data.config.tick_seconds)
    jobs = (
        (_tick, tick_every, timedelta(seconds=1), "tick"),
        (_watch_broadcasts, MONITOR_EVERY, timedelta(seconds=2), "broadcasts"),
        (_refresh_stats, REFRESH_STATS_EVERY, timedelta(seconds=5), "refresh-stats"),
        (_queue_digests, DIGESTS_EVERY, timedelta(seconds=15), "digests"),
        (_prune_inbox, PRUNE_INBOX_EVERY, timedelta(minutes=1), "prune-inbox"),
        (_prune_outbox, PRUNE_OUTBOX_EVERY, timedelta(minutes=2), "prune-outbox"),
    )
    for callback, every, first, name in jobs:
        app.job_queue.run_repeating(
            callback, interval=every, first=first, name=name, job_kwargs=job_kwargs
        )
    stop = asyncio.Event()
    task = asyncio.create_task(services.sender.run(stop), name="outbox-sender")
    app.bot_data.workers.append(Worker(stop, task))


async def _stop_workers(app: BotApplication) -> None:
    """Let background work and the sender's message in flight finish, then stop."""
    await settle(app, limit_s=10)
    workers, app.bot_data.workers = app.bot_data.workers, []
    for worker in workers:
        worker.stop.set()
    for worker in workers:
        try:
            await asyncio.wait_for(worker.task, timeout=15)
        except TimeoutError:
            worker.task.cancel()


async def _close_resources(app: BotApplication) -> None:
    """Stop the workers and close the database."""
    await _stop_workers(app)
    bot_data: BotData = app.bot_data
    try:
        services = bot_data.services
    except RuntimeError:
        return
    services.heavy.close()
    await services.database.dispose()


async def _tick(context: BotContext) -> None:
    """Queue every session that is due, then wake the sender."""
    services = context.bot_data.services
    metrics = context.bot_data.metrics
    started = time.perf_counter()
    report = await services.ticker.tick()
    metrics.tick_seconds.observe(time.perf_counter() - started)
    metrics.tick_due.inc(report.scanned)
    metrics.tick_queued.inc(report.queued)
    if report.queued or report.group_posts:
        services.sender.wake.set()


async def _watch_broadcasts(context: BotContext) -> None:
    """Queue due broadcasts and refresh trainers' progress messages."""
    services = context.bot_data.services
    views = await services.monitor.step()
    if any(view.status == BroadcastStatus.SENDING for view in views):
        services.sender.wake.set()


async def _refresh_stats(context: BotContext) -> None:
    """Recompute the trainer-view figures of members whose local date rolled over."""
    refreshed = await context.bot_data.services.stats.refresh_stale()
    if refreshed:
        log.info("refreshed the figures of %d members", refreshed)


async def _queue_digests(context: BotContext) -> None:
    """Queue the weekly digests that are due (members on Sunday, coaches on Monday)."""
    services = context.bot_data.services
    if await services.digests.queue_due():
        services.sender.wake.set()


async def _prune_inbox(context: BotContext) -> None:
    """Forget updates handled more than 48 hours ago."""
    services = context.bot_data.services
    removed = await prune_inbox(services.database.sessions, context.bot_data.clock)
    if removed:
        log.info("forgot %d old updates", removed)


async def _prune_outbox(context: BotContext) -> None:
    """Forget sent messages older than the retention (BOT_OUTBOX_RETENTION_DAYS)."""
    data = context.bot_data
    removed = await prune_outbox(
        data.services.database.sessions, data.clock, data.config.outbox_retention_days
    )
    if removed:
        log.info("removed %d old outbox rows", removed)
