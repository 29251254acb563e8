"""Content in more than one language: content/<lang> has the same ids, kinds and
structure as the English root, its safety notes say stop on pain in its own
words, and search finds cards by their names in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import i18n
from bot.catalog import ContentError, load_catalogs
from bot.catalog.library import Libraries
from bot.config import Settings
from bot.render.cards import render_card
from bot.render.check import render_problems
from tests.content import minimal, minimal_fr

SHIPPED = Path(__file__).resolve().parents[2] / "content"


def problems_for(tmp_path: Path, changes: dict[str, str | None]) -> list[str]:
    root = minimal_fr.write(tmp_path / "content", changes)
    with pytest.raises(ContentError) as caught:
        load_catalogs(root)
    return [str(problem) for problem in caught.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


def test_two_languages_load_side_by_side(tmp_path: Path) -> None:
    catalogs = load_catalogs(minimal_fr.write(tmp_path / "content"))
    assert set(catalogs) == {"en", "fr"}
    assert catalogs["en"].name("glute-a") == "Glute A"
    assert catalogs["fr"].name("glute-a") == "Fessier A"
    assert catalogs["fr"].counts() == catalogs["en"].counts()


def test_without_a_language_folder_the_english_content_is_all(tmp_path: Path) -> None:
    catalogs = load_catalogs(minimal.write(tmp_path / "content"))
    assert set(catalogs) == {"en"}
    libraries = Libraries(catalogs)
    with i18n.speaking("fr"):
        assert libraries.current().catalog is catalogs["en"]


def test_a_missing_and_an_extra_item_are_reported(tmp_path: Path) -> None:
    extra = minimal_fr.FILES["anatomy/bone-b.md"].replace("id: bone-b", "id: bone-c")
    found = problems_for(tmp_path, {"anatomy/bone-b.md": None, "anatomy/bone-c.md": extra})
    assert "fr/anatomy/bone-b.md:1: missing: the fr content has no 'bone-b'" in found
    assert "fr/anatomy/bone-c.md:2: id: 'bone-c' is not in the English content" in found


def test_a_different_dose_is_reported_at_its_line(tmp_path: Path) -> None:
    rel = "exercises/basic-move.md"
    text = minimal_fr.FILES[rel].replace("dose: {sets: 2, reps: 10}", "dose: {sets: 3, reps: 10}")
    found = problems_for(tmp_path, {rel: text})
    line = line_of(text, "dose:")
    assert found == [f"fr/{rel}:{line}: dose.sets: 3 where the English has 2"]


def test_a_different_reference_and_list_length_are_reported(tmp_path: Path) -> None:
    rel = "exercises/basic-move.md"
    text = minimal_fr.FILES[rel].replace(
        "cues: [Ribs down.,", "cues: [Côtes basses., Regard loin.,"
    )
    found = problems_for(tmp_path, {rel: text})
    assert found == [f"fr/{rel}:{line_of(text, 'cues:')}: cues: 3 entries where the English has 2"]
    program = "programs/test-program.yaml"
    text = minimal_fr.FILES[program].replace("id: basic-move", "id: hard-move", 1)
    found = problems_for(tmp_path, {program: text})
    assert len(found) == 1
    assert found[0].startswith(f"fr/{program}:")
    assert "'hard-move' where the English has 'basic-move'" in found[0]


def test_french_safety_notes_say_stop_on_pain_in_french(tmp_path: Path) -> None:
    rel = "exercises/basic-move.md"
    english_safety = minimal_fr.FILES[rel].replace(minimal_fr.SAFETY, minimal.SAFETY)
    found = problems_for(tmp_path, {rel: english_safety})
    line = line_of(english_safety, "Stop at once")
    assert found == [
        f"fr/{rel}:{line}: safety: the safety notes must tell the member to stop on pain "
        "(one note with douleur and arrête or arrêter or arrêtez or stop)"
    ]
    pain_only = minimal_fr.FILES[rel].replace("Arrête tout de suite si", "Attention si")
    assert problems_for(tmp_path, {rel: pain_only})


def test_french_content_renders_in_french_within_telegrams_rules(tmp_path: Path) -> None:
    catalogs = load_catalogs(minimal_fr.write(tmp_path / "content"))
    assert render_problems(catalogs["fr"], "fr") == []
    with i18n.speaking("fr"):
        card = catalogs["fr"].card("glute-a")
        assert card is not None
        text = render_card(catalogs["fr"], card).text
    assert "<b>Origine\u00a0:</b>" in text
    assert "Fessier A" in text


def test_search_finds_french_and_english_names(tmp_path: Path) -> None:
    libraries = Libraries(load_catalogs(minimal_fr.write(tmp_path / "content")))
    french = libraries.get("fr").index("an")
    assert french.search("fessier a").ids == ("glute-a",)
    assert french.search("muscle a").ids == ("glute-a",)
    assert french.search("Glute A").ids == ("glute-a",)  # the English name still works
    assert french.search("fesier a").status == "found"  # a typo too
    english = libraries.get("en").index("an")
    assert english.search("fessier a").status != "found"  # English search stays English


def test_the_shipped_content_has_every_language_in_step() -> None:
    """Whenever content/<lang> exists, it must match the English item for item
    (load_catalogs raises otherwise) and render within Telegram's rules."""
    catalogs = load_catalogs(SHIPPED)
    for language, catalog in catalogs.items():
        assert render_problems(catalog, language) == []
        assert catalog.counts() == catalogs[i18n.DEFAULT].counts()
    if (SHIPPED / "fr").is_dir():
        library = Libraries(catalogs).get("fr")
        assert library.index("an").search("fessier moyen").ids == ("gluteus-medius",)
        assert library.index("an").search("gluteus medius").ids == ("gluteus-medius",)
        assert library.index("ex").search("pont fessier").status == "found"


def test_content_check_reports_french_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    root = minimal_fr.write(tmp_path / "content", {"anatomy/bone-b.md": None})
    assert main(["content", "check", "--dir", str(root)]) == 1
    out = capsys.readouterr().out
    assert "fr/anatomy/bone-b.md:1: missing" in out
    root = minimal_fr.write(tmp_path / "ok")
    assert main(["content", "check", "--dir", str(root)]) == 0
    assert "fr: the same items" in capsys.readouterr().out


def test_settings_still_point_at_the_english_root() -> None:
    assert Settings(bot_token=None).content_dir.name == "content"
