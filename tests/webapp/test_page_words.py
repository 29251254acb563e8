"""Every word the Mini App's script shows is marked for translation: a string
literal of static/app.js that lands in the page (a `text:` or `placeholder:`,
a child of `el()`, a label of a choice, a `textContent`, the Main button, a
confirmation) sits inside `_()`, `ngettext()` or `pgettext()`, so pybabel puts
it in the catalog and /me brings its translation. The check reads the script
as tokens (it follows no variable: a text put in one first, like the feed's
"sent a photo", is the reviewer's to see); it is tried on unmarked examples
first, so it cannot pass by finding nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

import pytest

MARKERS = {"_", "ngettext", "pgettext"}
# Object keys whose string value is shown (as text, or read out by a screen reader).
SHOWN_KEYS = {"text", "placeholder", "title", "aria-label", "label"}
# Calls whose argument at this index (and, for el, after it) is shown.
SHOWN_ARGUMENTS = {
    "el": 2,  # el(tag, attrs, child, child...)
    "add": 2,  # the chart's add(tag, attrs, text)
    "field": 0,
    "setMain": 0,
    "setText": 0,
    "confirm": 0,
    "alert": 0,
    "Error": 0,
    "format": 0,  # format("Page {page} of {pages}", ...): a text with its values
}
# Strings of code that look like words: headers and an SVG attribute.
CODE = {"Content-Type", "X-Telegram-Init-Data", "viewBox"}

TOKEN = re.compile(
    r"""(?P<space>\s+)|(?P<comment>//[^\n]*|/\*.*?\*/)
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<name>[A-Za-z_$][\w$]*|\d[\w.]*)|(?P<punct>.)""",
    re.VERBOSE | re.DOTALL,
)
REGEX = re.compile(r"/(?:[^/\\\n]|\\.)+/[a-z]*")


@dataclass
class Token:
    kind: str  # string, name, punct
    value: str
    line: int


@dataclass
class Frame:
    kind: str  # call, array, object, group (parentheses)
    callee: str | None
    index: int = 0  # which argument or item
    key: str | None = None  # an object's property being written
    values: list[tuple[int, str]] = field(default_factory=list)  # an object's string values


def tokens(source: str) -> list[Token]:
    found: list[Token] = []
    position = 0
    while position < len(source):
        # A regex literal (after an operator, never after a value) is skipped whole.
        if source[position] == "/" and (not found or found[-1].value in "(,=:[!&|?{};"):
            regex = REGEX.match(source, position)
            if regex and not source.startswith(("//", "/*"), position):
                position = regex.end()
                continue
        match = TOKEN.match(source, position)
        assert match is not None
        kind = match.lastgroup or "punct"
        if kind in ("string", "name", "punct"):
            line = source.count("\n", 0, position) + 1
            found.append(Token(kind, match.group(), line))
        position = match.end()
    return found


def _owner(stack: list[Frame], depth: int = 0) -> tuple[Frame | None, int]:
    """The innermost frame that is not parentheses, and its place in the stack."""
    place = len(stack) - 1
    while place >= depth and stack[place].kind == "group":
        place -= 1
    return (stack[place], place) if place >= depth else (None, place)


def unmarked_shown_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every shown string literal outside _()/ngettext()/pgettext()."""
    stack: list[Frame] = []
    shown: list[tuple[int, str]] = []
    found = tokens(source)
    text_depth: int | None = None  # inside `x.textContent = ...;` at this depth
    for n, token in enumerate(found):
        before = found[n - 1] if n else None
        after = found[n + 1] if n + 1 < len(found) else None
        value = token.value
        if token.kind == "punct" and value in "([{":
            if value == "(":
                callee = before.value if before is not None and before.kind == "name" else None
                stack.append(Frame("call" if callee else "group", callee))
            else:
                stack.append(Frame("array" if value == "[" else "object", None))
            continue
        if token.kind == "punct" and value in ")]}":
            closed = stack.pop()
            if closed.kind == "object" and after is not None and after.value == "[":
                shown.extend(closed.values)  # a lookup table: { code: "Label" }[code]
            continue
        if token.kind == "punct" and value == "," and stack:
            stack[-1].index += 1
            stack[-1].key = None
            continue
        if token.kind == "punct" and value == ";" and text_depth is not None:
            if len(stack) <= text_depth:
                text_depth = None
            continue
        if (
            token.kind == "name"
            and value == "textContent"
            and after is not None
            and after.value == "="
            and found[n + 2].value != "="
        ):
            text_depth = len(stack)
            continue
        if (
            after is not None
            and after.value == ":"
            and stack
            and stack[-1].kind == "object"
            and before is not None
            and before.value in "{,"
        ):
            stack[-1].key = value.strip("\"'")  # a property name
            continue
        if token.kind != "string":
            continue
        text = value[1:-1]
        if any(f.kind == "call" and f.callee in MARKERS for f in stack):
            continue
        if not any(c.isalpha() for c in text) or text in CODE or _compared(found, n):
            continue
        owner, place = _owner(stack)
        pair = owner is not None and owner.kind == "array" and place > 0
        pair = pair and stack[place - 1].kind == "array"
        reasons = [
            _shown_property(stack),
            text_depth is not None and _owner(stack, text_depth)[0] is None,
            owner is not None
            and owner.kind == "call"
            and owner.callee in SHOWN_ARGUMENTS
            and (
                owner.index == SHOWN_ARGUMENTS[owner.callee]
                or (owner.callee == "el" and owner.index > 2)
            ),
            # A choice: ["value", "Label"] (a select's options, the tabs).
            pair and owner.index == 1 and found[n - 2].kind == "string",
            # A figure: ["Label", value].
            pair
            and owner.index == 0
            and after is not None
            and after.value == ","
            and found[n + 2].kind != "string"
            and found[n + 2].value not in MARKERS,
            # Anything else that reads as words: a capitalised word, a letter beyond ASCII.
            bool(re.search(r"[A-Z][a-z]", text)),
            any(c.isalpha() and ord(c) > 127 for c in text),
        ]
        if any(reasons):
            shown.append((token.line, text))
        elif owner is not None and owner.kind == "object" and owner.key is not None:
            owner.values.append((token.line, text))
    return shown


def _shown_property(stack: list[Frame]) -> bool:
    """Inside a shown property's value (`text: [a, "b"].join(" · ")`), calls aside."""
    for frame in reversed(stack):
        if frame.kind == "object":
            return frame.key in SHOWN_KEYS
        if frame.kind == "call":
            return False
    return False


def _compared(found: list[Token], n: int) -> bool:
    """A string on either side of ==, !=, === or !== is a value, not a text."""
    left = [t.value for t in found[max(n - 3, 0) : n]]
    right = [t.value for t in found[n + 1 : n + 4]]
    return "".join(left).endswith(("==", "!=")) or "".join(right).startswith(("==", "!="))


def script() -> str:
    return resources.files("bot.webapp").joinpath("static", "app.js").read_text()


@pytest.mark.parametrize(
    "snippet",
    [
        'el("p", { text: "never" });',
        'el("p", { "class": "hint", "aria-label": "calendar" });',
        'el("button", { type: "button" }, "never");',
        'el("li", {}, el("b", { text: n.label }), " · effort " + n.effort);',
        'status.textContent = "saved";',
        'options(el("select", {}), [["", "any status"], ["risk", _("At risk")]], s);',
        'var list = [["roster", "members"]];',
        'figures([["streak", String(m.streak)]]);',
        'setMain("send to " + p.count, doSend);',
        'window.confirm("switch program?");',
        'throw new Error("something went wrong");',
        'field("search", input);',
        'var x = { done: "Done" };',
        'var y = "Lädt";',
        'el("td", {}, r.status === "active" ? "never" : null);',
        'el("p", { text: m.program ? "no session today" : _("No program.") });',
        'el("span", { text: day.title + (day.today ? " · " + "today" : "") });',
        'node.textContent = data.staff ? "dashboard" : _("Defy Gravity");',
        'return { active: "active", left: _("left") }[status] || status;',
        'var said = format("{day}: {mark}", { day: d.label });',
        'return [["7 days", percent(m.adherence_7)]];',
        'el("p", { text: [m.cohort, m.program || "no program"].join(" · ") });',
    ],
)
def test_the_check_finds_an_unmarked_word(snippet: str) -> None:
    assert unmarked_shown_strings(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        'el("p", { "class": "hint", text: _("never") });',
        'el("button", { type: "button", id: "send" }, format(_("Send to {name}"), { name: n }));',
        'status.textContent = ngettext("{count} member", "{count} members", n);',
        'var labels = { rest: pgettext("calendar mark", "R") };',
        'init.headers["Content-Type"] = "application/json";',
        'api("members/" + id + "/message", { text: t, request: token });',
        'var days = total / step; var re = /\\{(\\w+)\\}/g; el("div", { role: "list" });',
        'el("td", {}, r.status !== "active" ? el("div", { text: statusLabel(r.status) }) : null);',
    ],
)
def test_marked_words_and_code_pass(snippet: str) -> None:
    assert unmarked_shown_strings(snippet) == [], snippet


def test_every_word_of_the_page_is_marked() -> None:
    source = script()
    assert len([t for t in tokens(source) if t.kind == "string"]) > 500  # the whole script read
    assert unmarked_shown_strings(source) == []
