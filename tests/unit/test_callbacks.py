"""Callback data: one codec for every button, every prefix routed, all within 64 bytes."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.ext import CallbackQueryHandler

from bot.render import callbacks
from tests.kit.harness import Harness

DAY = date(2026, 3, 2)
EXAMPLES: list[callbacks.Action] = [
    callbacks.OpenCard("gluteus-medius"),
    callbacks.OpenCard("hip-thrust", "~ex"),
    callbacks.OpenCard("hip-thrust", "gluteus-maximus"),
    callbacks.OpenMenu("st"),
    callbacks.OpenLesson(3, 12),
    callbacks.PickProgram("defy-gravity"),
    callbacks.PickZone("America/Argentina/Buenos_Aires"),
    callbacks.PickZone("Etc/GMT+5"),
    callbacks.PickTime(time(6, 45)),
    callbacks.StartOn(DAY),
    callbacks.PickExperience("regular"),
    callbacks.TickAnswer("k", frozenset()),
    callbacks.TickAnswer("k", frozenset({"gym", "bands"}), done=True),
    callbacks.TickAnswer("h", frozenset({"knee", "back", "pregnancy", "injury"})),
    callbacks.TickAnswer("h", frozenset(), done=True),
    callbacks.ChangeSetting("about"),
    callbacks.ChangeSetting("resume"),
    callbacks.CheckinPress("d", DAY),
    callbacks.CheckinPress("s", DAY),
    callbacks.CheckinPress("n", DAY),
    callbacks.CheckinPress("e", DAY, 4),
    callbacks.BroadcastPress("a", 2_147_483_647, "c12"),
    callbacks.BroadcastPress("go", 7),
    callbacks.BroadcastPress("x", 7),
    callbacks.ConfirmForget(True),
    callbacks.ConfirmForget(False),
    callbacks.AfterProgram("restart"),
    callbacks.AfterProgram("beginner-basics"),
    callbacks.AfterProgram("pause", DAY),
    callbacks.AfterProgram("defy-gravity", DAY),
    callbacks.FeedbackPress("p", 0),
    callbacks.FeedbackPress("r", 2_147_483_647),
    callbacks.FeedbackPress("y", 7),
    callbacks.FeedbackPress("n", 7),
    callbacks.PickLanguage("fr"),
    callbacks.PickLanguage("en"),
    callbacks.GroupPress("d"),
    callbacks.GroupPress("l"),
    callbacks.GroupPress("s"),
    callbacks.GroupPress("c"),
    callbacks.GroupPress("g"),
    callbacks.GroupPress("t", time(0, 0)),
    callbacks.GroupPress("t", time(23, 59)),
]


@pytest.mark.parametrize("action", EXAMPLES, ids=lambda action: action.encode())
def test_every_action_survives_the_round_trip(action: callbacks.Action) -> None:
    data = action.encode()
    assert len(data.encode()) <= callbacks.MAX_BYTES
    assert callbacks.parse(data) == action


def test_the_examples_cover_every_prefix() -> None:
    used = {action.encode().split(":")[0] for action in EXAMPLES}
    assert used == set(callbacks.PREFIXES)


@pytest.mark.parametrize(
    "data",
    [
        "", "c:", "c:Bad_Id", "m:xx", "l:0:1", "ob:p:", "ob:t:2460", "ob:z:a b",
        "ob:s:20260230", "ob:s:2026030", "ob:x:expert", "ob:k:bb", "ob:k:z", "ob:h:",
        "ob:h:k:no", "ob:k:0k", "set:delete", "ci:d:20261399", "ci:e:20260302",
        "ci:e:20260302:9", "ci:x:20260302",
        "bc:a:1", "bc:go:", "bc:zz:1", "fg:maybe", "pg:Nope!", "pg:restart:20261301",
        "fb:r:", "fb:x:1", "fb:r:-1", "fb:p:1234567890123", "fb:y:1:2",
        # ids past a 32-bit key (the fuzz test's 262546909415 reached PostgreSQL)
        "fb:p:262546909415", "fb:r:2147483648", "bc:go:2147483648", "bc:a:262546909415:all",
        "zz:1", "x" * 65,
    ],
)  # fmt: skip
def test_forged_data_parses_to_nothing(data: str) -> None:
    assert callbacks.parse(data) is None


def test_the_largest_row_id_is_still_ours() -> None:
    assert callbacks.parse("bc:go:2147483647") == callbacks.BroadcastPress("go", 2**31 - 1)
    assert callbacks.parse("fb:p:2147483647") == callbacks.FeedbackPress("p", 2**31 - 1)


@given(st.text(max_size=80))
def test_parse_never_raises(data: str) -> None:
    callbacks.parse(data)


async def test_every_prefix_reaches_a_handler(bot: Harness) -> None:
    """register() routes each prefix with the codec's own pattern."""
    patterns = [
        handler.pattern
        for handlers in bot.app.handlers.values()
        for handler in handlers
        if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None
    ]
    for action in EXAMPLES:
        data = action.encode()
        routed = [p for p in patterns if isinstance(p, re.Pattern) and p.match(data)]
        assert len(routed) == 1, (data, routed)
