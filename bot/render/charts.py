"""PNG charts, drawn with matplotlib's Agg backend (no display, no global state).

Drawing takes a noticeable fraction of a second of pure CPU, so the bot runs
these in a separate process (`bot.background.HeavyWork`), off the update path.
Each takes plain data (picklable, no database, no content objects): the
caller works out what to draw, the chart only draws it.

Readable by anyone on a phone: the colours are the Okabe-Ito palette, which
stays distinct with the common colour blindnesses, and every mark that matters
carries a second cue (a glyph in its square, hatching for a pause), so no
meaning rests on colour alone. Charts are 1080 px wide, the width of a phone
screen, and no text is drawn smaller than MIN_TEXT_PT (about 23 px tall there).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from bot import i18n
from bot.i18n import N_, _, format_day
from bot.services.progress import Calendar, Progress

Mark = str

# Okabe & Ito's colour-blind-safe palette (and two neutral greys).
OKABE_ITO = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
COLOURS = {
    "done": OKABE_ITO["bluish green"],
    "skipped": OKABE_ITO["orange"],
    "missed": OKABE_ITO["vermillion"],
    "rest": OKABE_ITO["sky blue"],
    "extra": OKABE_ITO["blue"],
    "paused": "#BBBBBB",
    "pending": OKABE_ITO["yellow"],
    "off": "#EEEEEE",
}
# The second cue: a glyph drawn in the square (white on the dark colours).
GLYPHS = {"done": "✓", "missed": "✗", "skipped": "»", "extra": "+", "pending": "?"}
PAUSE_HATCH = "//"
LABELS = {
    "done": N_("done"),
    "missed": N_("missed"),
    "skipped": N_("skipped"),
    "rest": N_("rest day"),
    "extra": N_("rest day, moved anyway"),
    "paused": N_("paused"),
}
# A Monday: the weekday names are this week's, in the chart's language.
_A_MONDAY = date(2026, 3, 2)


def weekdays() -> list[str]:
    """'Mon' … 'Sun' in the language of the moment."""
    return [format_day(_A_MONDAY + timedelta(days=d), "weekday") for d in range(7)]


WIDTH_PX = 1080
DPI = 150
MIN_TEXT_PT = 11.0
TEXT_PT = 12.0
TITLE_PT = 14.0
MIN_WEEKS = 4
EMPTY_PROGRESS = N_("Nothing here yet: your first square fills in\nwith your first session ✓")
EMPTY_STATS = "No check-ins in these days yet"


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
    # The chart is drawn in another process: the language travels with the data.
    language: str = i18n.DEFAULT


def progress_chart_data(calendar: Calendar, progress: Progress, weeks: int = 12) -> ProgressChart:
    """The member's last `weeks` weeks, Monday-aligned, as marks per day; fewer
    weeks (at least MIN_WEEKS) for a member whose history is shorter."""
    today = calendar.today
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    marks: dict[date, Mark] = {info.day: info.mark for info in calendar.days(first, today)}
    begun = [day for day, mark in marks.items() if mark != "off"]
    span = (monday - min(begun)).days // 7 + 1 if begun else 0
    weeks = max(MIN_WEEKS, min(weeks, span))
    first = monday - timedelta(weeks=weeks - 1)
    marks = {day: mark for day, mark in marks.items() if day >= first}
    return ProgressChart(
        today,
        first,
        weeks,
        marks,
        progress.current_streak,
        progress.longest_streak,
        progress.total_done,
        i18n.current(),
    )


def _new_figure(height_in: float) -> Figure:
    figure = Figure(figsize=(WIDTH_PX / DPI, height_in), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _is_empty(data: ProgressChart) -> bool:
    return all(mark in ("off", "pending") for mark in data.marks.values())


def progress_figure(data: ProgressChart) -> Figure:
    """A calendar heatmap of the last weeks, newest on the right, today outlined,
    its words in the member's language."""
    with i18n.speaking(data.language):
        return _progress_figure(data)


def _progress_figure(data: ProgressChart) -> Figure:
    today, first, weeks = data.today, data.first, data.weeks
    figure = _new_figure(6.0)
    axes = figure.add_axes((0.12, 0.22, 0.85, 0.6))
    empty = _is_empty(data)
    for week in range(weeks):
        for weekday in range(7):
            day = first + timedelta(weeks=week, days=weekday)
            mark = "off" if day > today else data.marks.get(day, "off")
            is_today = day == today
            axes.add_patch(
                Rectangle(
                    (week + 0.05, 6 - weekday + 0.05),
                    0.9,
                    0.9,
                    facecolor=COLOURS[mark],
                    edgecolor="#000000" if is_today else "white",
                    linewidth=3 if is_today else 1,
                    hatch=PAUSE_HATCH if mark == "paused" else None,
                    zorder=3 if is_today else 2,
                )
            )
            if mark in GLYPHS and not (empty and mark == "pending"):
                dark = mark in ("done", "missed", "extra")
                axes.text(
                    week + 0.5,
                    6 - weekday + 0.5,
                    GLYPHS[mark],
                    ha="center",
                    va="center",
                    fontsize=TEXT_PT,
                    color="white" if dark else "black",
                    fontweight="bold",
                    zorder=4,
                )
    today_week = (today - first).days // 7
    axes.annotate(
        _("today"),
        xy=(today_week + 0.5, 7.0),
        xytext=(today_week + 0.5, 7.7),
        ha="center",
        fontsize=TEXT_PT,
        fontweight="bold",
        arrowprops={"arrowstyle": "->", "linewidth": 1.5},
        annotation_clip=False,
    )
    axes.set_xlim(0, weeks)
    axes.set_ylim(0, 7)
    axes.set_yticks([6 - i + 0.5 for i in range(7)], weekdays(), fontsize=TEXT_PT)
    month_ticks, month_labels = _month_ticks(first, weeks)
    axes.set_xticks(month_ticks, month_labels, fontsize=TEXT_PT)
    axes.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    if empty:
        axes.text(
            weeks / 2,
            3.5,
            _(EMPTY_PROGRESS),
            ha="center",
            va="center",
            fontsize=TITLE_PT,
            zorder=5,
            bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "edgecolor": "#555555"},
        )
    figure.suptitle(
        _("Last {weeks} weeks · streak {streak} · longest {longest} · sessions {done}").format(
            weeks=weeks,
            streak=data.current_streak,
            longest=data.longest_streak,
            done=data.total_done,
        ),
        fontsize=TITLE_PT,
        y=0.97,
    )
    handles = [
        Patch(
            facecolor=COLOURS[key],
            edgecolor="#555555",
            hatch=PAUSE_HATCH if key == "paused" else None,
            label=f"{GLYPHS[key]} {_(label)}" if key in GLYPHS else _(label),
        )
        for key, label in LABELS.items()
    ]
    figure.legend(handles=handles, loc="lower center", ncol=3, fontsize=TEXT_PT, frameon=False)
    return figure


def progress_chart(data: ProgressChart) -> bytes:
    """The /progress heatmap as a PNG."""
    return _png(progress_figure(data))


def _month_ticks(first: date, weeks: int) -> tuple[list[float], list[str]]:
    """A label under every week in which a month starts, and under the first week."""
    ticks, labels = [], []
    for week in range(weeks):
        monday = first + timedelta(weeks=week)
        week_days = [monday + timedelta(days=d) for d in range(7)]
        starts = [day for day in week_days if day.day == 1]
        if starts:
            ticks.append(week + 0.5)
            labels.append(format_day(starts[0], "month"))
        elif week == 0:
            ticks.append(week + 0.5)
            labels.append(format_day(monday, "month"))
    return ticks, labels


@dataclass(frozen=True)
class DailyChart:
    """What the /stats chart shows: check-ins per day and, for context, how many
    active members had started by that day."""

    scope: str
    days: list[tuple[date, int]]
    active: list[int]


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def daily_title(scope: str, days: list[tuple[date, int]]) -> str:
    """'Check-ins per day · everyone · 2 Nov to 1 Dec 2026' (plain text: it is drawn)."""
    if not days:
        return f"Check-ins per day · {scope}"
    first, last = days[0][0], days[-1][0]
    start = _day(first) if first.year == last.year else f"{_day(first)} {first.year}"
    return f"Check-ins per day · {scope} · {start} to {_day(last)} {last.year}"


def daily_checkins_figure(data: DailyChart) -> Figure:
    """Bars of check-ins per day, a line of the active members, the range in the title."""
    days = data.days
    figure = _new_figure(5.0)
    axes = figure.add_axes((0.1, 0.22, 0.86, 0.64))
    positions = list(range(len(days)))
    counts = [count for _day, count in days]
    axes.bar(positions, counts, color=OKABE_ITO["blue"], width=0.8, label="check-ins", zorder=2)
    if data.active:
        axes.plot(
            positions,
            data.active,
            color=OKABE_ITO["vermillion"],
            linestyle="--",
            linewidth=2,
            label="active members",
            zorder=3,
        )
    top = max([*counts, *data.active, 1])
    axes.set_ylim(0, top * 1.15)
    axes.set_xlim(-0.6, max(len(days), 1) - 0.4)
    step = max(1, len(days) // 6)
    axes.set_xticks(positions[::step], [_day(day) for day, _ in days][::step], fontsize=TEXT_PT)
    axes.tick_params(axis="y", labelsize=TEXT_PT)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", color="#DDDDDD", zorder=0)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if not any(counts):
        axes.text(
            (len(days) - 1) / 2 if days else 0,
            top * 0.55,
            EMPTY_STATS,
            ha="center",
            va="center",
            fontsize=TITLE_PT,
            bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "edgecolor": "#555555"},
        )
    figure.suptitle(daily_title(data.scope, days), fontsize=TITLE_PT, y=0.97)
    handles = [
        Patch(facecolor=OKABE_ITO["blue"], label="check-ins (done)"),
        Line2D([], [], color=OKABE_ITO["vermillion"], linestyle="--", linewidth=2,
               label="active members"),
    ]  # fmt: skip
    figure.legend(handles=handles, loc="lower center", ncol=2, fontsize=TEXT_PT, frameon=False)
    return figure


def daily_checkins_chart(data: DailyChart) -> bytes:
    """The /stats chart as a PNG."""
    return _png(daily_checkins_figure(data))
