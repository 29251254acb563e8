"""Assertions every test that looks at the bot's output uses."""

from __future__ import annotations

from bot.render.rules import problems
from tests.kit.recording import Call


def assert_telegram_valid(call: Call) -> None:
    """The call would be accepted by Telegram: length, HTML, buttons."""
    # copyMessage carries no text of its own: only a caption override, if any.
    is_caption = call.method in ("sendPhoto", "sendDocument", "editMessageCaption", "copyMessage")
    html = call.params.get("parse_mode") == "HTML"
    found = problems(call.text, caption=is_caption, html=html, reply_markup=call.reply_markup)
    assert not found, f"{call.method} breaks Telegram's rules: {found}\n{call.text[:500]}"


def assert_all_valid(calls: list[Call]) -> None:
    for call in calls:
        assert_telegram_valid(call)
