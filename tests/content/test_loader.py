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
