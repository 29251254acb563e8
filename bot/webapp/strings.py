"""The page's own words in the caller's language, from the bot's catalog.

`static/app.js` writes every visible string in English inside `_()`,
`ngettext()` or `pgettext()`, the calls pybabel extracts into
bot/locale/messages.pot (babel.cfg). The server reads the same calls out of
the script with Babel's JavaScript extractor, once, and sends the page the
translations of exactly those, with the catalog's plural rule as a table
(`i18n.plural_table`): the page evaluates no code it is sent, and what is
untranslated stays English.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources
from typing import Any

from babel.messages.extract import DEFAULT_KEYWORDS, extract

from bot import i18n

SCRIPT = "app.js"
# gettext's separator of a context and its message (what the page looks up too).
CONTEXT_SEPARATOR = "\x04"

Message = tuple[str | tuple[str, ...], str | None]  # (msgid or (singular, plural), context)


@cache
def script_messages() -> tuple[Message, ...]:
    """Every message the page's script marks, in the order it marks them."""
    source = resources.files("bot.webapp").joinpath("static", SCRIPT).read_bytes()
    found: dict[Message, None] = {}
    for _lineno, message, _comments, context in extract(
        "javascript", io.BytesIO(source), keywords=DEFAULT_KEYWORDS
    ):
        key = message if isinstance(message, str) else tuple(message)
        found[(key, context)] = None
    return tuple(found)


@cache
def page_strings(language: str) -> dict[str, Any]:
    """What the page needs to speak `language`: the translated messages (a
    plural entry as its list of forms, a context's as "context\\x04msgid") and
    the plural table. English, the source, sends no message."""
    table = list(i18n.plural_table(language))
    # A count that picks each form, to ask the catalog for that form.
    counts = {form: table.index(form) for form in sorted(set(table))}
    messages: dict[str, str | list[str]] = {}
    with i18n.speaking(language):
        for message, context in script_messages():
            if isinstance(message, tuple):
                singular, plural = message[0], message[1]
                forms = [i18n.ngettext(singular, plural, count) for count in counts.values()]
                if forms != [singular if count == 1 else plural for count in counts.values()]:
                    messages[singular] = forms
            elif context is not None:
                translated = i18n.pgettext(context, message)
                if translated != message:
                    messages[f"{context}{CONTEXT_SEPARATOR}{message}"] = translated
            else:
                translated = i18n._(message)
                if translated != message:
                    messages[message] = translated
    return {"language": language, "messages": messages, "plural": table}
