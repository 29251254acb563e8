"""Onboarding questions, the settings summary, their buttons, and the replies to
settings commands (/pause, /resume, /stop, /time, /timezone)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.catalog import Catalog
from bot.catalog.schema import Program
from bot.db.dto import MemberDTO
from bot.db.status import Experience, MemberStatus
from bot.i18n import N_, _, as_label, format_day, lazy, ngettext, pgettext
from bot.render import callbacks
from bot.render.cards import REASON_LABELS
from bot.render.message import Rendered, esc
from bot.render.texts import disclaimer, display_name
from bot.services.answers import CONDITION_CHOICES, parsed
from bot.services.inputs import describe_zone
from bot.services.places import Place
from bot.services.preferences import next_session

COMMON_ZONES = (
    ("🇬🇧 London", "Europe/London"),
    ("🇩🇪 Berlin", "Europe/Berlin"),
    ("🇺🇸 New York", "America/New_York"),
    ("🇺🇸 Chicago", "America/Chicago"),
    ("🇺🇸 Los Angeles", "America/Los_Angeles"),
    ("🇧🇷 São Paulo", "America/Sao_Paulo"),
    ("🇮🇳 India", "Asia/Kolkata"),
    ("🇯🇵 Tokyo", "Asia/Tokyo"),
    ("🇦🇺 Sydney", "Australia/Sydney"),
    ("🌐 UTC", "UTC"),
)
COMMON_TIMES = ("06:00", "06:30", "07:00", "07:30", "08:00", "12:00", "17:30", "18:00", "19:00")


def _pairs(buttons: list[InlineKeyboardButton], width: int = 2) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _welcome(member: MemberDTO) -> list[str]:
    return [
        _("👋 Welcome to <b>Defy Gravity</b>, {name}!").format(
            name=display_name(member.first_name)
        ),
        "",
        _(
            "I coach the Best Body Bootcamp glute series: every day, at your own local "
            "time, a short session of release work, stretches and exercises. Tap ✅ when "
            "you are done and watch your streak grow. Ask me about any muscle with /anatomy, "
            "or just type a question."
        ),
        "",
        disclaimer(),
        "",
    ]


# -- the quick questions -------------------------------------------------------------
EXPERIENCE_LABELS = {
    Experience.NEW: N_("🌱 New to training"),
    Experience.SOME: N_("🙂 Some experience"),
    Experience.REGULAR: N_("💪 I train regularly"),
}
KIT_LABELS = {
    "bands": N_("Resistance bands"),
    "dumbbells": N_("Dumbbells or a kettlebell"),
    "gym": N_("A gym"),
}
CONDITION_LABELS = {reason: REASON_LABELS[reason] for reason in CONDITION_CHOICES}


def _question_head(number: int, onboarding: bool) -> str:
    if onboarding:
        return _("<b>Quick question {number} of 3</b>").format(number=number)
    return _("<b>About you</b>")


def ask_experience(member: MemberDTO, *, first_time: bool, onboarding: bool) -> Rendered:
    """Question 1 (with the welcome for a newcomer): how much have you trained?"""
    lines = _welcome(member) if first_time else []
    if onboarding:
        lines.append(_("Three quick questions first, so your sessions fit you.") + "\n")
    lines.append(
        _("{head}: how much have you trained before?").format(head=_question_head(1, onboarding))
    )
    buttons = [
        InlineKeyboardButton(_(label), callback_data=callbacks.PickExperience(level).encode())
        for level, label in EXPERIENCE_LABELS.items()
    ]
    return Rendered("\n".join(lines), [[b] for b in buttons])


# Quick questions 2 and 3: number, question, choices, the "nothing" button.
TICK_QUESTIONS: dict[str, tuple[int, str, dict[str, str], str]] = {
    "k": (
        2,
        N_(
            "{head}: what equipment do you have at hand? Tick all that apply, then ✅ Done. "
            "None at all is fine: every session has a version without."
        ),
        KIT_LABELS,
        N_("🚫 Nothing"),
    ),
    "h": (
        3,
        N_(
            "{head}: does any of this apply to you now? Tick all that apply, then ✅ Done. "
            "I use it only to swap moves in your sessions for ones that suit you; you can "
            "change it in /settings any time."
        ),
        CONDITION_LABELS,
        N_("👍 None of these"),
    ),
}


def ask_ticks(
    question: callbacks.TickQuestion, chosen: frozenset[str], *, onboarding: bool
) -> Rendered:
    """Question 2 (equipment) or 3 (conditions): a button per choice that ticks or
    unticks it, one for "nothing of these", and ✅ Done."""
    number, asked, labels, nothing = TICK_QUESTIONS[question]
    rows = [
        [
            InlineKeyboardButton(
                f"{'☑️' if name in chosen else '▫️'} {_(label)}",
                callback_data=callbacks.TickAnswer(question, chosen ^ {name}).encode(),
            )
        ]
        for name, label in labels.items()
    ]
    rows.append(
        [
            InlineKeyboardButton(
                _(nothing),
                callback_data=callbacks.TickAnswer(question, frozenset(), True).encode(),
            ),
            InlineKeyboardButton(
                # Translators: the button that ends ticking the choices of a quick question.
                pgettext("tick", "✅ Done"),
                callback_data=callbacks.TickAnswer(question, chosen, True).encode(),
            ),
        ]
    )
    return Rendered(_(asked).format(head=_question_head(number, onboarding)), rows)


def about_line(member: MemberDTO) -> str:
    """The answers in one line ('some experience · bands · knee pain')."""
    equipment, conditions = parsed(member.equipment), parsed(member.conditions)
    if member.experience is None and equipment is None and conditions is None:
        return _("not answered yet (sessions as the program has them)")
    parts = []
    if member.experience in EXPERIENCE_LABELS:
        label = _(EXPERIENCE_LABELS[Experience(member.experience)])
        parts.append(label.split(" ", 1)[1].lower())
    if equipment is not None:
        kits = [_(KIT_LABELS[k]).lower() for k in KIT_LABELS if k in equipment]
        parts.append(", ".join(kits) if kits else _("no equipment"))
    if conditions is not None:
        said = [_(CONDITION_LABELS[c]).lower() for c in CONDITION_LABELS if c in conditions]
        parts.append(", ".join(said) if said else _("no pain or condition"))
    return esc(" · ".join(parts))


def about_saved(member: MemberDTO) -> Rendered:
    """After the last question, outside onboarding."""
    return Rendered(
        _(
            "🧰 Saved: {answers}.\nFrom your next session on, the moves fit these "
            "answers. /settings shows them, and changes them."
        ).format(answers=about_line(member))
    )


# -- the program ---------------------------------------------------------------------
def _why(member: MemberDTO, program: Program) -> str:
    conditions = parsed(member.conditions) or frozenset()
    if program.level == "beginner":
        if conditions & {"pregnancy", "injury"}:
            return _("a gentle start suits pregnancy and the months after an injury")
        return _("it teaches the basics first, and leads on to the next program")
    return _("you train regularly, so the basics go quickly here")


def ask_program(
    catalog: Catalog, member: MemberDTO, *, first_time: bool, recommended: str | None = None
) -> Rendered:
    """The program choice (after the welcome, for a newcomer who skipped the questions),
    with the program the answers suggest first."""
    lines = _welcome(member) if first_time else []
    lines.append(_("<b>Step 1 of 3: choose your program</b>"))
    for program in catalog.programs.values():
        named = as_label(f"<b>{esc(program.name)}</b> ({program_span(program)})")
        lines.append(f"• {named} {esc(program.summary)}")
    suggested = catalog.programs.get(recommended or "")
    programs = list(catalog.programs.values())
    if suggested is not None:
        lines.append(
            "\n"
            + _(
                "⭐ For you I suggest <b>{program}</b>: {reason}. Any of them is yours to pick."
            ).format(program=esc(suggested.name), reason=_why(member, suggested))
        )
        programs.sort(key=lambda program: program.id != suggested.id)
    buttons = [
        InlineKeyboardButton(
            f"{'⭐ ' if program is suggested else ''}{program.name}",
            callback_data=callbacks.PickProgram(program.id).encode(),
        )
        for program in programs
    ]
    return Rendered("\n".join(lines), [[b] for b in buttons])


def program_span(program: Program) -> str:
    """'28 days', or for a rolling program (it never ends) how often it trains."""
    if not program.rolling:
        return ngettext("{count} day", "{count} days", program.length).format(count=program.length)
    training = sum(not day.rest for day in program.days)
    per_week = max(1, round(training * 7 / program.length))
    return ngettext(
        "ongoing, {count} session a week", "ongoing, {count} sessions a week", per_week
    ).format(count=per_week)


def ask_zone(member: MemberDTO, *, onboarding: bool) -> Rendered:
    """Which time zone: common ones as buttons, or type one."""
    step = _("<b>Step 2 of 3: your time zone</b>") if onboarding else _("<b>Your time zone</b>")
    text = _(
        "{step}\nSo that sessions arrive at your local time. Tap one, or type any city "
        "(<code>Lisbon</code>, <code>Cluj</code>), a zone (<code>Europe/Berlin</code>) or "
        "an offset (<code>UTC+2</code>).\nNow: {zone}"
    ).format(step=step, zone=esc(describe_zone(member.timezone)))
    buttons = [
        InlineKeyboardButton(label, callback_data=callbacks.PickZone(zone).encode())
        for label, zone in COMMON_ZONES
    ]
    return Rendered(text, _pairs(buttons))


_SEND_LOCATION = N_("📍 Send my location")
_LOCATION_OFFER = N_(
    "Or tap <b>📍 Send my location</b> below: I only read the time zone there, "
    "and I do not keep the location."
)


def offer_location() -> Rendered:
    """The reply keyboard with the one button that shares the member's location."""
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(_(_SEND_LOCATION), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    return Rendered(_(_LOCATION_OFFER), keyboard=keyboard)


def zone_from_location(member: MemberDTO, today: date) -> Rendered:
    """The zone typed or shared (the location keyboard goes away)."""
    return Rendered(zone_set(member, today), keyboard=ReplyKeyboardRemove())


def did_you_mean(places: list[Place]) -> Rendered:
    """A typo of a city: the likely ones as buttons."""
    buttons = [
        [
            InlineKeyboardButton(
                f"📍 {place.name}, {place.country}"[:60] if place.country else place.name,
                callback_data=callbacks.PickZone(place.zone).encode(),
            )
        ]
        for place in places
    ]
    return Rendered(
        _(
            "🤔 I don't know that place. Did you mean one of these? If not, type a bigger "
            "city near you, a zone like <code>Europe/Berlin</code> or an offset like "
            "<code>UTC+2</code>."
        ),
        buttons,
    )


def ask_time(member: MemberDTO, *, onboarding: bool) -> Rendered:
    """Which reminder time: common ones as buttons, or type one."""
    step = (
        _("<b>Step 3 of 3: your session time</b>") if onboarding else _("<b>Your session time</b>")
    )
    text = _(
        "{step}\nWhen should your daily session arrive? Tap one, or type a time like "
        "<code>07:30</code>, <code>7am</code> or <code>6:45 pm</code>.\nNow: {time}"
    ).format(step=step, time=f"{member.reminder_time:%H:%M}")
    buttons = [
        InlineKeyboardButton(t, callback_data=callbacks.PickTime(time.fromisoformat(t)).encode())
        for t in COMMON_TIMES
    ]
    return Rendered(text, _pairs(buttons, 3))


def when(instant: datetime | None, zone: str) -> str:
    if instant is None:
        return _("not scheduled")
    local = instant.astimezone(ZoneInfo(zone))
    return _("{day} at {time}").format(day=format_day(local.date(), "long"), time=f"{local:%H:%M}")


def next_session_text(member: MemberDTO) -> str:
    """The member's next session as the settings say it (after a pause, while paused)."""
    instant = next_session(member)
    if member.status == MemberStatus.PAUSED:
        if instant is None:
            return _("when you send /resume")
        return _("{when}, after your break").format(when=when(instant, member.timezone))
    return when(instant, member.timezone)


def all_set(catalog: Catalog, member: MemberDTO, today: date) -> Rendered:
    """The summary after the last onboarding answer. Joined after today's session
    time: ▶ Start today (today is day 1, its session comes now) or tomorrow."""
    program = catalog.programs.get(member.program_id or "")
    name = esc(program.name) if program else _("your program")
    text = _(
        "✅ <b>All set!</b>\n\n"
        "Program: <b>{program}</b>\n"
        "Time zone: {zone}\n"
        "Daily session: {time}\n"
        "First session: <b>{first}</b>\n\n"
        "Send /today any time to see the day's session, /settings to change anything, "
        "/pause when you need a break."
    ).format(
        program=name,
        zone=esc(describe_zone(member.timezone)),
        time=f"{member.reminder_time:%H:%M}",
        first=when(member.next_reminder_at, member.timezone),
    )
    start = member.program_start
    if start is None or start <= today:
        return Rendered(text)
    text += "\n\n" + _(
        "Today's {time} has passed, so day 1 is tomorrow. "
        "Keen to begin? Start today and I will send day 1 right now."
    ).format(time=f"{member.reminder_time:%H:%M}")
    rows = [
        [
            InlineKeyboardButton(
                _("▶ Start today"), callback_data=callbacks.StartOn(today).encode()
            ),
            InlineKeyboardButton(
                _("Start tomorrow"), callback_data=callbacks.StartOn(start).encode()
            ),
        ]
    ]
    return Rendered(text, rows)


def started_today(member: MemberDTO) -> str:
    return _("▶️ <b>Day 1 is today.</b> Here it is. Your next session, day 2, comes {when}.").format(
        when=when(member.next_reminder_at, member.timezone)
    )


def starts_tomorrow(member: MemberDTO) -> str:
    return _("👍 Day 1 comes {when}. Send /today any time for a preview.").format(
        when=when(member.next_reminder_at, member.timezone)
    )


STATUS_TEXT: dict[str, str] = {
    MemberStatus.ACTIVE: N_("▶️ active"),
    MemberStatus.PAUSED: N_("⏸ paused"),
    MemberStatus.BLOCKED: N_("🚫 blocked"),
    MemberStatus.LEFT: N_("🛑 stopped"),
}


def settings_summary(catalog: Catalog, member: MemberDTO) -> Rendered:
    """/settings: everything in one place, each with a button to change it."""
    program = catalog.programs.get(member.program_id or "")
    status = _(STATUS_TEXT[member.status]) if member.status in STATUS_TEXT else member.status
    if member.status == MemberStatus.PAUSED and member.paused_until:
        status += " " + _("until {day}").format(
            day=format_day(member.paused_until, "day_month_long")
        )
    text = _(
        "⚙️ <b>Your settings</b>\n\n"
        "Program: <b>{program}</b>\n"
        "Time zone: {zone}\n"
        "Daily session: {time}\n"
        "About you: {about}\n"
        "Status: {status}\n"
        "Next session: {next}"
    ).format(
        program=esc(program.name) if program else _("none yet"),
        zone=esc(describe_zone(member.timezone)),
        time=f"{member.reminder_time:%H:%M}",
        about=about_line(member),
        status=status,
        next=next_session_text(member),
    )
    toggle = (
        _setting(_("▶️ Resume"), "resume")
        if member.status in (MemberStatus.PAUSED, MemberStatus.LEFT)
        else _setting(_("⏸ Pause"), "pause")
    )
    rows = [
        [_setting(_("📋 Program"), "program"), _setting(_("🌍 Time zone"), "zone")],
        [_setting(_("⏰ Time"), "time"), _setting(_("🧰 About you"), "about")],
        [toggle],
    ]
    if member.status != MemberStatus.LEFT:
        rows.append([_setting(_("🛑 Stop daily sessions"), "stop")])
    return Rendered(text, rows)


def ask_switch_program(catalog: Catalog, member: MemberDTO) -> Rendered:
    """/program: restart the current one or switch."""
    buttons = []
    for program in catalog.programs.values():
        label = (
            _("🔁 Restart {program}")
            if program.id == member.program_id
            else _("➡️ Switch to {program}")
        )
        buttons.append(
            [
                InlineKeyboardButton(
                    label.format(program=program.name),
                    callback_data=callbacks.PickProgram(program.id).encode(),
                )
            ]
        )
    text = _(
        "📋 <b>Programs</b>\nRestarting or switching starts again at day 1 with your next "
        "session. Your check-ins and streaks are kept."
    )
    return Rendered(text, buttons)


def program_changed(catalog: Catalog, member: MemberDTO) -> Rendered:
    program = catalog.programs.get(member.program_id or "")
    name = esc(program.name) if program else _("your program")
    return Rendered(
        _("📋 <b>{program}</b>: day 1 is {when}.").format(
            program=name, when=when(member.next_reminder_at, member.timezone)
        )
    )


def _setting(label: str, what: callbacks.SettingsChoice) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.ChangeSetting(what).encode())


# -- replies to settings commands ----------------------------------------------------
MAX_PAUSE_DAYS = 90
# Short answers, translated when read (the module's __getattr__).
_SHORT: dict[str, str] = {
    "PAUSE_USAGE": N_(
        "Send /pause for a break until /resume, or /pause followed by a number of "
        "days from 1 to 90, like /pause 7."
    ),
    "ALREADY_STOPPED": N_("Your daily sessions are stopped already. Send /start to come back."),
    "NOT_PAUSED": N_("You are not paused: your sessions are running. Send /today to see today's."),
    "STOPPED": N_(
        "🛑 Done: I will not send you anything on my own any more. Your progress is kept; "
        "send /start whenever you want to come back."
    ),
    "STOPPED_AFTER_PROGRAM": N_("🛑 Daily sessions stopped. Send /start whenever you want more."),
    "BREAK_AFTER_PROGRAM": N_(
        "⏸ Enjoy the break: no sessions until you send /resume (I will ask what comes next "
        "then), or pick a program any time with /program."
    ),
    "ALREADY_CHOSEN": N_(
        "That choice is no longer open: it was made already. Send /today to see where you are."
    ),
    "PROGRAM_GONE": N_("That program is no longer offered. Send /program to see the list."),
    "SETTINGS_BUTTON_EXPIRED": N_("That button has expired. Send /settings to see your options."),
    "UNKNOWN_INVITE": N_(
        "That invite link is not one I know (maybe it expired), but you are very welcome anyway."
    ),
    "ALREADY_STARTED": N_("Day 1 is today already: send /today to see it."),
    "START_BUTTON_EXPIRED": N_(
        "That button is from another day. Send /today to see where you are."
    ),
    "SEND_LOCATION": _SEND_LOCATION,
    "LOCATION_OFFER": _LOCATION_OFFER,
    "NO_ZONE_THERE": N_(
        "I could not find a time zone at that spot. Type the nearest city instead, like "
        "<code>Lisbon</code>."
    ),
}


__getattr__ = lazy(_SHORT)


def paused(member: MemberDTO) -> str:
    until = member.paused_until
    if until:
        text = _(
            "⏸ Paused until {day}. No sessions meanwhile, and your program day waits for you."
        ).format(day=format_day(until, "long"))
        text += "\n" + _("First session after the break: {when}.").format(
            when=when(next_session(member), member.timezone)
        )
        return text
    return _(
        "⏸ Paused until you send /resume. No sessions meanwhile, and your program day "
        "waits for you."
    )


def resumed(member: MemberDTO) -> str:
    if member.next_reminder_at is None:
        return _("▶️ Welcome back! Send /start to pick a program.")
    return _("▶️ Welcome back! Next session: {when}.").format(
        when=when(member.next_reminder_at, member.timezone)
    )


def _next_from(member: MemberDTO, today: date) -> str:
    """'from tomorrow at 19:00' when the next session is tomorrow (today's is
    done or its time has passed), else '. Next: <when>' ."""
    instant = next_session(member)
    if instant is not None and member.status == MemberStatus.ACTIVE:
        local = instant.astimezone(ZoneInfo(member.timezone))
        if local.date() == today + timedelta(days=1):
            return _(", from tomorrow at {time}.").format(time=f"{local:%H:%M}")
        if local.date() == today:
            return _(". Next: today at {time}.").format(time=f"{local:%H:%M}")
    return _(". Next: {when}.").format(when=next_session_text(member))


def time_set(at: time, member: MemberDTO, today: date) -> str:
    return _("⏰ Daily session at {time}").format(time=f"{at:%H:%M}") + _next_from(member, today)


def zone_set(member: MemberDTO, today: date) -> str:
    zone = esc(describe_zone(member.timezone))
    return _("🌍 Time zone: {zone}").format(zone=zone) + _next_from(member, today)


def joined_cohort(name: str) -> str:
    return _("🤝 You joined the cohort <b>{cohort}</b>.").format(cohort=esc(name))


def welcome_back(catalog: Catalog, member: MemberDTO) -> Rendered:
    """A second /start: nothing changes; the settings, with their buttons."""
    summary = settings_summary(catalog, member)
    name = display_name(member.first_name)
    summary.text = (
        _("👋 Welcome back, {name}! Your data is safe.").format(name=name) + "\n\n" + summary.text
    )
    return summary
