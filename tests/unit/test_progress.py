"""Streak and adherence rules: hand-written calendars and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import Catalog
from bot.db.dto import PauseSpan
from bot.services.planner import day_state
from bot.services.progress import Calendar, Run, milestone_reached

START = date(2026, 3, 2)  # a Monday
# defy-gravity rest days: 4, 7, 11, 14, 18, 21, 25, 28


def cal(
    catalog: Catalog,
    marks: str,
    *,
    today_offset: int | None = None,
    pauses: list[PauseSpan] | None = None,
    runs: list[Run] | None = None,
) -> Calendar:
    """`marks`: one letter per day from START: d done, s skipped, r rest, . nothing."""
    checkins = {
        START + timedelta(days=i): {"d": "done", "s": "skipped", "r": "rest"}[m]
        for i, m in enumerate(marks)
        if m in "dsr"
    }
    today = START + timedelta(days=len(marks) - 1 if today_offset is None else today_offset)
    return Calendar(
        catalog.programs,
        runs or [Run("defy-gravity", START)],
        pauses or [],
        checkins,
        today,
    )


@pytest.mark.parametrize(
    ("marks", "current", "longest", "done"),
    [
        ("", 0, 0, 0),
        ("d", 1, 1, 1),
        ("ddd", 3, 3, 3),
        ("ddd.", 3, 3, 3),  # day 4 is a rest day: no break
        ("dddddd.", 5, 5, 6),  # rest day 4 stored as done (before rest check-ins): a session only
        ("dd.", 2, 2, 2),  # today (day 3) not checked in yet: pending, no break
        ("dd.d", 0, 2, 3),  # day 3 missed breaks it; today is rest day 4
        ("ddsdd", 1, 2, 4),  # a skip breaks; rest day 4 does not extend
        ("ddd.ddd.", 5, 5, 6),  # rest days 4 and 7 neither count nor break; day 8 pending
        ("dddrdd", 5, 5, 5),  # a rest check-in on day 4: extra credit, not a session
        ("ddrr", 0, 2, 2),  # a rest check-in on training day 3 is no answer: missed
    ],
)
def test_hand_calendars(
    catalog: Catalog, marks: str, current: int, longest: int, done: int
) -> None:
    rest_days = [d.day for d in catalog.programs["defy-gravity"].days if d.rest]
    assert rest_days[:2] == [4, 7]  # the layout these calendars assume
    progress = cal(catalog, marks).progress()
    assert progress.total_done == done
    assert progress.current_streak == current, marks
    assert progress.longest_streak == longest, marks


def test_rest_days_neither_break_nor_extend(catalog: Catalog) -> None:
    # Days 1-3 done, day 4 rest (no check-in), days 5-6 done, day 7 rest, today day 8 done.
    progress = cal(catalog, "ddd.dd.d").progress()
    assert progress.current_streak == 6
    # Checking in on a rest day does not add to the streak.
    assert cal(catalog, "ddddddd").progress().current_streak == 5


def test_a_rest_day_check_in_is_extra_credit_never_a_done_training_day(
    catalog: Catalog,
) -> None:
    # Day 4 is a rest day: checked in as rest (today) or as done (stored before
    # rest check-ins had their own status), it shows as extra credit either way.
    for mark in "rd":
        calendar = cal(catalog, f"ddd{mark}")
        info = calendar.info(START + timedelta(days=3))
        assert (info.kind, info.mark, info.program_day) == ("rest", "extra", 4)
        assert calendar.adherence(7) == 1.0  # 3 of 3 scheduled; day 4 is not one
    assert cal(catalog, "dddr").progress().total_done == 3
    assert cal(catalog, "dddr").progress().rest_extras == 1
    assert cal(catalog, "ddd.").progress().rest_extras == 0
    assert cal(catalog, "ddd.", today_offset=3).info(START + timedelta(days=3)).mark == "rest"


def test_paused_days_neither_break_nor_extend(catalog: Catalog) -> None:
    pauses = [PauseSpan(START + timedelta(days=3), START + timedelta(days=13))]
    # Done days 1-3, paused 10 calendar days, then program day 4 is a rest day
    # (calendar day 14), program day 5 done on calendar day 15.
    marks = "ddd" + "." * 10 + ".d"
    calendar = cal(catalog, marks, pauses=pauses)
    assert calendar.info(START + timedelta(days=5)).mark == "paused"
    assert calendar.info(START + timedelta(days=13)).program_day == 4
    assert calendar.progress().current_streak == 4


def test_open_pause_keeps_the_streak(catalog: Catalog) -> None:
    pauses = [PauseSpan(START + timedelta(days=3), None)]
    progress = cal(catalog, "ddd" + "....", pauses=pauses).progress()
    assert progress.current_streak == 3


def test_program_switch_counts_the_days_each_program_scheduled(catalog: Catalog) -> None:
    switch = START + timedelta(days=2)
    runs = [Run("beginner-basics", START, switch), Run("defy-gravity", switch)]
    calendar = cal(catalog, "dddd", runs=runs)
    assert calendar.info(switch).program_day == 1
    assert calendar.info(START).program_day == 1
    assert calendar.progress().current_streak == 4


def test_the_day_boundary_is_the_members_midnight(catalog: Catalog) -> None:
    """23:59 and 00:01 local are different days: 'today' is what the caller passes."""
    before = cal(catalog, "dd.", today_offset=1).progress()  # 23:59 on day 2
    after = cal(catalog, "dd.", today_offset=2).progress()  # 00:01 on day 3
    assert before.current_streak == 2
    assert after.current_streak == 2  # day 3 is pending, not missed
    later = cal(catalog, "dd..", today_offset=3).progress()  # day 3 is over, unanswered
    assert later.current_streak == 0
    answered_late = cal(catalog, "ddd.", today_offset=3).progress()  # backfilled day 3
    assert answered_late.current_streak == 3


def test_adherence(catalog: Catalog) -> None:
    # Training days 1, 2, 3, 5, 6: done 1, 2, 6; 3 skipped; 5 missed. 4 and 7 are rest.
    calendar = cal(catalog, "ddsd.dd")
    assert calendar.adherence(7) == pytest.approx(3 / 5)
    assert cal(catalog, "").adherence(7) is None  # nothing scheduled yet


def test_after_the_program_nothing_is_scheduled(catalog: Catalog) -> None:
    calendar = cal(catalog, "d" * 28 + "." * 5)
    assert calendar.info(START + timedelta(days=30)).kind == "off"
    training = sum(not day.rest for day in catalog.programs["defy-gravity"].days)
    assert training == 20
    assert calendar.progress().current_streak == training


# -- rolling programs -------------------------------------------------------------------
def test_a_rolling_program_starts_over_and_never_goes_off(catalog: Catalog) -> None:
    program = catalog.programs["maintenance"]
    calendar = cal(catalog, "", today_offset=400, runs=[Run("maintenance", START)])
    for offset in range(400):
        kind, number = calendar.kind(START + timedelta(days=offset))
        day = program.days[offset % program.length]
        assert number == day.day
        assert kind == ("rest" if day.rest else "training")
    assert calendar.kind(START + timedelta(days=7)) == calendar.kind(START)  # day 8 is day 1
    assert calendar.kind(START - timedelta(days=1)) == ("off", None)


def test_a_rolling_streak_runs_across_cycles(catalog: Catalog) -> None:
    program = catalog.programs["maintenance"]
    weeks = 3
    marks = "".join("." if day.rest else "d" for day in program.days) * weeks
    progress = cal(catalog, marks, runs=[Run("maintenance", START)]).progress()
    sessions = sum(not day.rest for day in program.days) * weeks
    assert progress.current_streak == progress.total_done == sessions == 9


def test_pauses_shift_a_rolling_program_too(catalog: Catalog) -> None:
    pauses = [PauseSpan(START + timedelta(days=1), START + timedelta(days=11))]
    calendar = cal(catalog, "", today_offset=20, pauses=pauses, runs=[Run("maintenance", START)])
    assert calendar.kind(START + timedelta(days=5)) == ("paused", None)
    # Ten paused days later the cycle goes on at its second day.
    assert calendar.kind(START + timedelta(days=11))[1] == 2


@pytest.mark.parametrize(
    ("number", "rest", "shown"),
    [(1, False, 1), (2, True, 2), (7, True, 7), (8, False, 1), (12, False, 5), (701, False, 1)],
)
def test_program_day_of_a_rolling_program(
    catalog: Catalog, number: int, rest: bool, shown: int
) -> None:
    program = catalog.programs["maintenance"]
    day = program.day(number)
    assert day is not None
    assert (day.rest, day.day) == (rest, shown)
    assert not program.finished(number)
    assert program.day(0) is None


def test_program_day_of_a_program_that_finishes(catalog: Catalog) -> None:
    program = catalog.programs["defy-gravity"]
    assert program.day(1) is program.days[0]
    assert program.day(28) is program.days[27]
    assert program.day(29) is None
    assert program.finished(29)
    assert not program.finished(28)
    assert program.day(0) is None
    assert program.day(-3) is None


@pytest.mark.parametrize(
    ("program_id", "number", "paused", "expected"),
    [
        ("defy-gravity", 0, False, ("not_started", 0)),
        ("defy-gravity", 1, False, ("training", 1)),
        ("defy-gravity", 4, False, ("rest", 4)),
        ("defy-gravity", 28, False, ("rest", 28)),
        ("defy-gravity", 29, False, ("finished", 29)),
        ("defy-gravity", 29, True, ("paused", 29)),
        ("beginner-basics", 40, False, ("finished", 40)),
        ("maintenance", 0, False, ("not_started", 0)),
        ("maintenance", 7, False, ("rest", 7)),
        ("maintenance", 8, False, ("training", 1)),
        ("maintenance", 29, False, ("training", 1)),
        ("maintenance", 365, False, ("training", 1)),
        ("maintenance", 366, False, ("rest", 2)),
        ("maintenance", 30, True, ("paused", 30)),
    ],
)
def test_the_planner_finishes_only_programs_that_end(
    catalog: Catalog, program_id: str, number: int, paused: bool, expected: tuple[str, int]
) -> None:
    assert day_state(catalog.programs[program_id], number, paused) == expected


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [(2, 3, 3), (3, 4, None), (6, 7, 7), (0, 1, None), (13, 14, 14), (27, 28, 28), (28, 29, None)],
)
def test_milestones(before: int, after: int, expected: int | None) -> None:
    assert milestone_reached(before, after) == expected


@settings(max_examples=200, deadline=None)
@given(marks=st.text(alphabet="ds.", max_size=40))
def test_streak_properties(catalog: Catalog, marks: str) -> None:
    progress = cal(catalog, marks).progress()
    assert 0 <= progress.current_streak <= progress.longest_streak <= progress.total_done
    for adherence in (progress.adherence_7, progress.adherence_30):
        assert adherence is None or 0 <= adherence <= 1
    # Appending a done day never lowers the streak; appending a skip on a
    # training day resets it.
    grown = cal(catalog, marks + "d").progress()
    assert grown.longest_streak >= progress.longest_streak
