"""The daily session end to end through tick, outbox and sender, with a moved clock."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.db.models import Member, Outbox
from tests.kit.asserts import assert_all_valid
from tests.kit.harness import Harness, second_instance
from tests.kit.members import onboard
from tests.kit.recording import BAD_GATEWAY, FORBIDDEN_BLOCKED, Failure
from tests.kit.updates import TgUser

KAI = TgUser(id=1001, first_name="Kai")
MIA = TgUser(id=1002, first_name="Mia")
NOA = TgUser(id=1003, first_name="Noa")
BERLIN = ZoneInfo("Europe/Berlin")


def at_local(day: date, hour: int, minute: int, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


async def run_once(bot: Harness) -> int:
    """One tick and a full drain of the outbox; the number of messages handled."""
    services = bot.app.bot_data.services
    await services.ticker.tick()
    return await services.sender.drain()


async def outbox_rows(bot: Harness) -> list[Outbox]:
    async with bot.app.bot_data.database.sessions() as session:
        return list(await session.scalars(select(Outbox).order_by(Outbox.id)))


async def member_row(bot: Harness, telegram_id: int) -> Member:
    async with bot.app.bot_data.database.sessions() as session:
        row = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
        assert row is not None
        return row


def sessions_to(bot: Harness, chat_id: int) -> list[str]:
    return [c.text for c in bot.api.sent("sendMessage", chat_id) if "Day " in c.text]


async def test_first_session_arrives_at_the_chosen_local_time(bot: Harness) -> None:
    bot.clock.set(at_local(date(2026, 3, 2), 6, 0))
    member = await onboard(bot.app, KAI)
    assert member.program_start == date(2026, 3, 2)
    assert member.next_reminder_at == at_local(date(2026, 3, 2), 7, 30)

    bot.clock.set(at_local(date(2026, 3, 2), 7, 29))
    assert await run_once(bot) == 0
    bot.clock.set(at_local(date(2026, 3, 2), 7, 30))
    assert await run_once(bot) == 1

    message = bot.api.last("sendMessage")
    assert message.chat_id == KAI.id
    assert "Day 1 of Defy Gravity" in message.text
    assert "Hi Kai" in message.text
    assert "Stop if anything hurts" in message.text
    data = [b["callback_data"] for b in message.buttons()]
    assert data[:2] == ["ci:d:20260302", "ci:s:20260302"]
    assert any(d.startswith("c:") for d in data)  # How-to buttons
    assert_all_valid(bot.api.sent())
    row = (await outbox_rows(bot))[0]
    assert row.status == "sent"
    assert row.telegram_message_id is not None
    assert row.dedupe_key == f"rem:{row.member_id}:2026-03-02"
    assert (await member_row(bot, KAI.id)).next_reminder_at == at_local(date(2026, 3, 3), 7, 30)


async def test_ticking_twice_or_from_a_second_process_sends_once(bot: Harness) -> None:
    bot.clock.set(at_local(date(2026, 3, 2), 6, 0))
    await onboard(bot.app, KAI)
    bot.clock.set(at_local(date(2026, 3, 2), 7, 31))
    services = bot.app.bot_data.services
    await services.ticker.tick()
    await services.ticker.tick()

    # A restart: a second application on the same database ticks and sends too.
    async with second_instance(bot) as second:
        await second.services.ticker.tick()
        await second.services.sender.drain()
        await services.sender.drain()
        total = len(sessions_to(bot, KAI.id)) + len(second.api.sent("sendMessage"))
    assert total == 1
    assert len(await outbox_rows(bot)) == 1


async def test_a_week_across_dst_in_three_zones(bot: Harness) -> None:
    """Tokyo (no DST), Berlin (spring forward on 29 March) and New York, all at 07:30."""
    start = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)
    bot.clock.set(start)
    people = {
        KAI.id: ZoneInfo("Asia/Tokyo"),
        MIA.id: ZoneInfo("Europe/Berlin"),
        NOA.id: ZoneInfo("America/New_York"),
    }
    for user in (KAI, MIA, NOA):
        await onboard(bot.app, user, zone=people[user.id].key, at=time(7, 30))

    step = timedelta(minutes=10)
    sent_at: dict[int, list[datetime]] = defaultdict(list)
    now = start
    while now < start + timedelta(days=8):
        now += step
        bot.clock.set(now)
        before = len(bot.api.sent("sendMessage"))
        await run_once(bot)
        for call in bot.api.sent("sendMessage")[before:]:
            assert call.chat_id is not None
            sent_at[call.chat_id].append(now)

    for user_id, zone in people.items():
        local = [instant.astimezone(zone) for instant in sent_at[user_id]]
        days = [moment.date() for moment in local]
        assert len(days) == len(set(days)), f"two sessions on one day for {zone.key}"
        assert len(days) == 8, (zone.key, days)
        for moment in local:
            # Sent by the first tick at or after 07:30 local (ticks are 10 minutes apart here).
            assert time(7, 30) <= moment.time() < time(7, 40), (zone.key, moment)
    berlin = [m.astimezone(BERLIN) for m in sent_at[MIA.id]]
    assert {m.utcoffset() for m in berlin} == {timedelta(hours=1), timedelta(hours=2)}
    day_numbers = [int(t.split("Day ")[1].split(" ")[0]) for t in sessions_to(bot, MIA.id)]
    assert day_numbers == list(range(1, 9))


async def test_downtime_up_to_three_hours_is_caught_up_and_older_is_skipped(bot: Harness) -> None:
    bot.clock.set(at_local(date(2026, 3, 2), 6, 0))
    await onboard(bot.app, KAI)
    # Down from before 07:30 until 10:15 (2 h 45 late): still sent, for today.
    bot.clock.set(at_local(date(2026, 3, 2), 10, 15))
    assert await run_once(bot) == 1
    # Down all of the next day until 11:00 (3 h 30 late): skipped, not sent at 11:00.
    bot.clock.set(at_local(date(2026, 3, 3), 11, 0))
    assert await run_once(bot) == 0
    assert (await member_row(bot, KAI.id)).next_reminder_at == at_local(date(2026, 3, 4), 7, 30)
    # Down for days: at 00:10 yesterday's session is never sent.
    bot.clock.set(at_local(date(2026, 3, 7), 0, 10))
    assert await run_once(bot) == 0
    bot.clock.set(at_local(date(2026, 3, 7), 7, 30))
    assert await run_once(bot) == 1
    assert len(sessions_to(bot, KAI.id)) == 2


async def test_pause_and_resume_keep_the_program_day(bot: Harness) -> None:
    bot.clock.set(at_local(date(2026, 3, 2), 6, 0))
    await onboard(bot.app, KAI)
    settings = bot.app.bot_data.services.preferences
    bot.clock.set(at_local(date(2026, 3, 2), 7, 30))
    await run_once(bot)  # day 1
    bot.clock.set(at_local(date(2026, 3, 2), 20, 0))
    await settings.pause(KAI.id, 2)  # 3 and 4 March off
    for day in (3, 4):
        bot.clock.set(at_local(date(2026, 3, day), 7, 31))
        assert await run_once(bot) == 0
    bot.clock.set(at_local(date(2026, 3, 5), 0, 1))
    report = await bot.app.bot_data.services.ticker.tick()
    assert report.resumed == 1
    bot.clock.set(at_local(date(2026, 3, 5), 7, 30))
    assert await run_once(bot) == 1
    assert "Day 2 of" in sessions_to(bot, KAI.id)[-1]

    await settings.pause(KAI.id, None)  # until /resume
    bot.clock.set(at_local(date(2026, 3, 9), 7, 30))
    assert await run_once(bot) == 0
    await settings.resume(KAI.id)
    bot.clock.set(at_local(date(2026, 3, 10), 7, 30))
    assert await run_once(bot) == 1
    assert "Day 3 of" in sessions_to(bot, KAI.id)[-1]


async def test_blocked_member_costs_no_further_sends_until_they_return(bot: Harness) -> None:
    bot.clock.set(at_local(date(2026, 3, 2), 6, 0))
    await onboard(bot.app, KAI)
    bot.api.fail_when(lambda call: call.chat_id == KAI.id, FORBIDDEN_BLOCKED, times=1)
    bot.clock.set(at_local(date(2026, 3, 2), 7, 30))
    await run_once(bot)
    row = (await outbox_rows(bot))[0]
    assert row.status == "failed"
    assert "blocked" in (row.error or "")
    member = await member_row(bot, KAI.id)
    assert member.status == "blocked"
    assert member.next_reminder_at is None

    calls_before = len(bot.api.calls)
    for day in (3, 4, 5):
        bot.clock.set(at_local(date(2026, 3, day), 7, 30))
        await run_once(bot)
    assert len(bot.api.calls) == calls_before

    # They unblock the bot: Telegram sends my_chat_member "member".
    await bot.send(bot.updates.my_chat_member(KAI, "member", old_status="kicked"))
    assert (await member_row(bot, KAI.id)).status == "active"
    bot.clock.set(at_local(date(2026, 3, 6), 7, 30))
    assert await run_once(bot) == 1
    assert [r.status for r in await outbox_rows(bot)] == ["failed", "sent"]


async def test_retry_after_pauses_and_the_row_is_sent_later(bot: Harness) -> None:
    bot.clock.set(at_local(date(2026, 3, 2), 6, 0))
    await onboard(bot.app, KAI)
    bot.api.fail_next(
        "sendMessage", Failure(429, "Too Many Requests: retry after 1", retry_after=1)
    )
    bot.clock.set(at_local(date(2026, 3, 2), 7, 30))
    await run_once(bot)
    row = (await outbox_rows(bot))[0]
    assert row.status == "pending"
    assert row.attempts == 0  # Telegram's flood control is not the row's fault
    assert row.not_before == bot.clock.now() + timedelta(seconds=1)
    bot.clock.advance(timedelta(seconds=1))
    loop_before = asyncio.get_running_loop().time()
    assert await bot.app.bot_data.services.sender.drain() == 1
    assert asyncio.get_running_loop().time() - loop_before >= 0.9  # every send paused
    assert (await outbox_rows(bot))[0].status == "sent"
    assert len(sessions_to(bot, KAI.id)) == 2  # the refused attempt, then the delivery


async def test_network_errors_retry_with_backoff_then_fail_with_the_error_kept(
    bot: Harness,
) -> None:
    bot.clock.set(at_local(date(2026, 3, 2), 6, 0))
    await onboard(bot.app, KAI)
    bot.api.fail_next("sendMessage", BAD_GATEWAY, times=10)
    bot.clock.set(at_local(date(2026, 3, 2), 7, 30))
    await run_once(bot)
    for attempt in range(1, 5):
        row = (await outbox_rows(bot))[0]
        assert row.status == "pending"
        assert row.attempts == attempt
        assert row.not_before == bot.clock.now() + timedelta(seconds=2**attempt)
        bot.clock.advance(timedelta(seconds=2**attempt))
        await bot.app.bot_data.services.sender.drain()
    row = (await outbox_rows(bot))[0]
    assert row.status == "failed"
    assert row.attempts == 5
    assert "Bad Gateway" in (row.error or "")
    assert (await member_row(bot, KAI.id)).status == "active"  # not their fault


async def test_stop_cancels_pending_and_sends_nothing_more(bot: Harness) -> None:
    bot.clock.set(at_local(date(2026, 3, 2), 6, 0))
    await onboard(bot.app, KAI)
    bot.clock.set(at_local(date(2026, 3, 2), 7, 30))
    await bot.app.bot_data.services.ticker.tick()  # queued, not yet sent
    await bot.app.bot_data.services.preferences.stop(KAI.id)
    assert await bot.app.bot_data.services.sender.drain() == 0
    assert (await outbox_rows(bot))[0].status == "cancelled"
    bot.clock.set(at_local(date(2026, 3, 3), 7, 30))
    assert await run_once(bot) == 0


async def test_after_the_last_day_congratulations_once_and_no_more_reminders(
    bot: Harness,
) -> None:
    bot.clock.set(at_local(date(2026, 3, 2), 6, 0))
    await onboard(bot.app, KAI, program="beginner-basics")
    async with bot.app.bot_data.database.sessions.begin() as session:
        row = await session.scalar(select(Member).where(Member.telegram_id == KAI.id))
        assert row is not None
        row.program_start = date(2026, 3, 2) - timedelta(days=28)  # today is day 29
    bot.clock.set(at_local(date(2026, 3, 2), 7, 30))
    await run_once(bot)
    message = bot.api.last("sendMessage")
    assert "You finished" in message.text
    data = [b["callback_data"] for b in message.buttons()]
    assert data == ["pg:defy-gravity:20260202", "pg:restart:20260202", "pg:pause:20260202"]
    assert (await member_row(bot, KAI.id)).next_reminder_at is None
    bot.clock.set(at_local(date(2026, 3, 3), 7, 30))
    assert await run_once(bot) == 0


@pytest.mark.parametrize("count", [25])
async def test_many_members_due_at_once_each_get_one(bot: Harness, count: int) -> None:
    bot.clock.set(at_local(date(2026, 3, 2), 6, 0))
    for n in range(count):
        await onboard(bot.app, TgUser(id=5000 + n, first_name=f"M{n}"))
    bot.clock.set(at_local(date(2026, 3, 2), 7, 30))
    services = bot.app.bot_data.services
    await services.ticker.tick()
    await services.ticker.tick()
    assert await services.sender.drain() == count
    async with bot.app.bot_data.database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Outbox)) == count
    chats = [c.chat_id for c in bot.api.sent("sendMessage")]
    assert sorted(chats) == [5000 + n for n in range(count)]
