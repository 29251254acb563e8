"""HTML to plain text + entities, and flood control, without a server."""

from __future__ import annotations

from bot.sandbox.api import check_content
from bot.sandbox.entities import command_entities, html_to_entities, strip_text
from bot.sandbox.limits import FloodControl
from tests.sandbox.conftest import FakeMonotonic


def test_entities_use_utf16_offsets_and_nest() -> None:
    text, entities = html_to_entities(
        '💪 <b>Bridge <i>hold</i></b> &lt;3 <a href="https://x.test/a?b=1&amp;c=2">link</a>'
    )

    assert text == "💪 Bridge hold <3 link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 11},
        {"type": "italic", "offset": 10, "length": 4},
        {"type": "text_link", "url": "https://x.test/a?b=1&c=2", "offset": 18, "length": 4},
    ]


def test_pre_with_language_spoiler_and_blockquote() -> None:
    text, entities = html_to_entities(
        '<pre><code class="language-python">x = 1</code></pre>'
        '<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>'
    )

    assert text == "x = 1sq"
    assert entities == [
        {"type": "pre", "language": "python", "offset": 0, "length": 5},
        {"type": "spoiler", "offset": 5, "length": 1},
        {"type": "expandable_blockquote", "offset": 6, "length": 1},
    ]


def test_surrounding_whitespace_is_trimmed_and_entities_follow() -> None:
    assert strip_text("\n  hi there \n", [{"type": "bold", "offset": 1, "length": 6}]) == (
        "hi there",
        [{"type": "bold", "offset": 0, "length": 4}],
    )
    assert check_content("\n <b>Day 1</b>\n", "HTML", None, caption=False) == (
        "Day 1",
        [{"type": "bold", "offset": 0, "length": 5}],
    )


def test_command_entities() -> None:
    assert command_entities("/start") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("a/b http://x/y and /help_me@some_bot.") == [
        {"type": "bot_command", "offset": 19, "length": 17}
    ]


def test_flood_control_burst_then_one_per_second() -> None:
    clock = FakeMonotonic()
    flood = FloodControl(clock)
    for _ in range(3):
        assert flood.retry_after(1, group=False) is None
        flood.record(1, group=False)

    assert flood.retry_after(1, group=False) == 1
    assert flood.retry_after(2, group=False) is None  # other chats are unaffected
    clock.advance(0.5)
    assert flood.retry_after(1, group=False) == 1
    clock.advance(0.5)
    assert flood.retry_after(1, group=False) is None
