"""Telegram's message rules, checked the way the Bot API checks them.

`problems()` returns every violation of a rendered message (empty when it is
fine). Tests run it over every text the bot can produce; the sandbox answers
with the same errors Telegram would.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "blockquote", "tg-spoiler", "span", "tg-emoji",
}  # fmt: skip
_ENTITY_RE = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.errors: list[str] = []
        self.stack: list[str] = []
        self.text_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f'can\'t parse entities: unsupported start tag "{tag}"')
            return
        if tag == "a" and not any(name == "href" for name, _ in attrs):
            self.errors.append("can't parse entities: <a> without href")
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            self.errors.append('can\'t parse entities: <span> needs class="tg-spoiler"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f'can\'t parse entities: unsupported end tag "{tag}"')
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f'can\'t parse entities: unexpected end tag "{tag}"')
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.errors.append(f'can\'t parse entities: unsupported entity "&{name};"')
        self.text_parts.append("x")

    def handle_charref(self, name: str) -> None:
        self.text_parts.append("x")


def _unescaped_ampersands(text: str) -> int:
    count = 0
    for match in re.finditer("&", text):
        if not _ENTITY_RE.match(text, match.start()):
            count += 1
    return count


def visible_length(html_text: str) -> int:
    """Length Telegram counts (UTF-16 code units) after the tags are parsed."""
    parser = _TelegramHTML()
    parser.feed(html_text)
    parser.close()
    plain = "".join(parser.text_parts)
    return len(plain.encode("utf-16-le")) // 2


def html_problems(html_text: str) -> list[str]:
    """Tag set, nesting and escaping errors of an HTML-mode text."""
    errors: list[str] = []
    if _unescaped_ampersands(html_text):
        errors.append("can't parse entities: unescaped '&'")
    # A '<' that does not start a tag is refused by Telegram.
    for match in re.finditer("<", html_text):
        if not re.match(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?>", html_text[match.start() :]):
            errors.append("can't parse entities: unescaped '<'")
            break
    parser = _TelegramHTML()
    parser.feed(html_text)
    parser.close()
    errors.extend(parser.errors)
    if parser.stack:
        errors.append(f'can\'t parse entities: unclosed tag "{parser.stack[-1]}"')
    return errors


def problems(
    text: str,
    *,
    caption: bool = False,
    html: bool = True,
    reply_markup: dict[str, Any] | None = None,
) -> list[str]:
    """Every rule the message breaks (empty list: Telegram would accept it)."""
    errors = html_problems(text) if html else []
    length = visible_length(text) if html and not errors else len(text.encode("utf-16-le")) // 2
    limit = MAX_CAPTION if caption else MAX_TEXT
    if length == 0 and not caption:
        errors.append("message text is empty")
    if length > limit:
        errors.append(f"{'caption' if caption else 'message'} is too long ({length} > {limit})")
    errors.extend(markup_problems(reply_markup))
    return errors


def markup_problems(reply_markup: dict[str, Any] | None) -> list[str]:
    """Inline keyboard limits: button count and callback data size."""
    if not reply_markup:
        return []
    errors = []
    buttons = [b for row in reply_markup.get("inline_keyboard", []) for b in row]
    if len(buttons) > MAX_BUTTONS:
        errors.append(f"too many buttons ({len(buttons)} > {MAX_BUTTONS})")
    for button in buttons:
        data = button.get("callback_data")
        if data is not None and len(str(data).encode()) > MAX_CALLBACK_DATA:
            errors.append(f"BUTTON_DATA_INVALID: callback data {data!r} is over 64 bytes")
        if not str(button.get("text", "")).strip():
            errors.append("button text is empty")
    return errors
