"""The composition root: settings in, a ready PTB Application out."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import cast

from telegram import BotCommand
from telegram.ext import Application, ContextTypes
from telegram.request import BaseRequest

from bot.catalog import Catalog, load_catalog
from bot.catalog.library import Library
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import BotApplication, BotContext, BotData
from bot.db.session import Database
from bot.handlers import register
from bot.render import texts
from bot.services.members import MemberService
from bot.services.updates import UpdateLog

log = logging.getLogger(__name__)

PRUNE_UPDATES_EVERY = timedelta(hours=1)


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    catalog: Catalog | None = None,
) -> BotApplication:
    """Build the bot. `request`/`updates_request` replace the HTTP layer (tests).

    The content is loaded and validated here, before anything connects: a bad
    content directory raises ContentError with every problem.
    """
    if settings.bot_token is None:
        raise ValueError("a bot token is needed to build the application")
    library = Library(catalog or load_catalog(settings.content_dir))
    builder = (
        Application.builder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .post_init(_open_resources)
        .post_shutdown(_close_resources)
    )
    if request is not None:
        builder = builder.request(request)
    if updates_request is not None:
        builder = builder.get_updates_request(updates_request)
    app = cast(BotApplication, builder.build())
    app.bot_data.settings = settings
    app.bot_data.clock = clock or SystemClock()
    app.bot_data.library = library
    register(app)
    return app


async def _open_resources(app: BotApplication) -> None:
    """Open the database, build the services and schedule housekeeping."""
    bot_data: BotData = app.bot_data
    settings = bot_data.config
    database = Database(settings.effective_database_url)
    members = MemberService(
        database.sessions,
        bot_data.clock,
        default_timezone=settings.default_timezone,
        default_reminder_time=settings.default_reminder_time,
        admin_ids=settings.admin_ids,
    )
    bot_data.open(database, members, UpdateLog(database.sessions, bot_data.clock))
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            _prune_processed_updates,
            interval=PRUNE_UPDATES_EVERY,
            first=timedelta(minutes=1),
            name="prune-processed-updates",
            job_kwargs={"misfire_grace_time": None, "coalesce": True},
        )
    await app.bot.set_my_commands([BotCommand(name, desc) for name, desc in texts.COMMANDS])
    log.info("bot @%s ready on %s", app.bot.username, database.dialect)


async def _close_resources(app: BotApplication) -> None:
    """Close the database."""
    bot_data: BotData = app.bot_data
    try:
        database = bot_data.database
    except RuntimeError:
        return
    await database.dispose()


async def _prune_processed_updates(context: BotContext) -> None:
    """Forget update ids older than 48 hours."""
    removed = await context.bot_data.updates.prune()
    if removed:
        log.info("forgot %d old update ids", removed)
