"""Onboarding: /start, the answers by button or typed, and free text in general.

The order of the questions is the preferences service's (`Change.next_step`);
these handlers only show the question it names.
"""

from __future__ import annotations

import asyncio
from datetime import date

from telegram import CallbackQuery, Message, Update

from bot.context import BotContext
from bot.db.dto import MemberDTO
from bot.db.status import Experience, MemberStatus
from bot.delivery.menus import needs_own_menu, publish_member_menu
from bot.handlers import catalog as lookups
from bot.handlers import checkins, feedback
from bot.handlers.common import (
    answer,
    edit,
    known_member,
    pressing_member,
    private_message,
    reply,
)
from bot.render import callbacks, texts
from bot.render import onboarding as onboarding_views
from bot.render.message import Rendered, esc
from bot.render.session import render_answered, render_session
from bot.services.answers import recommended_program
from bot.services.inputs import DidYouMean, InputError, is_greeting, parse_time, parse_zone
from bot.services.members import Profile
from bot.services.places import zone_at
from bot.services.preferences import Awaiting, Change, Step, expected_input, onboarding_step

DEEP_LINK_SETTINGS = "settings"
DEEP_LINK_TODAY = "today"  # the button under a group's daily post
DEEP_LINKS = (DEEP_LINK_SETTINGS, DEEP_LINK_TODAY)


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


def _question(context: BotContext, member: MemberDTO, step: Step, *, first_time: bool) -> Rendered:
    """The onboarding question for `step` (never DONE)."""
    if step == Step.EXPERIENCE:
        return onboarding_views.ask_experience(member, first_time=first_time, onboarding=True)
    if step == Step.EQUIPMENT:
        return onboarding_views.ask_ticks("k", frozenset(), onboarding=True)
    if step == Step.CONDITIONS:
        return onboarding_views.ask_ticks("h", frozenset(), onboarding=True)
    if step == Step.TIME:
        return onboarding_views.ask_time(member, onboarding=True)
    if step == Step.TIMEZONE:
        return onboarding_views.ask_zone(member, onboarding=True)
    catalog = context.bot_data.library.catalog
    recommended = recommended_program(catalog, member)
    return onboarding_views.ask_program(
        catalog, member, first_time=first_time, recommended=recommended
    )


async def show_session(message: Message, context: BotContext, member: MemberDTO) -> None:
    """Today's session (/today, or the button under a group's daily post); once
    answered, the answer and how to change it, not ✅/⏭ again."""
    services = context.bot_data.services
    catalog = context.bot_data.library.catalog
    plan = await services.planner.plan(member)
    answered = None
    if plan.state in ("training", "rest"):
        answered = await services.checkins.answer_on(member, plan.local_date)
    if answered is None:
        await reply(message, render_session(catalog, plan, on_demand=True))
    else:
        await reply(message, render_answered(catalog, plan, answered, plan.local_date))


async def start_member(update: Update, context: BotContext) -> None:
    """Register the sender, welcome them, and start (or show) their settings."""
    message = await private_message(update, context)
    if message is None:
        return
    data = context.bot_data
    preferences = data.services.preferences
    registration = await data.members.register(_profile(update, message))
    member = registration.member
    role = data.services.staff.role_of(member.telegram_id, member)
    if registration.created and needs_own_menu(member, role, data.config.app_url):
        # An admin from BOT_ADMIN_IDS talking to the bot for the first time: their
        # menu now, not only after the next restart; a French member: the Mini
        # App's menu button in French.
        await publish_member_menu(context.bot, member, role, data.config.app_url)
    code = (context.args or [""])[0][:64]
    if code == texts.DEEP_LINK_HELP:  # from the inline hint
        await reply(message, texts.INLINE_TIPS)
    elif code and code not in DEEP_LINKS:
        joined = await preferences.join_cohort(member.telegram_id, code)
        member = joined.member
        if joined.cohort_name:
            await reply(message, onboarding_views.joined_cohort(joined.cohort_name))
        else:
            await reply(message, onboarding_views.UNKNOWN_INVITE)
    if member.status in (MemberStatus.LEFT, MemberStatus.BLOCKED):
        member = (await preferences.come_back(member.telegram_id)).member
    step = onboarding_step(member)
    if step != Step.DONE:
        await reply(message, _question(context, member, step, first_time=registration.created))
        return
    if code == DEEP_LINK_TODAY:
        await show_session(message, context, member)
        return
    await reply(message, onboarding_views.welcome_back(data.library.catalog, member))


async def press_onboarding(update: Update, context: BotContext) -> None:
    """A quick-question answer, program, zone or time picked with a button (onboarding,
    or /settings), or ▶ Start today / Start tomorrow after it."""
    pressed = await pressing_member(update, context)
    if pressed is None:
        return
    query, member = pressed
    action = callbacks.parse(query.data)
    catalog = context.bot_data.library.catalog
    message = query.message
    if not isinstance(message, Message):
        await answer(query, onboarding_views.SETTINGS_BUTTON_EXPIRED)
        return
    if isinstance(action, callbacks.PickProgram) and action.program_id in catalog.programs:
        await answer(query)
        preferences = context.bot_data.services.preferences
        change = await preferences.choose_program(member.telegram_id, action.program_id)
        if change.next_step == Step.TIMEZONE:
            await edit(message, onboarding_views.ask_zone(change.member, onboarding=True))
            await reply(message, onboarding_views.offer_location())
        else:
            await edit(message, onboarding_views.program_changed(catalog, change.member))
    elif isinstance(action, callbacks.PickZone):
        try:  # buttons carry IANA names: anything else is forged or from an old tzdata
            if "/" not in action.zone and action.zone != "UTC":
                raise InputError(action.zone)
            zone = parse_zone(action.zone)
        except InputError:
            await answer(query, onboarding_views.SETTINGS_BUTTON_EXPIRED)
            return
        await answer(query)
        await save_zone(message, context, member, zone, pressed=True)
    elif isinstance(action, callbacks.PickExperience | callbacks.TickAnswer):
        await answer(query)
        await _answer_question(message, context, member, action)
    elif isinstance(action, callbacks.StartOn):
        await _start_on(query, context, member, action.day)
    elif isinstance(action, callbacks.PickTime):
        await answer(query)
        change = await context.bot_data.services.preferences.set_reminder_time(
            member.telegram_id, action.at
        )
        await _after_time(message, context, change, pressed=True)
    else:
        await answer(query, onboarding_views.SETTINGS_BUTTON_EXPIRED)


async def _answer_question(
    message: Message,
    context: BotContext,
    member: MemberDTO,
    action: callbacks.PickExperience | callbacks.TickAnswer,
) -> None:
    """A quick question answered (or a box ticked): the next question in place,
    then the program (with the suggestion) in onboarding, or a summary later."""
    preferences = context.bot_data.services.preferences
    onboarding = not member.onboarded
    ask = onboarding_views.ask_ticks
    if isinstance(action, callbacks.PickExperience):
        await preferences.answer_experience(member.telegram_id, Experience(action.level))
        await edit(message, ask("k", frozenset(), onboarding=onboarding))
        return
    if not action.done:  # a box ticked: the same question, redrawn
        await edit(message, ask(action.question, action.chosen, onboarding=onboarding))
        return
    if action.question == "k":
        await preferences.answer_equipment(member.telegram_id, action.chosen)
        await edit(message, ask("h", frozenset(), onboarding=onboarding))
        return
    change = await preferences.answer_conditions(member.telegram_id, action.chosen)
    if change.next_step == Step.DONE:
        await edit(message, onboarding_views.about_saved(change.member))
    else:
        await edit(message, _question(context, change.member, change.next_step, first_time=False))


async def _start_on(
    query: CallbackQuery, context: BotContext, member: MemberDTO, day: date
) -> None:
    """▶ Start today (day 1 now, its session sent at once) or Start tomorrow."""
    services = context.bot_data.services
    if day == member.program_start and day > services.checkins.today(member):
        await answer(query)  # Start tomorrow: as planned
        await edit(query, onboarding_views.starts_tomorrow(member))
        return
    started = await services.preferences.start_today(member.telegram_id, day)
    if started.outcome == "already":
        await answer(query, onboarding_views.ALREADY_STARTED)
        return
    if started.outcome == "stale":
        await answer(query, onboarding_views.START_BUTTON_EXPIRED, alert=True)
        return
    await answer(query)
    await edit(query, onboarding_views.started_today(started.member))
    plan = await services.planner.plan(started.member)
    if isinstance(query.message, Message):
        catalog = context.bot_data.library.catalog
        await reply(query.message, render_session(catalog, plan))


# -- typed answers -------------------------------------------------------------------
async def answer_text(update: Update, context: BotContext) -> None:
    """Free text in the private chat: the answer to what the member was asked, a
    note (typed after 📝, or as a reply to a session message), or else a question
    about the series (a card, a choice of cards, or the safety guidance)."""
    message = update.effective_message
    if message is None or update.effective_user is None or not message.text:
        return
    if message.via_bot is not None and message.via_bot.id == context.bot.id:
        return  # a card the member shared through our own inline mode: not for us
    member = await context.bot_data.members.get(update.effective_user.id)
    if await feedback.relay_reply(update, message, context, member):
        return
    if member is None:
        if is_greeting(message.text):  # "hello" before /start: start, as /start would
            await start_member(update, context)
        else:
            await lookups.answer_question(message, context)
        return
    expected = expected_input(member)
    note_day = checkins.note_day_from_reply(message)
    if note_day is None and expected is not None and expected.what == Awaiting.NOTE:
        note_day = expected.day
    if note_day is not None:
        await checkins.save_note(message, context, member, note_day)
    elif expected is not None and expected.what == Awaiting.TIME:
        await apply_time(message, context, member, message.text)
    elif expected is not None and expected.what == Awaiting.TIMEZONE:
        await apply_zone(message, context, member, message.text)
    else:
        await lookups.answer_question(message, context, member)


async def apply_time(message: Message, context: BotContext, member: MemberDTO, text: str) -> None:
    """Set the session time from what the member typed (or say what was wrong)."""
    try:
        at = parse_time(text)
    except InputError as exc:
        await reply(message, esc(str(exc)))
        return
    change = await context.bot_data.services.preferences.set_reminder_time(member.telegram_id, at)
    await _after_time(message, context, change)


async def _after_time(
    message: Message, context: BotContext, change: Change, *, pressed: bool = False
) -> None:
    """What follows a new session time: in place of the picker when it was tapped."""
    catalog = context.bot_data.library.catalog
    today = context.bot_data.services.checkins.today(change.member)
    view: Rendered | str
    if change.onboarding_finished:
        view = onboarding_views.all_set(catalog, change.member, today)
    elif change.next_step == Step.DONE:
        view = onboarding_views.time_set(change.member.reminder_time, change.member, today)
    else:
        view = _question(context, change.member, change.next_step, first_time=False)
    await (edit(message, view) if pressed else reply(message, view))


async def apply_zone(message: Message, context: BotContext, member: MemberDTO, text: str) -> None:
    """Set the time zone from what the member typed (or offer the cities it may mean)."""
    try:
        # A city name may load the gazetteer (seconds, once): not on the event loop.
        zone = await asyncio.to_thread(parse_zone, text)
    except DidYouMean as exc:
        await reply(message, onboarding_views.did_you_mean(exc.places))
        return
    except InputError as exc:
        await reply(message, esc(str(exc)))
        return
    await save_zone(message, context, member, zone)


async def share_location(update: Update, context: BotContext) -> None:
    """A location shared with 📍 Send my location: the time zone there, found offline."""
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    location = message.location
    if location is None:
        return
    zone = await asyncio.to_thread(zone_at, location.latitude, location.longitude)
    if zone is None:
        await reply(message, onboarding_views.NO_ZONE_THERE)
        return
    await save_zone(message, context, member, zone)


async def save_zone(
    message: Message, context: BotContext, member: MemberDTO, zone: str, *, pressed: bool = False
) -> None:
    """Store a zone and show what comes next: in place of the picker when it was
    tapped; typed or shared, the zone is confirmed (and the location button goes)
    before the next question."""
    change = await context.bot_data.services.preferences.set_timezone(member.telegram_id, zone)
    today = context.bot_data.services.checkins.today(change.member)
    question = None
    if change.next_step != Step.DONE:
        question = _question(context, change.member, change.next_step, first_time=False)
    if pressed:
        await edit(message, question or onboarding_views.zone_set(change.member, today))
        return
    await reply(message, onboarding_views.zone_from_location(change.member, today))
    if question is not None:
        await reply(message, question)
