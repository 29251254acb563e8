"""The language of each update, and /language to choose it (in a linked group:
the group's language, for those who may manage the group)."""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType

from bot import i18n
from bot.context import BotContext
from bot.db.status import Role
from bot.delivery.menus import publish_member_menu
from bot.handlers import groups as group_handlers
from bot.handlers.common import answer, edit, known_member, pressing_member, reply
from bot.render import callbacks, texts
from bot.render import language as views


async def language_for(update: Any, context: BotContext) -> str:
    """The language to answer this update in: in a linked group the group's;
    elsewhere the member's /language choice, else the sender's Telegram
    language_code, else English."""
    if not isinstance(update, Update):
        return i18n.DEFAULT
    user, chat = update.effective_user, update.effective_chat
    try:
        services = context.bot_data.services
    except RuntimeError:  # services not open (a bare application in tests)
        return i18n.resolve(None, user.language_code if user else None)
    if chat is not None and chat.type != ChatType.PRIVATE:
        spoken = await services.groups.language_of(chat.id)
        if spoken is not None:
            return i18n.resolve(spoken)
    if user is None:
        return i18n.DEFAULT
    return await services.members.language_of(user.id, user.language_code)


async def set_language(update: Update, context: BotContext) -> None:
    """Show the language buttons, or switch at once with `/language fr`."""
    message = update.effective_message
    if message is not None and message.chat.type != ChatType.PRIVATE:
        await group_handlers.set_group_language(update, context)
        return
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    if not context.args:
        await reply(message, views.language_picker(i18n.current()))
        return
    code = i18n.parse_language(" ".join(context.args))
    if code is None:
        await reply(message, views.unknown_language(" ".join(context.args)))
        return
    await _switch(context, member.telegram_id, code)
    await reply(message, views.language_set())


async def press_language(update: Update, context: BotContext) -> None:
    """A language button: switch, and redraw the message in the new language."""
    query = update.callback_query
    message = query.message if query is not None else None
    if isinstance(message, Message) and message.chat.type != ChatType.PRIVATE:
        await group_handlers.press_group_language(update, context)
        return
    pressed = await pressing_member(update, context)
    if pressed is None:
        return
    query, member = pressed
    action = callbacks.parse(query.data)
    if not isinstance(action, callbacks.PickLanguage) or action.code not in i18n.LANGUAGES:
        await answer(query, texts.stale_button())  # a language this version no longer speaks
        return
    await _switch(context, member.telegram_id, action.code)
    await answer(query)
    await edit(query, views.language_set())


async def _switch(context: BotContext, telegram_id: int, code: str) -> None:
    """Store the choice, speak it from now on, and give the chat its menu."""
    data = context.bot_data
    changed = await data.members.set_language(telegram_id, code)
    i18n.activate(code)
    if changed is not None:
        role = data.services.staff.role_of(changed.telegram_id, changed)
        await publish_member_menu(context.bot, changed, Role(role), data.config.app_url)
