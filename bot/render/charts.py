"""PNG charts, drawn with matplotlib's Agg backend (no display, no global state).

Drawing takes a noticeable fraction of a second of pure CPU, so the bot runs
these in a separate process (`bot.background.HeavyWork`), off the update path.
Each takes plain data (picklable, no database, no content objects): the
caller works out what to draw, the chart only draws it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from bot.services.progress import Calendar, Progress

Mark = str

COLOURS = {
    "done": "#2e9d5b",
    "skipped": "#f0a53a",
    "missed": "#e06666",
    "rest": "#9fc5e8",
    "extra": "#6fa8dc",
    "paused": "#bdbdbd",
    "pending": "#fff2cc",
    "off": "#f1f1f1",
}
LABELS = {
    "done": "done",
    "skipped": "skipped",
    "missed": "missed",
    "rest": "rest day",
    "extra": "rest day, moved anyway",
    "paused": "paused",
}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass(frozen=True)
class ProgressChart:
    """What the /progress heatmap shows: a mark per day, and the headline numbers."""

    today: date
    first: date
    weeks: int
    marks: dict[date, Mark]
    current_streak: int
    longest_streak: int
    total_done: int


def progress_chart_data(calendar: Calendar, progress: Progress, weeks: int = 12) -> ProgressChart:
    """The member's last `weeks` weeks, Monday-aligned, as marks per day."""
    today = calendar.today
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    marks: dict[date, Mark] = {info.day: info.mark for info in calendar.days(first, today)}
    return ProgressChart(
        today,
        first,
        weeks,
        marks,
        progress.current_streak,
        progress.longest_streak,
        progress.total_done,
    )


def progress_chart(data: ProgressChart) -> bytes:
    """A calendar heatmap of the last weeks, newest on the right."""
    today, first, weeks = data.today, data.first, data.weeks
    figure = Figure(figsize=(8, 3.6), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.07, 0.2, 0.9, 0.62))
    for week in range(weeks):
        for weekday in range(7):
            day = first + timedelta(weeks=week, days=weekday)
            mark = "off" if day > today else data.marks.get(day, "off")
            axes.add_patch(
                Rectangle(
                    (week, 6 - weekday),
                    0.9,
                    0.9,
                    facecolor=COLOURS[mark],
                    edgecolor="#333333" if day == today else "white",
                    linewidth=1.5 if day == today else 0.5,
                )
            )
    axes.set_xlim(-0.1, weeks)
    axes.set_ylim(-0.1, 7)
    axes.set_yticks([6 - i + 0.45 for i in range(7)], WEEKDAYS, fontsize=8)
    month_ticks, month_labels = _month_ticks(first, weeks)
    axes.set_xticks(month_ticks, month_labels, fontsize=8)
    axes.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    figure.suptitle(
        f"Last {weeks} weeks  ·  streak {data.current_streak}"
        f"  ·  longest {data.longest_streak}  ·  sessions {data.total_done}",
        fontsize=11,
        y=0.95,
    )
    figure.legend(
        handles=[Patch(facecolor=COLOURS[k], label=v) for k, v in LABELS.items()],
        loc="lower center",
        ncol=len(LABELS),
        fontsize=8,
        frameon=False,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _month_ticks(first: date, weeks: int) -> tuple[list[float], list[str]]:
    ticks, labels, seen = [], [], None
    for week in range(weeks):
        monday = first + timedelta(weeks=week)
        if monday.month != seen:
            seen = monday.month
            ticks.append(week + 0.45)
            labels.append(f"{monday:%b}")
    return ticks, labels


def daily_checkins_chart(days: list[tuple[date, int]], title: str) -> bytes:
    """Bars of check-ins per day (the last 30 days for /stats)."""
    figure = Figure(figsize=(8, 3.2), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.07, 0.18, 0.9, 0.68))
    positions = list(range(len(days)))
    axes.bar(positions, [count for _, count in days], color=COLOURS["done"], width=0.8)
    step = max(1, len(days) // 8)
    axes.set_xticks(positions[::step], [f"{day:%d %b}" for day, _ in days][::step], fontsize=8)
    axes.tick_params(axis="y", labelsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.suptitle(title, fontsize=11, y=0.97)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
