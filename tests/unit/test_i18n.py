"""The message catalogs: every marked string of the code is in each language's
catalog, translated (no missing, fuzzy or stale entry), with the same
placeholders, and every translation is valid Telegram HTML within limits."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot import i18n
from bot.render.message import esc
from bot.render.rules import problems

ROOT = Path(__file__).resolve().parents[2]
OTHER_LANGUAGES = [language for language in i18n.LANGUAGES if language != i18n.DEFAULT]
PLACEHOLDER = re.compile(r"\{(\w*)\}")
Key = tuple[str | tuple[str, ...], str | None]


def code_messages() -> dict[Key, list[str]]:
    """(msgid, context) of every string the code marks (the Python and the Mini
    App's script, as babel.cfg maps them), with the translators' comments."""
    found: dict[Key, list[str]] = {}
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    extracted = extract_from_dir(
        str(ROOT),
        method_map=method_map,
        options_map=options_map,
        keywords=DEFAULT_KEYWORDS,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
    )
    for _filename, _lineno, message, comments, context in extracted:
        key = message if isinstance(message, str) else tuple(message)
        found.setdefault((key, context), []).extend(comments)
    return found


def catalog(language: str) -> Catalog:
    with i18n.po_path(language).open("rb") as source:
        return read_po(source, locale=language)


def translations_of(message: object) -> tuple[str, ...]:
    string = message.string  # type: ignore[attr-defined]
    return string if isinstance(string, tuple) else (string,)


def entries(language: str) -> dict[Key, object]:
    return {
        (message.id if isinstance(message.id, str) else tuple(message.id), message.context): message
        for message in catalog(language)
        if message.id
    }


def test_there_is_a_french_catalog() -> None:
    assert i18n.LANGUAGES == ("en", "fr")
    assert i18n.po_path("fr").is_file()


def test_the_template_is_up_to_date() -> None:
    """bot/locale/messages.pot holds exactly what the code marks (run the
    extraction command of docs/ARCHITECTURE.md after changing a string)."""
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as source:
        template = {
            (m.id if isinstance(m.id, str) else tuple(m.id), m.context)
            for m in read_po(source)
            if m.id
        }
    assert template == set(code_messages())


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_no_entry_is_missing_or_stale(language: str) -> None:
    code = set(code_messages())
    translated = set(entries(language))
    assert sorted(map(str, code - translated)) == [], "missing from the catalog"
    assert sorted(map(str, translated - code)) == [], "stale: no longer in the code"
    assert not catalog(language).obsolete, "obsolete entries (#~) left in the catalog"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_entry_is_translated_and_not_fuzzy(language: str) -> None:
    po = catalog(language)
    for message in po:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        strings = translations_of(message)
        wanted = po.num_plurals if message.pluralizable else 1
        assert len(strings) == wanted, message.id
        assert all(strings), f"untranslated: {message.id!r}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_placeholders_match(language: str) -> None:
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = translations_of(message)
        english = {name for text in ids for name in PLACEHOLDER.findall(text)}
        used = [set(PLACEHOLDER.findall(text)) for text in strings]
        assert all(found <= english for found in used), message.id
        assert set().union(*used) == english, message.id


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_translation_is_valid_telegram_html(language: str) -> None:
    for message in catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        # A string whose English is no valid HTML is plain text, escaped where it is
        # shown (an error message with "&", a menu entry with "<name>").
        html = all(problems(PLACEHOLDER.sub("x" * 12, text)) == [] for text in ids)
        for text in translations_of(message):
            filled = PLACEHOLDER.sub("x" * 12, text)
            shown = filled if html else esc(filled)
            assert problems(shown) == [], (message.id, problems(shown))


def test_translation_follows_the_language_of_the_moment() -> None:
    assert i18n._("✅ Done") == "✅ Done"
    with i18n.speaking("fr"):
        assert i18n._("✅ Done") == "✅ Fait"
        assert i18n.pgettext("tick", "✅ Done") == "✅ Valider"
        assert i18n.ngettext("{count} day", "{count} days", 1) == "{count} jour"
        assert i18n.ngettext("{count} day", "{count} days", 2) == "{count} jours"
        assert i18n.format_day(date(2026, 12, 7), "long") == "lundi 7 décembre"
        with i18n.speaking("en"):
            assert i18n.format_day(date(2026, 12, 7), "long") == "Monday 07 December"
        assert i18n.current() == "fr"
    assert i18n.current() == "en"


@pytest.mark.parametrize(
    ("preferred", "telegram", "expected"),
    [
        (None, "fr", "fr"),
        (None, "fr-CA", "fr"),
        (None, "de", "en"),
        (None, None, "en"),
        ("en", "fr", "en"),  # the member's choice wins
        ("fr", "en", "fr"),
        ("xx", "fr", "fr"),  # a choice the bot no longer speaks
    ],
)
def test_which_language_a_member_gets(
    preferred: str | None, telegram: str | None, expected: str
) -> None:
    assert i18n.resolve(preferred, telegram) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("fr", "fr"), ("FR", "fr"), ("fr-BE", "fr"), ("français", "fr"), ("francais", "fr"),
     ("French", "fr"), ("english", "en"), ("en", "en"), ("klingon", None), ("", None)],
)  # fmt: skip
def test_a_typed_language(typed: str, expected: str | None) -> None:
    assert i18n.parse_language(typed) == expected


def test_the_safety_words_come_from_the_catalog() -> None:
    from bot.catalog.schema import safety_words

    assert safety_words("en") == (("pain",), ("stop",))
    pain, stop = safety_words("fr")
    assert pain == ("douleur",)
    assert {"arrête", "arrêter", "stop"} <= set(stop)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_the_plural_table_is_the_catalogs_rule(language: str) -> None:
    """The Mini App reads the plural rule as a table (n < 200, else 100 + n % 100):
    that must pick the catalog's own form for every count it will meet."""
    table = i18n.plural_table(language)
    assert len(table) == i18n.PLURAL_TABLE
    counts = [*range(5000), *range(5000, 1_000_001, 997), 1_000_000]
    for count in counts:
        read = table[count] if count < len(table) else table[100 + count % 100]
        assert read == i18n.plural_form(language, count), count


def test_french_plural_forms() -> None:
    assert i18n.plural_table("fr")[:3] == (0, 0, 1)  # 0 and 1 are singular in French
    assert i18n.plural_table("en")[:3] == (1, 0, 1)
