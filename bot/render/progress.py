"""Check-in states, progress summaries, history lines and celebrations."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardButton

from bot.render.texts import esc
from bot.services.checkins import CheckinResult, DayRecord
from bot.services.progress import Calendar, DayInfo, Progress

# Telegram's 🎉 message effect (private chats only).
CELEBRATION_EFFECT = "5046509860389126442"

MARKS = {
    "done": "✅ done",
    "skipped": "⏭ skipped",
    "missed": "▫️ missed",
    "pending": "⏳ not yet",
    "rest": "😌 rest day",
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


def recorded_footer(result: CheckinResult) -> str:
    """The line added under a session message once it is answered."""
    if result.status == "done":
        line = f"✅ <b>Done</b> · {streak_text(result.progress)}"
        if result.effort:
            line += f" · effort {result.effort}/5"
        if result.note:
            note = result.note if len(result.note) <= 80 else result.note[:79] + "…"
            line += f"\n📝 {esc(note)}"
        return line
    return "⏭ <b>Skipped</b>. No problem: rest well and come back tomorrow."


def answered_rows(result: CheckinResult, data_day: str) -> list[list[InlineKeyboardButton]]:
    """Buttons once answered: change the answer, rate the effort, add a note."""
    if result.status == "done":
        efforts = [
            InlineKeyboardButton(
                f"{'●' if result.effort == n else ''}{n}", callback_data=f"ci:e:{data_day}:{n}"
            )
            for n in range(1, 6)
        ]
        return [
            efforts,
            [
                InlineKeyboardButton("📝 Add a note", callback_data=f"ci:n:{data_day}"),
                InlineKeyboardButton("↩️ Change to skip", callback_data=f"ci:s:{data_day}"),
            ],
        ]
    return [[InlineKeyboardButton("↩️ Change to done", callback_data=f"ci:d:{data_day}")]]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def progress_caption(name: str, progress: Progress) -> str:
    """The /progress summary (fits a photo caption)."""
    return (
        f"📈 <b>{esc(name)}'s progress</b>\n"
        f"{streak_text(progress)} · longest {progress.longest_streak}\n"
        f"Sessions done: <b>{progress.total_done}</b>\n"
        f"Adherence: 7 days {_percent(progress.adherence_7)}"
        f" · 30 days {_percent(progress.adherence_30)}"
    )


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
