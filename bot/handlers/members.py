"""Onboarding and settings: /start, /settings, /time, /timezone, /program,
/pause, /resume, /stop, /today, their buttons and typed answers."""

from __future__ import annotations

import logging
import re
from datetime import datetime, time

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest

from bot.context import BotContext
from bot.db.dto import MemberDTO
from bot.handlers import checkins
from bot.render import onboarding as views
from bot.render.cards import Rendered
from bot.render.session import render_session
from bot.render.texts import esc
from bot.services.inputs import InputError, describe_zone, parse_time, parse_zone
from bot.services.members import Change, Profile

log = logging.getLogger(__name__)

NOT_STARTED = "We have not met yet: send /start and I will set you up in a minute."
MAX_PAUSE_DAYS = 90
DEEP_LINK_SETTINGS = "settings"


async def _send(message: Message, rendered: Rendered) -> None:
    await message.reply_text(rendered.text, parse_mode=ParseMode.HTML, reply_markup=rendered.markup)


async def _private(update: Update, context: BotContext) -> Message | None:
    """The message, if in a private chat; in a group, point to the private chat."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return None
    if message.chat.type != ChatType.PRIVATE:
        await _send(message, views.private_only(context.bot.username))
        return None
    return message


async def _member(update: Update, context: BotContext, message: Message) -> MemberDTO | None:
    assert update.effective_user is not None
    member = await context.bot_data.members.get(update.effective_user.id)
    if member is None:
        await message.reply_text(NOT_STARTED)
    return member


def _profile(update: Update, message: Message) -> Profile:
    user = update.effective_user
    assert user is not None
    return Profile(
        telegram_id=user.id,
        chat_id=message.chat.id,
        first_name=user.first_name,
        username=user.username,
        last_name=user.last_name,
        language_code=user.language_code,
    )


async def start_member(update: Update, context: BotContext) -> None:
    """Register the sender, welcome them, and start (or show) their settings."""
    message = await _private(update, context)
    if message is None:
        return
    data = context.bot_data
    registration = await data.members.register(_profile(update, message))
    member = registration.member
    code = (context.args or [""])[0][:64]
    if code and code != DEEP_LINK_SETTINGS:
        joined = await data.services.settings.join_cohort(member.telegram_id, code)
        member = joined.member
        if joined.cohort_name:
            await message.reply_text(
                f"🤝 You joined the cohort <b>{esc(joined.cohort_name)}</b>.",
                parse_mode=ParseMode.HTML,
            )
        else:
            await message.reply_text(
                "That invite link is not one I know (maybe it expired), "
                "but you are very welcome anyway."
            )
    if member.status in ("left", "blocked"):
        member = (await data.services.settings.come_back(member.telegram_id)).member
    catalog = data.library.catalog
    if not member.onboarded:
        if member.program_id and member.pending_input == "time":
            await _send(message, views.ask_time(member, onboarding=True))
        elif member.program_id and member.pending_input == "timezone":
            await _send(message, views.ask_zone(member, onboarding=True))
        else:
            await _send(
                message, views.ask_program(catalog, member, first_time=registration.created)
            )
        return
    summary = views.settings_summary(catalog, member)
    name = esc(member.first_name[:40]) or "there"
    summary.text = f"👋 Welcome back, {name}! Your data is safe.\n\n{summary.text}"
    await _send(message, summary)


async def show_settings(update: Update, context: BotContext) -> None:
    """Show the member's settings with buttons to change each."""
    message = await _private(update, context)
    if message is None or (member := await _member(update, context, message)) is None:
        return
    await _send(message, views.settings_summary(context.bot_data.library.catalog, member))


async def set_time(update: Update, context: BotContext) -> None:
    """`/time 07:30` sets the session time; `/time` alone asks."""
    await _set_or_ask(update, context, "time")


async def set_zone(update: Update, context: BotContext) -> None:
    """`/timezone Europe/Berlin` (or a city, or an offset); `/timezone` alone asks."""
    await _set_or_ask(update, context, "timezone")


async def _set_or_ask(update: Update, context: BotContext, what: str) -> None:
    """Apply the value given after the command, or ask and wait for a typed answer."""
    message = await _private(update, context)
    if message is None or (member := await _member(update, context, message)) is None:
        return
    text = " ".join(context.args or [])
    apply, ask = (_apply_time, views.ask_time) if what == "time" else (_apply_zone, views.ask_zone)
    if text:
        await apply(message, context, member, text)
        return
    await context.bot_data.services.settings.expect_input(member.telegram_id, what)
    await _send(message, ask(member, onboarding=not member.onboarded))


async def choose_program(update: Update, context: BotContext) -> None:
    """Offer to restart the current program or switch to another."""
    message = await _private(update, context)
    if message is None or (member := await _member(update, context, message)) is None:
        return
    catalog = context.bot_data.library.catalog
    if not member.onboarded:
        await _send(message, views.ask_program(catalog, member, first_time=False))
        return
    await _send(message, views.ask_switch_program(catalog, member))


async def pause_sessions(update: Update, context: BotContext) -> None:
    """`/pause` until /resume, or `/pause 7` for a week."""
    message = await _private(update, context)
    if message is None or (member := await _member(update, context, message)) is None:
        return
    arg = (context.args or [""])[0]
    days: int | None = None
    if arg:
        if not re.fullmatch(r"\d{1,3}", arg) or not 1 <= int(arg) <= MAX_PAUSE_DAYS:
            await message.reply_text(
                f"Send /pause for a break until /resume, or /pause followed by a number of "
                f"days from 1 to {MAX_PAUSE_DAYS}, like /pause 7."
            )
            return
        days = int(arg)
    if member.status == "left":
        await message.reply_text(
            "Your daily sessions are stopped already. Send /start to come back."
        )
        return
    change = await context.bot_data.services.settings.pause(member.telegram_id, days)
    until = change.member.paused_until
    when = f"until {until:%A %d %B}" if until else "until you send /resume"
    await message.reply_text(
        f"⏸ Paused {when}. No sessions meanwhile, and your program day waits for you."
    )


async def resume_sessions(update: Update, context: BotContext) -> None:
    """End a pause (or a stop): sessions from the next reminder time."""
    message = await _private(update, context)
    if message is None or (member := await _member(update, context, message)) is None:
        return
    if member.status == "active":
        await message.reply_text(
            "You are not paused: your sessions are running. Send /today to see today's."
        )
        return
    change = await context.bot_data.services.settings.resume(member.telegram_id)
    await _send(message, _resumed(change))


def _resumed(change: Change) -> Rendered:
    member = change.member
    if member.next_reminder_at is None:
        return Rendered("▶️ Welcome back! Send /start to pick a program.")
    return Rendered(
        f"▶️ Welcome back! Next session: {views.when(member.next_reminder_at, member.timezone)}."
    )


async def stop_sessions(update: Update, context: BotContext) -> None:
    """No more messages; the data stays and /start brings the member back."""
    message = await _private(update, context)
    if message is None or (member := await _member(update, context, message)) is None:
        return
    await context.bot_data.services.settings.stop(member.telegram_id)
    await message.reply_text(
        "🛑 Done: I will not send you anything on my own any more. Your progress is kept; "
        "send /start whenever you want to come back."
    )


async def show_today(update: Update, context: BotContext) -> None:
    """Today's session, on demand, any time of day."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        await _send(message, views.private_only(context.bot.username))
        return
    member = await _member(update, context, message)
    if member is None:
        return
    plan = await context.bot_data.services.sessions.plan(member)
    await _send(message, render_session(context.bot_data.library.catalog, plan, on_demand=True))


# -- typed answers -------------------------------------------------------------------
async def answer_pending_input(update: Update, context: BotContext) -> None:
    """A free-text reply that answers the question the member was asked."""
    message = update.effective_message
    if message is None or update.effective_user is None or not message.text:
        return
    member = await context.bot_data.members.get(update.effective_user.id)
    if member is not None:
        replied_day = checkins.note_day_from_reply(message)
        pending = member.pending_input or ""
        if replied_day is not None or pending.startswith("note:"):
            day = replied_day or datetime.strptime(pending[5:], "%Y%m%d").date()  # noqa: DTZ007
            await checkins.save_note(message, context, member, day)
            return
    if member is None or member.pending_input not in ("time", "timezone"):
        await message.reply_text("I work with commands. Send /help to see them.")
        return
    if member.pending_input == "time":
        await _apply_time(message, context, member, message.text)
    else:
        await _apply_zone(message, context, member, message.text)


async def _apply_time(message: Message, context: BotContext, member: MemberDTO, text: str) -> None:
    try:
        at = parse_time(text)
    except InputError as exc:
        await message.reply_text(str(exc))
        return
    await _after_time(message, context, member, at)


async def _after_time(message: Message, context: BotContext, member: MemberDTO, at: time) -> None:
    change = await context.bot_data.services.settings.set_reminder_time(member.telegram_id, at)
    catalog = context.bot_data.library.catalog
    if change.onboarding_finished:
        await _send(message, views.all_set(catalog, change.member))
    elif change.member.onboarded:
        await message.reply_text(
            f"⏰ Daily session at {at:%H:%M}. "
            f"Next: {views.when(change.member.next_reminder_at, change.member.timezone)}."
        )
    else:
        await _send(message, views.ask_program(catalog, change.member, first_time=False))


async def _apply_zone(message: Message, context: BotContext, member: MemberDTO, text: str) -> None:
    try:
        zone = parse_zone(text)
    except InputError as exc:
        await message.reply_text(str(exc))
        return
    await _after_zone(message, context, member, zone)


async def _after_zone(message: Message, context: BotContext, member: MemberDTO, zone: str) -> None:
    change = await context.bot_data.services.settings.set_timezone(member.telegram_id, zone)
    if change.member.pending_input == "time":
        await _send(message, views.ask_time(change.member, onboarding=True))
    elif change.member.onboarded:
        await message.reply_text(
            f"🌍 Time zone: {describe_zone(zone)}. Next session: "
            f"{views.when(change.member.next_reminder_at, change.member.timezone)}."
        )
    else:
        await _send(
            message,
            views.ask_program(context.bot_data.library.catalog, change.member, first_time=False),
        )


# -- buttons -------------------------------------------------------------------------
async def _pressed_by_member(
    update: Update, context: BotContext
) -> tuple[CallbackQuery, MemberDTO] | None:
    """The button press and the member who made it (a stranger is asked to /start)."""
    query = update.callback_query
    if query is None or query.data is None or query.message is None:
        return None
    member = await context.bot_data.members.get(query.from_user.id)
    if member is None:
        await query.answer("Send /start first, then tap again.")
        return None
    return query, member


async def press_onboarding(update: Update, context: BotContext) -> None:
    """ob:p:<program>, ob:z:<zone>, ob:t:<HHMM> — answers by button."""
    pressed = await _pressed_by_member(update, context)
    if pressed is None:
        return
    query, member = pressed
    _, kind, value = ([*(query.data or "").split(":", 2), "", ""])[:3]
    catalog = context.bot_data.library.catalog
    message = query.message
    assert isinstance(message, Message)
    try:
        if kind == "p" and value in catalog.programs:
            await query.answer()
            change = await context.bot_data.services.settings.choose_program(
                member.telegram_id, value
            )
            if change.member.pending_input == "timezone":
                await _edit(query.message, views.ask_zone(change.member, onboarding=True))
            else:
                await _edit(query.message, views.program_changed(catalog, change.member))
        elif kind == "z" and value:
            zone = parse_zone(value)
            await query.answer()
            await _after_zone(message, context, member, zone)
        elif kind == "t" and re.fullmatch(r"\d{4}", value):
            at = parse_time(f"{value[:2]}:{value[2:]}")
            await query.answer()
            await _after_time(message, context, member, at)
        else:
            await query.answer("That button has expired. Send /settings to see your options.")
    except InputError:
        await query.answer("That button has expired. Send /settings to see your options.")


async def press_settings(update: Update, context: BotContext) -> None:
    """set:program, set:zone, set:time, set:pause, set:resume, set:stop."""
    pressed = await _pressed_by_member(update, context)
    if pressed is None:
        return
    query, member = pressed
    action = (query.data or "").removeprefix("set:")
    settings = context.bot_data.services.settings
    catalog = context.bot_data.library.catalog
    message = query.message
    assert isinstance(message, Message)
    await query.answer()
    if action == "program":
        await _send(message, views.ask_switch_program(catalog, member))
    elif action == "zone":
        await settings.expect_input(member.telegram_id, "timezone")
        await _send(message, views.ask_zone(member, onboarding=False))
    elif action == "time":
        await settings.expect_input(member.telegram_id, "time")
        await _send(message, views.ask_time(member, onboarding=False))
    elif action == "pause":
        change = await settings.pause(member.telegram_id, None)
        await _edit(message, views.settings_summary(catalog, change.member))
    elif action == "resume":
        change = await settings.resume(member.telegram_id)
        await _edit(message, views.settings_summary(catalog, change.member))
    elif action == "stop":
        change = await settings.stop(member.telegram_id)
        await _edit(message, views.settings_summary(catalog, change.member))


async def press_after_program(update: Update, context: BotContext) -> None:
    """pg:restart, pg:<program>, pg:stop — the choice after finishing a program."""
    pressed = await _pressed_by_member(update, context)
    if pressed is None:
        return
    query, member = pressed
    choice = (query.data or "").removeprefix("pg:")
    catalog = context.bot_data.library.catalog
    settings = context.bot_data.services.settings
    message = query.message
    assert isinstance(message, Message)
    if choice == "stop":
        await query.answer()
        await settings.stop(member.telegram_id)
        await _edit(
            message, Rendered("🛑 Daily sessions stopped. Send /start whenever you want more.")
        )
        return
    program_id = member.program_id if choice == "restart" else choice
    if program_id not in catalog.programs:
        await query.answer("That program is no longer offered. Send /program to see the list.")
        return
    await query.answer()
    if member.status == "left":
        await settings.come_back(member.telegram_id)
    change = await settings.choose_program(member.telegram_id, program_id)
    await _edit(message, views.program_changed(catalog, change.member))


async def _edit(message: object, rendered: Rendered) -> None:
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(
            rendered.text, parse_mode=ParseMode.HTML, reply_markup=rendered.markup
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
