"""Callback data: compact, parseable, always under Telegram's 64 bytes.

  c:<id>[:<back>]   open a card; <back> is a card id or a menu (~an, ~ex, ~st)
  m:<an|ex|st>      open a menu of cards
  l:<part>:<page>   a page of a lesson
Anything else, or anything malformed, parses to None (a stale or forged button).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MENUS = {"an": "anatomy", "ex": "exercises", "st": "stretches"}
_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_CARD = re.compile(rf"^c:({_ID})(?::({_ID}|~(?:an|ex|st)))?$")
_MENU = re.compile(r"^m:(an|ex|st)$")
_LESSON = re.compile(r"^l:([1-9]):(\d{1,2})$")


@dataclass(frozen=True)
class OpenCard:
    card_id: str
    back: str | None = None


@dataclass(frozen=True)
class OpenMenu:
    menu: str


@dataclass(frozen=True)
class OpenLesson:
    part: int
    page: int


Action = OpenCard | OpenMenu | OpenLesson


def card(card_id: str, back: str | None = None) -> str:
    return f"c:{card_id}:{back}" if back else f"c:{card_id}"


def menu(name: str) -> str:
    return f"m:{name}"


def lesson(part: int, page: int) -> str:
    return f"l:{part}:{page}"


def parse(data: str | None) -> Action | None:
    """The action a button stands for, or None when the data is not ours."""
    if not data or len(data.encode()) > 64:
        return None
    if match := _CARD.match(data):
        return OpenCard(match.group(1), match.group(2))
    if match := _MENU.match(data):
        return OpenMenu(match.group(1))
    if match := _LESSON.match(data):
        return OpenLesson(int(match.group(1)), int(match.group(2)))
    return None
