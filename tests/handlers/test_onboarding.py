"""Onboarding and settings as a member types and taps them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.kit.asserts import assert_all_valid, assert_telegram_valid
from tests.kit.harness import Harness
from tests.kit.members import move_start, onboard
from tests.kit.updates import TgUser, group_chat

LEA = TgUser(id=2001, first_name="Lea")


def data_of(call_buttons: list[dict[str, object]]) -> list[str]:
    return [str(b.get("callback_data")) for b in call_buttons]


async def tap(bot: Harness, user: TgUser, data: str) -> None:
    await bot.send(bot.updates.callback(user, data))


async def test_onboarding_by_buttons(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 3, 2, 5, 0, tzinfo=UTC))  # 06:00 in Berlin
    await bot.command(LEA, "start")
    welcome = bot.api.last()
    assert "Welcome to <b>Defy Gravity</b>, Lea" in welcome.text
    assert "not a doctor" in welcome.text
    assert "Quick question 1 of 3" in welcome.text
    assert data_of(welcome.buttons()) == ["ob:x:new", "ob:x:some", "ob:x:regular"]

    await tap(bot, LEA, "ob:x:regular")
    await tap(bot, LEA, "ob:k:0:ok")  # 🚫 Nothing
    await tap(bot, LEA, "ob:h:0:ok")  # 👍 None of these
    programs = bot.api.last("editMessageText")
    assert "Step 1 of 3" in programs.text
    assert "For you I suggest <b>Defy Gravity</b>" in programs.text
    assert {"ob:p:defy-gravity", "ob:p:beginner-basics"} <= set(data_of(programs.buttons()))

    await tap(bot, LEA, "ob:p:defy-gravity")
    zone_question = bot.api.last("editMessageText")
    assert "Step 2 of 3" in zone_question.text
    assert "ob:z:Europe/Berlin" in data_of(zone_question.buttons())

    offer = bot.api.last("sendMessage")
    assert offer.reply_markup is not None
    assert offer.reply_markup["keyboard"] == [
        [{"text": "📍 Send my location", "request_location": True}]
    ]

    # Each tap turns the same message into the next step: no picker left behind.
    await tap(bot, LEA, "ob:z:Europe/Berlin")
    time_question = bot.api.last("editMessageText")
    assert "Step 3 of 3" in time_question.text
    assert "ob:t:0730" in data_of(time_question.buttons())

    await tap(bot, LEA, "ob:t:0730")
    done = bot.api.last("editMessageText")
    assert "All set!" in done.text
    assert "Monday 02 March at 07:30" in done.text
    member = await bot.app.bot_data.members.get(LEA.id)
    assert member is not None
    assert member.program_id == "defy-gravity"
    assert member.reminder_time == time(7, 30)
    assert member.next_reminder_at == datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
    assert_all_valid(bot.api.sent())


async def test_onboarding_by_typing(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    await bot.command(LEA, "start")
    await tap(bot, LEA, "ob:p:beginner-basics")
    await bot.text(LEA, "Mars")
    assert "I don't know that place" in bot.api.last().text
    await bot.text(LEA, "tokyo")
    assert "Step 3 of 3" in bot.api.last().text
    await bot.text(LEA, "quarter past seven")
    assert "07:30" in bot.api.last().text  # the example in the help
    await bot.text(LEA, "6:45 pm")
    assert "All set!" in bot.api.last().text
    member = await bot.app.bot_data.members.get(LEA.id)
    assert member is not None
    assert member.timezone == "Asia/Tokyo"
    assert member.reminder_time == time(18, 45)
    # 12:00 UTC is 21:00 in Tokyo: the first session is tomorrow there.
    assert member.next_reminder_at == datetime(2026, 3, 3, 9, 45, tzinfo=UTC)
    assert member.program_start is not None
    assert member.program_start.isoformat() == "2026-03-03"


async def test_second_start_keeps_data_and_offers_settings(bot: Harness) -> None:
    await onboard(bot.app, LEA)
    await bot.command(LEA, "start")
    reply = bot.api.last()
    assert "Welcome back, Lea" in reply.text
    assert "Your settings" in reply.text
    assert "set:time" in data_of(reply.buttons())


async def test_deep_link_with_unknown_code_is_polite(bot: Harness) -> None:
    await bot.command(LEA, "start", "NOPE123")
    texts = bot.replies(LEA.id)
    assert any("not one I know" in t for t in texts)
    assert any("Quick question 1 of 3" in t for t in texts)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("07:45", "Daily session at 07:45"),
        ("7pm", "Daily session at 19:00"),
        ("25:00", "25 isn't an hour of the day"),
        ("7:60", "60 isn't a minute"),
    ],
)
async def test_time_command(bot: Harness, args: str, expected: str) -> None:
    await onboard(bot.app, LEA)
    await bot.command(LEA, "time", args)
    assert expected in bot.api.last().text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("America/New_York", "America/New_York"),
        ("berlin", "Europe/Berlin"),
        ("UTC+2", "UTC+2 (fixed, no daylight saving)"),
        ("Atlantis/Lost", "I don't know that place"),
        ("Lisboa", "Europe/Lisbon"),
        ("Cluj", "Europe/Bucharest"),
    ],
)
async def test_timezone_command(bot: Harness, args: str, expected: str) -> None:
    await onboard(bot.app, LEA)
    await bot.command(LEA, "timezone", args)
    assert expected in bot.api.last().text


async def test_time_without_argument_asks_and_waits_for_the_answer(bot: Harness) -> None:
    await onboard(bot.app, LEA)
    await bot.command(LEA, "time")
    assert "Your session time" in bot.api.last().text
    await bot.text(LEA, "06:15")
    assert "Daily session at 06:15" in bot.api.last().text
    await bot.text(LEA, "hello again")  # nothing pending any more
    assert "/help" in bot.api.last().text


async def test_settings_buttons(bot: Harness) -> None:
    await onboard(bot.app, LEA)
    await bot.command(LEA, "settings")
    summary = bot.api.last()
    assert "Daily session: 07:30" in summary.text
    await tap(bot, LEA, "set:pause")
    assert "paused" in bot.api.last("editMessageText").text
    await tap(bot, LEA, "set:resume")
    assert "active" in bot.api.last("editMessageText").text
    await tap(bot, LEA, "set:program")
    assert "Restart Defy Gravity" in str(bot.api.last().buttons())
    await tap(bot, LEA, "set:bogus")
    assert_all_valid(bot.api.sent())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", "until you send /resume"),
        ("7", "Paused until"),
        ("0", "number of days from 1 to 90"),
        ("91", "number of days from 1 to 90"),
        ("soon", "number of days from 1 to 90"),
    ],
)
async def test_pause_command(bot: Harness, args: str, expected: str) -> None:
    await onboard(bot.app, LEA)
    await bot.command(LEA, "pause", args)
    assert expected in bot.api.last().text


async def test_resume_and_stop(bot: Harness) -> None:
    await onboard(bot.app, LEA)
    await bot.command(LEA, "resume")
    assert "not paused" in bot.api.last().text
    await bot.command(LEA, "pause")
    await bot.command(LEA, "resume")
    assert "Welcome back" in bot.api.last().text
    await bot.command(LEA, "stop")
    assert "not send you anything" in bot.api.last().text
    member = await bot.app.bot_data.members.get(LEA.id)
    assert member is not None
    assert member.status == "left"
    assert member.next_reminder_at is None
    await bot.command(LEA, "start")
    member = await bot.app.bot_data.members.get(LEA.id)
    assert member is not None
    assert member.status == "active"
    assert member.next_reminder_at is not None


async def test_today_on_demand(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 3, 2, 5, 0, tzinfo=UTC))
    await onboard(bot.app, LEA)
    bot.clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))
    await bot.command(LEA, "today")
    reply = bot.api.last()
    assert "Day 1 of Defy Gravity" in reply.text
    assert data_of(reply.buttons())[:2] == ["ci:d:20260302", "ci:s:20260302"]
    assert_telegram_valid(reply)


async def test_today_before_the_first_session_is_a_preview(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # 13:00 Berlin, after 07:30
    await onboard(bot.app, LEA)
    await bot.command(LEA, "today")
    assert "starts on Tuesday 03 March" in bot.api.last().text


@pytest.mark.parametrize(
    "command", ["settings", "time", "timezone", "pause", "resume", "stop", "today", "program"]
)
async def test_member_commands_before_start(bot: Harness, command: str) -> None:
    await bot.command(LEA, command)
    assert "send /start" in bot.api.last().text


@pytest.mark.parametrize("command", ["start", "settings", "pause", "today"])
async def test_member_commands_in_a_group_point_to_the_private_chat(
    bot: Harness, command: str
) -> None:
    await bot.command(LEA, command, chat=group_chat(), mention_bot=True)
    reply = bot.api.last()
    assert "private chat" in reply.text
    assert reply.buttons()[0]["url"].startswith("https://t.me/")


@pytest.mark.parametrize(
    "data", ["ob:p:no-such-program", "ob:z:Mars/Base", "ob:t:9999", "ob:x", "pg:nope"]
)
async def test_stale_onboarding_buttons(bot: Harness, data: str) -> None:
    await onboard(bot.app, LEA)
    await tap(bot, LEA, data)
    answer = bot.api.calls[-1]
    assert answer.method == "answerCallbackQuery"
    assert "no longer" in answer.params.get("text", "") or "expired" in answer.params.get(
        "text", ""
    )


async def test_buttons_from_a_stranger_ask_them_to_start(bot: Harness) -> None:
    await tap(bot, TgUser(id=999), "ob:p:defy-gravity")
    assert "Send /start first" in bot.api.calls[-1].params["text"]


async def test_after_program_buttons(bot: Harness) -> None:
    await onboard(bot.app, LEA, program="beginner-basics")
    await tap(bot, LEA, "pg:defy-gravity")  # mid-program: an old message's button
    member = await bot.app.bot_data.members.get(LEA.id)
    assert member is not None
    assert member.program_id == "beginner-basics"
    assert "no longer open" in bot.api.last("answerCallbackQuery").params["text"]

    await move_start(bot.app, LEA.id, date(2026, 3, 2) - timedelta(days=28))  # day 29
    await tap(bot, LEA, "pg:stop")  # a button from before they carried the run
    member = await bot.app.bot_data.members.get(LEA.id)
    assert member is not None
    assert member.status == "left"
    await tap(bot, LEA, "pg:defy-gravity")
    member = await bot.app.bot_data.members.get(LEA.id)
    assert member is not None
    assert (member.program_id, member.status) == ("defy-gravity", "active")
    assert "Defy Gravity</b>: day 1 is" in bot.api.last("editMessageText").text


async def test_the_program_list_says_maintenance_is_ongoing(bot: Harness) -> None:
    await bot.command(LEA, "start")
    await bot.command(LEA, "program")
    text = bot.api.last().text
    assert "<b>Maintenance</b> (ongoing, 3 sessions a week)" in text
    assert "<b>Defy Gravity</b> (28 days)" in text
    assert "(7 days)" not in text


async def test_zone_buttons_are_all_real_zones() -> None:
    from bot.render.onboarding import COMMON_ZONES

    for _, zone in COMMON_ZONES:
        ZoneInfo(zone)
        assert len(f"ob:z:{zone}".encode()) <= 64


def berlin(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(
        UTC
    )


async def tick_and_send(bot: Harness) -> int:
    await bot.services.ticker.tick()
    return int(await bot.services.sender.drain())


async def test_settings_during_a_pause_show_the_first_session_after_it(bot: Harness) -> None:
    bot.clock.set(berlin(2, 6))
    await onboard(bot.app, LEA)
    bot.clock.set(berlin(2, 20))  # after today's 07:30 session: the pause starts tomorrow
    await bot.command(LEA, "pause", "3")
    assert "First session after the break: Friday 06 March at 07:30" in bot.api.last().text
    await bot.command(LEA, "settings")
    assert "Next session: Friday 06 March at 07:30, after your break" in bot.api.last().text
    await bot.command(LEA, "time", "18:15")
    assert "Next: Friday 06 March at 18:15, after your break" in bot.api.last().text
    # It is what the tick does: nothing on 3-5 March, then that session.
    for day in (3, 4, 5):
        bot.clock.set(berlin(day, 18, 20))
        assert await tick_and_send(bot) == 0
    bot.clock.set(berlin(6, 18, 15))
    assert await tick_and_send(bot) == 1
    assert "Day 2 of Defy Gravity" in bot.api.last("sendMessage").text


async def test_settings_during_an_open_pause_and_across_the_dst_change(bot: Harness) -> None:
    bot.clock.set(berlin(26, 6))
    await onboard(bot.app, LEA)
    await bot.command(LEA, "pause")
    await bot.command(LEA, "settings")
    assert "Next session: when you send /resume" in bot.api.last().text
    await bot.command(LEA, "resume")
    # Berlin springs forward on Sunday 29 March: 07:30 is 05:30 UTC from then on.
    bot.clock.set(berlin(27, 20))
    await bot.command(LEA, "pause", "2")
    await bot.command(LEA, "settings")
    assert "Next session: Monday 30 March at 07:30, after your break" in bot.api.last().text
    bot.clock.set(datetime(2026, 3, 30, 5, 30, tzinfo=UTC))
    assert await tick_and_send(bot) == 1


async def test_a_new_time_after_todays_session_starts_tomorrow(bot: Harness) -> None:
    bot.clock.set(berlin(2, 6))
    await onboard(bot.app, LEA)
    await bot.command(LEA, "time", "08:00")  # before today's session: still today
    assert "Daily session at 08:00. Next: today at 08:00." in bot.api.last().text
    bot.clock.set(berlin(2, 8))
    assert await tick_and_send(bot) == 1  # day 1 went out at 08:00
    bot.clock.set(berlin(2, 12))
    await bot.command(LEA, "time", "19:00")
    assert "Daily session at 19:00, from tomorrow at 19:00." in bot.api.last().text
    member = await bot.app.bot_data.members.get(LEA.id)
    assert member is not None
    assert member.next_reminder_at == berlin(3, 19)
    bot.clock.set(berlin(2, 19, 5))
    assert await tick_and_send(bot) == 0  # no second session today
    bot.clock.set(berlin(3, 19))
    assert await tick_and_send(bot) == 1
    assert "Day 2 of Defy Gravity" in bot.api.last("sendMessage").text


async def test_a_checkin_before_the_session_time_also_moves_a_new_time_to_tomorrow(
    bot: Harness,
) -> None:
    bot.clock.set(berlin(2, 6))
    await onboard(bot.app, LEA, at=time(18, 0))
    await bot.command(LEA, "checkin")  # did it in the morning, before the 18:00 session
    await bot.command(LEA, "time", "19:30")
    assert "from tomorrow at 19:30" in bot.api.last().text
    bot.clock.set(berlin(2, 23, 30))  # 07:30 on Tuesday 3 March in Tokyo: another day
    await bot.command(LEA, "timezone", "Asia/Tokyo")
    assert "Next: today at 19:30." in bot.api.last().text


async def test_a_new_zone_after_todays_session_starts_tomorrow(bot: Harness) -> None:
    bot.clock.set(berlin(2, 6))
    await onboard(bot.app, LEA)
    bot.clock.set(berlin(2, 7, 30))
    assert await tick_and_send(bot) == 1
    bot.clock.set(berlin(2, 12))  # 06:00 in New York, still 2 March there
    await bot.command(LEA, "timezone", "America/New_York")
    assert "America/New_York, from tomorrow at 07:30." in bot.api.last().text
    bot.clock.set(datetime(2026, 3, 2, 12, 30, tzinfo=UTC))  # 07:30 in New York
    assert await tick_and_send(bot) == 0


async def onboard_by_buttons(bot: Harness, user: TgUser) -> Any:
    await bot.command(user, "start")
    await tap(bot, user, "ob:p:defy-gravity")
    await tap(bot, user, "ob:z:Europe/Berlin")
    await tap(bot, user, "ob:t:0730")
    return bot.api.last("editMessageText")  # the time picker became the summary


async def test_joining_after_the_session_time_offers_to_start_today(bot: Harness) -> None:
    bot.clock.set(berlin(2, 13))  # 13:00 in Berlin: today's 07:30 has passed
    done = await onboard_by_buttons(bot, LEA)
    assert "All set!" in done.text
    assert "Tuesday 03 March at 07:30" in done.text
    assert data_of(done.buttons()) == ["ob:s:20260302", "ob:s:20260303"]
    assert [b["text"] for b in done.buttons()] == ["▶ Start today", "Start tomorrow"]

    await tap(bot, LEA, "ob:s:20260302")
    assert "Day 1 is today" in bot.api.last("editMessageText").text
    session = bot.api.last("sendMessage")
    assert "Day 1 of Defy Gravity" in session.text
    assert data_of(session.buttons())[:2] == ["ci:d:20260302", "ci:s:20260302"]
    member = await bot.app.bot_data.members.get(LEA.id)
    assert member is not None
    assert member.program_start == date(2026, 3, 2)
    assert member.next_reminder_at == berlin(3, 7, 30)  # tomorrow's is day 2

    await tap(bot, LEA, "ob:s:20260302")  # a second tap (or a redelivery): nothing new
    assert "already" in bot.api.last("answerCallbackQuery").params["text"]
    assert len([c for c in bot.api.sent("sendMessage") if "Day 1 of" in c.text]) == 1

    await tap(bot, LEA, "ci:d:20260302")
    assert (await bot.app.bot_data.members.get(LEA.id)) is not None
    await bot.command(LEA, "today")
    assert "Done today" in bot.api.last().text
    bot.clock.set(berlin(3, 7, 30))
    assert await tick_and_send(bot) == 1
    assert "Day 2 of Defy Gravity" in bot.api.last("sendMessage").text


async def test_start_tomorrow_keeps_the_plan_and_a_stale_start_today_is_refused(
    bot: Harness,
) -> None:
    bot.clock.set(berlin(2, 23, 50))  # ten minutes before midnight
    await onboard_by_buttons(bot, LEA)
    await tap(bot, LEA, "ob:s:20260303")
    assert "Day 1 comes Tuesday 03 March at 07:30" in bot.api.last("editMessageText").text
    bot.clock.set(berlin(3, 0, 5))  # the next day in Berlin: the offer is over
    await tap(bot, LEA, "ob:s:20260302")
    answer = bot.api.last("answerCallbackQuery")
    assert "another day" in answer.params["text"]
    assert answer.params["show_alert"] is True
    await tap(bot, LEA, "ob:s:20260303")  # tomorrow has come: day 1 is today already
    assert "already" in bot.api.last("answerCallbackQuery").params["text"]
    member = await bot.app.bot_data.members.get(LEA.id)
    assert member is not None
    assert member.program_start == date(2026, 3, 3)
    assert not [c for c in bot.api.sent("sendMessage") if "Day 1 of" in c.text]


async def test_joining_before_the_session_time_needs_no_start_today(bot: Harness) -> None:
    bot.clock.set(berlin(2, 6))
    done = await onboard_by_buttons(bot, LEA)
    assert "All set!" in done.text
    assert done.buttons() == []


async def test_start_today_from_a_stranger_or_before_a_program(bot: Harness) -> None:
    await tap(bot, TgUser(id=4242), "ob:s:20260302")
    assert "Send /start first" in bot.api.last("answerCallbackQuery").params["text"]
    await bot.command(LEA, "start")
    await tap(bot, LEA, "ob:s:20260302")
    assert "another day" in bot.api.last("answerCallbackQuery").params["text"]
