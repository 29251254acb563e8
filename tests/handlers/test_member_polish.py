"""What members see, polished: labelled effort buttons, long cards folded, an
inline query with no match, and /mydata in words plus a clean export."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.catalog import Catalog
from bot.render.cards import LONG_CARD, render_card
from bot.render.rules import problems, visible_length
from bot.services.checkins import INTERNAL_COLUMNS
from tests.kit.asserts import assert_all_valid
from tests.kit.harness import Harness
from tests.kit.members import onboard
from tests.kit.updates import TgUser

UMA = TgUser(id=7301, first_name="Uma", username="uma_u")


async def ready(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 3, 2, 5, 0, tzinfo=UTC))
    await onboard(bot.app, UMA)
    bot.clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))


async def test_the_effort_scale_says_what_its_ends_mean(bot: Harness) -> None:
    await ready(bot)
    await bot.send(bot.updates.callback(UMA, "ci:d:20260302"))
    done = bot.api.last("editMessageText")
    assert "How hard was it? Tap 1 (easy) to 5 (max)." in done.text
    labels = [b["text"] for b in done.buttons()[:5]]
    assert labels == ["1 easy", "2", "3", "4", "5 max"]
    await bot.send(bot.updates.callback(UMA, "ci:e:20260302:5"))
    rated = bot.api.last("editMessageText")
    assert "effort 5/5" in rated.text
    assert "How hard was it?" not in rated.text
    assert [b["text"] for b in rated.buttons()[:5]][-1] == "●5 max"
    assert_all_valid(bot.api.sent())


def test_long_cards_show_a_summary_and_fold_the_details(catalog: Catalog) -> None:
    folded = 0
    for card_id in [*catalog.anatomy, *catalog.exercises, *catalog.stretches]:
        card = catalog.card(card_id)
        assert card is not None
        text = render_card(catalog, card).text
        assert problems(text) == [], card_id
        if "<blockquote expandable>" in text:
            folded += 1
            head = text.split("<blockquote expandable>")[0]
            assert card.name in head
            assert visible_length(head) < LONG_CARD
            assert text.endswith("</blockquote>")
        else:
            assert visible_length(text) <= LONG_CARD, card_id
    assert folded >= 10
    short = render_card(catalog, catalog.card("coccyx"))  # type: ignore[arg-type]
    assert "blockquote" not in short.text


async def test_an_inline_query_with_no_match_shows_a_hint(bot: Harness) -> None:
    await bot.send(bot.updates.inline_query(UMA, "zzzz"))
    call = bot.api.last("answerInlineQuery")
    assert call.params["results"] == []
    button = call.params["button"]
    assert button["text"] == "No card for “zzzz”: tap for tips"
    assert len(button["text"]) <= 64
    assert button["start_parameter"] == "help"
    await bot.command(UMA, "start", "help")  # where the hint leads
    tips, welcome = bot.api.sent("sendMessage")[-2:]
    assert "Sharing a card" in tips.text
    assert "Welcome" in welcome.text
    assert "invite link" not in tips.text + welcome.text  # not taken for a cohort code


async def test_mydata_is_a_readable_summary_and_a_clean_export(bot: Harness) -> None:
    await ready(bot)
    await bot.send(bot.updates.callback(UMA, "ci:d:20260302"))
    await bot.services.ticker.tick()  # an outbox row, with its dedupe key and claim
    await bot.command(UMA, "mydata")
    summary = bot.api.last("sendMessage")
    assert "What I store about you" in summary.text
    assert "Uma (@uma_u)" in summary.text
    assert "Program: Defy Gravity since 2026-03-02" in summary.text
    assert "Check-ins: 1 (1 done)" in summary.text
    assert_all_valid([summary])
    data = json.loads(bot.api.last("sendDocument").uploads["document"])

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    found = keys(data)
    assert not found & INTERNAL_COLUMNS, found & INTERNAL_COLUMNS
    assert {"dedupe_key", "claimed_by", "priority"} <= INTERNAL_COLUMNS
    assert data["member"]["timezone"] == "Europe/Berlin"
    assert data["checkins"][0]["local_date"] == "2026-03-02"
