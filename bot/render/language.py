"""/language: the buttons and the answers."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot import i18n
from bot.i18n import _
from bot.render import callbacks
from bot.render.message import Rendered, esc


def language_rows(current: str) -> list[list[InlineKeyboardButton]]:
    """One button per language the bot speaks, `current` ticked."""
    return [
        [
            InlineKeyboardButton(
                ("✅ " if code == current else "") + i18n.name_of(code),
                callback_data=callbacks.PickLanguage(code).encode(),
            )
        ]
        for code in i18n.LANGUAGES
    ]


def language_picker(current: str) -> Rendered:
    """Which language the bot speaks, with one button per language."""
    rows = language_rows(current)
    text = _("🌐 I speak to you in <b>{language}</b>. Pick another language:").format(
        language=esc(i18n.name_of(current))
    )
    return Rendered(text, rows)


def language_set() -> Rendered:
    """The answer once the language changed (already in the new language)."""
    return Rendered(
        _(
            "🌐 Done: from now on I speak to you in <b>{language}</b>. "
            "Send /help to see what I can do."
        ).format(language=esc(i18n.name_of(i18n.current())))
    )


def unknown_language(typed: str) -> str:
    """`/language xx` for a language the bot does not speak."""
    shown = typed if len(typed) <= 16 else typed[:15] + "…"
    names = ", ".join(f"<code>/language {code}</code>" for code in i18n.LANGUAGES)
    return _("I don't speak “{typed}” yet. Try {choices}.").format(typed=esc(shown), choices=names)
