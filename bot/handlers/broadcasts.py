"""Trainers' broadcasts and nudges: draft, preview, audience, confirm, progress."""

from __future__ import annotations

import asyncio
import html

from telegram import Message, Update
from telegram.error import BadRequest

from bot import i18n
from bot.background import spawn
from bot.context import BotContext
from bot.db.status import BroadcastStatus
from bot.handlers.common import answer, edit, pressing_staff, remove, reply, staff_member
from bot.render import callbacks
from bot.render import trainers as trainer_views
from bot.render.message import esc
from bot.render.rules import MAX_TEXT
from bot.services.broadcasts import Audience, BroadcastError
from bot.services.inputs import InputError, looks_like_when, parse_when


def _length(text: str) -> int:
    """A text's length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _body_html(message: Message, body: str) -> str:
    """The trainer's text after the command, with the formatting they typed in
    Telegram (bold, italics, links) as HTML; plain and escaped if it cannot be
    cut out of the message's HTML."""
    text = message.text or ""
    start = text.rfind(body)
    prefix = html.escape(text[:start])  # as PTB escapes text outside entities
    full = message.text_html
    if start >= 0 and full.startswith(prefix):
        return full[len(prefix) :].strip()
    return esc(body)


async def start_broadcast(update: Update, context: BotContext) -> None:
    """Reply to any message with /broadcast, or /broadcast <text>; `at DATE TIME` schedules."""
    allowed = await staff_member(update, context)
    if allowed is None:
        return
    message, member = allowed
    assert update.effective_user is not None
    data = context.bot_data
    zone = member.timezone if member else data.config.default_timezone
    raw = (message.text or "").split(maxsplit=1)
    rest = raw[1].strip() if len(raw) > 1 else ""
    scheduled_at = None
    if rest[:3].lower() == "at " and looks_like_when(rest[3:]):
        # The trainer's language ("demain 18:00" in French), English words always work.
        language = i18n.current()
        try:
            scheduled_at, rest = await asyncio.to_thread(
                parse_when, rest[3:], zone, data.clock.now(), language
            )
        except InputError:
            await reply(message, trainer_views.BROADCAST_AT_USAGE)
            return
        if scheduled_at <= data.clock.now():
            await reply(message, trainer_views.IN_THE_PAST)
            return
    if rest and (length := _length(rest)) > MAX_TEXT:
        await reply(message, trainer_views.too_long(length, MAX_TEXT))
        return
    replied = message.reply_to_message
    service = data.services.broadcasts
    try:
        if replied is not None:
            broadcast_id = await service.draft(
                update.effective_user.id,
                message.chat.id,
                source=(replied.chat.id, replied.message_id),
                scheduled_at=scheduled_at,
                update_id=update.update_id,
            )
        else:
            broadcast_id = await service.draft(
                update.effective_user.id,
                message.chat.id,
                text=_body_html(message, rest) if rest else None,
                scheduled_at=scheduled_at,
                update_id=update.update_id,
            )
    except BroadcastError as exc:
        await reply(message, f"{esc(str(exc))} {trainer_views.MEDIA_TOO}")
        return
    if scheduled_at is not None:  # say how the time was read, before anything is chosen
        await reply(message, trainer_views.read_time(trainer_views.local_time(scheduled_at, zone)))
    if not await _preview(message, context, broadcast_id):
        return
    cohorts = [(c.id, c.name) for c in await data.services.staff.cohorts()]
    question = await reply(message, trainer_views.audience_question(broadcast_id, None, cohorts))
    work = _show_counts(context, question, broadcast_id, cohorts)
    spawn(context.application, work, update=update, name=f"audience-{broadcast_id}")


async def _show_counts(
    context: BotContext, question: Message, broadcast_id: int, cohorts: list[tuple[int, str]]
) -> None:
    """Fill the audience sizes into the buttons once they are counted."""
    counts = await context.bot_data.services.broadcasts.counts(cohorts)
    await edit(question, trainer_views.audience_question(broadcast_id, counts, cohorts))


async def _preview(message: Message, context: BotContext, broadcast_id: int) -> bool:
    """Show the trainer the exact copy; False (and the draft cancelled) if Telegram refuses it."""
    view = await context.bot_data.services.broadcasts.view(broadcast_id)
    header = await reply(message, trainer_views.PREVIEW_HEADER)
    try:
        if view.text is not None:
            await context.bot.send_message(message.chat.id, view.text)
        elif view.source_chat_id is not None and view.source_message_id is not None:
            await context.bot.copy_message(
                message.chat.id, view.source_chat_id, view.source_message_id
            )
    except BadRequest as exc:
        await remove(header)  # no "Preview" above nothing
        await context.bot_data.services.broadcasts.cancel(broadcast_id)
        await reply(message, trainer_views.refused_by_telegram(exc.message))
        return False
    return True


async def send_nudge(update: Update, context: BotContext) -> None:
    """/nudge [days]: a friendly reminder to members inactive for N days (default 3)."""
    allowed = await staff_member(update, context)
    if allowed is None:
        return
    message, member = allowed
    assert update.effective_user is not None
    arg = (context.args or ["3"])[0]
    if not arg.isdecimal() or not 1 <= int(arg) <= 60:  # "²".isdigit(), but int() refuses it
        await reply(message, trainer_views.NUDGE_USAGE)
        return
    days = int(arg)
    services = context.bot_data.services
    user_id = update.effective_user.id
    # A trainer with cohorts nudges their own members; admins everyone.
    scope = await services.feedback.scope_of(user_id, services.staff.role_of(user_id, member))
    service = services.broadcasts
    broadcast_id = await service.draft(
        update.effective_user.id,
        message.chat.id,
        text=trainer_views.NUDGE_SOURCE,
        nudge_days=days,
        update_id=update.update_id,
    )
    if not await _preview(message, context, broadcast_id):
        return
    try:
        count = await service.choose(
            broadcast_id, user_id, Audience("inactive", days=days, cohorts=scope.cohort_ids)
        )
    except BroadcastError as exc:  # this nudge was handled before and has moved on
        await reply(message, esc(str(exc)))
        return
    await reply(message, trainer_views.confirm(broadcast_id, count, None))
    if count == 0:
        await service.cancel(broadcast_id)


async def press_broadcast(update: Update, context: BotContext) -> None:
    """The audience, Send and Cancel buttons of a broadcast."""
    pressed = await pressing_staff(update, context)
    if pressed is None:
        return
    query, member = pressed
    action = callbacks.parse(query.data)
    message = query.message
    if not isinstance(action, callbacks.BroadcastPress) or not isinstance(message, Message):
        await answer(query, trainer_views.BROADCAST_BUTTON_EXPIRED)
        return
    data = context.bot_data
    service = data.services.broadcasts
    zone = member.timezone if member else data.config.default_timezone
    broadcast_id = action.broadcast_id
    paid_rate = data.config.paid_broadcast_rate
    try:
        if action.action == "a":
            audience = Audience.parse(action.audience or "")
            if audience is None:
                await answer(query, trainer_views.BROADCAST_BUTTON_EXPIRED)
                return
            count = await service.choose(broadcast_id, query.from_user.id, audience)
            view = await service.view(broadcast_id)
            await answer(query)
            when = trainer_views.local_time(view.scheduled_at, zone)
            paid = paid_rate if view.kind != "nudge" else 0.0
            await edit(message, trainer_views.confirm(broadcast_id, count, when, paid))
        elif action.action == "go":
            await answer(query, trainer_views.ON_ITS_WAY)
            view = await service.confirm(broadcast_id, query.from_user.id)
            if view.status == BroadcastStatus.SCHEDULED:
                when = trainer_views.local_time(view.scheduled_at, zone)
                await edit(message, trainer_views.scheduled(when))
                return
            await edit(message, trainer_views.on_its_way(view.id))
            sent = await reply(
                message,
                data.services.monitor.render(view),
            )
            await service.attach_progress(view.id, sent.chat.id, sent.message_id)
            # Writing the audience into the outbox happens off the update path;
            # should this process stop first, the monitor job picks it up.
            spawn(context.application, _queue(context, view.id), name=f"queue-{view.id}")
        else:
            view = await service.cancel(broadcast_id, query.from_user.id)
            await answer(query, trainer_views.CANCELLED)
            await edit(
                message,
                data.services.monitor.render(view),
            )
            await data.services.monitor.show(view, force=True)
    except BroadcastError as exc:
        await answer(query, str(exc)[:200])


async def _queue(context: BotContext, broadcast_id: int) -> None:
    """Materialise a confirmed broadcast's audience, then let the sender go."""
    services = context.bot_data.services
    await services.broadcasts.queue(broadcast_id)
    services.sender.wake.set()


async def list_broadcasts(update: Update, context: BotContext) -> None:
    """Scheduled and running broadcasts, with cancel buttons."""
    allowed = await staff_member(update, context)
    if allowed is None:
        return
    message, member = allowed
    zone = member.timezone if member else context.bot_data.config.default_timezone
    active = await context.bot_data.services.broadcasts.active()
    await reply(message, trainer_views.active_list(active, zone))
