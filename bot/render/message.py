"""What every rendered message is made of: escaped text and rows of buttons."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup


def esc(text: str) -> str:
    """Escape `<`, `>` and `&` for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


@dataclass
class Rendered:
    """A message ready to send: HTML text and inline buttons (rows)."""

    text: str
    rows: list[list[InlineKeyboardButton]] = field(default_factory=list)

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        return InlineKeyboardMarkup(self.rows) if self.rows else None
