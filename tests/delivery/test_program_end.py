"""After the last day of a program: the choice of what next, one gentle reminder
three days later if unanswered, then nothing; a rolling program never ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db.models import Member, Outbox
from tests.kit.harness import Harness, second_instance
from tests.kit.members import move_start, onboard
from tests.kit.updates import TgUser

ADA = TgUser(id=7001, first_name="Ada")
BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 3, 2)
RUN = TODAY - timedelta(days=28)  # today is day 29 of a 28-day program
FINISHED = f"{RUN:%Y%m%d}"


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


async def run_once(bot: Harness) -> int:
    """One tick and a drain; how many messages went out (a row dropped at send
    time, because the member moved on, sends nothing)."""
    before = len(bot.api.sent("sendMessage"))
    await bot.services.ticker.tick()
    await bot.services.sender.drain()
    return len(bot.api.sent("sendMessage")) - before


def data_of(call: object) -> list[str]:
    return [str(b["callback_data"]) for b in call.buttons()]  # type: ignore[attr-defined]


async def finished_member(bot: Harness, program: str = "beginner-basics") -> None:
    bot.clock.set(at_local(TODAY, 6))
    await onboard(bot.app, ADA, program=program)
    await move_start(bot.app, ADA.id, RUN)


async def member(bot: Harness) -> Member:
    async with bot.app.bot_data.database.sessions() as session:
        row = await session.scalar(select(Member).where(Member.telegram_id == ADA.id))
        assert row is not None
        return row


async def followups(bot: Harness) -> list[Outbox]:
    async with bot.app.bot_data.database.sessions() as session:
        rows = await session.scalars(select(Outbox).where(Outbox.dedupe_key.like("pf:%")))
        return list(rows)


def reminders(bot: Harness) -> list[str]:
    return [c.text for c in bot.api.sent("sendMessage") if "only reminder" in c.text]


async def test_day_29_offers_what_next_then_one_reminder_then_nothing(bot: Harness) -> None:
    await finished_member(bot)
    bot.clock.set(at_local(TODAY, 7, 30))
    assert await run_once(bot) == 1
    offer = bot.api.last("sendMessage")
    assert "You finished Beginner Basics" in offer.text
    assert data_of(offer) == [
        f"pg:defy-gravity:{FINISHED}",
        f"pg:restart:{FINISHED}",
        f"pg:pause:{FINISHED}",
    ]
    assert [b["text"] for b in offer.buttons()] == [
        "➡️ Next: Defy Gravity",
        "🔁 Repeat Beginner Basics",
        "⏸ Take a break",
    ]
    assert (await member(bot)).next_reminder_at is None
    [row] = await followups(bot)
    assert row.not_before == at_local(TODAY + timedelta(days=3), 7, 30)

    for day in (1, 2):
        bot.clock.set(at_local(TODAY + timedelta(days=day), 7, 30))
        assert await run_once(bot) == 0
    # A restart before the reminder is due changes nothing.
    async with second_instance(bot) as other:
        await other.services.ticker.tick()
        await other.services.sender.drain()
        assert other.api.sent("sendMessage") == []
    bot.clock.set(at_local(TODAY + timedelta(days=3), 7, 29))
    assert await run_once(bot) == 0
    bot.clock.set(at_local(TODAY + timedelta(days=3), 7, 30))
    assert await run_once(bot) == 1
    [reminder] = reminders(bot)
    assert "Beginner Basics" in reminder
    assert data_of(bot.api.last("sendMessage"))[0] == f"pg:defy-gravity:{FINISHED}"
    for day in range(4, 15):
        bot.clock.set(at_local(TODAY + timedelta(days=day), 7, 30))
        assert await run_once(bot) == 0
    assert len(await followups(bot)) == 1
    assert len(reminders(bot)) == 1


async def test_choosing_the_next_program_cancels_the_reminder(bot: Harness) -> None:
    await finished_member(bot)
    bot.clock.set(at_local(TODAY, 7, 30))
    await run_once(bot)
    bot.clock.set(at_local(TODAY, 9))
    await bot.send(bot.updates.callback(ADA, f"pg:defy-gravity:{FINISHED}"))
    assert "Defy Gravity</b>: day 1 is Tuesday 03 March at 07:30" in (
        bot.api.last("editMessageText").text
    )
    first = await member(bot)
    assert (first.program_id, first.program_start) == ("defy-gravity", TODAY + timedelta(1))
    # The same button again (a double tap, an old copy of the message): nothing restarts.
    bot.clock.set(at_local(TODAY + timedelta(days=2), 9))
    await bot.send(bot.updates.callback(ADA, f"pg:restart:{FINISHED}"))
    assert "no longer open" in bot.api.last("answerCallbackQuery").params["text"]
    assert (await member(bot)).program_start == TODAY + timedelta(days=1)
    bot.clock.set(at_local(TODAY + timedelta(days=3), 7, 30))
    assert await run_once(bot) == 1  # day 3 of Defy Gravity, and no reminder
    assert "Day 3 of Defy Gravity" in bot.api.last("sendMessage").text
    assert reminders(bot) == []
    [row] = await followups(bot)
    assert row.status == "cancelled"


async def test_a_break_after_the_end_silences_the_reminder_and_resume_asks_again(
    bot: Harness,
) -> None:
    await finished_member(bot)
    bot.clock.set(at_local(TODAY, 7, 30))
    await run_once(bot)
    await bot.send(bot.updates.callback(ADA, f"pg:pause:{FINISHED}"))
    assert "Enjoy the break" in bot.api.last("editMessageText").text
    assert (await member(bot)).status == "paused"
    bot.clock.set(at_local(TODAY + timedelta(days=3), 7, 30))
    assert await run_once(bot) == 0
    await bot.command(ADA, "resume")
    bot.clock.set(at_local(TODAY + timedelta(days=4), 7, 30))
    assert await run_once(bot) == 1
    assert "You finished Beginner Basics" in bot.api.last("sendMessage").text
    for day in range(5, 12):  # the one reminder was spent: no second one
        bot.clock.set(at_local(TODAY + timedelta(days=day), 7, 30))
        assert await run_once(bot) == 0


async def test_a_stranger_pressing_an_after_program_button(bot: Harness) -> None:
    await finished_member(bot)
    await bot.send(bot.updates.callback(TgUser(id=7999), f"pg:restart:{FINISHED}"))
    assert "Send /start first" in bot.api.last("answerCallbackQuery").params["text"]
    assert (await member(bot)).program_start == RUN


async def test_defy_gravity_leads_to_maintenance_which_never_finishes(bot: Harness) -> None:
    await finished_member(bot, program="defy-gravity")
    await bot.command(ADA, "today")
    assert data_of(bot.api.last())[0] == f"pg:maintenance:{FINISHED}"
    await bot.send(bot.updates.callback(ADA, f"pg:maintenance:{FINISHED}"))
    # Fast forward a year on maintenance: still a session every day, never "finished".
    await move_start(bot.app, ADA.id, TODAY - timedelta(days=365))
    bot.clock.set(at_local(TODAY, 7, 30))
    assert await run_once(bot) == 1
    session = bot.api.last("sendMessage").text
    assert "Maintenance</b> · day 2 of the 7-day cycle" in session
    assert "You finished" not in session
    assert (await member(bot)).next_reminder_at is not None
    await bot.command(ADA, "checkin")
    assert "extra credit" in bot.api.last().text  # cycle day 2 is a rest day
    assert await followups(bot) == []


async def test_the_reminder_keeps_the_local_time_across_the_dst_change(bot: Harness) -> None:
    # Day 29 is Saturday 28 March; Berlin springs forward on the 29th.
    day29 = date(2026, 3, 28)
    bot.clock.set(at_local(day29, 6))
    await onboard(bot.app, ADA, program="beginner-basics")
    await move_start(bot.app, ADA.id, day29 - timedelta(days=28))
    bot.clock.set(at_local(day29, 7, 30))
    assert await run_once(bot) == 1
    [row] = await followups(bot)
    assert row.not_before == datetime(2026, 3, 31, 5, 30, tzinfo=UTC)  # 07:30 CEST
