"""Message text as Telegram stores it: plain text plus entities (UTF-16 offsets).

The bot sends Telegram HTML; Telegram keeps the plain text and a list of
entities and returns those in the `Message`. `bot.render.rules` decides whether
a text is acceptable; this module only converts an accepted one.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

Entity = dict[str, Any]

_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "code": "code",
    "pre": "pre",
}  # fmt: skip
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@])")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram offset and limit."""
    return len(text.encode("utf-16-le")) // 2


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[Entity] = []
        self.stack: list[tuple[str, int, Entity | None]] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        entity: Entity | None
        if tag == "a":
            href = values.get("href", "")
            match = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if match:
                user = {"id": int(match.group(1)), "is_bot": False, "first_name": ""}
                entity = {"type": "text_mention", "user": user}
            else:
                entity = {"type": "text_link", "url": href}
        elif tag == "blockquote":
            entity = {"type": "expandable_blockquote" if "expandable" in values else "blockquote"}
        elif tag == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": values.get("emoji-id", "")}
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language.
            language = values.get("class", "").removeprefix("language-")
            outer = self.stack[-1][2]
            if outer is not None and language:
                outer["language"] = language
            entity = None
        elif tag in _SIMPLE:
            entity = {"type": _SIMPLE[tag]}
        else:
            entity = None
        self.stack.append((tag, self.length, entity))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                _, start, entity = self.stack.pop(index)
                if entity is not None and self.length > start:
                    entity.update(offset=start, length=self.length - start)
                    self.entities.append(entity)
                return


def _ordered(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (int(e["offset"]), -int(e["length"])))


def html_to_entities(html_text: str) -> tuple[str, list[Entity]]:
    """Plain text and entities of an HTML text that `bot.render.rules` accepted."""
    converter = _Converter()
    converter.feed(html_text)
    converter.close()
    return "".join(converter.parts), _ordered(converter.entities)


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace as Telegram does, moving the entities with it."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    moved: list[Entity] = []
    for entity in entities:
        start = max(int(entity["offset"]) - shift, 0)
        stop = min(int(entity["offset"]) + int(entity["length"]) - shift, end)
        if stop > start:
            moved.append({**entity, "offset": start, "length": stop - start})
    return stripped, moved


def command_entities(text: str) -> list[Entity]:
    """`bot_command` entities for every /command (and /command@bot) in a user's text."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND_RE.finditer(text)
    ]
