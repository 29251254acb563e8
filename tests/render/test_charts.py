"""The /progress and /stats charts, drawn for empty, one-day and full histories:
their size, their palette (checked through a deuteranopia simulation), the
second cue on every mark, month labels, today, and text large enough on a phone."""

from __future__ import annotations

import struct
from datetime import date, timedelta

import pytest
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from bot.catalog import Catalog
from bot.render.charts import (
    COLOURS,
    DPI,
    EMPTY_PROGRESS,
    EMPTY_STATS,
    GLYPHS,
    OKABE_ITO,
    WIDTH_PX,
    DailyChart,
    _month_ticks,
    daily_checkins_chart,
    daily_checkins_figure,
    progress_chart,
    progress_chart_data,
    progress_figure,
)
from bot.services.progress import Calendar, Run

TODAY = date(2026, 12, 16)  # a Wednesday
PHONE_PX = 1080
MIN_TEXT_PX = 12


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def texts(figure: Figure) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


def assert_text_readable(figure: Figure) -> None:
    """Every piece of text is at least 12 px tall once the image is 1080 px wide."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    scale = PHONE_PX / (figure.get_figwidth() * figure.dpi)
    for text in texts(figure):
        size_px = text.get_fontsize() * figure.dpi / 72 * scale
        height_px = text.get_window_extent(renderer).height * scale
        assert size_px >= MIN_TEXT_PX, (text.get_text(), size_px)
        assert height_px >= MIN_TEXT_PX, (text.get_text(), height_px)


def deuteranope(colour: str) -> tuple[float, float, float]:
    """How a colour looks with deuteranopia (Machado et al. 2009, severity 1)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    def srgb(c: float) -> float:
        c = min(max(c, 0.0), 1.0)
        return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055

    r, g, b = (linear(c) for c in to_rgb(colour))
    matrix = ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
              (-0.011820, 0.042940, 0.968881))  # fmt: skip
    return tuple(srgb(row[0] * r + row[1] * g + row[2] * b) for row in matrix)  # type: ignore[return-value]


def seen_apart(one: str, other: str) -> float:
    a, b = deuteranope(one), deuteranope(other)
    return 255 * sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5


def test_done_and_missed_stay_apart_for_a_deuteranope() -> None:
    # The old green and red: nearly the same colour to a deuteranope.
    assert seen_apart("#2e9d5b", "#e06666") < 40
    marks = ("done", "missed", "skipped", "rest", "extra", "pending")
    for i, one in enumerate(marks):
        for other in marks[i + 1 :]:
            assert seen_apart(COLOURS[one], COLOURS[other]) >= 40, (one, other)
    assert COLOURS["done"] in OKABE_ITO.values()
    assert COLOURS["missed"] in OKABE_ITO.values()


def calendar_for(catalog: Catalog, history: str) -> Calendar:
    if history == "empty":  # joined today, nothing recorded
        runs, marks = [Run("defy-gravity", TODAY + timedelta(days=1))], {}
    elif history == "one-day":
        start = TODAY - timedelta(days=1)
        runs, marks = [Run("defy-gravity", start)], {start: "done"}
    else:  # a year, with a miss now and then
        start = TODAY - timedelta(days=364)
        runs = [
            Run("defy-gravity", start + timedelta(days=28 * k), start + timedelta(days=28 * k + 28))
            for k in range(14)
        ]
        marks = {start + timedelta(days=i): "skipped" if i % 9 == 4 else "done"
                 for i in range(365) if i % 5 != 3}  # fmt: skip
    return Calendar(catalog.programs, runs, [], marks, TODAY)


@pytest.mark.parametrize("history", ["empty", "one-day", "full"])
def test_progress_chart_is_a_readable_phone_sized_png(catalog: Catalog, history: str) -> None:
    calendar = calendar_for(catalog, history)
    data = progress_chart_data(calendar, calendar.progress())
    png = progress_chart(data)
    width, height = png_size(png)
    assert width == WIDTH_PX == PHONE_PX
    assert 500 < height < 1400
    assert len(png) < 400_000
    figure = progress_figure(data)
    figure.canvas.draw()
    assert_text_readable(figure)
    squares = [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]
    assert len(squares) == 7 * data.weeks
    assert {to_hex(p.get_facecolor()).upper() for p in squares} <= {
        c.upper() for c in COLOURS.values()
    }
    drawn = [t.get_text() for t in texts(figure)]
    # The second cue: every done and missed day carries its glyph.
    shown = {d: m for d, m in data.marks.items() if d <= TODAY}
    assert drawn.count(GLYPHS["done"]) == sum(m == "done" for m in shown.values())
    assert drawn.count(GLYPHS["missed"]) == sum(m == "missed" for m in shown.values())
    # Today is outlined and named.
    assert "today" in drawn
    outlined = [p for p in squares if p.get_linewidth() >= 3]
    assert len(outlined) == 1
    week = (TODAY - data.first).days // 7
    assert outlined[0].get_x() == pytest.approx(week + 0.05)
    assert (EMPTY_PROGRESS in drawn) == (history == "empty")


def test_a_new_member_sees_a_few_weeks_and_the_empty_state(catalog: Catalog) -> None:
    calendar = calendar_for(catalog, "empty")
    data = progress_chart_data(calendar, calendar.progress())
    assert data.weeks == 4  # not 84 identical grey squares
    full = calendar_for(catalog, "full")
    assert progress_chart_data(full, full.progress()).weeks == 12


def test_full_history_has_missed_days_drawn_with_their_cross(catalog: Catalog) -> None:
    calendar = calendar_for(catalog, "full")
    data = progress_chart_data(calendar, calendar.progress())
    assert "missed" in data.marks.values()
    drawn = [t.get_text() for t in texts(progress_figure(data))]
    assert GLYPHS["missed"] in drawn


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        # Mon 28 Sep: October starts on the Thursday of the first week.
        (date(2026, 9, 28), ["Oct", "Nov", "Dec"]),
        # Mon 21 Sep: the first (partial) week is still labelled.
        (date(2026, 9, 21), ["Sep", "Oct", "Nov", "Dec"]),
        # Mon 1 Jun: June starts on the very first day.
        (date(2026, 6, 1), ["Jun", "Jul", "Aug"]),
    ],
)
def test_every_month_start_has_a_label(first: date, expected: list[str]) -> None:
    ticks, labels = _month_ticks(first, 12)
    assert labels == expected
    for tick, label in zip(ticks, labels, strict=True):
        week = int(tick)
        days = [first + timedelta(weeks=week, days=d) for d in range(7)]
        assert any(d.day == 1 and f"{d:%b}" == label for d in days) or week == 0


def daily(history: str) -> DailyChart:
    days = [TODAY - timedelta(days=29 - i) for i in range(30)]
    if history == "empty":
        return DailyChart("Spring", [(d, 0) for d in days], [0] * 30)
    if history == "one-day":
        return DailyChart("Spring", [(d, int(d == TODAY)) for d in days], [0] * 29 + [1])
    return DailyChart(
        "everyone", [(d, 40 + i % 7 * 5) for i, d in enumerate(days)], [80 + i for i in range(30)]
    )


@pytest.mark.parametrize("history", ["empty", "one-day", "full"])
def test_stats_chart_has_context_range_and_readable_text(history: str) -> None:
    data = daily(history)
    png = daily_checkins_chart(data)
    width, height = png_size(png)
    assert width == PHONE_PX
    assert 500 < height < 1200
    figure = daily_checkins_figure(data)
    figure.canvas.draw()
    assert_text_readable(figure)
    title = figure.texts[0].get_text() if figure.texts else figure._suptitle.get_text()  # type: ignore[attr-defined]
    assert "17 Nov to 16 Dec 2026" in title
    axes = figure.axes[0]
    bottom, top = axes.get_ylim()
    assert bottom == 0
    assert top >= 1
    line = axes.get_lines()[0]
    assert list(line.get_ydata()) == data.active
    drawn = [t.get_text() for t in texts(figure)]
    assert (EMPTY_STATS in drawn) == (history == "empty")
    assert "active members" in drawn
    assert DPI * figure.get_figwidth() == WIDTH_PX
