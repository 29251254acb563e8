"""The plumbing every handler shares: replying, editing, and the gates that
decide who may use a command where.

Messages are Telegram HTML (the application's default parse mode): anything a
user typed goes through `esc` in the render layer before it reaches `reply`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext
from bot.db.dto import MemberDTO
from bot.db.status import STAFF_ROLES, Role
from bot.render import texts
from bot.render.message import Rendered

log = logging.getLogger(__name__)


def _rendered(content: Rendered | str) -> Rendered:
    return content if isinstance(content, Rendered) else Rendered(content)


async def reply(message: Message, content: Rendered | str) -> Message:
    """Answer in the message's chat (HTML, with the buttons if any)."""
    rendered = _rendered(content)
    return await message.reply_text(rendered.text, reply_markup=rendered.reply_markup)


async def edit(target: Message | CallbackQuery | None, content: Rendered | str) -> None:
    """Replace a message's text and buttons; a no-op when nothing would change.

    `target` is the bot's message, or the button press on it (which also covers
    messages sent through inline mode, which the bot can edit but not see).
    """
    rendered = _rendered(content)
    if isinstance(target, CallbackQuery):
        if isinstance(target.message, Message):
            target = target.message
        elif target.inline_message_id is not None:
            await _tolerate_unchanged(
                target.edit_message_text(rendered.text, reply_markup=rendered.markup)
            )
            return
        else:
            return
    if not isinstance(target, Message):
        return
    if target.text is None:
        # A photo or a file: the bot puts no buttons there, so only a forged press
        # leads here, and Telegram refuses to edit the text of such a message.
        log.info("not editing message %s: it has no text", target.message_id)
        return
    if _unchanged(target, rendered):
        return
    await _tolerate_unchanged(target.edit_text(rendered.text, reply_markup=rendered.markup))


async def remove(message: Message) -> None:
    """Delete one of the bot's own messages (a placeholder); gone already is fine."""
    try:
        await message.delete()
    except TelegramError as exc:
        log.info("could not delete message %s: %s", message.message_id, exc)


def _unchanged(message: Message, rendered: Rendered) -> bool:
    if message.text is None:
        return False
    return message.text_html == rendered.text and message.reply_markup == rendered.markup


async def _tolerate_unchanged(edit_call: object) -> None:
    """Await an edit; Telegram's "message is not modified" means it is done already."""
    try:
        await edit_call  # type: ignore[misc]
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> bool:
    """Answer a button press (the spinner stops; a toast or an alert shows).

    A press older than Telegram's answer window (about 15 s) can no longer be
    answered; that is not a reason to drop the work the press asked for, so a
    refused answer is logged and the handler goes on. False when refused.
    """
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.info("could not answer button press %s: %s", query.id, exc)
        return False
    except TelegramError as exc:
        log.warning("could not answer button press %s: %s", query.id, exc)
        return False
    return True


# -- gates ---------------------------------------------------------------------------
async def private_message(
    update: Update,
    context: BotContext,
    pointer: Callable[[str | None], Rendered] = texts.private_only,
) -> Message | None:
    """The message, if it was sent in a private chat; in a group, `pointer` there."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return None
    if message.chat.type != ChatType.PRIVATE:
        await reply(message, pointer(context.bot.username))
        return None
    return message


async def known_member(update: Update, context: BotContext) -> tuple[Message, MemberDTO] | None:
    """The private message and its sender, who must have sent /start."""
    message = await private_message(update, context)
    if message is None:
        return None
    assert update.effective_user is not None
    member = await context.bot_data.members.get(update.effective_user.id)
    if member is None:
        await reply(message, texts.NOT_STARTED)
        return None
    return message, member


async def onboarded_member(update: Update, context: BotContext) -> tuple[Message, MemberDTO] | None:
    """The private message and its sender, who must have a program."""
    message = await private_message(update, context)
    if message is None:
        return None
    assert update.effective_user is not None
    member = await context.bot_data.members.get(update.effective_user.id)
    if member is None or member.program_start is None:
        await reply(message, texts.NO_PROGRAM)
        return None
    return message, member


async def staff_member(
    update: Update, context: BotContext, *, admin: bool = False, private: bool = True
) -> tuple[Message, MemberDTO | None] | None:
    """The message if its sender may use this trainer (or admin) command here;
    otherwise a short refusal. `private`: drafts are not made in groups."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return None
    data = context.bot_data
    member = await data.members.get(user.id)
    role = data.services.staff.role_of(user.id, member)
    if role not in STAFF_ROLES:
        await reply(message, texts.TRAINERS_ONLY)
        return None
    if admin and role != Role.ADMIN:
        await reply(message, texts.ADMINS_ONLY)
        return None
    if private and message.chat.type != ChatType.PRIVATE:
        await reply(message, texts.STAFF_IN_PRIVATE)
        return None
    return message, member


async def private_staff(
    update: Update, context: BotContext
) -> tuple[Message, MemberDTO | None] | None:
    """The privacy gate of every command that shows member data (/roster, /stats,
    /cohort, ...): the message if a trainer or admin sent it in the private chat.

    In a group it answers, whoever asked, with a button to the private chat and
    nothing about anyone (not even whether the sender is a trainer).
    """
    if await private_message(update, context, texts.members_data_private) is None:
        return None
    return await staff_member(update, context)


async def pressing_member(
    update: Update, context: BotContext
) -> tuple[CallbackQuery, MemberDTO] | None:
    """The button press and the member who made it (a stranger is asked to /start)."""
    query = update.callback_query
    if query is None or query.data is None:
        return None
    member = await context.bot_data.members.get(query.from_user.id)
    if member is None:
        await answer(query, texts.START_FIRST)
        return None
    return query, member


async def pressing_staff(
    update: Update, context: BotContext
) -> tuple[CallbackQuery, MemberDTO | None] | None:
    """The button press, if whoever pressed it is a trainer or an admin."""
    query = update.callback_query
    if query is None:
        return None
    data = context.bot_data
    member = await data.members.get(query.from_user.id)
    if data.services.staff.role_of(query.from_user.id, member) not in STAFF_ROLES:
        await answer(query, texts.TRAINERS_ONLY)
        return None
    return query, member
