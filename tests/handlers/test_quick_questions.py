"""The three quick questions of /start: asked with buttons, stored, used to
suggest a program and to fit every daily session (`personalise`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.catalog import Catalog
from bot.render.callbacks import HEALTH_LETTERS, KIT_LETTERS
from bot.render.cards import render_program_day
from bot.services.answers import CONDITION_CHOICES, EQUIPMENT_CHOICES
from tests.kit.harness import Harness
from tests.kit.members import onboard
from tests.kit.updates import TgUser

IDA = TgUser(id=6001, first_name="Ida")
MORNING = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 06:00 in Berlin, before 07:30


def data_of(call: object) -> list[str]:
    return [str(b["callback_data"]) for b in call.buttons()]  # type: ignore[attr-defined]


def labels_of(call: object) -> list[str]:
    return [str(b["text"]) for b in call.buttons()]  # type: ignore[attr-defined]


async def tap(bot: Harness, data: str, user: TgUser = IDA) -> None:
    await bot.send(bot.updates.callback(user, data))


async def first_session(bot: Harness) -> str:
    bot.clock.set(datetime(2026, 3, 2, 6, 30, tzinfo=UTC))  # 07:30 in Berlin
    await bot.services.ticker.tick()
    await bot.services.sender.drain()
    return bot.api.last("sendMessage").text


async def finish_setup(bot: Harness, program: str) -> None:
    await tap(bot, f"ob:p:{program}")
    await tap(bot, "ob:z:Europe/Berlin")
    await tap(bot, "ob:t:0730")
    assert "All set!" in bot.api.last("editMessageText").text


def test_the_buttons_know_every_answer_the_service_takes() -> None:
    assert set(KIT_LETTERS) == set(EQUIPMENT_CHOICES)
    assert set(HEALTH_LETTERS) == set(CONDITION_CHOICES)


async def test_answers_are_ticked_stored_and_suggest_a_program(bot: Harness) -> None:
    bot.clock.set(MORNING)
    await bot.command(IDA, "start")
    await tap(bot, "ob:x:new")
    question = bot.api.last("editMessageText")
    assert "Quick question 2 of 3" in question.text
    assert data_of(question)[:3] == ["ob:k:b", "ob:k:d", "ob:k:g"]

    await tap(bot, "ob:k:b")  # tick bands, then dumbbells, then untick bands
    assert labels_of(bot.api.last("editMessageText"))[0] == "☑️ Resistance bands"
    await tap(bot, "ob:k:bd")
    await tap(bot, "ob:k:d")
    ticked = bot.api.last("editMessageText")
    assert labels_of(ticked)[:2] == ["▫️ Resistance bands", "☑️ Dumbbells or a kettlebell"]
    assert "ob:k:d:ok" in data_of(ticked)  # ✅ Done saves what is ticked
    member = await bot.app.bot_data.members.get(IDA.id)
    assert member is not None
    assert member.equipment is None  # ticking alone stores nothing

    await tap(bot, "ob:k:d:ok")
    question = bot.api.last("editMessageText")
    assert "Quick question 3 of 3" in question.text
    assert labels_of(question)[:4] == [
        "▫️ Knee pain",
        "▫️ Back pain",
        "▫️ Pregnant or postpartum",
        "▫️ After a recent injury or surgery",
    ]
    await tap(bot, "ob:h:k")
    await tap(bot, "ob:h:k:ok")
    programs = bot.api.last("editMessageText")
    assert "Step 1 of 3: choose your program" in programs.text
    assert "For you I suggest <b>Beginner Basics</b>" in programs.text
    assert labels_of(programs)[0] == "⭐ Beginner Basics"
    member = await bot.app.bot_data.members.get(IDA.id)
    assert member is not None
    assert (member.experience, member.equipment, member.conditions) == ("new", "dumbbells", "knee")

    await finish_setup(bot, "defy-gravity")  # any program may be picked
    session = await first_session(bot)
    assert "Day 1 of Defy Gravity" in session
    assert "🦵 <b>Knee pain:</b>" in session
    assert "Box squat (sit to stand)" in session
    assert "instead of Bodyweight squat (knee)" in session


async def test_pregnancy_suggests_the_gentle_start_and_swaps_lying_flat(bot: Harness) -> None:
    bot.clock.set(MORNING)
    await bot.command(IDA, "start")
    await tap(bot, "ob:x:regular")  # trains regularly, but pregnant: still the gentle start
    await tap(bot, "ob:k:0:ok")
    await tap(bot, "ob:h:p:ok")
    programs = bot.api.last("editMessageText")
    assert "For you I suggest <b>Beginner Basics</b>: a gentle start" in programs.text
    await finish_setup(bot, "beginner-basics")
    session = await first_session(bot)
    assert "🤰 <b>Pregnant or postpartum:</b> get clearance" in session
    assert "instead of Glute bridge (pregnancy)" in session
    assert "instead of Figure-four stretch (pregnancy)" in session
    assert "Foam rolling the glutes (no equipment)" in session  # left out: no roller
    assert "Stop if anything hurts" in session


async def test_training_regularly_without_conditions_suggests_defy_gravity(bot: Harness) -> None:
    bot.clock.set(MORNING)
    await bot.command(IDA, "start")
    await tap(bot, "ob:x:regular")
    await tap(bot, "ob:k:g:ok")
    await tap(bot, "ob:h:0:ok")
    assert labels_of(bot.api.last("editMessageText"))[0] == "⭐ Defy Gravity"
    await finish_setup(bot, "defy-gravity")
    session = await first_session(bot)
    assert "instead of" not in session  # a gym has everything; nothing to swap
    assert "Left out today" not in session


async def test_a_member_without_answers_keeps_the_program_and_can_answer_later(
    bot: Harness, catalog: Catalog
) -> None:
    bot.clock.set(MORNING)
    await onboard(bot.app, IDA)  # as members did before the questions existed
    session = await first_session(bot)
    program = catalog.programs["defy-gravity"]
    as_written = render_program_day(catalog, program, program.days[0])
    assert as_written.text in session
    await bot.command(IDA, "settings")
    summary = bot.api.last()
    assert "About you: not answered yet" in summary.text
    assert "set:about" in data_of(summary)

    await tap(bot, "set:about")
    question = bot.api.last("editMessageText")  # in place of the settings
    assert "<b>About you</b>: how much have you trained before?" in question.text
    await tap(bot, "ob:x:some")
    await tap(bot, "ob:k:0:ok")
    await tap(bot, "ob:h:bk:ok")  # letters in any order
    saved = bot.api.last("editMessageText")
    assert "Saved: some experience · no equipment · knee pain, back pain" in saved.text
    await bot.command(IDA, "today")
    today = bot.api.last().text
    assert "🦵 <b>Knee pain:</b>" in today
    assert "🔙 <b>Back pain:</b>" in today
    assert "Left out today" in today
    await bot.command(IDA, "settings")
    assert "About you: some experience · no equipment · knee pain, back pain" in (
        bot.api.last().text
    )
    member = await bot.app.bot_data.members.get(IDA.id)
    assert member is not None
    assert member.program_start == date(2026, 3, 2)  # answering changed nothing else


@pytest.mark.parametrize("data", ["ob:x:expert", "ob:k:bb:ok", "ob:k:bz", "ob:h:kq:ok", "ob:h:"])
async def test_forged_answers_change_nothing(bot: Harness, data: str) -> None:
    await bot.command(IDA, "start")
    await tap(bot, data)
    assert "expired" in bot.api.last("answerCallbackQuery").params["text"]
    member = await bot.app.bot_data.members.get(IDA.id)
    assert member is not None
    assert (member.experience, member.equipment, member.conditions) == (None, None, None)


async def test_answers_from_a_stranger_and_a_double_tap(bot: Harness) -> None:
    await tap(bot, "ob:x:new", user=TgUser(id=6999))
    assert "Send /start first" in bot.api.last("answerCallbackQuery").params["text"]
    await bot.command(IDA, "start")
    await tap(bot, "ob:x:some")
    await tap(bot, "ob:x:some")  # the same answer twice: asked question 2 again, no harm
    await tap(bot, "ob:k:bd:ok")
    await tap(bot, "ob:k:bd:ok")
    member = await bot.app.bot_data.members.get(IDA.id)
    assert member is not None
    assert (member.experience, member.equipment) == ("some", "bands,dumbbells")
    assert "Quick question 3 of 3" in bot.api.last("editMessageText").text
