"""Settings after onboarding: /settings, /time, /timezone, /program, /pause,
/resume, /stop, /today, the settings buttons and the choice after a program."""

from __future__ import annotations

import re

from telegram import Message, Update

from bot.context import BotContext
from bot.db.status import MemberStatus
from bot.handlers.common import answer, edit, known_member, pressing_member, reply
from bot.handlers.onboarding import apply_time, apply_zone, show_session
from bot.render import callbacks
from bot.render import onboarding as settings_views
from bot.services.preferences import Awaiting, Expected


async def show_settings(update: Update, context: BotContext) -> None:
    """Show the member's settings with buttons to change each."""
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    await reply(message, settings_views.settings_summary(context.bot_data.library.catalog, member))


async def set_time(update: Update, context: BotContext) -> None:
    """`/time 07:30` sets the session time; `/time` alone asks."""
    await _set_or_ask(update, context, Awaiting.TIME)


async def set_zone(update: Update, context: BotContext) -> None:
    """`/timezone Europe/Berlin` (or a city, or an offset); `/timezone` alone asks."""
    await _set_or_ask(update, context, Awaiting.TIMEZONE)


async def _set_or_ask(update: Update, context: BotContext, what: Awaiting) -> None:
    """Apply the value given after the command, or ask and wait for a typed answer."""
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    text = " ".join(context.args or [])
    if what == Awaiting.TIME:
        apply, ask = apply_time, settings_views.ask_time
    else:
        apply, ask = apply_zone, settings_views.ask_zone
    if text:
        await apply(message, context, member, text)
        return
    await context.bot_data.services.preferences.expect(member.telegram_id, Expected(what))
    await reply(message, ask(member, onboarding=not member.onboarded))
    if what == Awaiting.TIMEZONE:
        await reply(message, settings_views.offer_location())


async def choose_program(update: Update, context: BotContext) -> None:
    """Offer to restart the current program or switch to another."""
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    catalog = context.bot_data.library.catalog
    if not member.onboarded:
        await reply(message, settings_views.ask_program(catalog, member, first_time=False))
        return
    await reply(message, settings_views.ask_switch_program(catalog, member))


async def pause_sessions(update: Update, context: BotContext) -> None:
    """`/pause` until /resume, or `/pause 7` for a week."""
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    arg = (context.args or [""])[0]
    days: int | None = None
    if arg:
        if not re.fullmatch(r"\d{1,3}", arg) or not 1 <= int(arg) <= settings_views.MAX_PAUSE_DAYS:
            await reply(message, settings_views.PAUSE_USAGE)
            return
        days = int(arg)
    if member.status == MemberStatus.LEFT:
        await reply(message, settings_views.ALREADY_STOPPED)
        return
    change = await context.bot_data.services.preferences.pause(member.telegram_id, days)
    await reply(message, settings_views.paused(change.member))


async def resume_sessions(update: Update, context: BotContext) -> None:
    """End a pause (or a stop): sessions from the next reminder time."""
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    if member.status == MemberStatus.ACTIVE:
        await reply(message, settings_views.NOT_PAUSED)
        return
    change = await context.bot_data.services.preferences.resume(member.telegram_id)
    await reply(message, settings_views.resumed(change.member))


async def stop_sessions(update: Update, context: BotContext) -> None:
    """No more messages; the data stays and /start brings the member back."""
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    await context.bot_data.services.preferences.stop(member.telegram_id)
    await reply(message, settings_views.STOPPED)


async def show_today(update: Update, context: BotContext) -> None:
    """Today's session, on demand, any time of day (once answered, with the answer)."""
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    await show_session(message, context, member)


async def press_settings(update: Update, context: BotContext) -> None:
    """The buttons under /settings: program, zone, time, about you, pause, resume, stop."""
    pressed = await pressing_member(update, context)
    if pressed is None:
        return
    query, member = pressed
    action = callbacks.parse(query.data)
    message = query.message
    if not isinstance(action, callbacks.ChangeSetting) or not isinstance(message, Message):
        await answer(query, settings_views.SETTINGS_BUTTON_EXPIRED)
        return
    preferences = context.bot_data.services.preferences
    catalog = context.bot_data.library.catalog
    await answer(query)
    # The picker takes the place of the summary, and its answer the picker's.
    if action.what == "program":
        await edit(message, settings_views.ask_switch_program(catalog, member))
    elif action.what == "zone":
        await preferences.expect(member.telegram_id, Expected(Awaiting.TIMEZONE))
        await edit(message, settings_views.ask_zone(member, onboarding=False))
        await reply(message, settings_views.offer_location())
    elif action.what == "time":
        await preferences.expect(member.telegram_id, Expected(Awaiting.TIME))
        await edit(message, settings_views.ask_time(member, onboarding=False))
    elif action.what == "about":
        view = settings_views.ask_experience(member, first_time=False, onboarding=False)
        await edit(message, view)
    else:
        change = await {
            "pause": lambda: preferences.pause(member.telegram_id, None),
            "resume": lambda: preferences.resume(member.telegram_id),
            "stop": lambda: preferences.stop(member.telegram_id),
        }[action.what]()
        await edit(message, settings_views.settings_summary(catalog, change.member))


async def press_after_program(update: Update, context: BotContext) -> None:
    """What next after the last day: the next program, a repeat, a break (or stop)."""
    pressed = await pressing_member(update, context)
    if pressed is None:
        return
    query, member = pressed
    action = callbacks.parse(query.data)
    catalog = context.bot_data.library.catalog
    services = context.bot_data.services
    preferences = services.preferences
    if not isinstance(action, callbacks.AfterProgram):
        await answer(query, settings_views.SETTINGS_BUTTON_EXPIRED)
        return
    plan = await services.planner.plan(member)
    ended = action.run is None or action.run == member.program_start
    if plan.state != "finished" or not ended:
        # Chosen already (another tap, a redelivery, an old message): change nothing.
        await answer(query, settings_views.ALREADY_CHOSEN)
        return
    if action.choice in ("stop", "pause"):
        await answer(query)
        if action.choice == "stop":
            await preferences.stop(member.telegram_id)
            await edit(query, settings_views.STOPPED_AFTER_PROGRAM)
        else:
            await preferences.pause(member.telegram_id, None)
            await edit(query, settings_views.BREAK_AFTER_PROGRAM)
        return
    program_id = member.program_id if action.choice == "restart" else action.choice
    if program_id not in catalog.programs:
        await answer(query, settings_views.PROGRAM_GONE)
        return
    await answer(query)
    if member.status in (MemberStatus.LEFT, MemberStatus.PAUSED):
        await preferences.resume(member.telegram_id)
    change = await preferences.choose_program(member.telegram_id, program_id)
    await edit(query, settings_views.program_changed(catalog, change.member))
