"""Publishing the command menus: the default one, and one per trainer or admin."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommandScopeChat
from telegram.error import TelegramError

from bot.db.status import Role
from bot.render.menus import commands_for

log = logging.getLogger(__name__)


async def publish_default_menu(bot: Bot) -> None:
    """The menu everyone sees unless their chat has one of its own."""
    await bot.set_my_commands(commands_for(Role.MEMBER))


async def publish_menu(bot: Bot, chat_id: int, role: Role) -> None:
    """Give one person the menu of their role (members get the default one)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if role == Role.MEMBER:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(commands_for(role), scope=scope)
    except TelegramError as exc:  # e.g. they never opened a chat with the bot
        log.info("could not set the menu for %s: %s", chat_id, exc)
