"""Check-ins and progress: ✅/⏭ buttons, effort and notes, /checkin, /progress,
/history, and the member's own data (/mydata, /forget)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest

from bot.context import BotContext
from bot.db.dto import MemberDTO
from bot.render.charts import progress_chart
from bot.render.onboarding import private_only
from bot.render.progress import (
    answered_rows,
    history_text,
    progress_caption,
    recorded_footer,
    streak_text,
)
from bot.render.session import render_session
from bot.services.checkins import NOTE_LIMIT, CheckinResult

_CALLBACK = re.compile(r"^ci:([dsen]):(\d{8})(?::([1-5]))?$")
TOO_OLD = "That day is more than 48 hours ago, so it can no longer be changed."
NOT_STARTED = "Send /start first and pick a program."


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()  # noqa: DTZ007 - a calendar date, no time
    except ValueError:
        return None


async def _member(update: Update, context: BotContext) -> MemberDTO | None:
    user = update.effective_user
    return await context.bot_data.members.get(user.id) if user else None


async def _private_message(update: Update, context: BotContext) -> Message | None:
    message = update.effective_message
    if message is None:
        return None
    if message.chat.type != ChatType.PRIVATE:
        rendered = private_only(context.bot.username)
        await message.reply_text(rendered.text, reply_markup=rendered.markup)
        return None
    return message


async def _onboarded(update: Update, context: BotContext) -> tuple[Message, MemberDTO] | None:
    """The message and its sender, if in a private chat and set up with a program."""
    message = await _private_message(update, context)
    if message is None:
        return None
    member = await _member(update, context)
    if member is None or member.program_start is None:
        await message.reply_text(NOT_STARTED)
        return None
    return message, member


async def press_checkin(update: Update, context: BotContext) -> None:
    """ci:d / ci:s (done, skip), ci:e (effort), ci:n (note) for the date in the button."""
    query = update.callback_query
    if query is None:
        return
    match = _CALLBACK.match(query.data or "")
    day = _day(match.group(2)) if match else None
    if match is None or day is None:
        await query.answer("That button has expired. Send /today for today's session.")
        return
    member = await _member(update, context)
    if member is None:
        await query.answer(NOT_STARTED)
        return
    action, data_day = match.group(1), match.group(2)
    checkins = context.bot_data.services.checkins
    if action == "n":
        await context.bot_data.services.settings.expect_input(
            member.telegram_id, f"note:{data_day}"
        )
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.reply_text(
                f"📝 Send your note for {day:%A %d %B} (up to {NOTE_LIMIT} characters)."
            )
        return
    if action == "e":
        result = await checkins.rate(member.telegram_id, day, int(match.group(3) or 0))
    else:
        result = await checkins.record(
            member.telegram_id, day, "done" if action == "d" else "skipped"
        )
    if result.outcome == "too_old":
        await query.answer(TOO_OLD, show_alert=True)
        return
    if result.outcome == "no_program":
        await query.answer(NOT_STARTED)
        return
    if result.outcome != "recorded":
        await query.answer("That button has expired. Send /today for today's session.")
        return
    toast = {"d": "Recorded ✅", "s": "Skipped ⏭", "e": f"Effort {result.effort}/5 saved"}[action]
    await query.answer(toast)
    await _show_answer(query.message, context, member, result, data_day)


async def _show_answer(
    message: object, context: BotContext, member: MemberDTO, result: CheckinResult, data_day: str
) -> None:
    """Redraw the session message with the recorded state and the next buttons."""
    if not isinstance(message, Message):
        return
    plan = await context.bot_data.services.sessions.plan(member, result.day)
    rendered = render_session(context.bot_data.library.catalog, plan, on_demand=True)
    how_to = [
        row for row in rendered.rows if not any(str(b.callback_data).startswith("ci:") for b in row)
    ]
    text = f"{rendered.text}\n\n{recorded_footer(result)}"
    rows = answered_rows(result, data_day) + how_to
    try:
        await message.edit_text(
            text, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows)
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def check_in(update: Update, context: BotContext) -> None:
    """`/checkin` (today), `/checkin yesterday`, or `/checkin <note>`."""
    message = await _private_message(update, context)
    if message is None:
        return
    member = await _member(update, context)
    if member is None:
        await message.reply_text(NOT_STARTED)
        return
    checkins = context.bot_data.services.checkins
    text = " ".join(context.args or []).strip()
    day: date | None = None
    note: str | None = None
    if text.lower() in ("yesterday", "y", "yday"):
        day = checkins.today(member) - timedelta(days=1)
    elif text.lower() in ("today", ""):
        day = None
    else:
        note = text
    result = await checkins.record(member.telegram_id, day, "done", note=note)
    reply = _checkin_reply(result, checkins.today(member))
    await message.reply_text(reply, parse_mode=ParseMode.HTML)


def _checkin_reply(result: CheckinResult, today: date) -> str:
    if result.outcome == "too_long":
        return (
            f"That note is too long: keep it to {NOTE_LIMIT} characters, then send /checkin again."
        )
    if result.outcome == "no_program":
        return NOT_STARTED
    if result.outcome in ("too_old", "future"):
        return TOO_OLD
    which = "today" if result.day == today else f"{result.day:%A %d %B}"
    label = f" (day {result.program_day})" if result.program_day else ""
    line = f"✅ Checked in for {which}{label}. {streak_text(result.progress)}"
    if result.note:
        line += "\n📝 Note saved."
    return line


async def save_note(message: Message, context: BotContext, member: MemberDTO, day: date) -> None:
    """A typed note for a check-in (after 📝 or as a reply to a session message)."""
    text = message.text or ""
    result = await context.bot_data.services.checkins.add_note(member.telegram_id, day, text)
    if result.outcome == "too_long":
        await message.reply_text(
            f"That note is {len(text.strip())} characters; the limit is {NOTE_LIMIT}. "
            "Send a shorter one."
        )
        return
    await context.bot_data.services.settings.expect_input(member.telegram_id, None)
    if result.outcome == "no_checkin":
        await message.reply_text("Tap ✅ Done on that day's session first, then add your note.")
    elif result.outcome != "recorded":
        await message.reply_text(TOO_OLD)
    else:
        await message.reply_text(f"📝 Note saved for {day:%A %d %B}.")


def note_day_from_reply(message: Message) -> date | None:
    """The date of the session message a member replied to, if it was one."""
    replied = message.reply_to_message
    if replied is None or replied.reply_markup is None:
        return None
    for row in replied.reply_markup.inline_keyboard:
        for button in row:
            match = _CALLBACK.match(str(button.callback_data or ""))
            if match:
                return _day(match.group(2))
    return None


async def show_progress(update: Update, context: BotContext) -> None:
    """Streaks, adherence and a 12-week chart."""
    found = await _onboarded(update, context)
    if found is None:
        return
    message, member = found
    calendar = await context.bot_data.services.checkins.calendar(member)
    progress = calendar.progress()
    png = await asyncio.to_thread(progress_chart, calendar, progress)
    await message.reply_photo(
        InputFile(png, filename="progress.png"),
        caption=progress_caption(member.first_name[:40] or "Your", progress),
        parse_mode=ParseMode.HTML,
    )


async def show_history(update: Update, context: BotContext) -> None:
    """The last 14 days, one line each."""
    found = await _onboarded(update, context)
    if found is None:
        return
    message, member = found
    checkins = context.bot_data.services.checkins
    calendar = await checkins.calendar(member)
    records = await checkins.records(member, calendar.today - timedelta(days=13), calendar.today)
    await message.reply_text(history_text(calendar, records), parse_mode=ParseMode.HTML)


async def send_my_data(update: Update, context: BotContext) -> None:
    """Everything stored about the member, as a JSON document."""
    message = await _private_message(update, context)
    if message is None:
        return
    member = await _member(update, context)
    if member is None:
        await message.reply_text("I have no data about you: you never sent /start.")
        return
    data = await context.bot_data.services.checkins.export(member.telegram_id)
    payload = json.dumps(data, indent=2, ensure_ascii=False).encode()
    await message.reply_document(
        InputFile(payload, filename="defy-gravity-my-data.json"),
        caption="🗂 Everything I store about you. /forget deletes it all.",
    )


async def ask_forget(update: Update, context: BotContext) -> None:
    """Ask for confirmation before deleting everything."""
    message = await _private_message(update, context)
    if message is None:
        return
    if await _member(update, context) is None:
        await message.reply_text("I have no data about you: there is nothing to delete.")
        return
    rows = [
        [
            InlineKeyboardButton("🗑 Yes, delete everything", callback_data="fg:yes"),
            InlineKeyboardButton("Keep my data", callback_data="fg:no"),
        ]
    ]
    await message.reply_text(
        "This deletes your profile, check-ins, streaks and settings for good. It cannot be "
        "undone. Are you sure?",
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def confirm_forget(update: Update, context: BotContext) -> None:
    """fg:yes deletes; fg:no keeps."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    await query.answer()
    if query.data != "fg:yes":
        await query.message.edit_text("Nothing was deleted.")
        return
    deleted = await context.bot_data.services.checkins.forget(query.from_user.id)
    text = (
        "🗑 Done: everything about you is deleted. Send /start if you ever want to come back."
        if deleted
        else "There was nothing left to delete."
    )
    await query.message.edit_text(text)
