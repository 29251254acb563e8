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
from bot.render import callbacks
from bot.render.cards import REASON_LABELS
from bot.render.message import Rendered, esc
from bot.render.texts import DISCLAIMER, display_name
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
        f"👋 Welcome to <b>Defy Gravity</b>, {display_name(member.first_name)}!",
        "",
        "I coach the Best Body Bootcamp glute series: every day, at your own local "
        "time, a short session of release work, stretches and exercises. Tap ✅ when "
        "you are done and watch your streak grow. Ask me about any muscle with /anatomy, "
        "or just type a question.",
        "",
        DISCLAIMER,
        "",
    ]


# -- the quick questions -------------------------------------------------------------
EXPERIENCE_LABELS = {
    Experience.NEW: "🌱 New to training",
    Experience.SOME: "🙂 Some experience",
    Experience.REGULAR: "💪 I train regularly",
}
KIT_LABELS = {"bands": "Resistance bands", "dumbbells": "Dumbbells or a kettlebell", "gym": "A gym"}
CONDITION_LABELS = {reason: REASON_LABELS[reason] for reason in CONDITION_CHOICES}


def _question_head(number: int, onboarding: bool) -> str:
    return f"<b>Quick question {number} of 3</b>" if onboarding else "<b>About you</b>"


def ask_experience(member: MemberDTO, *, first_time: bool, onboarding: bool) -> Rendered:
    """Question 1 (with the welcome for a newcomer): how much have you trained?"""
    lines = _welcome(member) if first_time else []
    if onboarding:
        lines.append("Three quick questions first, so your sessions fit you.\n")
    lines.append(f"{_question_head(1, onboarding)}: how much have you trained before?")
    buttons = [
        InlineKeyboardButton(label, callback_data=callbacks.PickExperience(level).encode())
        for level, label in EXPERIENCE_LABELS.items()
    ]
    return Rendered("\n".join(lines), [[b] for b in buttons])


# Quick questions 2 and 3: number, question, choices, the "nothing" button.
TICK_QUESTIONS: dict[str, tuple[int, str, dict[str, str], str]] = {
    "k": (
        2,
        "what equipment do you have at hand? Tick all that apply, then ✅ Done. None at "
        "all is fine: every session has a version without.",
        KIT_LABELS,
        "🚫 Nothing",
    ),
    "h": (
        3,
        "does any of this apply to you now? Tick all that apply, then ✅ Done. I use it "
        "only to swap moves in your sessions for ones that suit you; you can change it "
        "in /settings any time.",
        CONDITION_LABELS,
        "👍 None of these",
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
                f"{'☑️' if name in chosen else '▫️'} {label}",
                callback_data=callbacks.TickAnswer(question, chosen ^ {name}).encode(),
            )
        ]
        for name, label in labels.items()
    ]
    rows.append(
        [
            InlineKeyboardButton(
                nothing, callback_data=callbacks.TickAnswer(question, frozenset(), True).encode()
            ),
            InlineKeyboardButton(
                "✅ Done", callback_data=callbacks.TickAnswer(question, chosen, True).encode()
            ),
        ]
    )
    return Rendered(f"{_question_head(number, onboarding)}: {asked}", rows)


def about_line(member: MemberDTO) -> str:
    """The answers in one line ('some experience · bands · knee pain')."""
    equipment, conditions = parsed(member.equipment), parsed(member.conditions)
    if member.experience is None and equipment is None and conditions is None:
        return "not answered yet (sessions as the program has them)"
    parts = []
    if member.experience in EXPERIENCE_LABELS:
        parts.append(EXPERIENCE_LABELS[Experience(member.experience)].split(" ", 1)[1].lower())
    if equipment is not None:
        kits = [KIT_LABELS[k].lower() for k in KIT_LABELS if k in equipment]
        parts.append(", ".join(kits) if kits else "no equipment")
    if conditions is not None:
        said = [CONDITION_LABELS[c].lower() for c in CONDITION_LABELS if c in conditions]
        parts.append(", ".join(said) if said else "no pain or condition")
    return esc(" · ".join(parts))


def about_saved(member: MemberDTO) -> Rendered:
    """After the last question, outside onboarding."""
    return Rendered(
        f"🧰 Saved: {about_line(member)}.\nFrom your next session on, the moves fit these "
        "answers. /settings shows them, and changes them."
    )


# -- the program ---------------------------------------------------------------------
def _why(member: MemberDTO, program: Program) -> str:
    conditions = parsed(member.conditions) or frozenset()
    if program.level == "beginner":
        if conditions & {"pregnancy", "injury"}:
            return "a gentle start suits pregnancy and the months after an injury"
        return "it teaches the basics first, and leads on to the next program"
    return "you train regularly, so the basics go quickly here"


def ask_program(
    catalog: Catalog, member: MemberDTO, *, first_time: bool, recommended: str | None = None
) -> Rendered:
    """The program choice (after the welcome, for a newcomer who skipped the questions),
    with the program the answers suggest first."""
    lines = _welcome(member) if first_time else []
    lines.append("<b>Step 1 of 3: choose your program</b>")
    for program in catalog.programs.values():
        lines.append(
            f"• <b>{esc(program.name)}</b> ({program_span(program)}): {esc(program.summary)}"
        )
    suggested = catalog.programs.get(recommended or "")
    programs = list(catalog.programs.values())
    if suggested is not None:
        lines.append(
            f"\n⭐ For you I suggest <b>{esc(suggested.name)}</b>: {_why(member, suggested)}. "
            "Any of them is yours to pick."
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
        return f"{program.length} days"
    training = sum(not day.rest for day in program.days)
    per_week = max(1, round(training * 7 / program.length))
    return f"ongoing, {per_week} session{'s' if per_week > 1 else ''} a week"


def ask_zone(member: MemberDTO, *, onboarding: bool) -> Rendered:
    """Which time zone: common ones as buttons, or type one."""
    step = "<b>Step 2 of 3: your time zone</b>\n" if onboarding else "<b>Your time zone</b>\n"
    text = (
        f"{step}So that sessions arrive at your local time. Tap one, or type any city "
        "(<code>Lisbon</code>, <code>Cluj</code>), a zone (<code>Europe/Berlin</code>) or "
        f"an offset (<code>UTC+2</code>).\nNow: {esc(describe_zone(member.timezone))}"
    )
    buttons = [
        InlineKeyboardButton(label, callback_data=callbacks.PickZone(zone).encode())
        for label, zone in COMMON_ZONES
    ]
    return Rendered(text, _pairs(buttons))


SEND_LOCATION = "📍 Send my location"
LOCATION_OFFER = (
    "Or tap <b>📍 Send my location</b> below: I only read the time zone there, "
    "and I do not keep the location."
)
NO_ZONE_THERE = (
    "I could not find a time zone at that spot. Type the nearest city instead, like "
    "<code>Lisbon</code>."
)


def offer_location() -> Rendered:
    """The reply keyboard with the one button that shares the member's location."""
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(SEND_LOCATION, request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    return Rendered(LOCATION_OFFER, keyboard=keyboard)


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
        "🤔 I don't know that place. Did you mean one of these? If not, type a bigger "
        "city near you, a zone like <code>Europe/Berlin</code> or an offset like "
        "<code>UTC+2</code>.",
        buttons,
    )


def ask_time(member: MemberDTO, *, onboarding: bool) -> Rendered:
    """Which reminder time: common ones as buttons, or type one."""
    step = "<b>Step 3 of 3: your session time</b>\n" if onboarding else "<b>Your session time</b>\n"
    text = (
        f"{step}When should your daily session arrive? Tap one, or type a time like "
        f"<code>07:30</code>, <code>7am</code> or <code>6:45 pm</code>.\n"
        f"Now: {member.reminder_time:%H:%M}"
    )
    buttons = [
        InlineKeyboardButton(t, callback_data=callbacks.PickTime(time.fromisoformat(t)).encode())
        for t in COMMON_TIMES
    ]
    return Rendered(text, _pairs(buttons, 3))


def when(instant: datetime | None, zone: str) -> str:
    if instant is None:
        return "not scheduled"
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:%A %d %B} at {local:%H:%M}"


def next_session_text(member: MemberDTO) -> str:
    """The member's next session as the settings say it (after a pause, while paused)."""
    instant = next_session(member)
    if member.status == MemberStatus.PAUSED:
        if instant is None:
            return "when you send /resume"
        return f"{when(instant, member.timezone)}, after your break"
    return when(instant, member.timezone)


def all_set(catalog: Catalog, member: MemberDTO, today: date) -> Rendered:
    """The summary after the last onboarding answer. Joined after today's session
    time: ▶ Start today (today is day 1, its session comes now) or tomorrow."""
    program = catalog.programs.get(member.program_id or "")
    name = esc(program.name) if program else "your program"
    text = (
        "✅ <b>All set!</b>\n\n"
        f"Program: <b>{name}</b>\n"
        f"Time zone: {esc(describe_zone(member.timezone))}\n"
        f"Daily session: {member.reminder_time:%H:%M}\n"
        f"First session: <b>{when(member.next_reminder_at, member.timezone)}</b>\n\n"
        "Send /today any time to see the day's session, /settings to change anything, "
        "/pause when you need a break."
    )
    start = member.program_start
    if start is None or start <= today:
        return Rendered(text)
    text += (
        f"\n\nToday's {member.reminder_time:%H:%M} has passed, so day 1 is tomorrow. "
        "Keen to begin? Start today and I will send day 1 right now."
    )
    rows = [
        [
            InlineKeyboardButton("▶ Start today", callback_data=callbacks.StartOn(today).encode()),
            InlineKeyboardButton("Start tomorrow", callback_data=callbacks.StartOn(start).encode()),
        ]
    ]
    return Rendered(text, rows)


def started_today(member: MemberDTO) -> str:
    return (
        "▶️ <b>Day 1 is today.</b> Here it is. Your next session, day 2, comes "
        f"{when(member.next_reminder_at, member.timezone)}."
    )


def starts_tomorrow(member: MemberDTO) -> str:
    return (
        f"👍 Day 1 comes {when(member.next_reminder_at, member.timezone)}. "
        "Send /today any time for a preview."
    )


ALREADY_STARTED = "Day 1 is today already: send /today to see it."
START_BUTTON_EXPIRED = "That button is from another day. Send /today to see where you are."


STATUS_TEXT: dict[str, str] = {
    MemberStatus.ACTIVE: "▶️ active",
    MemberStatus.PAUSED: "⏸ paused",
    MemberStatus.BLOCKED: "🚫 blocked",
    MemberStatus.LEFT: "🛑 stopped",
}


def settings_summary(catalog: Catalog, member: MemberDTO) -> Rendered:
    """/settings: everything in one place, each with a button to change it."""
    program = catalog.programs.get(member.program_id or "")
    status = STATUS_TEXT.get(member.status, member.status)
    if member.status == MemberStatus.PAUSED and member.paused_until:
        status += f" until {member.paused_until:%d %B}"
    text = (
        "⚙️ <b>Your settings</b>\n\n"
        f"Program: <b>{esc(program.name) if program else 'none yet'}</b>\n"
        f"Time zone: {esc(describe_zone(member.timezone))}\n"
        f"Daily session: {member.reminder_time:%H:%M}\n"
        f"About you: {about_line(member)}\n"
        f"Status: {status}\n"
        f"Next session: {next_session_text(member)}"
    )
    toggle = (
        _setting("▶️ Resume", "resume")
        if member.status in (MemberStatus.PAUSED, MemberStatus.LEFT)
        else _setting("⏸ Pause", "pause")
    )
    rows = [
        [_setting("📋 Program", "program"), _setting("🌍 Time zone", "zone")],
        [_setting("⏰ Time", "time"), _setting("🧰 About you", "about")],
        [toggle],
    ]
    if member.status != MemberStatus.LEFT:
        rows.append([_setting("🛑 Stop daily sessions", "stop")])
    return Rendered(text, rows)


def ask_switch_program(catalog: Catalog, member: MemberDTO) -> Rendered:
    """/program: restart the current one or switch."""
    buttons = []
    for program in catalog.programs.values():
        verb = "🔁 Restart" if program.id == member.program_id else "➡️ Switch to"
        buttons.append(
            [
                InlineKeyboardButton(
                    f"{verb} {program.name}",
                    callback_data=callbacks.PickProgram(program.id).encode(),
                )
            ]
        )
    text = (
        "📋 <b>Programs</b>\nRestarting or switching starts again at day 1 with your next "
        "session. Your check-ins and streaks are kept."
    )
    return Rendered(text, buttons)


def program_changed(catalog: Catalog, member: MemberDTO) -> Rendered:
    program = catalog.programs.get(member.program_id or "")
    name = esc(program.name) if program else "your program"
    return Rendered(f"📋 <b>{name}</b>: day 1 is {when(member.next_reminder_at, member.timezone)}.")


def _setting(label: str, what: callbacks.SettingsChoice) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.ChangeSetting(what).encode())


# -- replies to settings commands ----------------------------------------------------
MAX_PAUSE_DAYS = 90
PAUSE_USAGE = (
    "Send /pause for a break until /resume, or /pause followed by a number of "
    f"days from 1 to {MAX_PAUSE_DAYS}, like /pause 7."
)
ALREADY_STOPPED = "Your daily sessions are stopped already. Send /start to come back."
NOT_PAUSED = "You are not paused: your sessions are running. Send /today to see today's."
STOPPED = (
    "🛑 Done: I will not send you anything on my own any more. Your progress is kept; "
    "send /start whenever you want to come back."
)
STOPPED_AFTER_PROGRAM = "🛑 Daily sessions stopped. Send /start whenever you want more."
BREAK_AFTER_PROGRAM = (
    "⏸ Enjoy the break: no sessions until you send /resume (I will ask what comes next "
    "then), or pick a program any time with /program."
)
ALREADY_CHOSEN = (
    "That choice is no longer open: it was made already. Send /today to see where you are."
)
PROGRAM_GONE = "That program is no longer offered. Send /program to see the list."
SETTINGS_BUTTON_EXPIRED = "That button has expired. Send /settings to see your options."
UNKNOWN_INVITE = (
    "That invite link is not one I know (maybe it expired), but you are very welcome anyway."
)


def paused(member: MemberDTO) -> str:
    until = member.paused_until
    span = f"until {until:%A %d %B}" if until else "until you send /resume"
    text = f"⏸ Paused {span}. No sessions meanwhile, and your program day waits for you."
    if until:
        text += f"\nFirst session after the break: {when(next_session(member), member.timezone)}."
    return text


def resumed(member: MemberDTO) -> str:
    if member.next_reminder_at is None:
        return "▶️ Welcome back! Send /start to pick a program."
    return f"▶️ Welcome back! Next session: {when(member.next_reminder_at, member.timezone)}."


def _next_from(member: MemberDTO, today: date) -> str:
    """'from tomorrow at 19:00' when the next session is tomorrow (today's is
    done or its time has passed), else '. Next: <when>' ."""
    instant = next_session(member)
    if instant is not None and member.status == MemberStatus.ACTIVE:
        local = instant.astimezone(ZoneInfo(member.timezone))
        if local.date() == today + timedelta(days=1):
            return f", from tomorrow at {local:%H:%M}."
        if local.date() == today:
            return f". Next: today at {local:%H:%M}."
    return f". Next: {next_session_text(member)}."


def time_set(at: time, member: MemberDTO, today: date) -> str:
    return f"⏰ Daily session at {at:%H:%M}{_next_from(member, today)}"


def zone_set(member: MemberDTO, today: date) -> str:
    return f"🌍 Time zone: {esc(describe_zone(member.timezone))}{_next_from(member, today)}"


def joined_cohort(name: str) -> str:
    return f"🤝 You joined the cohort <b>{esc(name)}</b>."


def welcome_back(catalog: Catalog, member: MemberDTO) -> Rendered:
    """A second /start: nothing changes; the settings, with their buttons."""
    summary = settings_summary(catalog, member)
    name = display_name(member.first_name)
    summary.text = f"👋 Welcome back, {name}! Your data is safe.\n\n{summary.text}"
    return summary
