"""The small Markdown subset content bodies use, turned into Telegram HTML."""

from __future__ import annotations

import re

from bot.render.message import esc

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")


def to_html(markdown: str) -> str:
    """Paragraphs, `**bold**`, `*italic*` and `- ` bullets; everything else is text."""
    lines = []
    for raw in markdown.strip().split("\n"):
        line = raw.rstrip()
        bullet = re.match(r"^\s*[-*]\s+(.*)$", line)
        if bullet:
            line = "• " + bullet.group(1)
        lines.append(_inline(line))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text)


def _inline(line: str) -> str:
    escaped = esc(line)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    return _ITALIC.sub(r"<i>\1</i>", escaped)
