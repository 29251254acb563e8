"""What every rendered message is made of: escaped text and rows of buttons."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)


def esc(text: str) -> str:
    """Escape `<`, `>` and `&` for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass
class Rendered:
    """A message ready to send: HTML text and inline buttons (rows), or instead a
    reply keyboard to show or take away (only a new message can carry one)."""

    text: str
    rows: list[list[InlineKeyboardButton]] = field(default_factory=list)
    keyboard: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        return InlineKeyboardMarkup(self.rows) if self.rows else None

    @property
    def reply_markup(self) -> ReplyMarkup | None:
        """What a new message carries: the inline buttons, else the reply keyboard."""
        return self.markup or self.keyboard
