"""The stored figures equal the pure calendar (`Calendar.progress()`) for random
histories: program switches, pauses (open and closed), rest days, unknown
programs, check-ins of every kind, effort and notes."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog.schema import Program, ProgramDay
from bot.db.dto import PauseSpan
from bot.db.member_stats import CheckinFacts, History
from bot.services.figures import calendar_of, compute

BASE = date(2026, 1, 1)


def program(program_id: str, rest: list[bool]) -> Program:
    days = [
        ProgramDay.model_construct(day=n, title=f"Day {n}", rest=is_rest)
        for n, is_rest in enumerate(rest, start=1)
    ]
    return Program.model_construct(
        id=program_id, name=program_id, summary="A test program.", level="beginner", days=days
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[dict[str, Program], History, date]:
    programs = {
        name: program(name, draw(st.lists(st.booleans(), min_size=7, max_size=40)))
        for name in ("p1", "p2")
    }
    today = BASE + timedelta(days=draw(st.integers(0, 90)))
    starts = sorted(set(draw(st.lists(st.integers(-20, 95), max_size=4))))
    runs = []
    for i, offset in enumerate(starts):
        end = BASE + timedelta(days=starts[i + 1]) if i + 1 < len(starts) else None
        runs.append(
            (draw(st.sampled_from(["p1", "p2", "gone"])), BASE + timedelta(days=offset), end)
        )
    pauses = []
    cursor = draw(st.integers(-10, 60))
    for _ in range(draw(st.integers(0, 3))):
        length = draw(st.integers(1, 12))
        first = BASE + timedelta(days=cursor)
        is_open = draw(st.booleans())
        pauses.append(PauseSpan(first, None if is_open else first + timedelta(days=length)))
        if is_open:
            break
        cursor += length + draw(st.integers(0, 10))
    checkins = {}
    for offset in draw(st.lists(st.integers(-25, 95), max_size=70, unique=True)):
        status = draw(st.sampled_from(["done", "done", "done", "skipped", "rest"]))
        effort = draw(st.none() | st.integers(1, 5)) if status == "done" else None
        checkins[BASE + timedelta(days=offset)] = CheckinFacts(status, effort, draw(st.booleans()))
    return programs, History(runs, pauses, checkins), today


@settings(max_examples=400, deadline=None)
@given(histories())
def test_figures_equal_the_calendar(case: tuple[dict[str, Program], History, date]) -> None:
    programs, history, today = case
    reference = calendar_of(programs, history, today)
    progress = reference.progress()
    figures = compute(programs, history, today)
    assert figures.as_of == today
    assert figures.current_streak == progress.current_streak
    assert figures.longest_streak == progress.longest_streak
    assert figures.streak_start == progress.streak_start
    assert figures.total_done == progress.total_done
    assert figures.adherence_7 == progress.adherence_7
    assert figures.adherence_30 == progress.adherence_30
    assert figures.program_day == reference.info(today).program_day
    days = history.checkins
    assert figures.last_checkin == (max(days) if days else None)
    rated = sorted(d for d, f in days.items() if f.effort is not None)
    assert figures.last_effort == (days[rated[-1]].effort if rated else None)
    noted = [d for d, f in days.items() if f.has_note]
    assert figures.last_note_date == (max(noted) if noted else None)


def test_hand_calendar_windows() -> None:
    """Training days 1-3 done, rest day 4, day 5 skipped, today day 6 pending."""
    programs = {"p": program("p", [False, False, False, True, False, False, False])}
    checkins = {BASE + timedelta(days=i): CheckinFacts("done") for i in range(3)}
    checkins[BASE + timedelta(days=4)] = CheckinFacts("skipped", None, True)
    history = History([("p", BASE, None)], [], checkins)
    figures = compute(programs, history, BASE + timedelta(days=5))
    assert (figures.done_7, figures.scheduled_7) == (3, 4)
    assert (figures.current_streak, figures.longest_streak) == (0, 3)
    assert figures.program_day == 6
    assert figures.last_note_date == BASE + timedelta(days=4)
