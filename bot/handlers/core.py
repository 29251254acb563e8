"""The first commands and the cross-cutting handlers: dedupe, errors, membership."""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.context import BotContext
from bot.handlers.common import answer, reply
from bot.intake.handling import current_handling
from bot.render import texts
from bot.render.menus import help_for
from bot.services.members import NotAMember

log = logging.getLogger(__name__)


async def show_help(update: Update, context: BotContext) -> None:
    """List the commands (trainers and admins also see theirs)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    data = context.bot_data
    role = data.services.staff.role_of(user.id, await data.members.get(user.id))
    await reply(message, help_for(role))


async def answer_unknown_command(update: Update, context: BotContext) -> None:
    """Tell the user we do not know that command, and where to look."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0]
    await reply(message, texts.unknown_command(command))


async def answer_stale_button(update: Update, context: BotContext) -> None:
    """Answer a button press we cannot act on, instead of leaving a spinner."""
    if update.callback_query is not None:
        await answer(update.callback_query, texts.stale_button())


async def track_private_chat_member(update: Update, context: BotContext) -> None:
    """Mark a member blocked when they block the bot, and active when they come back."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    reachable = status not in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
    data = context.bot_data
    member = await data.members.get(change.from_user.id)
    if member is not None and reachable:
        await data.services.preferences.come_back(member.telegram_id)
    elif member is not None:
        await data.members.set_reachable(member.telegram_id, False)
    log.info(
        "user %s %s the bot (member known: %s)",
        change.from_user.id,
        "unblocked" if reachable else "blocked",
        member is not None,
    )


async def report_error(update: object, context: BotContext) -> None:
    """Log the failure with the update id and, on the last attempt, tell the user."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, NotAMember) and isinstance(update, Update):
        # A member deleted their data while a button or command was in flight.
        if update.effective_message is not None:
            await reply(update.effective_message, texts.START_AGAIN)
        return
    handling = current_handling()
    if handling is not None and context.error is not None:
        handling.errors.append(context.error)  # the dispatcher retries the update
        if not handling.final:
            log.warning(
                "update %s failed (attempt %d); it will be tried again",
                update_id,
                handling.attempt,
                exc_info=context.error,
            )
            return
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:
        await answer(update.callback_query, texts.something_went_wrong()[:200])
        return
    try:
        await context.bot.send_message(update.effective_chat.id, texts.something_went_wrong())
    except TelegramError:
        log.warning("could not tell chat %s about the error", update.effective_chat.id)
