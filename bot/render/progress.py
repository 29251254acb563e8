"""Check-in states, progress summaries, history lines and celebrations."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from telegram import InlineKeyboardButton

from bot.db.status import CheckinStatus
from bot.render.callbacks import CheckinChoice, CheckinPress, ConfirmForget
from bot.render.message import Rendered, esc
from bot.services.checkins import CheckinResult, DayRecord
from bot.services.progress import Calendar, DayInfo, Progress

Button = InlineKeyboardButton

# Telegram's 🎉 message effect (private chats only).
CELEBRATION_EFFECT = "5046509860389126442"

MARKS = {
    "done": "✅ done",
    "skipped": "⏭ skipped",
    "missed": "▫️ missed",
    "pending": "⏳ not yet",
    "rest": "😌 rest day",
    "extra": "😌 rest day · ✨ extra credit",
    "paused": "⏸ paused",
    "off": "·",
}
STREAK_WORDS = {
    3: "Three days in a row: the habit is forming.",
    7: "A full week in a row. Your glutes noticed, even if the mirror has not yet.",
    14: "Two weeks in a row. This is where real strength starts to build.",
    21: "Three weeks in a row: this is a habit now.",
    28: "Twenty-eight days in a row. Remarkable consistency!",
}


def celebrate_streak(days: int) -> str:
    return f"🎉 <b>{days}-day streak!</b>\n{esc(STREAK_WORDS.get(days, 'Keep it going!'))}"


def celebrate_program(name: str) -> str:
    return (
        f"🏆 <b>You completed the last session of {esc(name)}!</b>\n"
        "Take a moment to notice what feels stronger. Send /progress to see your month."
    )


def streak_text(progress: Progress | None) -> str:
    if progress is None or progress.current_streak == 0:
        return "Streak: starts with your next ✅"
    unit = "day" if progress.current_streak == 1 else "days"
    return f"🔥 Streak: <b>{progress.current_streak} {unit}</b>"


REST_EXTRA = "That was a rest day 😌 — extra credit noted"
EFFORT_QUESTION = "How hard was it? Tap 1 (easy) to 5 (max)."
# The effort buttons: the ends say what the scale means.
EFFORT_LABELS = {1: "1 easy", 2: "2", 3: "3", 4: "4", 5: "5 max"}


def recorded_footer(result: CheckinResult, today: date | None = None) -> str:
    """The line added under a session message once it is answered ("today" when
    the answer is for `today`)."""
    when = " today" if result.day == today else ""
    if result.status == CheckinStatus.REST:
        return f"{REST_EXTRA}. {streak_text(result.progress)}"
    if result.status == CheckinStatus.DONE:
        line = f"✅ <b>Done{when}</b> · {streak_text(result.progress)}"
        if result.effort:
            line += f" · effort {result.effort}/5"
        else:
            line += f"\n{EFFORT_QUESTION}"
        if result.note:
            note = result.note if len(result.note) <= 80 else result.note[:79] + "…"
            line += f"\n📝 {esc(note)}"
        return line
    return f"⏭ <b>Skipped{when}</b>. No problem: rest well and come back tomorrow."


def _press(label: str, action: CheckinChoice, day: date, effort: int | None = None) -> Button:
    return InlineKeyboardButton(label, callback_data=CheckinPress(action, day, effort).encode())


def checkin_buttons(day: date) -> list[Button]:
    """✅ Done and ⏭ Skip for a session's date (the date travels with the button)."""
    return [_press("✅ Done", "d", day), _press("⏭ Skip", "s", day)]


def answered_rows(result: CheckinResult) -> list[list[Button]]:
    """Buttons once answered: change the answer, rate the effort, add a note
    (a rest-day check-in only takes a note)."""
    if result.status == CheckinStatus.REST:
        return [[_press("📝 Add a note", "n", result.day)]]
    if result.status == CheckinStatus.DONE:
        efforts = [
            _press(f"{'●' if result.effort == n else ''}{label}", "e", result.day, n)
            for n, label in EFFORT_LABELS.items()
        ]
        return [
            efforts,
            [
                _press("📝 Add a note", "n", result.day),
                _press("↩️ Change to skip", "s", result.day),
            ],
        ]
    return [[_press("↩️ Change to done", "d", result.day)]]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def progress_caption(name: str, progress: Progress) -> str:
    """The /progress summary (fits a photo caption)."""
    lines = [
        f"📈 <b>{esc(name)}'s progress</b>",
        f"{streak_text(progress)} · longest {progress.longest_streak}",
        f"Sessions done: <b>{progress.total_done}</b>",
    ]
    if progress.rest_extras:
        lines.append(f"✨ Rest days with extra credit: {progress.rest_extras}")
    lines.append(
        f"Adherence: 7 days {_percent(progress.adherence_7)}"
        f" · 30 days {_percent(progress.adherence_30)}"
    )
    return "\n".join(lines)


def history_text(calendar: Calendar, records: dict[date, DayRecord], days: int = 14) -> str:
    """The last `days` days, one line each, newest first."""
    lines = [f"🗓 <b>Your last {days} days</b>"]
    for offset in range(days):
        day = calendar.today - timedelta(days=offset)
        info: DayInfo = calendar.info(day)
        record = records.get(day)
        label = f"{day:%a %d %b}"
        if info.program_day:
            label += f" · day {info.program_day}"
        line = f"{label} · {MARKS[info.mark]}"
        if record and record.effort:
            line += f" · effort {record.effort}/5"
        if record and record.note:
            note = record.note if len(record.note) <= 60 else record.note[:59] + "…"
            line += f" · {esc(note)}"
        lines.append(line)
    return "\n".join(lines)


# -- replies to check-in commands ----------------------------------------------------
BUILDING_CHART = "⏳ Building your chart…"
TOO_OLD = "That day is more than 48 hours ago, so it can no longer be changed."
SESSION_BUTTON_EXPIRED = "That button has expired. Send /today for today's session."
NOTE_NEEDS_CHECKIN = "Tap ✅ Done on that day's session first, then add your note."
NO_DATA = "I have no data about you: you never sent /start."
NOTHING_TO_DELETE = "I have no data about you: there is nothing to delete."
MY_DATA_CAPTION = "🗂 Every row I store about you, as JSON. /forget deletes it all."


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def my_data_summary(data: dict[str, Any], program_name: str | None) -> str:
    """/mydata in words, before the file: who, where, when, and how much is kept."""
    member = data["member"]
    checkins = data.get("checkins", [])
    by_status = Counter(str(row.get("status")) for row in checkins)
    notes = sum(1 for row in checkins if row.get("note"))
    username = f" (@{esc(member['username'])})" if member.get("username") else ""
    program = esc(program_name or member.get("program_id") or "none yet")
    since = f" since {member['program_start']}" if member.get("program_start") else ""
    lines = [
        "🗂 <b>What I store about you</b>",
        f"Name: {esc(member.get('first_name') or '')}{username}"
        f" · language: {esc(member.get('language_code') or 'not given')}",
        f"Time zone: {esc(member.get('timezone', ''))} · daily session at "
        f"{str(member.get('reminder_time', ''))[:5]}",
        f"Program: {program}{since} · status: {esc(str(member.get('status', '')))}",
    ]
    if member.get("cohort"):
        lines.append(f"Cohort: {esc(member['cohort'])}")
    kinds = (("done", "done"), ("skipped", "skipped"), ("rest", "on rest days"))
    parts = [f"{by_status[key]} {label}" for key, label in kinds if by_status[key]]
    detail = f" ({', '.join(parts)})" if parts else ""
    lines.append(
        f"Check-ins: {len(checkins)}{detail} · {_count(notes, 'note')} · "
        f"{_count(len(data.get('pauses', [])), 'pause')}"
    )
    lines.append(f"Messages I sent you on my own: {len(data.get('messages', []))}")
    lines.append(f"Member since {str(member.get('created_at', ''))[:10]}.")
    lines.append("\nThe file below holds every row. /forget deletes it all.")
    return "\n".join(lines)


NOTHING_DELETED = "Nothing was deleted."
FORGOTTEN = "🗑 Done: everything about you is deleted. Send /start if you ever want to come back."
NOTHING_LEFT = "There was nothing left to delete."


def toast(result: CheckinResult, action: CheckinChoice) -> str:
    """The short answer to a check-in button."""
    if action == "e":
        return f"Effort {result.effort}/5 saved"
    if result.status == CheckinStatus.REST:
        return REST_EXTRA
    return "Recorded ✅" if action == "d" else "Skipped ⏭"


def refusal(result: CheckinResult) -> str | None:
    """Why nothing was recorded for a day outside the member's program, if so."""
    member = result.member
    if result.outcome == "not_started" and member is not None and member.program_start:
        return (
            f"Your program starts on {member.program_start:%A %d %B}, so there is nothing "
            "to check in before then. Send /today for a preview of day 1."
        )
    if result.outcome == "before_joined" and member is not None:
        return f"{result.day:%A %d %B} is before you joined, so there is nothing to record for it."
    if result.outcome == "finished":
        return (
            "Your program was complete by then, so there is no session to record. "
            "Send /today to choose what comes next."
        )
    return None


def note_prompt(day: date, limit: int) -> str:
    return f"📝 Send your note for {day:%A %d %B} (up to {limit} characters)."


def note_too_long(length: int, limit: int) -> str:
    return f"That note is {length} characters; the limit is {limit}. Send a shorter one."


def note_saved(day: date) -> str:
    return f"📝 Note saved for {day:%A %d %B}."


def checkin_reply(result: CheckinResult, today: date, note_limit: int) -> str:
    """The answer to /checkin."""
    if result.outcome == "too_long":
        return (
            f"That note is too long: keep it to {note_limit} characters, then send /checkin again."
        )
    if result.outcome == "no_program":
        return "Send /start first and pick a program."
    if result.outcome in ("too_old", "future"):
        return TOO_OLD
    refused = refusal(result)
    if refused is not None:
        return refused
    which = "today" if result.day == today else f"{result.day:%A %d %B}"
    label = f" (day {result.program_day})" if result.program_day else ""
    if result.status == CheckinStatus.REST:
        line = f"{REST_EXTRA} ({which}{label}). {streak_text(result.progress)}"
        return line + ("\n📝 Note saved." if result.note else "")
    line = f"✅ Checked in for {which}{label}. {streak_text(result.progress)}"
    if result.note:
        line += "\n📝 Note saved."
    return line


def forget_question() -> Rendered:
    rows = [
        [
            InlineKeyboardButton(
                "🗑 Yes, delete everything", callback_data=ConfirmForget(True).encode()
            ),
            InlineKeyboardButton("Keep my data", callback_data=ConfirmForget(False).encode()),
        ]
    ]
    return Rendered(
        "This deletes your profile, check-ins, streaks and settings for good. It cannot be "
        "undone. Are you sure?",
        rows,
    )
