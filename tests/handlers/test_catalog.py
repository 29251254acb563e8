"""/anatomy, /exercise, /stretch, /learn, card buttons and inline mode."""

from __future__ import annotations

import pytest

from bot.catalog import Catalog
from bot.render.rules import problems
from tests.kit.asserts import assert_all_valid, assert_telegram_valid
from tests.kit.harness import Harness
from tests.kit.recording import Failure
from tests.kit.updates import TgUser, group_chat

SAM = TgUser(id=321, first_name="Sam")


def button_data(call_buttons: list[dict[str, object]]) -> list[str]:
    return [str(b["callback_data"]) for b in call_buttons if "callback_data" in b]


async def test_anatomy_without_words_lists_the_muscles(bot: Harness) -> None:
    await bot.command(SAM, "anatomy")
    reply = bot.api.last()
    assert "Anatomy" in reply.text
    data = button_data(reply.buttons())
    assert "c:gluteus-maximus:~an" in data
    assert len(data) >= 10
    assert_telegram_valid(reply)


@pytest.mark.parametrize(
    ("words", "heading"),
    [
        ("gluteus medius", "Gluteus medius"),
        ("glute med", "Gluteus medius"),
        ("gluteus medus", "Gluteus medius"),
        ("MAXIMUSS", "Gluteus maximus"),
        ("butt", "Gluteus maximus"),
        ("TFL", "Tensor fasciae latae"),
    ],
)
async def test_anatomy_card_by_name_alias_or_typo(bot: Harness, words: str, heading: str) -> None:
    await bot.command(SAM, "anatomy", words)
    reply = bot.api.last()
    assert f"<b>{heading}</b>" in reply.text
    assert "Origin:" in reply.text
    assert "Insertion:" in reply.text
    assert "Main work:" in reply.text or "Stretch and release:" in reply.text
    assert reply.buttons()[-1]["callback_data"] == "m:an"
    assert_telegram_valid(reply)


async def test_gluteus_medius_card_answers_the_question(bot: Harness) -> None:
    await bot.command(SAM, "anatomy", "gluteus medius")
    text = bot.api.last().text
    assert "greater trochanter" in text
    assert "ilium" in text
    assert "abduction" in text
    assert "Clamshell" in text


async def test_ambiguous_words_offer_choices(bot: Harness) -> None:
    await bot.command(SAM, "anatomy", "glute")
    reply = bot.api.last()
    assert "Which one do you mean?" in reply.text
    data = button_data(reply.buttons())
    assert {"c:gluteus-maximus:~an", "c:gluteus-medius:~an", "c:gluteus-minimus:~an"} <= set(data)


async def test_nothing_close_still_suggests(bot: Harness) -> None:
    await bot.command(SAM, "anatomy", "elbow")
    reply = bot.api.last()
    assert "nothing called <b>elbow</b>" in reply.text
    assert "m:an" in button_data(reply.buttons())
    assert_telegram_valid(reply)


@pytest.mark.parametrize(
    "words",
    ["<script>alert(1)</script>", "🍑🍑🍑", "x" * 5000, "&amp; < >", "glute\nmed", "/anatomy"],
)
async def test_any_words_get_a_valid_short_reply(bot: Harness, words: str) -> None:
    await bot.command(SAM, "anatomy", words)
    reply = bot.api.last()
    assert_telegram_valid(reply)
    assert "<script>" not in reply.text


async def test_exercise_and_stretch_lookups(bot: Harness) -> None:
    await bot.command(SAM, "exercise", "hip thurst")
    card = bot.api.last()
    assert "<b>Hip thrust</b>" in card.text
    assert "⬇️ <b>Easier:</b> Glute bridge" in card.text
    assert "c:glute-bridge:hip-thrust" in button_data(card.buttons())
    await bot.command(SAM, "stretch", "pigeon")
    assert "<b>Pigeon stretch</b>" in bot.api.last().text
    await bot.command(SAM, "exercise")
    menu = bot.api.last()
    assert "c:hip-thrust:~ex" in button_data(menu.buttons())
    await bot.command(SAM, "stretch")
    assert "c:foam-roll-glutes:~st" in button_data(bot.api.last().buttons())
    assert_all_valid(bot.api.sent())


async def test_buttons_walk_from_muscle_to_exercise_to_regression_and_back(bot: Harness) -> None:
    # muscle → an exercise that trains it → its regression → back to the exercise
    await bot.send(bot.updates.callback(SAM, "c:gluteus-maximus"))
    muscle = bot.api.last("editMessageText")
    assert "<b>Gluteus maximus</b>" in muscle.text
    exercise_data = next(d for d in button_data(muscle.buttons()) if d.endswith(":gluteus-maximus"))

    await bot.send(bot.updates.callback(SAM, exercise_data))
    exercise = bot.api.last("editMessageText")
    assert "🏋️" in exercise.text
    assert "c:gluteus-maximus" in button_data(exercise.buttons())  # Back

    await bot.send(bot.updates.callback(SAM, "c:glute-bridge:hip-thrust"))
    bridge = bot.api.last("editMessageText")
    assert "<b>Glute bridge</b>" in bridge.text
    assert button_data(bridge.buttons())[-1] == "c:hip-thrust"
    assert [c.method for c in bot.api.calls].count("answerCallbackQuery") == 3
    assert_all_valid(bot.api.sent("editMessageText"))


@pytest.mark.parametrize(
    "data", ["c:no-such-card", "c:hip-thrust:no-such-back", "zzz", "c:", "l:9:0", "l:1:99", "🍑"]
)
async def test_stale_or_forged_buttons_get_a_polite_answer(bot: Harness, data: str) -> None:
    await bot.send(bot.updates.callback(SAM, data))
    answer = bot.api.calls[-1]
    assert answer.method == "answerCallbackQuery"
    assert "expired" in answer.params["text"]
    assert bot.api.sent("editMessageText") == []


async def test_pressing_the_same_card_twice_is_harmless(bot: Harness) -> None:
    bot.api.fail_next(
        "editMessageText",
        Failure(
            400,
            "Bad Request: message is not modified: specified new message content "
            "and reply markup are exactly the same",
        ),
    )
    await bot.send(bot.updates.callback(SAM, "c:clamshell"))
    assert "Sorry" not in " ".join(c.text for c in bot.api.sent())


async def test_menu_button_reopens_the_list(bot: Harness) -> None:
    await bot.send(bot.updates.callback(SAM, "m:ex"))
    assert "Exercises" in bot.api.last("editMessageText").text


async def test_learn_pages_through_the_series(bot: Harness) -> None:
    await bot.command(SAM, "learn")
    first = bot.api.last()
    assert "Part 1" in first.text
    assert "page 1 of" in first.text
    assert button_data(first.buttons()) == ["l:1:1"]

    await bot.send(bot.updates.callback(SAM, "l:1:1"))
    second = bot.api.last("editMessageText")
    assert "page 2 of" in second.text
    assert button_data(second.buttons())[:2] == ["l:1:0", "l:1:2"]

    await bot.command(SAM, "learn", "3")
    assert "Part 3" in bot.api.last().text


async def test_learn_last_page_of_a_lesson_links_cards_and_the_next_part(
    bot: Harness, catalog: Catalog
) -> None:
    lesson = catalog.lessons[0]
    last = len(lesson.sections) - 1
    await bot.send(bot.updates.callback(SAM, f"l:{lesson.part}:{last}"))
    page = bot.api.last("editMessageText")
    data = button_data(page.buttons())
    assert "l:2:0" in data
    assert any(d.startswith("c:") for d in data)


# ² and ① are digits to str.isdigit() that int() refuses.
@pytest.mark.parametrize("arg", ["9", "abc", "<b>", "²", "①"])
async def test_learn_with_a_wrong_part_explains_and_starts_at_part_1(
    bot: Harness, arg: str
) -> None:
    await bot.command(SAM, "learn", arg)
    reply = bot.api.last()
    assert "There is no part" in reply.text
    assert "Part 1" in reply.text
    assert_telegram_valid(reply)


async def test_commands_work_in_groups(bot: Harness) -> None:
    await bot.command(SAM, "anatomy", "piriformis", chat=group_chat(), mention_bot=True)
    reply = bot.api.last()
    assert reply.chat_id == group_chat()["id"]
    assert "<b>Piriformis</b>" in reply.text


async def test_command_for_another_bot_in_a_group_is_ignored(bot: Harness) -> None:
    await bot.text(SAM, "/anatomy@some_other_bot glute", chat=group_chat())
    assert bot.api.sent() == []


async def test_inline_query_offers_cards(bot: Harness) -> None:
    await bot.send(bot.updates.inline_query(SAM, "glute med"))
    call = bot.api.calls[-1]
    assert call.method == "answerInlineQuery"
    results = call.params["results"]
    assert results[0]["id"] == "gluteus-medius"
    assert results[0]["input_message_content"]["parse_mode"] == "HTML"
    for result in results:
        assert problems(result["input_message_content"]["message_text"]) == []
        assert len(result["id"].encode()) <= 64


@pytest.mark.parametrize("query", ["", "zzzz", "x" * 300, "🍑"])
async def test_inline_query_never_fails(bot: Harness, query: str) -> None:
    await bot.send(bot.updates.inline_query(SAM, query))
    call = bot.api.calls[-1]
    assert call.method == "answerInlineQuery"
    if query == "":
        assert len(call.params["results"]) >= 3


async def test_help_mentions_the_lookup_commands(bot: Harness) -> None:
    await bot.command(SAM, "help")
    text = bot.api.last().text
    for command in ("/anatomy", "/exercise", "/stretch", "/learn"):
        assert command in text
