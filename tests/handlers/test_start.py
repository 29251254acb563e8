"""/start, /help and the answers to everything else a user can type."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.app import build_application
from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import Member
from tests.conftest import ADMIN
from tests.kit.asserts import assert_all_valid
from tests.kit.harness import Harness
from tests.kit.recording import Failure, RecordingRequest
from tests.kit.updates import TgUser, UpdateFactory, group_chat

ALEX = TgUser(id=111, first_name="Alex", username="alex_lifts")


async def member_count(bot: Harness) -> int:
    async with bot.app.bot_data.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_start_registers_and_greets(bot: Harness) -> None:
    await bot.command(ALEX, "start")

    reply = bot.api.last("sendMessage")
    assert reply.chat_id == ALEX.id
    assert "Welcome to <b>Defy Gravity</b>, Alex" in reply.text
    assert "not a doctor" in reply.text
    member = await bot.app.bot_data.members.get(ALEX.id)
    assert member is not None
    assert member.username == "alex_lifts"
    assert member.timezone == "Europe/Berlin"
    assert member.reminder_time.strftime("%H:%M") == "07:30"
    assert member.role == "member"
    assert member.status == "active"
    assert_all_valid(bot.api.sent())


async def test_second_start_changes_nothing_but_the_greeting(bot: Harness) -> None:
    await bot.command(ALEX, "start")
    first = await bot.app.bot_data.members.get(ALEX.id)
    bot.clock.advance(__import__("datetime").timedelta(days=3))

    await bot.command(ALEX, "start")

    assert await member_count(bot) == 1
    again = await bot.app.bot_data.members.get(ALEX.id)
    assert again is not None
    assert first is not None
    assert again.id == first.id
    assert again.created_at == first.created_at
    # Not onboarded yet: the second /start shows the first question again.
    assert "Quick question 1 of 3" in bot.api.last().text
    assert "Welcome to" not in bot.api.last().text


async def test_admin_from_settings_gets_admin_role(bot: Harness) -> None:
    await bot.command(ADMIN, "start")
    member = await bot.app.bot_data.members.get(ADMIN.id)
    assert member is not None
    assert member.role == "admin"


async def test_help_lists_commands(bot: Harness) -> None:
    await bot.command(ALEX, "help")
    text = bot.api.last().text
    assert "/start" in text
    assert "/help" in text
    assert_all_valid(bot.api.sent())


@pytest.mark.parametrize(
    ("first_name", "expected"),
    [
        ("<b>Bob</b> & co", "&lt;b&gt;Bob&lt;/b&gt; &amp; co"),
        ("🏋️‍♀️ Zoë", "🏋️‍♀️ Zoë"),
        ("   ", "there"),
        ("x" * 200, "x" * 39 + "…"),
    ],
)
async def test_names_are_escaped_and_kept_short(
    bot: Harness, first_name: str, expected: str
) -> None:
    user = TgUser(id=222, first_name=first_name)
    await bot.command(user, "start")
    reply = bot.api.last()
    assert expected in reply.text
    assert_all_valid([reply])


async def test_start_in_a_group_points_to_private_chat(bot: Harness) -> None:
    await bot.command(ALEX, "start", chat=group_chat(), mention_bot=True)
    reply = bot.api.last()
    assert reply.chat_id == group_chat()["id"]
    assert "private" in reply.text
    assert await member_count(bot) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/strat", "I don't know <code>/strat</code>"),
        ("/" + "a" * 60, "I don't know <code>/" + "a" * 30 + "…</code>"),
        ("/<b>", None),  # not a command entity Telegram would send, but must not break
    ],
)
async def test_unknown_commands_get_a_pointer_to_help(
    bot: Harness, text: str, expected: str | None
) -> None:
    await bot.text(ALEX, text)
    reply = bot.api.last()
    assert "/help" in reply.text
    if expected:
        assert expected in reply.text
    assert_all_valid([reply])


@pytest.mark.parametrize("text", ["hello there, what is this", "🍑" * 50, "x" * 5000, "<script>&"])
async def test_free_text_in_private_gets_a_short_answer(bot: Harness, text: str) -> None:
    await bot.text(ALEX, text)
    reply = bot.api.last()
    assert "/help" in reply.text
    assert len(reply.text) < 200


async def test_unknown_command_in_a_group_is_left_to_other_bots(bot: Harness) -> None:
    await bot.text(ALEX, "/weather", chat=group_chat())
    assert bot.api.sent() == []


async def test_repeated_update_is_handled_once(bot: Harness) -> None:
    update = bot.updates.command(ALEX, "start", update_id=424242)
    await bot.send(update)
    await bot.send(update)
    assert len(bot.api.sent("sendMessage")) == 1
    assert await member_count(bot) == 1


@pytest.mark.handler_errors
async def test_failure_is_logged_with_update_id_and_user_gets_a_friendly_reply(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(bot.app.bot_data.members, "register", boom)
    with caplog.at_level(logging.WARNING):
        await bot.send(bot.updates.command(ALEX, "start", update_id=777))
        # The first attempts fail quietly and are retried; the last one answers.
        assert bot.api.sent("sendMessage") == []
        await bot.later(2)
        assert bot.api.sent("sendMessage") == []
        await bot.later(8)

    assert len(bot.api.sent("sendMessage")) == 1
    assert len(bot.handler_errors) == 3
    reply = bot.api.last()
    assert "Sorry, something went wrong" in reply.text
    assert "database on fire" not in reply.text
    assert "Traceback" not in reply.text
    assert any("update 777" in record.getMessage() for record in caplog.records)


async def test_blocking_and_unblocking_the_bot(bot: Harness) -> None:
    await bot.command(ALEX, "start")
    await bot.send(bot.updates.my_chat_member(ALEX, "kicked"))
    member = await bot.app.bot_data.members.get(ALEX.id)
    assert member is not None
    assert member.status == "blocked"

    await bot.send(bot.updates.my_chat_member(ALEX, "member", old_status="kicked"))
    member = await bot.app.bot_data.members.get(ALEX.id)
    assert member is not None
    assert member.status == "active"


async def test_block_from_a_stranger_is_harmless(bot: Harness) -> None:
    await bot.send(bot.updates.my_chat_member(TgUser(id=5), "kicked"))
    assert await member_count(bot) == 0


async def test_post_init_publishes_the_command_menu(bot: Harness) -> None:
    call = next(c for c in bot.api.calls if c.method == "setMyCommands")
    names = [entry["command"] for entry in call.params["commands"]]
    assert names[0] == "start"
    assert {"help", "anatomy", "exercise", "stretch", "learn"} <= set(names)


async def test_production_build_waits_out_flood_control_in_replies(
    settings: Settings, clock: ManualClock, catalog: Catalog
) -> None:
    """With the rate limiter (as `run` builds it), a 429 on a reply is retried."""
    request = RecordingRequest()
    app = build_application(
        settings, clock=clock, request=request, updates_request=request, catalog=catalog,
        workers=False,
    )  # fmt: skip
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    try:
        request.fail_next(
            "sendMessage", Failure(429, "Too Many Requests: retry after 1", retry_after=1)
        )
        await app.process_update(UpdateFactory(app.bot).command(ALEX, "help"))
        sends = [c for c in request.calls if c.method == "sendMessage"]
        assert [c.refused is not None for c in sends] == [True, False]
        assert "/start" in sends[-1].text
    finally:
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
