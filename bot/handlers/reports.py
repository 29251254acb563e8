"""Trainers' reports: /stats and /roster, for everyone or one cohort."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Message, Update

from bot.context import BotContext
from bot.handlers.common import reply, staff_member
from bot.render import trainers as trainer_views
from bot.render.charts import daily_checkins_chart


async def _scoped(update: Update, context: BotContext) -> tuple[Message, int | None, str] | None:
    """A trainer's report command and its scope: (message, cohort id, cohort name)
    from the command's words, (message, None, "everyone") without any."""
    allowed = await staff_member(update, context, private=False)
    if allowed is None:
        return None
    message, _ = allowed
    if not context.args:
        return message, None, "everyone"
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
    stats = await context.bot_data.services.stats.community(cohort_id, name)
    png = await asyncio.to_thread(
        daily_checkins_chart, stats.daily_done, trainer_views.chart_title(name)
    )
    await message.reply_photo(
        InputFile(png, filename="stats.png"), caption=trainer_views.stats_caption(stats)
    )


async def send_roster(update: Update, context: BotContext) -> None:
    """/roster [cohort]: everyone as CSV."""
    scoped = await _scoped(update, context)
    if scoped is None:
        return
    message, cohort_id, _ = scoped
    data = await context.bot_data.services.stats.roster_csv(cohort_id)
    today = context.bot_data.clock.now().date()
    await message.reply_document(
        InputFile(data, filename=f"roster-{today.isoformat()}.csv"),
        caption=trainer_views.ROSTER_CAPTION,
    )
