"""The shared handler plumbing: edits that change nothing, Telegram's "not
modified", and the harness that fails a test whose handler crashed."""

from __future__ import annotations

import pytest

from bot.render import callbacks
from tests.kit.harness import Harness
from tests.kit.members import onboard
from tests.kit.recording import Failure
from tests.kit.updates import TgUser

ROBIN = TgUser(id=4242, first_name="Robin")


@pytest.mark.handler_errors
async def test_a_crash_in_the_my_chat_member_path_is_seen(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error handler answers politely, and the harness still records the crash."""

    async def planted(*args: object) -> None:
        raise RuntimeError("planted")

    await onboard(bot.app, ROBIN)
    monkeypatch.setattr(bot.app.bot_data.members, "set_reachable", planted)
    await bot.send(bot.updates.my_chat_member(ROBIN, "kicked"))
    assert [str(error) for error in bot.handler_errors] == ["planted"]


@pytest.mark.handler_errors
async def test_an_edit_refused_for_another_reason_is_a_crash(bot: Harness) -> None:
    await bot.send(bot.updates.callback(ROBIN, callbacks.menu("an")))
    bot.api.fail_next("editMessageText", Failure(400, "Bad Request: message to edit not found"))
    await bot.send(bot.updates.callback(ROBIN, callbacks.menu("ex")))
    assert len(bot.handler_errors) == 1
    assert "not found" in str(bot.handler_errors[0])


async def test_not_modified_is_taken_as_done(bot: Harness) -> None:
    bot.api.fail_next("editMessageText", Failure(400, "Bad Request: message is not modified"))
    await bot.send(bot.updates.callback(ROBIN, callbacks.menu("an")))
    assert bot.api.methods()[-1] == "editMessageText"
    assert bot.handler_errors == []


async def test_an_edit_that_changes_nothing_is_not_sent(bot: Harness) -> None:
    """A second press on "Keep my data": the message already says so."""
    bot.api.clear()
    await bot.send(bot.updates.callback(ROBIN, "fg:no", message_text="Are you sure?"))
    assert bot.api.methods() == ["answerCallbackQuery", "editMessageText"]
    bot.api.clear()
    await bot.send(bot.updates.callback(ROBIN, "fg:no", message_text="Nothing was deleted."))
    assert bot.api.methods() == ["answerCallbackQuery"]


@pytest.mark.parametrize("data", [callbacks.menu("ex"), "fg:no", "set:pause"])
async def test_a_forged_press_on_a_photo_is_answered_without_an_edit(
    bot: Harness, data: str
) -> None:
    """The bot never puts buttons on a photo or a file, but a modified client can
    press 'one' there; Telegram cannot edit the text of such a message."""
    await onboard(bot.app, ROBIN)
    await bot.send(bot.updates.callback(ROBIN, data, message_text=None))

    assert [c.method for c in bot.api.calls[-1:]] == ["answerCallbackQuery"]
    assert bot.api.sent("editMessageText") == []


async def test_nul_characters_from_a_client_do_not_break_postgresql(bot: Harness) -> None:
    """Telegram passes on U+0000 in what a client sends; PostgreSQL text cannot
    hold it. A name and a note with one are stored (as U+FFFD) on both engines."""
    await onboard(bot.app, ROBIN)
    renamed = TgUser(id=ROBIN.id, first_name="Ro\x00bin")
    await bot.command(renamed, "start")  # the profile is refreshed from the update
    welcome = bot.api.last().text
    await bot.command(renamed, "checkin", "legs\x00 like jelly")

    member = await bot.app.bot_data.members.get(ROBIN.id)
    assert member is not None
    assert member.first_name == "Ro\ufffdbin"
    assert "Ro\ufffdbin" in welcome
    assert "Note saved" in bot.api.last().text
