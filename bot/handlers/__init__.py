"""Every handler of the bot, registered in one place.

Groups run in ascending order; within a group the first matching handler wins.
Buttons are routed by the prefixes of `bot.render.callbacks`, the one place
their data is built and read. A repeated update never reaches these: the
inbox ignores an update id it already holds (bot/intake).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import i18n
from bot.context import BotApplication, BotContext
from bot.handlers import (
    broadcasts,
    catalog,
    checkins,
    core,
    digests,
    feedback,
    groups,
    language,
    onboarding,
    reports,
    roles,
    settings,
)
from bot.logs import note_handler
from bot.render import callbacks

# One handler runs per group, so the fallbacks must sit in GROUP_MAIN, added
# last: they only see what no command or conversation before them took.
GROUP_MAIN = 0
# Runs besides GROUP_MAIN: the bot leaving a group unlinks it, whatever else
# handles the update.
GROUP_COMMUNITY = 1


def register(app: BotApplication) -> None:
    """Attach every handler to the application."""
    for names, callback in (
        ("start", onboarding.start_member),
        ("settings", settings.show_settings),
        ("time", settings.set_time),
        (["timezone", "tz", "zone"], settings.set_zone),
        ("program", settings.choose_program),
        ("pause", settings.pause_sessions),
        ("resume", settings.resume_sessions),
        ("stop", settings.stop_sessions),
        ("today", settings.show_today),
        (["checkin", "done"], checkins.check_in),
        ("progress", checkins.show_progress),
        ("history", checkins.show_history),
        ("mydata", checkins.send_my_data),
        ("leaderboard", groups.set_leaderboard),
        (["shoutouts", "shoutout"], groups.set_shoutouts),
        ("forget", checkins.ask_forget),
        # Trainer and admin commands check the sender's role themselves.
        ("promote", roles.promote_trainer),
        ("demote", roles.demote_trainer),
        (["cohort", "cohorts"], roles.manage_cohorts),
        ("broadcast", broadcasts.start_broadcast),
        ("broadcasts", broadcasts.list_broadcasts),
        ("nudge", broadcasts.send_nudge),
        ("group", groups.manage_group),
        ("stats", reports.show_stats),
        ("roster", reports.send_roster),
        ("feed", feedback.show_feed),
        ("digest", digests.set_digest),
        ("help", core.show_help),
        (["language", "langue"], language.set_language),
        ("anatomy", catalog.show_anatomy),
        (["exercise", "exercises"], catalog.show_exercise),
        (["stretch", "stretches", "release"], catalog.show_stretch),
        (["learn", "lesson"], catalog.show_lesson),
    ):
        app.add_handler(CommandHandler(names, callback), group=GROUP_MAIN)

    for prefixes, press in (
        ((callbacks.ONBOARD,), onboarding.press_onboarding),
        ((callbacks.SETTINGS,), settings.press_settings),
        ((callbacks.AFTER_PROGRAM,), settings.press_after_program),
        ((callbacks.CHECKIN,), checkins.press_checkin),
        ((callbacks.FORGET,), checkins.confirm_forget),
        ((callbacks.BROADCAST,), broadcasts.press_broadcast),
        ((callbacks.FEEDBACK,), feedback.press_feedback),
        ((callbacks.GROUP,), groups.press_group),
        ((callbacks.LANGUAGE,), language.press_language),
        (callbacks.CATALOG, catalog.open_from_button),
    ):
        app.add_handler(
            CallbackQueryHandler(press, pattern=callbacks.pattern(*prefixes)), group=GROUP_MAIN
        )
    app.add_handler(InlineQueryHandler(catalog.answer_inline), group=GROUP_MAIN)
    app.add_handler(
        ChatMemberHandler(core.track_private_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        group=GROUP_MAIN,
    )
    app.add_handler(
        ChatMemberHandler(groups.track_group_membership, ChatMemberHandler.MY_CHAT_MEMBER),
        group=GROUP_COMMUNITY,
    )
    app.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, groups.follow_migration), group=GROUP_MAIN
    )

    # Fallbacks: keep these last. Only in private chats: in a group, an unknown
    # command may be another bot's, and chatter is not for us.
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, core.answer_unknown_command),
        group=GROUP_MAIN,
    )
    # A photo or video in the private chat: "Send this to a coach?".
    app.add_handler(
        MessageHandler(
            (filters.PHOTO | filters.VIDEO) & filters.ChatType.PRIVATE, feedback.offer_media
        ),
        group=GROUP_MAIN,
    )
    app.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, onboarding.answer_text
        ),
        group=GROUP_MAIN,
    )
    # 📍 Send my location (the time-zone step's reply keyboard): the zone there.
    app.add_handler(
        MessageHandler(filters.LOCATION & filters.ChatType.PRIVATE, onboarding.share_location),
        group=GROUP_MAIN,
    )
    # Any other button (an old bot version's, or forged data) gets a polite answer.
    app.add_handler(CallbackQueryHandler(core.answer_stale_button), group=GROUP_MAIN)

    app.add_error_handler(core.report_error)
    _name_in_logs(app)


def _name_in_logs(app: BotApplication) -> None:
    """Each handler first notes its name for the log lines of its update
    (`LOG_FORMAT=json` writes it as "handler")."""
    for group in app.handlers.values():
        for handler in group:
            handler.callback = _noting(handler.callback)


def _noting(
    callback: Callable[[Any, BotContext], Coroutine[Any, Any, Any]],
) -> Callable[[Any, BotContext], Coroutine[Any, Any, Any]]:
    name = f"{callback.__module__.removeprefix('bot.handlers.')}.{callback.__qualname__}"

    @functools.wraps(callback)
    async def noted(update: Any, context: BotContext) -> Any:
        note_handler(name)
        # Not reset afterwards: the error handler answers in the same language.
        i18n.activate(await language.language_for(update, context))
        return await callback(update, context)

    return noted
