"""The languages the bot speaks: gettext catalogs (Babel) and the language in use.

English is the source language: every visible string is written in English in
the code and marked with `_` (or `ngettext` where a count decides the form, or
`N_` where it is defined at import time and translated where it is shown).
Each other language is one catalog, `bot/locale/<code>/LC_MESSAGES/messages.po`,
compiled in memory when first used, so no compiled file can go stale.

The language in use is a context variable: the handler wrapper sets it for
each update from the member's choice (or Telegram's `language_code`), the
sender for each message from its recipient. Render code simply calls `_`.
"""

from __future__ import annotations

import contextvars
import gettext
import io
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"


def _discover() -> tuple[str, ...]:
    found = sorted(
        path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    )
    return (DEFAULT, *(code for code in found if code != DEFAULT))


# Every language the bot speaks, English first: one more catalog is one more language.
LANGUAGES: tuple[str, ...] = _discover()

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT)


def po_path(language: str) -> Path:
    """Where a language's catalog lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (English: the strings as written)."""
    if language == DEFAULT or language not in LANGUAGES:
        return gettext.NullTranslations()
    with po_path(language).open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def resolve(preferred: str | None, telegram_code: str | None = None) -> str:
    """The language to speak: the member's choice, else Telegram's language_code
    ("fr", "fr-CA" → French), else English."""
    for code in (preferred, telegram_code):
        if code:
            short = code.split("-")[0].split("_")[0].lower()
            if short in LANGUAGES:
                return short
    return DEFAULT


def parse_language(text: str) -> str | None:
    """The language a person typed: a code ("fr", "fr-CA") or a name in that
    language or in English ("français", "francais", "French"); None if unknown."""
    typed = _plain(text)
    for code in LANGUAGES:
        names = {
            code,
            _plain(name_of(code)),
            _plain(Locale.parse(code).get_display_name("en") or ""),
        }
        if typed in names or typed.split("-")[0].split("_")[0] == code:
            return code
    return None


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def current() -> str:
    """The language of the update or message being handled."""
    return _current.get()


def activate(language: str) -> contextvars.Token[str]:
    """Speak `language` from now on in this context (a task copies it)."""
    return _current.set(language if language in LANGUAGES else DEFAULT)


@contextmanager
def speaking(language: str | None) -> Iterator[str]:
    """Speak `language` inside the block, then what was spoken before."""
    token = activate(language or DEFAULT)
    try:
        yield current()
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form for `count` in the current language (format it with the count)."""
    return translations(current()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language where the same English words need
    another translation in another place (`context` tells them apart)."""
    return translations(current()).pgettext(context, message)


def as_label(text: str) -> str:
    """`text` as the label before a value, with the language's punctuation:
    "Easier:" in English, "Plus facile :" in French (a no-break space before
    the colon). Code that joins a label and its value uses this, never ":"."""
    return pgettext("a label before its value", "{label}:").format(label=text)


# The Mini App's page evaluates no code from the server, so the catalog's plural
# rule reaches it as a table: the form for n = 0..199, then for larger n the form
# of 100 + n % 100 (every gettext rule in use looks at n % 100 at most; the
# catalog test checks it for each language up to a million).
PLURAL_TABLE = 200


def plural_form(language: str, count: int) -> int:
    """Which form (0, 1, ...) of a plural entry the language's catalog uses for `count`."""
    rule = getattr(translations(language), "plural", None)
    return int(rule(count)) if rule is not None else int(count != 1)


@cache
def plural_table(language: str) -> tuple[int, ...]:
    """The form of each count 0..PLURAL_TABLE-1 (see PLURAL_TABLE)."""
    return tuple(plural_form(language, count) for count in range(PLURAL_TABLE))


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated with `_` where it is shown."""
    return message


def lazy(table: dict[str, str]) -> Callable[[str], str]:
    """A module's `__getattr__` that reads the strings of `table` (marked with
    N_) in the language of the moment: `texts.NOT_STARTED` is then French for
    a French member, though it is written like a constant."""

    def read(name: str) -> str:
        if name in table:
            return _(table[name])
        raise AttributeError(name)

    return read


def name_of(language: str) -> str:
    """A language's own name, capitalised: "English", "Français"."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


# Date styles: English keeps the strftime forms the bot always used; other
# languages get Babel's (CLDR) names in the same shape.
DATE_STYLES: dict[str, tuple[str, str]] = {
    "long": ("%A %d %B", "EEEE d MMMM"),  # Monday 07 December / lundi 7 décembre
    "short": ("%a %d %b", "EEE d MMM"),  # Mon 07 Dec / lun. 7 déc.
    "day_month": ("%d %b", "d MMM"),  # 07 Dec / 7 déc.
    "day_month_long": ("%d %B", "d MMMM"),  # 07 December / 7 décembre
    "weekday": ("%a", "EEE"),  # Mon / lun.
    "month": ("%b", "MMM"),  # Dec / déc.
}


def format_day(day: date, style: str = "short") -> str:
    """A date in the current language, in one of DATE_STYLES."""
    english, cldr = DATE_STYLES[style]
    if current() == DEFAULT:
        return day.strftime(english)
    return babel_format_date(day, cldr, locale=current())
