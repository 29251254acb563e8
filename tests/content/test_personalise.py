"""personalise(): every member's day, for every answer they can give at /start."""

from __future__ import annotations

from itertools import chain, combinations

import pytest

from bot.catalog import Catalog
from bot.catalog.personalise import (
    CONDITIONS,
    KITS,
    LeftOut,
    PersonalDay,
    PersonalItem,
    Profile,
    personalise,
)
from bot.catalog.schema import FLAT_POSITIONS, ProgramDay, ProgramItem
from bot.render.cards import render_program_day
from bot.render.check import PROFILES, every_message
from bot.render.rules import problems


def _subsets(items: tuple[str, ...]) -> list[frozenset[str]]:
    return [frozenset(c) for c in chain.from_iterable(combinations(items, n) for n in range(5))]


EVERY_PROFILE = [Profile(kits, conditions) for kits in _subsets(KITS) for conditions in
                 _subsets(CONDITIONS)]  # fmt: skip
NOTHING = Profile()  # no equipment, nothing to look after
GYM = Profile(frozenset({"gym"}))


@pytest.fixture(scope="module")
def every_day(catalog: Catalog) -> list[tuple[str, ProgramDay, PersonalDay]]:
    """(program id, program day, personal day) for every profile and every day."""
    return [
        (program.id, day, personalise(catalog, day, profile))
        for profile in EVERY_PROFILE
        for program in catalog.programs.values()
        for day in program.days
    ]


def one_day(exercises: list[str], warmup: tuple[str, ...] = ("pulse-raiser",)) -> ProgramDay:
    return ProgramDay(
        day=1,
        title="A test day",
        focus="gluteus-maximus",
        warmup=[ProgramItem(id=i) for i in warmup],
        exercises=[ProgramItem(id=i) for i in exercises],
    )


def ids(items: tuple[PersonalItem, ...]) -> list[str]:
    return [item.id for item in items]


def test_there_are_128_profiles() -> None:
    assert len(EVERY_PROFILE) == 8 * 16
    assert len(set(EVERY_PROFILE)) == len(EVERY_PROFILE)


# -- safety properties over every profile and every day ---------------------------------
def test_a_member_without_equipment_never_gets_an_item_that_needs_it(
    catalog: Catalog, every_day: list[tuple[str, ProgramDay, PersonalDay]]
) -> None:
    checked = 0
    for program_id, day, personal in every_day:
        available = personal.profile.available
        for item in personal.items:
            card = catalog.practice(item.id)
            assert card is not None
            if card.needs(available):
                swap = card.swaps.no_equipment
                assert swap is not None, (program_id, day.day, item.id)
                assert not swap.replaces, (program_id, day.day, item.id)
                assert ("no_equipment", swap.note) in item.notes, (program_id, day.day, item)
                checked += 1
    assert checked > 1000  # the adaptation notes are really exercised


def test_nothing_at_hand_means_no_roller_no_dumbbell_no_band(
    catalog: Catalog, every_day: list[tuple[str, ProgramDay, PersonalDay]]
) -> None:
    for _, _, personal in every_day:
        if personal.profile.equipment:
            continue
        for item in personal.items:
            card = catalog.practice(item.id)
            assert card is not None
            missing = set(card.equipment)
            assert not missing & {"foam roller", "massage ball"}, item.id  # left out
            if missing & {"dumbbell", "kettlebell", "band", "bench"}:
                assert any(reason == "no_equipment" for reason, _ in item.notes), item.id


def test_a_pregnant_member_never_lies_flat_or_rests_a_load_on_the_belly(
    catalog: Catalog, every_day: list[tuple[str, ProgramDay, PersonalDay]]
) -> None:
    swapped = 0
    for program_id, day, personal in every_day:
        if "pregnancy" not in personal.profile.conditions:
            continue
        for item in personal.items:
            card = catalog.practice(item.id)
            assert card is not None
            assert card.position not in FLAT_POSITIONS, (program_id, day.day, item.id)
            if getattr(card, "abdominal_load", False):
                said = [note.lower() for reason, note in item.notes if reason == "pregnancy"]
                assert any("bodyweight only" in note for note in said), (program_id, day.day)
            swapped += "pregnancy" in item.because
    assert swapped > 100


def test_a_member_with_knee_pain_never_gets_the_curtsy_or_the_bulgarian(
    catalog: Catalog, every_day: list[tuple[str, ProgramDay, PersonalDay]]
) -> None:
    for _, _, personal in every_day:
        if "knee" in personal.profile.conditions:
            assert not {"curtsy-lunge", "bulgarian-split-squat"} & set(ids(personal.exercises))
    day = one_day(["curtsy-lunge", "bulgarian-split-squat", "goblet-squat"])
    personal = personalise(catalog, day, Profile(conditions=frozenset({"knee"})))
    assert [(i.id, i.replaces) for i in personal.exercises] == [
        ("reverse-lunge", "curtsy-lunge"),
        ("static-split-squat", "bulgarian-split-squat"),
        ("box-squat", "goblet-squat"),
    ]
    for item in personal.exercises:
        assert item.because == ("knee",)
        assert any("pain-free" in note for _, note in item.notes), item.id


def test_after_an_injury_the_part_3_lifts_give_way_to_the_basics(
    catalog: Catalog, every_day: list[tuple[str, ProgramDay, PersonalDay]]
) -> None:
    for program_id, day, personal in every_day:
        conditions = personal.profile.conditions
        if "injury" not in conditions:
            continue
        for item in personal.exercises:
            card = catalog.exercises[item.id]
            if card.part == 3:
                # Only where the basic is itself out for a more important condition.
                assert "pregnancy" in conditions, (program_id, day.day, item.id)
                injury = card.swaps.injury
                assert injury is not None
                target = catalog.practice(injury.use or "")
                assert target is not None
                assert target.position in FLAT_POSITIONS


def test_every_training_day_keeps_a_warm_up_and_enough_work(
    catalog: Catalog, every_day: list[tuple[str, ProgramDay, PersonalDay]]
) -> None:
    for program_id, day, personal in every_day:
        where = (program_id, day.day, personal.profile)
        if day.rest:
            assert personal.mobility, where
            continue
        assert personal.warmup, where
        assert len(personal.exercises) >= 2, where
        planned = sum(catalog.dose_of(item).sets for item in day.exercises)
        kept = sum(item.dose.sets for item in personal.exercises)
        assert kept >= planned / 2, where


def test_every_swap_says_what_it_replaces_and_why(
    every_day: list[tuple[str, ProgramDay, PersonalDay]],
) -> None:
    for _, day, personal in every_day:
        planned = {i.id for i in [*day.warmup, *day.exercises, *day.cooldown, *day.mobility]}
        for item in personal.items:
            if item.replaces is None:
                assert item.id in planned
                assert not item.because
            else:
                assert item.replaces in planned
                assert item.because
        for out in personal.left_out:
            assert out.id in planned
            assert out.because


def test_a_gym_member_with_nothing_to_look_after_gets_the_day_as_planned(
    catalog: Catalog,
) -> None:
    for program in catalog.programs.values():
        for day in program.days:
            personal = personalise(catalog, day, GYM)
            assert not personal.changed
            planned = [*day.warmup, *day.exercises, *day.cooldown, *day.mobility]
            assert [(i.id, i.dose) for i in personal.items] == [
                (i.id, catalog.dose_of(i)) for i in planned
            ]


# -- how swaps are chosen ---------------------------------------------------------------
def test_the_swap_keeps_the_planned_dose_when_it_is_alike(catalog: Catalog) -> None:
    day = one_day(["bulgarian-split-squat", "clamshell"])
    day.exercises[0] = ProgramItem(id="bulgarian-split-squat", sets=3, reps=6)
    personal = personalise(catalog, day, Profile(conditions=frozenset({"knee"})))
    split = personal.exercises[0]
    assert (split.id, split.replaces) == ("static-split-squat", "bulgarian-split-squat")
    assert (split.dose.sets, split.dose.reps, split.dose.per_side) == (3, 6, True)
    day = catalog.programs["defy-gravity"].days[21]  # day 22: hip thrust 3 × 10
    personal = personalise(catalog, day, Profile(frozenset({"gym"}), frozenset({"injury"})))
    bridge = next(i for i in personal.exercises if i.replaces == "hip-thrust")
    assert bridge.id == "glute-bridge"
    assert (bridge.dose.sets, bridge.dose.reps) == (3, 10)
    assert bridge.dose.rest_s == catalog.exercises["glute-bridge"].dose.rest_s


def test_a_hold_stays_a_hold_and_reps_stay_reps(catalog: Catalog) -> None:
    day = one_day(["glute-bridge", "clamshell"], warmup=("foam-roll-quads",))
    personal = personalise(catalog, day, Profile(frozenset({"gym"}), frozenset({"pregnancy"})))
    stretch = personal.warmup[0]
    assert (stretch.id, stretch.replaces) == ("standing-quad-stretch", "foam-roll-quads")
    assert stretch.dose.seconds == 60  # the roller's minute, as a stretch
    assert stretch.dose.reps is None


def test_the_most_important_condition_wins_when_swaps_disagree(catalog: Catalog) -> None:
    both = Profile(frozenset({"gym"}), frozenset({"pregnancy", "injury"}))
    # Injury says: bridge on the floor. Pregnancy says: not flat. Pregnancy wins.
    [thrust] = personalise(catalog, one_day(["hip-thrust", "clamshell"]), both).exercises[:1]
    assert thrust.id == "hip-thrust"
    assert thrust.replaces is None
    assert [reason for reason, _ in thrust.notes] == ["pregnancy"]
    # Knee pain says: hug the knees lying down; pregnancy says: not flat; so cat-cow.
    knee_and_bump = Profile(frozenset({"gym"}), frozenset({"pregnancy", "knee"}))
    rest = ProgramDay(day=4, rest=True, title="Rest", mobility=[ProgramItem(id="childs-pose")])
    [item] = personalise(catalog, rest, knee_and_bump).mobility
    assert (item.id, item.replaces, item.because) == (
        "cat-cow",
        "childs-pose",
        ("knee", "pregnancy"),
    )


def test_a_replacement_already_in_the_day_is_not_given_twice(catalog: Catalog) -> None:
    day = one_day(["box-squat", "bodyweight-squat", "goblet-squat", "clamshell"])
    personal = personalise(catalog, day, Profile(frozenset({"gym"}), frozenset({"knee"})))
    assert ids(personal.exercises) == ["box-squat", "clamshell"]
    assert personal.exercises[0].dose.sets == 4  # 3 + 3 + 3, at most four
    assert [(o.id, o.covered_by) for o in personal.left_out] == [
        ("bodyweight-squat", "box-squat"),
        ("goblet-squat", "box-squat"),
    ]
    # Day 19 ramps up with split squats before the Bulgarian: the swap folds into them.
    day19 = catalog.programs["defy-gravity"].days[18]
    personal = personalise(catalog, day19, Profile(frozenset({"gym"}), frozenset({"knee"})))
    split = personal.exercises[0]
    assert (split.id, split.dose.sets, split.dose.reps) == ("static-split-squat", 4, 8)
    assert ("bulgarian-split-squat", "static-split-squat") in [
        (o.id, o.covered_by) for o in personal.left_out
    ]


def test_without_a_roller_the_rolling_is_left_out(catalog: Catalog) -> None:
    day = catalog.programs["defy-gravity"].days[0]
    personal = personalise(catalog, day, NOTHING)
    assert ids(personal.warmup) == ["pulse-raiser", "kneeling-hip-flexor-stretch"]
    swap = catalog.stretches["foam-roll-glutes"].swaps.no_equipment
    assert swap is not None
    assert swap.skip
    note = ("no_equipment", swap.note or "")
    assert personal.left_out == (
        LeftOut("foam-roll-glutes", "warmup", ("no_equipment",), None, (note,)),
    )


def test_the_equipment_answer_picks_the_notes(catalog: Catalog) -> None:
    day = one_day(["goblet-squat", "banded-lateral-walk", "hip-thrust"])

    def equipment_notes(*kits: str) -> dict[str, bool]:
        personal = personalise(catalog, day, Profile(frozenset(kits)))
        return {i.id: any(r == "no_equipment" for r, _ in i.notes) for i in personal.exercises}

    assert equipment_notes() == {
        "goblet-squat": True, "banded-lateral-walk": True, "hip-thrust": True,
    }  # fmt: skip
    assert equipment_notes("dumbbells") == {
        "goblet-squat": False, "banded-lateral-walk": True, "hip-thrust": True,  # no bench
    }  # fmt: skip
    assert equipment_notes("bands", "dumbbells")["banded-lateral-walk"] is False
    assert set(equipment_notes("gym").values()) == {False}


def test_profiles_take_only_the_start_answers() -> None:
    assert Profile.of(["none"], []) == NOTHING
    assert Profile.of(["bands", "gym"], ["knee"]).available >= {"band", "foam roller"}
    with pytest.raises(ValueError, match="unknown equipment"):
        Profile(frozenset({"kettlebells"}))
    with pytest.raises(ValueError, match="unknown conditions"):
        Profile(conditions=frozenset({"flu"}))


# -- rendering --------------------------------------------------------------------------
def test_without_a_profile_the_day_renders_as_the_program_has_it(catalog: Catalog) -> None:
    for program in catalog.programs.values():
        for day in program.days:
            plain = render_program_day(catalog, program, day)
            assert "instead of" not in plain.text
            assert "🔧" not in plain.text
            assert render_program_day(catalog, program, day, GYM).text == plain.text


def test_the_personal_day_says_what_changed_and_why(catalog: Catalog) -> None:
    program = catalog.programs["defy-gravity"]
    profile = Profile(conditions=frozenset({"pregnancy", "knee"}))
    text = render_program_day(catalog, program, program.days[18], profile).text  # day 19
    assert "get clearance from your midwife or doctor first" in text
    assert "dizziness, bleeding" in text
    assert "🦵 <b>Knee pain:</b>" in text
    assert "• Bulgarian split squat (pregnancy, folded into Static split squat)" in text
    assert "↔️ instead of Foam rolling the quads (pregnancy)" in text
    assert "↔️ instead of Goblet squat (knee)" in text
    assert "<b>For this session</b>" not in text  # no note is shared by two cards here
    nothing = render_program_day(catalog, program, program.days[18], NOTHING).text
    assert "<b>Left out today</b>\n• Foam rolling the quads (no equipment)" in nothing
    day1 = render_program_day(catalog, program, program.days[0], NOTHING).text
    shared = "<b>For this session</b>\n🔧 <i>No equipment:</i> A carpet, a rug or a folded blanket"
    assert shared in day1  # bridge, hip extension, clamshell, stretch: said once, not four times
    assert day1.count("A carpet, a rug") == 1
    assert "Stop if anything hurts" in text


def test_every_personal_day_obeys_telegram_for_the_heaviest_profiles(catalog: Catalog) -> None:
    """Every kit with every condition: the most notes a day can carry."""
    heaviest = [Profile(kits, frozenset(CONDITIONS)) for kits in _subsets(KITS)]
    for profile in [*heaviest, *PROFILES]:
        for program in catalog.programs.values():
            for day in program.days:
                rendered = render_program_day(catalog, program, day, profile)
                markup = rendered.markup.to_dict() if rendered.markup else None
                assert problems(rendered.text, reply_markup=markup) == [], (program.id, day.day)


def test_content_check_renders_the_personal_variants(catalog: Catalog) -> None:
    wheres = [where for where, _ in every_message(catalog)]
    personal = [w for w in wheres if w.startswith("programs/") and "(" in w]
    days = sum(len(p.days) for p in catalog.programs.values())
    assert len(personal) == days * len(PROFILES)
    assert "programs/defy-gravity.yaml day 19 (no equipment; back, injury, knee, pregnancy)" in (
        wheres
    )
