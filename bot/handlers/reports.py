"""Trainers' reports: /stats and /roster, for everyone or one cohort."""

from __future__ import annotations

import tempfile
from pathlib import Path

from telegram import InputFile, Message, Update

from bot.background import spawn
from bot.context import BotContext
from bot.handlers.common import private_staff, remove, reply
from bot.render import trainers as trainer_views
from bot.render.charts import DailyChart, daily_checkins_chart
from bot.render.webapp import open_keyboard
from bot.services.stats import CohortScope


async def _scoped(update: Update, context: BotContext) -> tuple[Message, CohortScope, str] | None:
    """A trainer's report command and its scope: (message, cohort id, cohort name)
    from the command's words; without any, the trainer's own cohorts (admins and
    trainers without a cohort: (message, None, "everyone")). Private chats only:
    in a group the privacy gate answers and nothing about members is posted."""
    allowed = await private_staff(update, context)
    if allowed is None:
        return None
    message, member = allowed
    if not context.args:
        assert update.effective_user is not None
        services = context.bot_data.services
        user_id = update.effective_user.id
        scope = await services.feedback.scope_of(user_id, services.staff.role_of(user_id, member))
        if scope.cohort_ids is None:
            return message, None, "everyone"
        return message, scope.cohort_ids, ", ".join(scope.cohort_names)
    cohort = await context.bot_data.services.staff.cohort(" ".join(context.args))
    if cohort is None:
        await reply(message, trainer_views.NO_SUCH_COHORT)
        return None
    return message, cohort.id, cohort.name


async def show_stats(update: Update, context: BotContext) -> None:
    """/stats [cohort]: members, check-ins, adherence, top streaks, at risk, and a chart."""
    scoped = await _scoped(update, context)
    if scoped is None:
        return
    message, cohort_id, name = scoped
    placeholder = await reply(message, trainer_views.BUILDING_STATS)
    spawn(
        context.application,
        _send_stats(context, placeholder, cohort_id, name),
        update=update,
        name="stats",
    )


async def _send_stats(
    context: BotContext, placeholder: Message, cohort_id: CohortScope, name: str
) -> None:
    services = context.bot_data.services
    stats = await services.stats.community(cohort_id, name)
    chart = DailyChart(name, stats.daily_done, stats.daily_active)
    png = await services.heavy.run(daily_checkins_chart, chart)
    await context.bot.send_photo(
        placeholder.chat_id,
        InputFile(png, filename="stats.png"),
        caption=trainer_views.stats_caption(stats),
        reply_markup=open_keyboard(context.bot_data.config.app_url, "stats"),
    )
    await remove(placeholder)


async def send_roster(update: Update, context: BotContext) -> None:
    """/roster [cohort]: everyone as CSV."""
    scoped = await _scoped(update, context)
    if scoped is None:
        return
    message, cohort_id, _ = scoped
    placeholder = await reply(message, trainer_views.BUILDING_ROSTER)
    spawn(context.application, _send_roster(context, placeholder, cohort_id), update=update)


async def _send_roster(context: BotContext, placeholder: Message, cohort_id: CohortScope) -> None:
    """Stream the roster into a temporary file (memory stays flat), then send it."""
    today = context.bot_data.clock.now().date()
    with tempfile.TemporaryDirectory(prefix="roster-") as folder:
        path = Path(folder) / f"roster-{today.isoformat()}.csv"
        members = await context.bot_data.services.stats.write_roster(path, cohort_id)
        with path.open("rb") as handle:
            await context.bot.send_document(
                placeholder.chat_id,
                InputFile(handle, filename=path.name),
                caption=trainer_views.roster_caption(members),
                reply_markup=open_keyboard(context.bot_data.config.app_url, "roster"),
            )
    await remove(placeholder)
