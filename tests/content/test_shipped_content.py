"""The shipped series: complete, linked, safe, and within Telegram's rules."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from bot.catalog import Catalog
from bot.render.cards import render_card, render_program_day
from bot.render.check import every_message, render_problems
from bot.render.rules import problems

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed"
FINGERPRINTS = Path(__file__).with_name("seed_fingerprints.txt")


def test_counts_meet_the_plan(catalog: Catalog) -> None:
    counts = catalog.counts()
    assert counts["muscles"] + counts["structures"] >= 18
    assert counts["release techniques"] >= 7
    assert counts["stretches"] >= 17
    assert counts["basic exercises (part 2)"] >= 12
    assert counts["advanced exercises (part 3)"] >= 14
    assert counts["lessons"] == 3
    assert counts["programs"] >= 3


@pytest.mark.parametrize(
    "muscle",
    [
        "gluteus-maximus", "gluteus-medius", "gluteus-minimus", "tensor-fasciae-latae",
        "erector-spinae", "iliopsoas", "hamstrings", "adductor-magnus", "vastus-lateralis",
        "quadriceps",
    ],
)  # fmt: skip
def test_series_muscles_are_complete(catalog: Catalog, muscle: str) -> None:
    card = catalog.anatomy[muscle]
    assert card.kind == "muscle"
    assert card.origin
    assert card.insertion
    assert card.actions
    assert card.everyday
    assert card.when_weak
    # Every muscle of the series is trained by an exercise or released by a stretch
    # (the hip flexors are stretched, not trained, in a glute series).
    links = (
        catalog.trained_by.get(muscle, [])
        + catalog.assisted_by.get(muscle, [])
        + catalog.released_by.get(muscle, [])
    )
    assert links, muscle


def test_every_muscle_card_gives_its_nerve_supply(catalog: Catalog) -> None:
    muscles = [card for card in catalog.anatomy.values() if card.kind == "muscle"]
    assert len(muscles) >= 13
    for card in muscles:
        assert card.nerve, card.id
        assert "nerve" in card.nerve.lower(), card.id
        rendered = render_card(catalog, card).text
        assert f"<b>Nerve supply:</b> {card.nerve}" in rendered, card.id


@pytest.mark.parametrize(
    ("muscle", "nerve"),
    [
        ("gluteus-maximus", "inferior gluteal"), ("gluteus-medius", "superior gluteal"),
        ("gluteus-minimus", "superior gluteal"), ("tensor-fasciae-latae", "superior gluteal"),
        ("quadriceps", "femoral"), ("rectus-femoris", "femoral"), ("vastus-lateralis", "femoral"),
        ("hamstrings", "sciatic"), ("piriformis", "nerve to piriformis"),
        ("adductor-magnus", "obturator"), ("calves", "tibial"), ("iliopsoas", "femoral"),
    ],
)  # fmt: skip
def test_nerve_supply_is_the_right_nerve(catalog: Catalog, muscle: str, nerve: str) -> None:
    assert nerve in (catalog.anatomy[muscle].nerve or "").lower()


STANDARD_TERMS = (
    "flexion", "extension", "abduction", "adduction", "rotation", "stabilisation",
)  # fmt: skip


def test_every_action_names_its_standard_term_in_brackets(catalog: Catalog) -> None:
    """A plain phrase ('turns the thigh outward') carries the term ('external rotation')."""
    for card in catalog.anatomy.values():
        for action in card.actions:
            brackets = re.findall(r"\(([^)]*)\)", action)
            assert any(term in b for b in brackets for term in STANDARD_TERMS), (card.id, action)


def test_gluteus_maximus_is_plainly_the_largest(catalog: Catalog) -> None:
    summary = catalog.anatomy["gluteus-maximus"].summary.lower()
    assert "largest of the three glutes" in summary
    assert "usually cited as the largest muscle in the body" in summary


def test_the_it_band_is_the_thickened_strip_of_the_fascia_lata(catalog: Catalog) -> None:
    band = catalog.anatomy["iliotibial-band"]
    assert "iliotibial band (tract) is the thickened outer strip of the fascia lata" in (
        band.summary
    )
    assert "into which gluteus maximus inserts" in band.summary
    insertion = catalog.anatomy["gluteus-maximus"].insertion or ""
    assert "inserts into the iliotibial band (tract)" in insertion
    assert "fascia lata" in insertion


def test_the_ilium_card_names_the_iliac_crest_and_is_not_the_hip_bone(catalog: Catalog) -> None:
    ilium = catalog.anatomy["ilium"]
    assert "iliac crest" in ilium.summary
    assert "iliac crest" in [alias.lower() for alias in ilium.aliases]
    assert "hip bone" not in [alias.lower() for alias in ilium.aliases]


def test_hamstrings_summary_keeps_the_short_head_to_the_knee(catalog: Catalog) -> None:
    summary = catalog.anatomy["hamstrings"].summary
    assert "short head of biceps femoris, which crosses only the knee" in summary
    assert "all three cross both" not in summary.lower()
    assert not re.search(r"\bthat cross both the hip and the knee\.?$", summary)


def test_the_quadriceps_card_and_its_family(catalog: Catalog) -> None:
    quads = catalog.anatomy["quadriceps"]
    text = " ".join([quads.summary, *quads.actions, quads.body]).lower()
    for head in ("rectus femoris", "vastus lateralis", "vastus medialis", "vastus intermedius"):
        assert head in text
    assert any("(knee extension)" in a for a in quads.actions)
    assert any("rectus femoris" in a.lower() and "(hip flexion)" in a for a in quads.actions)
    assert {"quads", "quadriceps"} <= {a.lower() for a in quads.aliases}
    for other in ("rectus-femoris", "vastus-lateralis"):
        assert not {"quads", "quadriceps"} & {a.lower() for a in catalog.anatomy[other].aliases}
    family = {e.id for e in catalog.exercises.values() if e.pattern in ("squat", "single-leg")}
    assert {"bodyweight-squat", "goblet-squat", "reverse-lunge", "bulgarian-split-squat"} <= family
    for exercise_id in family:
        muscles = catalog.exercises[exercise_id].muscles
        assert "quadriceps" in muscles.primary + muscles.secondary, exercise_id
        assert "vastus-lateralis" not in muscles.primary, exercise_id


def test_coach_corrections_to_the_cards(catalog: Catalog) -> None:
    bridge = " ".join(catalog.exercises["glute-bridge"].steps)
    assert "one vertebra at a time" not in bridge
    assert "as one piece" in bridge
    assert "two or three finger-widths below the iliac crest" in (
        catalog.anatomy["gluteus-medius"].body
    )
    assert "whole leg inward from the hip" in catalog.anatomy["tensor-fasciae-latae"].body
    assert "whole leg inward from the hip" in catalog.stretches["foam-roll-tfl"].steps[0]
    lunge = catalog.exercises["lateral-lunge"]
    shift = catalog.exercises[lunge.regression or ""]
    assert "supported" in shift.name.lower()
    assert shift.intensity == "light"
    assert "chair" in shift.steps[0]
    abduction = catalog.exercises["side-lying-abduction"]
    assert abduction.progression == "banded-lateral-walk"
    assert "in function, not in load" in (abduction.progression_why or "")
    progressing = catalog.lesson(3)
    assert progressing is not None
    text = " ".join(section.text for section in progressing.sections)
    assert "20 to 50 percent" in text
    assert "smallest" in text
    assert "tempo" in text


def test_missing_standard_work_is_there(catalog: Catalog) -> None:
    ex, st = catalog.exercises, catalog.stretches
    assert ex["kettlebell-deadlift"].pattern == "hinge"
    assert "floor" in " ".join(ex["kettlebell-deadlift"].steps)
    assert ex["sliding-leg-curl"].pattern == "knee-flexion"
    assert "ball leg curl" in ex["sliding-leg-curl"].aliases
    assert ex["side-plank-leg-lift"].pattern == "abduction"
    assert ex["single-leg-balance"].pattern == "balance"
    assert ex["single-leg-balance"].dose.seconds == 30
    assert st["standing-quad-stretch"].position == "standing"
    assert "calves" in st["ankle-mobility"].targets
    assert st["pulse-raiser"].area == "whole body"
    for stretch in ("hip-90-90-switch", "knees-to-chest"):
        assert stretch in st


def test_every_card_with_equipment_has_a_no_equipment_swap(catalog: Catalog) -> None:
    for card in [*catalog.exercises.values(), *catalog.stretches.values()]:
        if card.equipment:
            assert card.swaps.no_equipment is not None, card.id


def test_every_practice_card_says_how_to_adapt_it(catalog: Catalog) -> None:
    for card in [*catalog.exercises.values(), *catalog.stretches.values()]:
        text = render_card(catalog, card).text
        assert "🔧 <b>Adapt it</b>" in text, card.id
        assert "get clearance" in text, card.id
        if card.equipment:
            assert "<i>No equipment:</i>" in text, card.id
        if card.swaps.pregnancy is not None:
            assert "<i>Pregnant or postpartum:</i>" in text, card.id
        if card.swaps.knee is not None:
            assert "<i>Knee pain:</i>" in text, card.id


def test_the_program_order_after_finishing(catalog: Catalog) -> None:
    order = ["beginner-basics"]
    while (following := catalog.next_program(order[-1])) is not None:
        order.append(following.id)
    assert order == ["beginner-basics", "defy-gravity", "maintenance"]
    assert catalog.programs["maintenance"].rolling
    assert not catalog.programs["defy-gravity"].rolling


def test_defy_gravity_says_who_it_is_for(catalog: Catalog) -> None:
    program = catalog.programs["defy-gravity"]
    assert "Beginner Basics" in program.summary
    assert "readiness" in program.summary
    assert "Beginner Basics" in (program.days[0].note or "")


def test_gluteus_maximus_ties_to_the_pelvis_landmarks(catalog: Catalog) -> None:
    related = set(catalog.anatomy["gluteus-maximus"].related)
    assert {"ilium", "sacrum", "coccyx", "sacrotuberous-ligament", "iliotibial-band"} <= related


def test_every_part_three_exercise_regresses_to_a_card(catalog: Catalog) -> None:
    for exercise in catalog.exercises.values():
        if exercise.part == 3:
            assert exercise.regression in catalog.exercises, exercise.id


def test_every_practice_card_says_stop_on_pain(catalog: Catalog) -> None:
    for card in [*catalog.exercises.values(), *catalog.stretches.values()]:
        assert any("stop" in s.lower() and "pain" in s.lower() for s in card.safety), card.id


def test_beginner_program_uses_only_basics(catalog: Catalog) -> None:
    program = catalog.programs["beginner-basics"]
    for day in program.days:
        for item in day.exercises:
            assert catalog.exercises[item.id].part == 2, (day.day, item.id)


def test_defy_gravity_moves_from_basics_to_advanced(catalog: Catalog) -> None:
    """Basics until the readiness check on day 13, then mostly part 3 work (the last
    week is lighter, so its share may dip below week 3's)."""
    program = catalog.programs["defy-gravity"]
    assert program.length == 28

    def advanced_share(week: int) -> float:
        days = [d for d in program.days if (d.day - 1) // 7 == week and not d.rest]
        items = [i for d in days for i in d.exercises]
        return sum(catalog.exercises[i.id].part == 3 for i in items) / len(items)

    assert advanced_share(0) == advanced_share(1) == 0
    assert advanced_share(2) >= 0.5
    assert advanced_share(3) >= 0.4


def test_programs_have_rest_days_every_week(catalog: Catalog) -> None:
    for program in catalog.programs.values():
        assert program.length == (7 if program.rolling else 28), program.id
        for week in range(program.length // 7):
            days = program.days[week * 7 : week * 7 + 7]
            assert any(day.rest for day in days), (program.id, week)


def test_every_rendered_message_obeys_telegram(catalog: Catalog) -> None:
    assert render_problems(catalog) == []


def test_every_program_day_renders_with_how_to_buttons(catalog: Catalog) -> None:
    for program in catalog.programs.values():
        for day in program.days:
            rendered = render_program_day(catalog, program, day)
            markup = rendered.markup.to_dict() if rendered.markup else None
            assert problems(rendered.text, reply_markup=markup) == []
            assert "Stop if anything hurts" in rendered.text
            assert rendered.rows, (program.id, day.day)


def test_the_rule_checker_is_really_applied(catalog: Catalog) -> None:
    """Guard against a checker that passes everything: it sees every message kind."""
    wheres = [where for where, _ in every_message(catalog)]
    assert any(w.startswith("anatomy/") for w in wheres)
    assert any(w.startswith("lessons/") for w in wheres)
    assert any(w.startswith("programs/") for w in wheres)
    assert problems("<b>unclosed") != []


def _six_grams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z']+", text.lower())
    return {tuple(words[i : i + 6]) for i in range(len(words) - 5)}


def _fingerprint(gram: tuple[str, ...]) -> str:
    return hashlib.sha256(" ".join(gram).encode()).hexdigest()[:16]


def _seed_fingerprints_on_disk() -> set[str]:
    lines = FINGERPRINTS.read_text().splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def test_no_sentence_is_copied_from_the_seed_article() -> None:
    """No six words in a row of the content stand in the seed article.

    The seed lives outside the repository; its six-word runs are kept here as
    hashes (tests/content/seed_fingerprints.txt), so this runs in every clone
    without the article's text being part of the project.
    """
    seed = _seed_fingerprints_on_disk()
    assert len(seed) > 500, "the seed fingerprints are missing or truncated"
    content = Path(__file__).resolve().parents[2] / "content"
    for path in content.rglob("*"):
        if path.suffix in (".md", ".yaml") and path.name != "FORMAT.md":
            shared = {gram for gram in _six_grams(path.read_text()) if _fingerprint(gram) in seed}
            assert not shared, f"{path.name} repeats the seed article: {sorted(shared)[:3]}"


@pytest.mark.skipif(
    not SEED.exists(),
    reason=(
        f"SEED ARTICLE NOT FOUND at {SEED}: the fingerprints in "
        "tests/content/seed_fingerprints.txt cannot be compared with the article here "
        "(the copy check itself still runs, on the stored fingerprints)"
    ),
)
def test_seed_fingerprints_match_the_article() -> None:
    grams = set().union(*(_six_grams(p.read_text()) for p in SEED.glob("*.txt")))
    assert {_fingerprint(gram) for gram in grams} == _seed_fingerprints_on_disk(), (
        "regenerate tests/content/seed_fingerprints.txt: "
        "python -m tests.content.test_shipped_content"
    )


if __name__ == "__main__":  # regenerate the fingerprints from the article
    grams = set().union(*(_six_grams(p.read_text()) for p in SEED.glob("*.txt")))
    header = "# sha256 prefixes of every six-word run of the seed article (not its text)\n"
    FINGERPRINTS.write_text(header + "\n".join(sorted(_fingerprint(g) for g in grams)) + "\n")
