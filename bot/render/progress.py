"""Check-in states, progress summaries, history lines and celebrations."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardButton

from bot.db.status import CheckinStatus
from bot.i18n import N_, _, format_day, lazy, ngettext
from bot.render.callbacks import CheckinChoice, CheckinPress, ConfirmForget
from bot.render.message import Rendered, esc
from bot.services.checkins import CheckinResult, DayRecord
from bot.services.progress import Calendar, DayInfo, Progress

Button = InlineKeyboardButton

# Telegram's 🎉 message effect (private chats only).
CELEBRATION_EFFECT = "5046509860389126442"

MARKS = {
    "done": N_("✅ done"),
    "skipped": N_("⏭ skipped"),
    "missed": N_("▫️ missed"),
    "pending": N_("⏳ not yet"),
    "rest": N_("😌 rest day"),
    "extra": N_("😌 rest day · ✨ extra credit"),
    "paused": N_("⏸ paused"),
    "off": "·",
}
STREAK_WORDS = {
    3: N_("Three days in a row: the habit is forming."),
    7: N_("A full week in a row. Your glutes noticed, even if the mirror has not yet."),
    14: N_("Two weeks in a row. This is where real strength starts to build."),
    21: N_("Three weeks in a row: this is a habit now."),
    28: N_("Twenty-eight days in a row. Remarkable consistency!"),
}


def celebrate_streak(days: int) -> str:
    words = _(STREAK_WORDS[days]) if days in STREAK_WORDS else _("Keep it going!")
    head = ngettext("🎉 <b>{count}-day streak!</b>", "🎉 <b>{count}-day streak!</b>", days)
    return head.format(count=days) + "\n" + esc(words)


def celebrate_program(name: str) -> str:
    return _(
        "🏆 <b>You completed the last session of {program}!</b>\n"
        "Take a moment to notice what feels stronger. Send /progress to see your month."
    ).format(program=esc(name))


def streak_text(progress: Progress | None) -> str:
    if progress is None or progress.current_streak == 0:
        return _("Streak: starts with your next ✅")
    days = progress.current_streak
    return ngettext("🔥 Streak: <b>{count} day</b>", "🔥 Streak: <b>{count} days</b>", days).format(
        count=days
    )


def rest_extra() -> str:
    return _("That was a rest day 😌 — extra credit noted")


def effort_question() -> str:
    return _("How hard was it? Tap 1 (easy) to 5 (max).")


# The effort buttons: the ends say what the scale means.
EFFORT_LABELS = {1: N_("1 easy"), 2: "2", 3: "3", 4: "4", 5: N_("5 max")}


def recorded_footer(result: CheckinResult, today: date | None = None) -> str:
    """The line added under a session message once it is answered ("today" when
    the answer is for `today`)."""
    is_today = result.day == today
    if result.status == CheckinStatus.REST:
        return f"{rest_extra()}. {streak_text(result.progress)}"
    if result.status == CheckinStatus.DONE:
        done = _("✅ <b>Done today</b>") if is_today else _("✅ <b>Done</b>")
        line = f"{done} · {streak_text(result.progress)}"
        if result.effort:
            line += " · " + _("effort {effort}/5").format(effort=result.effort)
        else:
            line += f"\n{effort_question()}"
        if result.note:
            note = result.note if len(result.note) <= 80 else result.note[:79] + "…"
            line += f"\n📝 {esc(note)}"
        return line
    if is_today:
        return _("⏭ <b>Skipped today</b>. No problem: rest well and come back tomorrow.")
    return _("⏭ <b>Skipped</b>. No problem: rest well and come back tomorrow.")


def _press(label: str, action: CheckinChoice, day: date, effort: int | None = None) -> Button:
    return InlineKeyboardButton(label, callback_data=CheckinPress(action, day, effort).encode())


def checkin_buttons(day: date) -> list[Button]:
    """✅ Done and ⏭ Skip for a session's date (the date travels with the button)."""
    return [_press(_("✅ Done"), "d", day), _press(_("⏭ Skip"), "s", day)]


def answered_rows(result: CheckinResult) -> list[list[Button]]:
    """Buttons once answered: change the answer, rate the effort, add a note
    (a rest-day check-in only takes a note)."""
    if result.status == CheckinStatus.REST:
        return [[_press(_("📝 Add a note"), "n", result.day)]]
    if result.status == CheckinStatus.DONE:
        efforts = [
            _press(f"{'●' if result.effort == n else ''}{_(label)}", "e", result.day, n)
            for n, label in EFFORT_LABELS.items()
        ]
        return [
            efforts,
            [
                _press(_("📝 Add a note"), "n", result.day),
                _press(_("↩️ Change to skip"), "s", result.day),
            ],
        ]
    return [[_press(_("↩️ Change to done"), "d", result.day)]]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def progress_caption(name: str | None, progress: Progress) -> str:
    """The /progress summary (fits a photo caption); `name` is the member's first
    name (without one: "Your progress")."""
    title = (
        _("📈 <b>{name}'s progress</b>").format(name=esc(name))
        if name
        else _("📈 <b>Your progress</b>")
    )
    lines = [
        title,
        streak_text(progress) + " · " + _("longest {count}").format(count=progress.longest_streak),
        _("Sessions done: <b>{count}</b>").format(count=progress.total_done),
    ]
    if progress.rest_extras:
        lines.append(
            _("✨ Rest days with extra credit: {count}").format(count=progress.rest_extras)
        )
    lines.append(
        _("Adherence: 7 days {week} · 30 days {month}").format(
            week=_percent(progress.adherence_7), month=_percent(progress.adherence_30)
        )
    )
    return "\n".join(lines)


def history_text(calendar: Calendar, records: dict[date, DayRecord], days: int = 14) -> str:
    """The last `days` days, one line each, newest first."""
    lines = [
        ngettext("🗓 <b>Your last day</b>", "🗓 <b>Your last {count} days</b>", days).format(
            count=days
        )
    ]
    for offset in range(days):
        day = calendar.today - timedelta(days=offset)
        info: DayInfo = calendar.info(day)
        record = records.get(day)
        label = format_day(day, "short")
        if info.program_day:
            label += " · " + _("day {number}").format(number=info.program_day)
        mark = MARKS[info.mark]
        line = f"{label} · {_(mark) if mark != '·' else mark}"
        if record and record.effort:
            line += " · " + _("effort {effort}/5").format(effort=record.effort)
        if record and record.note:
            note = record.note if len(record.note) <= 60 else record.note[:59] + "…"
            line += f" · {esc(note)}"
        lines.append(line)
    return "\n".join(lines)


# -- replies to check-in commands ----------------------------------------------------
# Short answers, translated when read (the module's __getattr__).
_SHORT: dict[str, str] = {
    "BUILDING_CHART": N_("⏳ Building your chart…"),
    "TOO_OLD": N_("That day is more than 48 hours ago, so it can no longer be changed."),
    "SESSION_BUTTON_EXPIRED": N_("That button has expired. Send /today for today's session."),
    "NOTE_NEEDS_CHECKIN": N_("Tap ✅ Done on that day's session first, then add your note."),
    "NO_DATA": N_("I have no data about you: you never sent /start."),
    "NOTHING_TO_DELETE": N_("I have no data about you: there is nothing to delete."),
    "MY_DATA_CAPTION": N_("🗂 Every row I store about you, as JSON. /forget deletes it all."),
    "NOTHING_DELETED": N_("Nothing was deleted."),
    "FORGOTTEN": N_(
        "🗑 Done: everything about you is deleted. Send /start if you ever want to come back."
    ),
    "NOTHING_LEFT": N_("There was nothing left to delete."),
    "REST_EXTRA": N_("That was a rest day 😌 — extra credit noted"),
}


__getattr__ = lazy(_SHORT)


def my_data_summary(data: dict[str, Any], program_name: str | None) -> str:
    """/mydata in words, before the file: who, where, when, and how much is kept."""
    member = data["member"]
    checkins = data.get("checkins", [])
    by_status = Counter(str(row.get("status")) for row in checkins)
    notes = sum(1 for row in checkins if row.get("note"))
    username = f" (@{esc(member['username'])})" if member.get("username") else ""
    program = esc(program_name or member.get("program_id") or _("none yet"))
    if member.get("program_start"):
        program += " " + _("since {day}").format(day=member["program_start"])
    language = member.get("language") or member.get("language_code") or _("not given")
    pauses = len(data.get("pauses", []))
    lines = [
        _("🗂 <b>What I store about you</b>"),
        _("Name: {name} · language: {language}").format(
            name=esc(member.get("first_name") or "") + username, language=esc(language)
        ),
        _("Time zone: {zone} · daily session at {time}").format(
            zone=esc(member.get("timezone", "")), time=str(member.get("reminder_time", ""))[:5]
        ),
        _("Program: {program} · status: {status}").format(
            program=program, status=esc(str(member.get("status", "")))
        ),
    ]
    if member.get("cohort"):
        lines.append(_("Cohort: {cohort}").format(cohort=esc(member["cohort"])))
    kinds = (
        ("done", N_("{count} done")),
        ("skipped", N_("{count} skipped")),
        ("rest", N_("{count} on rest days")),
    )
    parts = [_(label).format(count=by_status[key]) for key, label in kinds if by_status[key]]
    detail = f" ({', '.join(parts)})" if parts else ""
    lines.append(
        _("Check-ins: {count}").format(count=len(checkins))
        + detail
        + " · "
        + ngettext("{count} note", "{count} notes", notes).format(count=notes)
        + " · "
        + ngettext("{count} pause", "{count} pauses", pauses).format(count=pauses)
    )
    lines.append(
        _("Messages I sent you on my own: {count}").format(count=len(data.get("messages", [])))
    )
    lines.append(_("Member since {day}.").format(day=str(member.get("created_at", ""))[:10]))
    lines.append("\n" + _("The file below holds every row. /forget deletes it all."))
    return "\n".join(lines)


def toast(result: CheckinResult, action: CheckinChoice) -> str:
    """The short answer to a check-in button."""
    if action == "e":
        return _("Effort {effort}/5 saved").format(effort=result.effort)
    if result.status == CheckinStatus.REST:
        return rest_extra()
    return _("Recorded ✅") if action == "d" else _("Skipped ⏭")


def refusal(result: CheckinResult) -> str | None:
    """Why nothing was recorded for a day outside the member's program, if so."""
    member = result.member
    if result.outcome == "not_started" and member is not None and member.program_start:
        return _(
            "Your program starts on {day}, so there is nothing "
            "to check in before then. Send /today for a preview of day 1."
        ).format(day=format_day(member.program_start, "long"))
    if result.outcome == "before_joined" and member is not None:
        return _("{day} is before you joined, so there is nothing to record for it.").format(
            day=format_day(result.day, "long")
        )
    if result.outcome == "finished":
        return _(
            "Your program was complete by then, so there is no session to record. "
            "Send /today to choose what comes next."
        )
    return None


def note_prompt(day: date, limit: int) -> str:
    return _("📝 Send your note for {day} (up to {limit} characters).").format(
        day=format_day(day, "long"), limit=limit
    )


def note_too_long(length: int, limit: int) -> str:
    return _("That note is {length} characters; the limit is {limit}. Send a shorter one.").format(
        length=length, limit=limit
    )


def note_saved(day: date) -> str:
    return _("📝 Note saved for {day}.").format(day=format_day(day, "long"))


def checkin_reply(result: CheckinResult, today: date, note_limit: int) -> str:
    """The answer to /checkin."""
    if result.outcome == "too_long":
        return _(
            "That note is too long: keep it to {limit} characters, then send /checkin again."
        ).format(limit=note_limit)
    if result.outcome == "no_program":
        return _("Send /start first and pick a program.")
    if result.outcome in ("too_old", "future"):
        return _(_SHORT["TOO_OLD"])
    refused = refusal(result)
    if refused is not None:
        return refused
    which = _("today") if result.day == today else format_day(result.day, "long")
    if result.program_day:
        which += " " + _("(day {number})").format(number=result.program_day)
    saved = "\n" + _("📝 Note saved.") if result.note else ""
    if result.status == CheckinStatus.REST:
        return f"{rest_extra()} ({which}). {streak_text(result.progress)}{saved}"
    checked = _("✅ Checked in for {day}.").format(day=which)
    return f"{checked} {streak_text(result.progress)}{saved}"


def forget_question() -> Rendered:
    rows = [
        [
            InlineKeyboardButton(
                _("🗑 Yes, delete everything"), callback_data=ConfirmForget(True).encode()
            ),
            InlineKeyboardButton(_("Keep my data"), callback_data=ConfirmForget(False).encode()),
        ]
    ]
    return Rendered(
        _(
            "This deletes your profile, check-ins, streaks and settings for good. It cannot be "
            "undone. Are you sure?"
        ),
        rows,
    )
