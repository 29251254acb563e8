"""The command menus (setMyCommands) each role sees."""

from __future__ import annotations

from telegram import BotCommand

from bot.db.status import Role
from bot.render.texts import COMMANDS
from bot.render.trainers import ADMIN_COMMANDS, TRAINER_COMMANDS


def commands_for(role: Role) -> list[BotCommand]:
    """The command menu of a role: members', plus trainers', plus admins'."""
    entries = list(COMMANDS)
    if role in (Role.TRAINER, Role.ADMIN):
        entries += TRAINER_COMMANDS
    if role == Role.ADMIN:
        entries += ADMIN_COMMANDS
    return [BotCommand(name, description) for name, description in entries]
