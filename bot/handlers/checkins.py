"""Check-ins and progress: ✅/⏭ buttons, effort and notes, /checkin, /progress,
/history, and the member's own data (/mydata, /forget)."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

from telegram import InputFile, Message, Update

from bot.background import spawn
from bot.context import BotContext
from bot.db.dto import MemberDTO
from bot.db.status import CheckinStatus
from bot.handlers.common import answer, edit, onboarded_member, private_message, remove, reply
from bot.render import callbacks, texts
from bot.render import feedback as feedback_views
from bot.render import progress as progress_views
from bot.render.charts import progress_chart, progress_chart_data
from bot.render.session import render_answered
from bot.render.webapp import open_keyboard
from bot.services.checkins import NOTE_LIMIT
from bot.services.members import NotAMember
from bot.services.preferences import Awaiting, Expected


async def press_checkin(update: Update, context: BotContext) -> None:
    """✅ Done, ⏭ Skip, an effort rating or 📝 on a session message."""
    query = update.callback_query
    if query is None:
        return
    action = callbacks.parse(query.data)
    if not isinstance(action, callbacks.CheckinPress):
        await answer(query, progress_views.SESSION_BUTTON_EXPIRED)
        return
    services = context.bot_data.services
    user_id = query.from_user.id
    try:
        if action.action == "n":
            await services.preferences.expect(user_id, Expected(Awaiting.NOTE, action.day))
            await answer(query)
            if isinstance(query.message, Message):
                await reply(query.message, progress_views.note_prompt(action.day, NOTE_LIMIT))
            return
        if action.action == "e":
            result = await services.checkins.rate(user_id, action.day, action.effort or 0)
            if result.outcome == "recorded" and result.member and result.effort is not None:
                await services.feedback.effort(result.member, result.day, result.effort)
        else:
            status = CheckinStatus.DONE if action.action == "d" else CheckinStatus.SKIPPED
            result = await services.checkins.record(user_id, action.day, status)
    except NotAMember:
        await answer(query, texts.START_FIRST)
        return
    if result.outcome == "too_old":
        await answer(query, progress_views.TOO_OLD, alert=True)
        return
    if result.outcome == "no_program":
        await answer(query, texts.NO_PROGRAM)
        return
    refused = progress_views.refusal(result)
    if refused is not None:
        await answer(query, refused, alert=True)
        return
    if result.outcome != "recorded":
        await answer(query, progress_views.SESSION_BUTTON_EXPIRED)
        return
    assert result.member is not None  # a recorded result carries the member
    # The member and their pauses came back with the result: no second read.
    plan = services.planner.plan_with(result.member, result.day, result.pauses)
    today = services.checkins.today(result.member)
    redrawn = render_answered(context.bot_data.library.catalog, plan, result, today)
    # The answer and the redraw are independent requests: both go out at once,
    # so the press costs one network round trip, not two.
    await asyncio.gather(
        answer(query, progress_views.toast(result, action.action)), edit(query, redrawn)
    )


async def check_in(update: Update, context: BotContext) -> None:
    """`/checkin` (today), `/checkin yesterday`, or `/checkin <note>`."""
    message = await private_message(update, context)
    if message is None:
        return
    assert update.effective_user is not None
    member = await context.bot_data.members.get(update.effective_user.id)
    if member is None:
        await reply(message, texts.NO_PROGRAM)
        return
    checkins = context.bot_data.services.checkins
    text = " ".join(context.args or []).strip()
    day: date | None = None
    note: str | None = None
    if text.lower() in ("yesterday", "y", "yday"):
        day = checkins.today(member) - timedelta(days=1)
    elif text.lower() not in ("today", ""):
        note = text
    result = await checkins.record(member.telegram_id, day, CheckinStatus.DONE, note=note)
    text = progress_views.checkin_reply(result, checkins.today(member), NOTE_LIMIT)
    if note is not None and result.outcome == "recorded":
        text += await _note_for_coaches(context, member, result.day, note)
    await reply(message, text)


async def save_note(message: Message, context: BotContext, member: MemberDTO, day: date) -> None:
    """A typed note for a check-in (after 📝 or as a reply to a session message)."""
    text = message.text or ""
    services = context.bot_data.services
    result = await services.checkins.add_note(member.telegram_id, day, text)
    if result.outcome == "too_long":
        await reply(message, progress_views.note_too_long(len(text.strip()), NOTE_LIMIT))
        return
    await services.preferences.expect(member.telegram_id, None)
    if result.outcome == "no_checkin":
        await reply(message, progress_views.NOTE_NEEDS_CHECKIN)
    elif result.outcome != "recorded":
        await reply(message, progress_views.TOO_OLD)
    else:
        extra = await _note_for_coaches(context, member, day, text.strip())
        await reply(message, progress_views.note_saved(day) + extra)


async def _note_for_coaches(context: BotContext, member: MemberDTO, day: date, note: str) -> str:
    """Into the coaches' feed; a note that reads like pain alerts them at once. What
    the member is told besides (that a coach will see it, and to stop on pain)."""
    services = context.bot_data.services
    outcome = await services.feedback.note(member, day, note)
    if not outcome.alert:
        return ""
    services.sender.wake.set()
    return "\n\n" + feedback_views.note_alerted(outcome.coaches)


def note_day_from_reply(message: Message) -> date | None:
    """The date of the session message a member replied to, if it was one."""
    replied = message.reply_to_message
    if replied is None or replied.reply_markup is None:
        return None
    for row in replied.reply_markup.inline_keyboard:
        for button in row:
            action = callbacks.parse(str(button.callback_data or ""))
            if isinstance(action, callbacks.CheckinPress):
                return action.day
    return None


async def show_progress(update: Update, context: BotContext) -> None:
    """Streaks, adherence and a 12-week chart (drawn after the answer)."""
    found = await onboarded_member(update, context)
    if found is None:
        return
    message, member = found
    placeholder = await reply(message, progress_views.BUILDING_CHART)
    work = _send_progress(context, member, placeholder)
    spawn(context.application, work, update=update, name=f"progress-{member.id}")


async def _send_progress(context: BotContext, member: MemberDTO, placeholder: Message) -> None:
    services = context.bot_data.services
    calendar = await services.checkins.calendar(member)
    progress = calendar.progress()
    png = await services.heavy.run(progress_chart, progress_chart_data(calendar, progress))
    await context.bot.send_photo(
        placeholder.chat_id,
        InputFile(png, filename="progress.png"),
        caption=progress_views.progress_caption(member.first_name[:40] or None, progress),
        reply_markup=open_keyboard(context.bot_data.config.app_url, "progress"),
    )
    await remove(placeholder)


async def show_history(update: Update, context: BotContext) -> None:
    """The last 14 days, one line each."""
    found = await onboarded_member(update, context)
    if found is None:
        return
    message, member = found
    checkins = context.bot_data.services.checkins
    calendar = await checkins.calendar(member)
    records = await checkins.records(member, calendar.today - timedelta(days=13), calendar.today)
    await reply(message, progress_views.history_text(calendar, records))


async def send_my_data(update: Update, context: BotContext) -> None:
    """Everything stored about the member, as a JSON document."""
    message = await private_message(update, context)
    if message is None:
        return
    assert update.effective_user is not None
    member = await context.bot_data.members.get(update.effective_user.id)
    if member is None:
        await reply(message, progress_views.NO_DATA)
        return
    data = await context.bot_data.services.checkins.export(member.telegram_id)
    program = context.bot_data.library.catalog.programs.get(member.program_id or "")
    await reply(message, progress_views.my_data_summary(data, program.name if program else None))
    payload = json.dumps(data, indent=2, ensure_ascii=False).encode()
    await message.reply_document(
        InputFile(payload, filename="defy-gravity-my-data.json"),
        caption=progress_views.MY_DATA_CAPTION,
    )


async def ask_forget(update: Update, context: BotContext) -> None:
    """Ask for confirmation before deleting everything."""
    message = await private_message(update, context)
    if message is None:
        return
    assert update.effective_user is not None
    if await context.bot_data.members.get(update.effective_user.id) is None:
        await reply(message, progress_views.NOTHING_TO_DELETE)
        return
    await reply(message, progress_views.forget_question())


async def confirm_forget(update: Update, context: BotContext) -> None:
    """Delete everything about the member, or keep it."""
    query = update.callback_query
    if query is None:
        return
    action = callbacks.parse(query.data)
    await answer(query)
    if not isinstance(action, callbacks.ConfirmForget) or not action.confirmed:
        await edit(query, progress_views.NOTHING_DELETED)
        return
    deleted = await context.bot_data.services.checkins.forget(query.from_user.id)
    await edit(query, progress_views.FORGOTTEN if deleted else progress_views.NOTHING_LEFT)
