"""The coach feedback loop: /feed, 💬 Reply, the relay of typed replies both
ways, and "Send this to a coach?" for photos, videos and questions."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.db.dto import MemberDTO
from bot.db.status import STAFF_ROLES, Role
from bot.handlers.common import answer, edit, pressing_staff, private_staff, reply
from bot.render import callbacks, texts
from bot.render import feedback as views
from bot.services.feedback import Thread

log = logging.getLogger(__name__)


async def show_feed(update: Update, context: BotContext) -> None:
    """/feed [page]: the latest notes, notable efforts and questions (private only)."""
    allowed = await private_staff(update, context)
    if allowed is None:
        return
    message, _ = allowed
    assert update.effective_user is not None
    arg = (context.args or ["1"])[0]
    page = int(arg) - 1 if arg.isdecimal() and 0 < int(arg) < 10_000 else 0
    await reply(message, await _feed(context, update.effective_user.id, page))


async def _feed(context: BotContext, telegram_id: int, page: int) -> views.Rendered:
    services = context.bot_data.services
    role = services.staff.role_of(telegram_id, await context.bot_data.members.get(telegram_id))
    scope = await services.feedback.scope_of(telegram_id, role)
    return views.feed_page(await services.feedback.feed(scope, page), scope)


async def press_feedback(update: Update, context: BotContext) -> None:
    """A /feed page or 💬 Reply (trainers), or "Send this to a coach?" (members)."""
    query = update.callback_query
    if query is None:
        return
    action = callbacks.parse(query.data)
    if not isinstance(action, callbacks.FeedbackPress):
        await answer(query, views.FEED_BUTTON_EXPIRED)
        return
    if action.action in ("y", "n"):
        await _decide(update, context, action)
        return
    pressed = await pressing_staff(update, context)
    if pressed is None:
        return
    query, coach = pressed
    if action.action == "p":
        await answer(query)
        await edit(query, await _feed(context, query.from_user.id, action.number))
        return
    await _prompt(update, context, coach, action.number)


async def _prompt(
    update: Update, context: BotContext, coach: MemberDTO | None, item_id: int
) -> None:
    """💬 Reply: ask the coach to type the answer as a reply to the bot's prompt."""
    query = update.callback_query
    assert query is not None
    services = context.bot_data.services
    if coach is None:  # an admin from BOT_ADMIN_IDS who never sent /start
        await answer(query, texts.START_FIRST)
        return
    scope = await services.feedback.scope_of(coach.telegram_id, Role(coach.role))
    thread = await services.feedback.item(item_id, scope)
    if thread is None:
        await answer(query, views.ITEM_GONE)
        return
    await answer(query)
    chat_id = coach.chat_id
    if thread.source_chat_id is not None and thread.source_message_id is not None:
        try:  # the member's photo or video itself, so the coach sees what they answer
            await context.bot.copy_message(chat_id, thread.source_chat_id, thread.source_message_id)
        except TelegramError as exc:
            log.info("could not copy message %s: %s", thread.source_message_id, exc)
            await context.bot.send_message(chat_id, views.ORIGINAL_GONE)
    text, force = views.reply_prompt(thread.item)
    prompt = await context.bot.send_message(chat_id, text, reply_markup=force)
    await services.feedback.prompted(thread.item.id, coach, chat_id, prompt.message_id)


async def _decide(update: Update, context: BotContext, action: callbacks.FeedbackPress) -> None:
    query = update.callback_query
    assert query is not None
    outcome = await context.bot_data.services.feedback.decide(
        query.from_user.id, action.number, action.action == "y"
    )
    if outcome == "stale":
        await answer(query, views.SEND_BUTTON_EXPIRED)
        return
    await answer(query)
    done = {"sent": views.SENT_TO_COACH, "dropped": views.KEPT_PRIVATE}
    await edit(query, done.get(outcome, views.ALREADY_SENT))


async def offer_media(update: Update, context: BotContext) -> None:
    """A photo or video in the private chat: offer to send it to a coach."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    member = await context.bot_data.members.get(update.effective_user.id)
    if member is None:
        await reply(message, texts.NOT_STARTED)
        return
    media = "photo" if message.photo else "video"
    item_id = await draft_for_coach(message, context, member, media)
    await reply(message, views.ask_send(item_id, media))


async def draft_for_coach(
    message: Message, context: BotContext, member: MemberDTO, media: str | None
) -> int:
    """Hold a member's message as a draft for the coaches' feed, until they say yes."""
    return await context.bot_data.services.feedback.draft(
        member,
        chat_id=message.chat.id,
        message_id=message.message_id,
        text=message.caption if media else message.text,
        media=media,
    )


async def relay_reply(
    update: Update, message: Message, context: BotContext, sender: MemberDTO | None
) -> bool:
    """A typed reply to a message of a coach thread: relay it the other way.
    False when the message replies to nothing of a thread."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return False
    services = context.bot_data.services
    thread = await services.feedback.thread_at(message.chat.id, replied.message_id)
    if thread is None:
        return False
    text = (message.text or "").strip()
    if not text:
        await reply(message, views.REPLY_EMPTY)
        return True
    assert message.from_user is not None
    if sender is not None and sender.id == thread.member.id:
        await _member_answers(update.update_id, message, context, thread, text)
        return True
    role = services.staff.role_of(message.from_user.id, sender)
    if sender is None or role not in STAFF_ROLES:
        await reply(message, texts.TRAINERS_ONLY)  # a coach demoted since
        return True
    relayed = await services.feedback.to_member(update.update_id, sender, thread.item.id, text)
    if relayed.outcome == "unreachable":
        await reply(message, views.MEMBER_UNREACHABLE)
    elif relayed.outcome != "queued":
        await reply(message, views.ITEM_GONE)
    else:
        services.sender.wake.set()
        await reply(message, views.reply_sent(thread.member.first_name))
    return True


async def _member_answers(
    update_id: int, message: Message, context: BotContext, thread: Thread, text: str
) -> None:
    services = context.bot_data.services
    relayed = await services.feedback.to_coach(update_id, thread, text)
    if relayed.outcome != "queued":
        await reply(message, views.NO_COACH_YET)
        return
    services.sender.wake.set()
    await reply(message, views.relay_queued(relayed.recipients, relayed.rerouted))
