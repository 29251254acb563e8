"""Publishing the command menus and the bot's descriptions, in every language:
the default menu per language_code, and one per chat where a person's menu
differs (trainers and admins, and members who chose a language with /language)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommandScopeChat
from telegram.error import TelegramError

from bot import i18n
from bot.db.dto import MemberDTO
from bot.db.status import STAFF_ROLES, Role
from bot.render.menus import commands_for, description, short_description
from bot.render.webapp import default_menu_button, menu_button
from bot.services.members import language_of_member

log = logging.getLogger(__name__)


async def publish_default_menu(bot: Bot, app_url: str | None = None) -> None:
    """The menu and descriptions everyone sees unless their chat has its own:
    one per language (Telegram picks it by the user's language_code), and the
    English one for every other language; with the Mini App's address, the menu
    button opens their progress in it."""
    for language in i18n.LANGUAGES:
        code = None if language == i18n.DEFAULT else language
        with i18n.speaking(language):
            await bot.set_my_commands(commands_for(Role.MEMBER), language_code=code)
            await bot.set_my_description(description(), language_code=code)
            await bot.set_my_short_description(short_description(), language_code=code)
    if app_url is not None:
        await bot.set_chat_menu_button(menu_button=default_menu_button(app_url))


async def publish_menu(
    bot: Bot,
    chat_id: int,
    role: Role,
    language: str | None = None,
    app_url: str | None = None,
    button_language: str | None = None,
) -> None:
    """Give one person the menu of their role in their language (a member who
    did not choose a language, `language` None, gets the default one), and with
    the Mini App's address its menu button (trainers: Dashboard) in
    `button_language` (else `language`): Telegram picks the default commands
    by the app's language, but has one default menu button for all."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if role == Role.MEMBER and language is None:
            await bot.delete_my_commands(scope=scope)
        else:
            with i18n.speaking(language or i18n.DEFAULT):
                await bot.set_my_commands(commands_for(role), scope=scope)
        if app_url is not None:
            with i18n.speaking(button_language or language or i18n.DEFAULT):
                await bot.set_chat_menu_button(chat_id, menu_button(app_url, role))
    except TelegramError as exc:  # e.g. they never opened a chat with the bot
        log.info("could not set the menu for %s: %s", chat_id, exc)


async def publish_member_menu(
    bot: Bot, member: MemberDTO, role: Role, app_url: str | None = None
) -> None:
    """publish_menu for a member row: in the language they speak to the bot."""
    chosen = member.language
    speaks = language_of_member(member, None)
    if role != Role.MEMBER and chosen is None:
        chosen = speaks
    await publish_menu(bot, member.chat_id, role, chosen, app_url, button_language=speaks)


def needs_own_menu(member: MemberDTO, role: Role, app_url: str | None) -> bool:
    """Whether a newcomer needs a menu of their own chat: staff always; a member
    whose Telegram speaks another language than English when there is a Mini
    App (its menu button would otherwise read English)."""
    if role in STAFF_ROLES:
        return True
    return app_url is not None and language_of_member(member, None) != i18n.DEFAULT
