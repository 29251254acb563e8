"""The Telegram rule checker, the Markdown subset and callback data."""

from __future__ import annotations

import pytest

from bot.catalog.schema import Dose
from bot.render import callbacks
from bot.render.cards import format_dose
from bot.render.markdown import to_html
from bot.render.rules import problems, visible_length


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "<b>bold</b> &amp; <i>it</i>",
        '<a href="https://t.me/x">link</a>',
        '<span class="tg-spoiler">s</span>',
        "<pre><code>x &lt; y</code></pre>",
        "<blockquote>q</blockquote>",
    ],
)
def test_accepted(text: str) -> None:
    assert problems(text) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<div>x</div>", 'unsupported start tag "div"'),
        ("a < b", "unescaped '<'"),
        ("fish & chips", "unescaped '&'"),
        ("<b>open", 'unclosed tag "b"'),
        ("<b><i>x</b></i>", "unexpected end tag"),
        ("&nbsp;", "unsupported entity"),
        ("<a>x</a>", "without href"),
        ("", "message text is empty"),
        ("x" * 4097, "too long"),
    ],
)
def test_refused(text: str, fragment: str) -> None:
    assert any(fragment in p for p in problems(text)), problems(text)


def test_length_counts_utf16_after_tags() -> None:
    assert visible_length("<b>ab</b>") == 2
    assert visible_length("🍑") == 2
    assert visible_length("&amp;") == 1


def test_caption_limit() -> None:
    assert problems("x" * 1025, caption=True)
    assert not problems("x" * 1024, caption=True)


def test_button_limits() -> None:
    many = {"inline_keyboard": [[{"text": "b", "callback_data": "x"}] for _ in range(101)]}
    assert any("too many buttons" in p for p in problems("hi", reply_markup=many))
    long = {"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]}
    assert any("64 bytes" in p for p in problems("hi", reply_markup=long))


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("**strong** and *soft*", "<b>strong</b> and <i>soft</i>"),
        ("- one\n- two", "• one\n• two"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        ("**unclosed", "**unclosed"),
        ("p1\n\n\n\np2", "p1\n\np2"),
    ],
)
def test_markdown_subset(markdown: str, html: str) -> None:
    assert to_html(markdown) == html
    assert problems(html) == []


@pytest.mark.parametrize(
    ("dose", "text"),
    [
        (Dose(sets=3, reps=12), "3 × 12"),
        (Dose(sets=2, reps=10, per_side=True), "2 × 10 each side"),
        (Dose(sets=3, seconds=30, per_side=True), "3 × 30 s each side"),
        (Dose(sets=2, reps=8, seconds=3), "2 × 8, hold 3 s"),
        (Dose(seconds=60, per_side=True), "60 s each side"),
        (Dose(sets=3, reps=10, rest_s=90), "3 × 10, rest 90 s"),
    ],
)
def test_dose_text(dose: Dose, text: str) -> None:
    assert format_dose(dose) == text


def test_callback_round_trip_and_size() -> None:
    longest = "a" * 30
    data = callbacks.card(longest, longest)
    assert len(data.encode()) <= 64
    assert callbacks.parse(data) == callbacks.OpenCard(longest, longest)
    assert callbacks.parse(callbacks.menu("ex")) == callbacks.OpenMenu("ex")
    assert callbacks.parse(callbacks.lesson(2, 3)) == callbacks.OpenLesson(2, 3)


@pytest.mark.parametrize(
    "data", [None, "", "c:", "c:UPPER", "c:a:b:c", "m:zz", "l:0:1", "l:1:x", "x" * 65, "c:../x"]
)
def test_forged_callback_data_parses_to_nothing(data: str | None) -> None:
    assert callbacks.parse(data) is None
