"""Publishing the command menus: the default one, and one per trainer or admin."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommandScopeChat
from telegram.error import TelegramError

from bot.db.status import Role
from bot.render.menus import commands_for
from bot.render.webapp import default_menu_button, menu_button

log = logging.getLogger(__name__)


async def publish_default_menu(bot: Bot, app_url: str | None = None) -> None:
    """The menu everyone sees unless their chat has one of its own; with the
    Mini App's address, the menu button opens their progress in it."""
    await bot.set_my_commands(commands_for(Role.MEMBER))
    if app_url is not None:
        await bot.set_chat_menu_button(menu_button=default_menu_button(app_url))


async def publish_menu(bot: Bot, chat_id: int, role: Role, app_url: str | None = None) -> None:
    """Give one person the menu of their role (members get the default one),
    and with the Mini App's address its menu button (trainers: Dashboard)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if role == Role.MEMBER:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(commands_for(role), scope=scope)
        if app_url is not None:
            await bot.set_chat_menu_button(chat_id, menu_button(app_url, role))
    except TelegramError as exc:  # e.g. they never opened a chat with the bot
        log.info("could not set the menu for %s: %s", chat_id, exc)
