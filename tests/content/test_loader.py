"""The loader reports each kind of broken content at the right file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.catalog import ContentError, load_catalog
from tests.content import minimal


def problems_for(tmp_path: Path, changes: dict[str, str | None]) -> list[str]:
    root = minimal.write(tmp_path / "content", changes)
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    return [str(problem) for problem in caught.value.problems]


def line_of(rel: str, needle: str, text: str | None = None) -> int:
    body = text if text is not None else minimal.FILES[rel]
    for number, line in enumerate(body.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {rel}")


def test_minimal_content_is_valid(tmp_path: Path) -> None:
    catalog = load_catalog(minimal.write(tmp_path / "content"))
    assert catalog.counts()["muscles"] == 1
    assert catalog.trained_by["glute-a"] == ["basic-move", "hard-move"]
    assert sorted(catalog.released_by["glute-a"]) == ["easy-stretch", "roll-it"]


def test_missing_field(tmp_path: Path) -> None:
    rel = "anatomy/glute-a.md"
    text = minimal.FILES[rel].replace("insertion: The top of the thigh bone, in a test.\n", "")
    found = problems_for(tmp_path, {rel: text})
    assert found == [f"{rel}:2: insertion: required field is missing"] or any(
        "a muscle needs insertion" in p for p in found
    ), found


def test_dangling_reference(tmp_path: Path) -> None:
    rel = "exercises/basic-move.md"
    text = minimal.FILES[rel].replace("stretches: [easy-stretch]", "stretches: [no-such-stretch]")
    found = problems_for(tmp_path, {rel: text})
    line = line_of(rel, "stretches: [no-such", text)
    assert f"{rel}:{line}: stretches.0: unknown id 'no-such-stretch'" in found


def test_reference_of_the_wrong_kind(tmp_path: Path) -> None:
    rel = "exercises/basic-move.md"
    text = minimal.FILES[rel].replace("  primary: [glute-a]", "  primary: [bone-b]")
    found = problems_for(tmp_path, {rel: text})
    line = line_of(rel, "primary: [bone-b]", text)
    expected = f"{rel}:{line}: muscles.primary.0: 'bone-b' is a structure, expected a muscle"
    assert expected in found


def test_duplicate_id(tmp_path: Path) -> None:
    copy = minimal.FILES["stretches/easy-stretch.md"]
    found = problems_for(tmp_path, {"stretches/zz-copy.md": copy})
    assert any(
        p.startswith("stretches/zz-copy.md:2: id: duplicate id 'easy-stretch'")
        and "stretches/easy-stretch.md:2" in p
        for p in found
    ), found


def test_bad_yaml(tmp_path: Path) -> None:
    rel = "stretches/easy-stretch.md"
    text = minimal.FILES[rel].replace("targets: [glute-a]", "targets: [glute-a")
    found = problems_for(tmp_path, {rel: text})
    assert len(found) >= 1
    assert found[0].startswith(f"{rel}:")
    assert "bad YAML" in found[0]
    reported_line = int(found[0].split(":")[1])
    assert (
        line_of(rel, "targets: [glute-a", text)
        <= reported_line
        <= line_of(rel, "safety:", text) + 2
    )


def test_unknown_field_is_named(tmp_path: Path) -> None:
    rel = "release/roll-it.md"
    text = minimal.FILES[rel].replace("area: glutes", "area: glutes\ncolour: blue")
    found = problems_for(tmp_path, {rel: text})
    assert (
        f"{rel}:{line_of(rel, 'colour', text)}: colour: unknown field (see content/FORMAT.md)"
        in found
    )


def test_orphan(tmp_path: Path) -> None:
    orphan = minimal.FILES["stretches/easy-stretch.md"].replace("easy-stretch", "lonely-stretch")
    found = problems_for(tmp_path, {"stretches/lonely-stretch.md": orphan})
    assert (
        "stretches/lonely-stretch.md:2: id: 'lonely-stretch' is an orphan: "
        "no program, card or lesson links to it"
    ) in found


def test_id_must_match_file_name(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path,
        {"release/roll-it.md": None, "release/roll.md": minimal.FILES["release/roll-it.md"]},
    )
    assert "release/roll.md:2: id: 'roll-it' must match the file name" in found


def test_missing_front_matter(tmp_path: Path) -> None:
    found = problems_for(tmp_path, {"anatomy/glute-a.md": "Just some text.\n"})
    assert (
        "anatomy/glute-a.md:1: missing front matter: the file must start with a '---' block"
        in found
    )


def test_kind_in_the_wrong_folder(tmp_path: Path) -> None:
    rel = "stretches/easy-stretch.md"
    text = minimal.FILES[rel].replace("kind: stretch", "kind: release")
    found = problems_for(tmp_path, {rel: text})
    assert f"{rel}:3: kind: expected stretch in this folder" in found


def test_part_three_needs_a_regression_by_id(tmp_path: Path) -> None:
    rel = "exercises/hard-move.md"
    text = minimal.FILES[rel].replace("regression: basic-move", "regression_note: Do less.")
    found = problems_for(tmp_path, {rel: text})
    assert any("a part 3 exercise needs a regression by id" in p for p in found), found


def test_safety_must_say_stop_on_pain(tmp_path: Path) -> None:
    rel = "exercises/basic-move.md"
    text = minimal.FILES[rel].replace(minimal.SAFETY, "  - Warm up first, always.\n")
    found = problems_for(tmp_path, {rel: text})
    line = line_of(rel, "Warm up first", text)
    assert f"{rel}:{line}: safety: the safety notes must tell the member to stop on pain" in found


def test_program_day_gap(tmp_path: Path) -> None:
    rel = "programs/test-program.yaml"
    text = minimal.FILES[rel].replace("  - day: 3\n", "  - day: 4\n", 1)
    found = problems_for(tmp_path, {rel: text})
    assert any(p.startswith(f"{rel}:") and "day 3 is missing" in p for p in found), found


def test_program_item_must_exist(tmp_path: Path) -> None:
    rel = "programs/test-program.yaml"
    text = minimal.FILES[rel].replace("{id: hard-move, sets: 2}", "{id: flying-move}", 1)
    found = problems_for(tmp_path, {rel: text})
    line = line_of(rel, "flying-move", text)
    assert f"{rel}:{line}: days.0.exercises.1.id: unknown id 'flying-move'" in found


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    found = problems_for(
        tmp_path,
        {
            "anatomy/glute-a.md": "no front matter\n",
            "release/roll-it.md": minimal.FILES["release/roll-it.md"].replace(
                "area: glutes", "area: elbows"
            ),
        },
    )
    files = {p.split(":")[0] for p in found}
    assert {"anatomy/glute-a.md", "release/roll-it.md"} <= files


def test_content_check_cli_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = minimal.write(tmp_path / "content")
    assert cli.main(["content", "check", "--dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "1 muscles" in out
    assert "1 advanced exercises (part 3)" in out


def test_content_check_cli_reports_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rel = "exercises/basic-move.md"
    text = minimal.FILES[rel].replace("stretches: [easy-stretch]", "stretches: [nope]")
    root = minimal.write(tmp_path / "content", {rel: text})
    assert cli.main(["content", "check", "--dir", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"{rel}:{line_of(rel, 'stretches: [nope]', text)}: stretches.0: unknown id 'nope'" in out
    assert out.strip().endswith("problem(s) in the content")


def test_content_check_cli_catches_a_message_telegram_would_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every field within its own limit, yet the card renders over 4096 characters."""
    rel = "anatomy/glute-a.md"
    item = "A long but valid line " + "x" * 170
    lists = "".join(
        f"{key}:\n" + f"  - {item}\n" * count
        for key, count in (("actions", 8), ("everyday", 6), ("when_weak", 6))
    )
    text = minimal.FILES[rel].split("actions:")[0] + lists + "related: [bone-b]\n---\n"
    text += "y" * 690 + "\n"
    root = minimal.write(tmp_path / "content", {rel: text})
    assert cli.main(["content", "check", "--dir", str(root)]) == 1
    out = capsys.readouterr().out
    assert "anatomy/glute-a.md:1: rendered message: message is too long" in out


def test_run_refuses_bad_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.kit.recording import TOKEN

    root = minimal.write(tmp_path / "content", {"anatomy/glute-a.md": "oops\n"})
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CONTENT_DIR", str(root))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BOT_AUTO_MIGRATE", "0")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli.main(["run"]) == 1
    err = capsys.readouterr().err
    assert "anatomy/glute-a.md:1: missing front matter" in err


# -- personalisation data, program rules and program links ---------------------------
def test_equipment_needs_a_no_equipment_swap(tmp_path: Path) -> None:
    rel = "release/roll-it.md"
    text = minimal.FILES[rel].replace(
        'swaps:\n  no_equipment: {skip: true, note: "No roller? Leave it out today."}\n', ""
    )
    found = problems_for(tmp_path, {rel: text})
    assert any(
        p.startswith(f"{rel}:2: swaps.no_equipment is required: the card needs equipment")
        for p in found
    ), found


def test_equipment_must_be_a_known_item(tmp_path: Path) -> None:
    rel = "release/roll-it.md"
    text = minimal.FILES[rel].replace("equipment: [foam roller]", "equipment: [vibrating gun]")
    found = problems_for(tmp_path, {rel: text})
    line = line_of(rel, "vibrating gun", text)
    assert any(p.startswith(f"{rel}:{line}: equipment.0: Input should be") for p in found), found


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no-such-move", "unknown id 'no-such-move'"),
        ("easy-stretch", "'easy-stretch' is a stretch, expected a exercise"),
    ],
)
def test_a_swap_to_a_card_that_cannot_stand_in(tmp_path: Path, target: str, message: str) -> None:
    rel = "exercises/hard-move.md"
    text = minimal.FILES[rel].replace("  injury: basic-move", f"  injury: {target}")
    found = problems_for(tmp_path, {rel: text})
    line = line_of(rel, f"injury: {target}", text)
    assert f"{rel}:{line}: swaps.injury.use: {message}" in found


def test_a_swap_text_that_is_not_an_id_is_a_note(tmp_path: Path) -> None:
    catalog = load_catalog(minimal.write(tmp_path / "content"))
    swaps = catalog.exercises["hard-move"].swaps
    assert swaps.injury is not None
    assert swaps.injury.use == "basic-move"
    assert swaps.back is not None
    assert (swaps.back.use, swaps.back.note) == (
        None,
        "Keep the range short and stop if the back aches.",
    )


def test_a_swap_must_not_land_on_a_card_swapped_away_for_the_same_reason(
    tmp_path: Path,
) -> None:
    rel = "exercises/basic-move.md"
    text = minimal.FILES[rel].replace(
        "progression: hard-move\n", "progression: hard-move\nswaps:\n  injury: hard-move\n"
    )
    found = problems_for(tmp_path, {rel: text})
    line = line_of(rel, "injury: hard-move", text)
    assert (
        f"{rel}:{line}: swaps.injury.use: 'hard-move' is itself swapped away for injury; "
        "point at the card that is fit for it"
    ) in found


def test_lying_flat_needs_a_pregnancy_swap_to_another_card(tmp_path: Path) -> None:
    rel = "stretches/easy-stretch.md"
    text = minimal.FILES[rel].replace("position: seated", "position: supine")
    found = problems_for(tmp_path, {rel: text})
    assert any(p.startswith(f"{rel}:2: swaps.pregnancy must use another card") for p in found)
    noted = text.replace(
        "---\nLoosens", "swaps:\n  pregnancy: Try it sitting up instead.\n---\nLoosens"
    )
    found = problems_for(tmp_path / "noted", {rel: noted})
    assert any("swaps.pregnancy must use another card (or skip)" in p for p in found), found


def test_condition_swaps_the_card_kind_calls_for(tmp_path: Path) -> None:
    rel = "exercises/hard-move.md"
    text = minimal.FILES[rel].replace("  injury: basic-move\n", "")
    found = problems_for(tmp_path, {rel: text})
    assert f"{rel}:2: swaps.injury is required: it is a part 3 exercise" in found
    text = minimal.FILES[rel].replace(
        "  back: Keep the range short and stop if the back aches.\n", ""
    )
    found = problems_for(tmp_path / "back", {rel: text})
    assert f"{rel}:2: swaps.back is required: it is a hinge" in found
    basic = "exercises/basic-move.md"
    squat = minimal.FILES[basic].replace("pattern: bridge", "pattern: squat")
    found = problems_for(tmp_path / "knee", {basic: squat})
    assert f"{basic}:2: swaps.knee is required: it bends or kneels on the knee" in found


def test_an_intense_stretch_is_not_a_warm_up(tmp_path: Path) -> None:
    stretch = "stretches/easy-stretch.md"
    intense = minimal.FILES[stretch].replace("position: seated", "position: seated\nintense: true")
    program = "programs/test-program.yaml"
    text = minimal.FILES[program].replace(
        "warmup: [{id: roll-it}]", "warmup: [{id: easy-stretch}]", 1
    )
    found = problems_for(tmp_path, {stretch: intense, program: text})
    line = line_of(program, "warmup: [{id: easy-stretch}]", text)
    assert (
        f"{program}:{line}: days.0.warmup.0.id: 'easy-stretch' is an intense stretch; "
        "put it in a cool-down or a rest day, not a warm-up"
    ) in found


def test_muscles_give_their_nerve_and_structures_do_not(tmp_path: Path) -> None:
    muscle = "anatomy/glute-a.md"
    found = problems_for(
        tmp_path, {muscle: minimal.FILES[muscle].replace("nerve: A test nerve (L5, S1).\n", "")}
    )
    assert f"{muscle}:2: a muscle needs nerve" in found
    bone = "anatomy/bone-b.md"
    text = minimal.FILES[bone].replace("region: pelvis", "region: pelvis\nnerve: A nerve, wrongly.")
    found = problems_for(tmp_path / "bone", {bone: text})
    assert f"{bone}:2: a structure has no nerve" in found


def test_a_why_needs_a_linked_card(tmp_path: Path) -> None:
    rel = "exercises/basic-move.md"
    text = minimal.FILES[rel].replace(
        "regression_note: Make the range shorter.",
        "regression_note: Make the range shorter.\nregression_why: It is easier.",
    )
    found = problems_for(tmp_path, {rel: text})
    assert any("regression_why explains a regression id" in p for p in found), found


def test_the_next_program_must_exist_and_not_be_itself(tmp_path: Path) -> None:
    rel = "programs/test-program.yaml"
    text = minimal.FILES[rel].replace(
        "level: beginner\n", "level: beginner\nnext: no-such-program\n"
    )
    found = problems_for(tmp_path, {rel: text})
    line = line_of(rel, "next: no-such", text)
    assert f"{rel}:{line}: next: unknown id 'no-such-program'" in found
    text = minimal.FILES[rel].replace("level: beginner\n", "level: beginner\nnext: basic-move\n")
    found = problems_for(tmp_path / "kind", {rel: text})
    assert f"{rel}:{line}: next: 'basic-move' is a exercise, expected a program" in found
    text = minimal.FILES[rel].replace("level: beginner\n", "level: beginner\nnext: test-program\n")
    found = problems_for(tmp_path / "self", {rel: text})
    assert any("next: a program cannot follow itself" in p for p in found), found
