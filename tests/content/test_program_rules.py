"""The coach's program rules as tests: each fails when a program breaks the rule.

Loads come from bot/catalog/training.py: every exercise card names its movement
pattern and its intensity, and a day is hard, moderate or light from those.
The last tests run the same checks over the weeks 3-4 that issue 16 rejected,
so every rule is shown to catch what the coach found.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import yaml

from bot.catalog import Catalog
from bot.catalog.schema import Program, ProgramDay
from bot.catalog.training import day_load

HEAVY_GAP = 2  # days between heavy sessions of one pattern: at least 48 hours
FINAL_WEEK = range(22, 29)


def _days(program: Program) -> list[ProgramDay]:
    """The days in calendar order; a rolling program twice, so its wrap is checked."""
    return list(program.days) * (2 if program.rolling else 1)


def heavy_pattern_clashes(catalog: Catalog, days: Sequence[ProgramDay]) -> list[str]:
    """Heavy sessions of one pattern less than 48 hours apart."""
    last: dict[str, tuple[int, int]] = {}
    clashes = []
    for position, day in enumerate(days):
        for pattern in sorted(day_load(catalog, day).heavy_patterns):
            if pattern in last and position - last[pattern][0] < HEAVY_GAP:
                clashes.append(f"heavy {pattern} on days {last[pattern][1]} and {day.day}")
            last[pattern] = (position, day.day)
    return clashes


def hard_runs(catalog: Catalog, days: Sequence[ProgramDay], length: int) -> list[list[int]]:
    """Runs of at least `length` hard days in a row."""
    runs: list[list[int]] = []
    current: list[int] = []
    for day in days:
        if day_load(catalog, day).load == "hard":
            current.append(day.day)
            if len(current) == length:
                runs.append(list(current))
            elif len(current) > length:
                runs[-1] = list(current)
        else:
            current = []
    return runs


def hard_count(catalog: Catalog, days: Sequence[ProgramDay]) -> int:
    return sum(day_load(catalog, day).load == "hard" for day in days)


def week(program: Program, number: int) -> list[ProgramDay]:
    return list(program.days[(number - 1) * 7 : number * 7])


def known_before(catalog: Catalog, program: Program) -> set[str]:
    """The exercises of the programs whose `next:` chain leads to this one."""
    known: set[str] = set()
    for other in catalog.programs.values():
        following = catalog.next_program(other.id)
        for _ in catalog.programs:  # a chain is at most as long as there are programs
            if following is None or following.id == program.id:
                break
            following = catalog.next_program(following.id)
        if following is not None and following.id == program.id:
            known |= {item.id for day in other.days for item in day.exercises}
    return known


def new_exercises(program: Program, known: set[str] | None = None) -> dict[int, list[str]]:
    """The exercises each day brings in for the first time."""
    seen: set[str] = set(known or ())
    found: dict[int, list[str]] = {}
    for day in program.days:
        for item in day.exercises:
            if item.id not in seen:
                seen.add(item.id)
                found.setdefault(day.day, []).append(item.id)
    return found


def set_steps(catalog: Catalog, program: Program) -> list[str]:
    """Steps between training days that raise volume too fast: more than two extra sets,
    or a new exercise on the same day as more sets per exercise."""
    faults = []
    previous: ProgramDay | None = None
    for day in program.days:
        if day.rest:
            continue
        if previous is not None:
            before = [catalog.dose_of(i).sets for i in previous.exercises]
            after = [catalog.dose_of(i).sets for i in day.exercises]
            if sum(after) - sum(before) > 2:
                faults.append(f"day {day.day}: {sum(before)} → {sum(after)} sets")
            if len(after) > len(before) and max(after) > max(before):
                faults.append(f"day {day.day}: adds an exercise and raises the sets at once")
        previous = day
    return faults


# -- the shipped programs ---------------------------------------------------------------
def test_every_program_day_has_a_load(catalog: Catalog) -> None:
    loads = {day_load(catalog, d).load for p in catalog.programs.values() for d in p.days}
    assert loads == {"rest", "light", "moderate", "hard"}


@pytest.mark.parametrize("program_id", ["beginner-basics", "defy-gravity", "maintenance"])
def test_no_two_heavy_sessions_of_one_pattern_within_48_hours(
    catalog: Catalog, program_id: str
) -> None:
    program = catalog.programs[program_id]
    assert heavy_pattern_clashes(catalog, _days(program)) == []


@pytest.mark.parametrize("program_id", ["beginner-basics", "defy-gravity", "maintenance"])
def test_never_three_hard_days_in_a_row(catalog: Catalog, program_id: str) -> None:
    program = catalog.programs[program_id]
    assert hard_runs(catalog, _days(program), 3) == []


def test_defy_gravity_weeks_3_and_4_alternate_hard_and_lighter_days(catalog: Catalog) -> None:
    program = catalog.programs["defy-gravity"]
    for number in (3, 4):
        days = week(program, number)
        assert 2 <= hard_count(catalog, days) <= 3, number  # "two or three hard sessions"
    weeks_3_4 = program.days[14:]
    assert hard_runs(catalog, weeks_3_4, 2) == []  # a hard day is never followed by another


def test_defy_gravity_last_week_is_lighter_than_week_3(catalog: Catalog) -> None:
    program = catalog.programs["defy-gravity"]
    third, last = week(program, 3), week(program, 4)

    def volume(days: list[ProgramDay]) -> int:
        return sum(day_load(catalog, d).weighted_sets for d in days)

    assert volume(last) < volume(third)
    assert hard_count(catalog, last) <= hard_count(catalog, third)
    finale = program.days[26]
    assert finale.title == "Defy Gravity finale"
    assert day_load(catalog, finale).load != "hard"


def test_no_new_lift_in_the_final_week_and_one_new_heavy_lift_a_day(catalog: Catalog) -> None:
    for program in catalog.programs.values():
        for day, ids in new_exercises(program, known_before(catalog, program)).items():
            heavy = [i for i in ids if catalog.exercises[i].intensity == "heavy"]
            assert len(heavy) <= 1, (program.id, day, heavy)
            if not program.rolling:
                assert day not in FINAL_WEEK, (program.id, day, ids)


def test_sessions_stay_a_sensible_size(catalog: Catalog) -> None:
    for program in catalog.programs.values():
        for day in program.days:
            assert day_load(catalog, day).sets <= 15, (program.id, day.day)


def test_intense_stretches_are_never_a_warm_up(catalog: Catalog) -> None:
    intense = {s.id for s in catalog.stretches.values() if s.intense}
    assert "couch-stretch" in intense
    couch_places = []
    for program in catalog.programs.values():
        for day in program.days:
            assert not intense & {i.id for i in day.warmup}, (program.id, day.day)
            if any(i.id == "couch-stretch" for i in [*day.cooldown, *day.mobility]):
                couch_places.append((program.id, day.day))
    assert couch_places  # moved to cool-downs and rest days, not dropped


def test_the_kneeling_hip_flexor_stretch_warms_up_where_the_couch_stretch_was(
    catalog: Catalog,
) -> None:
    program = catalog.programs["defy-gravity"]
    for number in (5, 12, 19, 22):
        ids = [item.id for item in program.days[number - 1].warmup]
        assert "kneeling-hip-flexor-stretch" in ids, number


def test_every_training_day_starts_with_the_pulse_raiser(catalog: Catalog) -> None:
    for program in catalog.programs.values():
        for day in program.days:
            if not day.rest:
                assert day.warmup[0].id == "pulse-raiser", (program.id, day.day)


@pytest.mark.parametrize(("program_id", "number"), [("defy-gravity", 13), ("beginner-basics", 26)])
def test_the_readiness_check_holds_the_part_3_checks(
    catalog: Catalog, program_id: str, number: int
) -> None:
    day = catalog.programs[program_id].days[number - 1]
    assert day.title == "Readiness check"
    doses = {item.id: catalog.dose_of(item) for item in day.exercises}
    bridge = doses["glute-bridge"]
    assert (bridge.sets, bridge.reps) == (3, 15)
    assert "hip-hinge" in doses
    balance = doses["single-leg-balance"]
    assert balance.seconds == 30
    assert balance.per_side
    lunge = doses["reverse-lunge"]
    assert (lunge.sets, lunge.reps, lunge.per_side) == (3, 8, True)
    note = day.note or ""
    for check in ("3 × 15 bridges", "dowel hinge", "30 s on each leg", "3 × 8 reverse lunges"):
        assert check in note
    assert "fail" in note  # and what to do then:
    assert "easier card" in note or "repeat" in note
    assert "check again" in note


def test_beginner_basics_steps_up_gradually(catalog: Catalog) -> None:
    program = catalog.programs["beginner-basics"]
    assert set_steps(catalog, program) == []

    def sets(number: int) -> int:
        return day_load(catalog, program.days[number - 1]).sets

    assert sets(6) < sets(8) <= sets(9) <= sets(10) < sets(12)
    # Day 8 raises sets without adding an exercise.
    assert len(program.days[7].exercises) == len(program.days[5].exercises)


def test_maintenance_rolls_on_with_three_sessions_a_week(catalog: Catalog) -> None:
    program = catalog.programs["maintenance"]
    assert program.rolling
    assert program.length == 7
    assert sum(not day.rest for day in program.days) == 3
    assert 1 <= hard_count(catalog, program.days) <= 3
    for number in (1, 8, 15, 701):
        assert program.day(number) is program.days[0]
    assert program.day(9) is program.days[1]
    assert not program.finished(10_000)
    known = known_before(catalog, program)
    assert {"glute-bridge", "hip-thrust", "kettlebell-deadlift"} <= known
    # Built from the series: only the lateral lunge, the next step after the shift, is new.
    assert new_exercises(program, known) == {3: ["lateral-lunge"]}


# -- the rules catch what issue 16 found ------------------------------------------------
REJECTED_WEEKS = """
- {day: 22, title: Thrust and goblet squat, focus: gluteus-maximus, warmup: [{id: couch-stretch}],
   exercises: [{id: hip-thrust, sets: 3}, {id: goblet-squat, sets: 3},
               {id: single-leg-bridge, sets: 3}, {id: banded-lateral-walk, sets: 3}]}
- {day: 23, title: One-leg hinge, focus: hamstrings, warmup: [{id: cat-cow}],
   exercises: [{id: romanian-deadlift, sets: 3}, {id: single-leg-rdl, sets: 3},
               {id: step-up, sets: 3}, {id: bird-dog, sets: 2}]}
- {day: 24, title: Lunges in every direction, focus: gluteus-medius, warmup: [{id: cat-cow}],
   exercises: [{id: reverse-lunge, sets: 2}, {id: curtsy-lunge, sets: 3},
               {id: lateral-lunge, sets: 3}, {id: banded-lateral-walk, sets: 3}]}
- {day: 25, rest: true, title: Mobility and recovery, mobility: [{id: childs-pose}]}
- {day: 26, title: Single-leg strength, focus: gluteus-maximus, warmup: [{id: cat-cow}],
   exercises: [{id: hip-thrust, sets: 2}, {id: single-leg-hip-thrust, sets: 3},
               {id: bulgarian-split-squat, sets: 3}, {id: single-leg-rdl, sets: 3}]}
- {day: 27, title: Defy Gravity finale, focus: gluteus-maximus, warmup: [{id: cat-cow}],
   exercises: [{id: goblet-squat, sets: 3}, {id: romanian-deadlift, sets: 3},
               {id: curtsy-lunge, sets: 3}, {id: step-up, sets: 2},
               {id: banded-lateral-walk, sets: 2}]}
"""


@pytest.fixture(scope="module")
def rejected() -> list[ProgramDay]:
    return [ProgramDay.model_validate(day) for day in yaml.safe_load(REJECTED_WEEKS)]


def test_the_48_hour_rule_catches_the_back_to_back_days_26_and_27(
    catalog: Catalog, rejected: list[ProgramDay]
) -> None:
    clashes = heavy_pattern_clashes(catalog, rejected)
    assert "heavy hinge on days 26 and 27" in clashes
    assert "heavy single-leg on days 26 and 27" in clashes
    assert "heavy hinge on days 22 and 23" not in clashes  # day 22 holds no hinge


def test_the_hard_day_rules_catch_days_22_to_24(
    catalog: Catalog, rejected: list[ProgramDay]
) -> None:
    assert hard_runs(catalog, rejected, 3) == [[22, 23, 24]]
    assert hard_count(catalog, rejected) == 5
    assert hard_runs(catalog, rejected, 2) == [[22, 23, 24], [26, 27]]


def test_the_warm_up_rule_catches_the_couch_stretch(
    catalog: Catalog, rejected: list[ProgramDay]
) -> None:
    intense = {s.id for s in catalog.stretches.values() if s.intense}
    assert [d.day for d in rejected if intense & {i.id for i in d.warmup}] == [22]


def test_the_set_steps_rule_catches_a_jump(catalog: Catalog) -> None:
    program = catalog.programs["beginner-basics"]
    days = list(program.days)
    jumped = days[7].model_copy(
        update={"exercises": [i.model_copy(update={"sets": 3}) for i in days[4].exercises]}
    )
    days[7] = jumped  # day 8: day 5's four exercises, all at three sets, after day 6's eight
    faults = set_steps(catalog, program.model_copy(update={"days": days}))
    assert faults == ["day 8: 8 → 12 sets"]
