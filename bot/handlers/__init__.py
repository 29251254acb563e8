"""Every handler of the bot, registered in one place.

Groups run in ascending order; within a group the first matching handler wins.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import BotApplication
from bot.handlers import catalog, checkins, core, members, trainers

# Group -1 runs before everything else: a repeated update stops here.
GROUP_DEDUPE = -1
# One handler runs per group, so the fallbacks must sit in GROUP_MAIN, added
# last: they only see what no command or conversation before them took.
GROUP_MAIN = 0


def register(app: BotApplication) -> None:
    """Attach every handler to the application."""
    app.add_handler(TypeHandler(Update, core.skip_repeated_update), group=GROUP_DEDUPE)

    app.add_handler(CommandHandler("start", members.start_member), group=GROUP_MAIN)
    for names, callback in (
        ("settings", members.show_settings),
        ("time", members.set_time),
        (["timezone", "tz", "zone"], members.set_zone),
        ("program", members.choose_program),
        ("pause", members.pause_sessions),
        ("resume", members.resume_sessions),
        ("stop", members.stop_sessions),
        ("today", members.show_today),
        (["checkin", "done"], checkins.check_in),
        ("progress", checkins.show_progress),
        ("history", checkins.show_history),
        ("mydata", checkins.send_my_data),
        ("forget", checkins.ask_forget),
        # Trainer and admin commands check the sender's role themselves.
        ("promote", trainers.promote_trainer),
        ("demote", trainers.demote_trainer),
        (["cohort", "cohorts"], trainers.manage_cohorts),
        ("broadcast", trainers.start_broadcast),
        ("broadcasts", trainers.list_broadcasts),
        ("nudge", trainers.send_nudge),
        ("stats", trainers.show_stats),
        ("roster", trainers.send_roster),
    ):
        app.add_handler(CommandHandler(names, callback), group=GROUP_MAIN)
    app.add_handler(
        CallbackQueryHandler(members.press_onboarding, pattern=r"^ob:"), group=GROUP_MAIN
    )
    app.add_handler(
        CallbackQueryHandler(members.press_settings, pattern=r"^set:"), group=GROUP_MAIN
    )
    app.add_handler(CallbackQueryHandler(checkins.press_checkin, pattern=r"^ci:"), group=GROUP_MAIN)
    app.add_handler(
        CallbackQueryHandler(trainers.press_broadcast, pattern=r"^bc:"), group=GROUP_MAIN
    )
    app.add_handler(
        CallbackQueryHandler(checkins.confirm_forget, pattern=r"^fg:"), group=GROUP_MAIN
    )
    app.add_handler(
        CallbackQueryHandler(members.press_after_program, pattern=r"^pg:"), group=GROUP_MAIN
    )
    app.add_handler(CommandHandler("help", core.show_help), group=GROUP_MAIN)
    app.add_handler(CommandHandler("anatomy", catalog.show_anatomy), group=GROUP_MAIN)
    app.add_handler(
        CommandHandler(["exercise", "exercises"], catalog.show_exercise), group=GROUP_MAIN
    )
    app.add_handler(
        CommandHandler(["stretch", "stretches", "release"], catalog.show_stretch),
        group=GROUP_MAIN,
    )
    app.add_handler(CommandHandler(["learn", "lesson"], catalog.show_lesson), group=GROUP_MAIN)
    app.add_handler(
        CallbackQueryHandler(catalog.open_from_button, pattern=r"^[cml]:"), group=GROUP_MAIN
    )
    app.add_handler(InlineQueryHandler(catalog.answer_inline), group=GROUP_MAIN)
    app.add_handler(
        ChatMemberHandler(core.track_private_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        group=GROUP_MAIN,
    )

    # Fallbacks: keep these last. Only in private chats: in a group, an unknown
    # command may be another bot's, and chatter is not for us.
    app.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, core.answer_unknown_command),
        group=GROUP_MAIN,
    )
    app.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE,
            members.answer_pending_input,
        ),
        group=GROUP_MAIN,
    )

    # Any other button (an old bot version's, or forged data) gets a polite answer.
    app.add_handler(CallbackQueryHandler(core.answer_stale_button), group=GROUP_MAIN)

    app.add_error_handler(core.report_error)
