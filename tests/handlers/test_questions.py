"""Plain questions typed in the private chat: the card they name, a short list to
choose from, or the safety guidance when they speak of pain; text the bot is
waiting for still goes where it goes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.render.texts import free_text
from tests.kit.harness import Harness
from tests.kit.members import onboard
from tests.kit.updates import TgUser, group_chat

UMA = TgUser(id=8001, first_name="Uma")


def data_of(call: object) -> list[str]:
    return [str(b["callback_data"]) for b in call.buttons()]  # type: ignore[attr-defined]


async def ask(bot: Harness, text: str) -> object:
    await bot.text(UMA, text)
    return bot.api.last()


@pytest.mark.parametrize("member", [True, False], ids=["member", "not started"])
async def test_a_question_about_a_muscle_gets_its_card(bot: Harness, member: bool) -> None:
    if member:
        await onboard(bot.app, UMA)
    reply = await ask(bot, "What does the gluteus medius do?")
    assert reply.text.startswith("🦴 <b>Gluteus medius</b>")  # type: ignore[attr-defined]
    assert "What it does" in reply.text  # type: ignore[attr-defined]


async def test_how_to_questions_get_the_exercise_card(bot: Harness) -> None:
    await onboard(bot.app, UMA)
    reply = await ask(bot, "how do I do a hip thrust")
    assert reply.text.startswith("🏋️ <b>Hip thrust</b>")  # type: ignore[attr-defined]
    assert "<b>Safety</b>" in reply.text  # type: ignore[attr-defined]
    reply = await ask(bot, "Which exercises work the side glute? 🍑")
    assert reply.text.startswith("🦴 <b>Gluteus medius</b>")  # type: ignore[attr-defined]


async def test_a_vague_question_gets_a_short_list_to_choose_from(bot: Harness) -> None:
    await onboard(bot.app, UMA)
    reply = await ask(bot, "lunges?")
    assert "Which one?" in reply.text  # type: ignore[attr-defined]
    data = data_of(reply)
    assert {"c:reverse-lunge", "c:lateral-lunge", "c:curtsy-lunge"} <= set(data)
    assert len(data) <= 8
    await bot.send(bot.updates.callback(UMA, "c:curtsy-lunge"))
    assert "<b>Curtsy lunge</b>" in bot.api.last("editMessageText").text


async def test_pain_gets_the_safety_guidance_with_the_swaps(bot: Harness) -> None:
    await onboard(bot.app, UMA)
    reply = await ask(bot, "my knee hurts on lunges")
    text = reply.text  # type: ignore[attr-defined]
    assert text.startswith("🛑 <b>If it hurts, stop that move.</b>")
    assert "doctor or physiotherapist" in text
    assert "🦵 <b>Knee pain:</b>" in text
    assert "<b>Curtsy lunge</b>, knee pain: use <b>Reverse lunge</b>" in text
    assert "/settings" in text
    assert "c:reverse-lunge" in data_of(reply)
    assert "🏋️ <b>" not in text  # not a card: the guidance comes first


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My hip HURTS!!", "Tell me which move it was"),
        ("sore after bridges, is that ok?", "Muscle soreness a day or two after a session"),
        ("lower back pain on deadlifts 😣", "🔙 <b>Back pain:</b>"),
        ("I'm pregnant, can I still do hip thrusts?", "<b>Hip thrust</b>, pregnant or postpartum"),
        ("after knee surgery can I squat", "<b>Bodyweight squat</b>, knee pain: use <b>Box squat"),
    ],
)
async def test_every_kind_of_pain_question_is_routed_to_safety(
    bot: Harness, text: str, expected: str
) -> None:
    reply = await ask(bot, text)
    assert expected in reply.text  # type: ignore[attr-defined]
    assert "Stop" in reply.text or "stop" in reply.text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    ["hello", "Long walk with the dog today, felt great", "🍑" * 50, "x" * 5000, "<script>&"],
)
async def test_chatter_gets_a_pointer_not_a_random_card(bot: Harness, text: str) -> None:
    await onboard(bot.app, UMA)
    reply = await ask(bot, text)
    assert reply.text == free_text()  # type: ignore[attr-defined]


async def test_a_long_question_is_still_answered_within_telegrams_limits(bot: Harness) -> None:
    reply = await ask(bot, "how do I do a hip thrust " + "please " * 600)
    assert reply.text.startswith("🏋️ <b>Hip thrust</b>")  # type: ignore[attr-defined]


async def test_text_the_bot_waits_for_still_goes_where_it_went(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 3, 2, 5, 0, tzinfo=UTC))  # 06:00 in Berlin: day 1 today
    await onboard(bot.app, UMA)
    await bot.command(UMA, "time")
    reply = await ask(bot, "how do I do a hip thrust")
    assert "Write the time in digits" in reply.text  # type: ignore[attr-defined]
    await bot.command(UMA, "timezone")
    reply = await ask(bot, "what does the gluteus medius do?")
    assert "I don't know that place" in reply.text  # type: ignore[attr-defined]
    await bot.text(UMA, "Berlin")
    # A note after 📝 is a note, even when it speaks of pain.
    await bot.send(bot.updates.callback(UMA, "ci:d:20260302"))
    await bot.send(bot.updates.callback(UMA, "ci:n:20260302"))
    reply = await ask(bot, "my knee hurts on lunges")
    assert "Note saved" in reply.text  # type: ignore[attr-defined]
    # Nothing is waited for any more: the same words get the guidance.
    reply = await ask(bot, "my knee hurts on lunges")
    assert "If it hurts, stop that move" in reply.text  # type: ignore[attr-defined]


async def test_questions_during_onboarding_answer_the_question_asked(bot: Harness) -> None:
    await bot.command(UMA, "start")
    await bot.send(bot.updates.callback(UMA, "ob:p:defy-gravity"))  # now asked the zone
    reply = await ask(bot, "how do I do a hip thrust?")
    assert "I don't know that place" in reply.text  # type: ignore[attr-defined]


async def test_questions_in_a_group_are_left_alone(bot: Harness) -> None:
    await bot.text(UMA, "what does the gluteus medius do?", chat=group_chat())
    assert bot.api.sent() == []
