"""PNG charts, drawn with matplotlib's Agg backend (no display, no global state).

Drawing takes a noticeable fraction of a second: call these through
`asyncio.to_thread` from handlers so the event loop keeps serving others.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from bot.services.progress import Calendar, Progress

COLOURS = {
    "done": "#2e9d5b",
    "skipped": "#f0a53a",
    "missed": "#e06666",
    "rest": "#9fc5e8",
    "paused": "#bdbdbd",
    "pending": "#fff2cc",
    "off": "#f1f1f1",
}
LABELS = {
    "done": "done",
    "skipped": "skipped",
    "missed": "missed",
    "rest": "rest day",
    "paused": "paused",
}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def progress_chart(calendar: Calendar, progress: Progress, weeks: int = 12) -> bytes:
    """A calendar heatmap of the last `weeks` weeks, newest on the right."""
    today = calendar.today
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    figure = Figure(figsize=(8, 3.6), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.07, 0.2, 0.9, 0.62))
    for week in range(weeks):
        for weekday in range(7):
            day = first + timedelta(weeks=week, days=weekday)
            mark = "off" if day > today else calendar.info(day).mark
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
        f"Last {weeks} weeks  ·  streak {progress.current_streak}"
        f"  ·  longest {progress.longest_streak}  ·  sessions {progress.total_done}",
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
