"""The command menus (setMyCommands) each role sees, /help, and the bot's
descriptions, in the language of the moment."""

from __future__ import annotations

from telegram import BotCommand

from bot.db.status import Role
from bot.i18n import _
from bot.render.message import esc
from bot.render.texts import COMMANDS, help_text
from bot.render.trainers import ADMIN_COMMANDS, TRAINER_COMMANDS


def commands_for(role: Role) -> list[BotCommand]:
    """The command menu of a role: members', plus trainers', plus admins'."""
    entries = list(COMMANDS)
    if role in (Role.TRAINER, Role.ADMIN):
        entries += TRAINER_COMMANDS
    if role == Role.ADMIN:
        entries += ADMIN_COMMANDS
    return [BotCommand(name, _(description)) for name, description in entries]


def description() -> str:
    """What an empty chat with the bot shows (setMyDescription, ≤ 512 characters)."""
    return _(
        "Defy Gravity, the Best Body Bootcamp glute series as a daily coached program: "
        "a short session of release work, stretches and exercises at your own time, "
        "a tap to check in, your streak and progress, and every muscle and move "
        "explained. Tap Start to set it up in a minute."
    )


def short_description() -> str:
    """The line on the bot's profile (setMyShortDescription, ≤ 120 characters)."""
    return _("Your daily glute sessions from the Defy Gravity series, with streaks and coaching.")


def help_for(role: Role) -> str:
    """/help: the member commands, and for trainers and admins their own section."""
    text = help_text()
    if role not in (Role.TRAINER, Role.ADMIN):
        return text
    lines = ["", "", _("<b>For trainers</b>")]
    lines += [f"/{name} — {esc(_(description))}" for name, description in TRAINER_COMMANDS]
    lines += [
        _(
            "Reply to any message (a photo, a video, a formatted text) with /broadcast to send "
            "a copy, or write the text after it; <code>/broadcast at tomorrow 18:00 …</code> "
            "schedules it in your time zone. <code>/stats Spring</code> and "
            "<code>/roster Spring</code> take a cohort's name."
        ),
    ]
    if role == Role.ADMIN:
        lines += ["", _("<b>For admins</b>")]
        lines += [f"/{name} — {esc(_(description))}" for name, description in ADMIN_COMMANDS]
    return text + "\n".join(lines)
