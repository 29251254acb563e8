"""Weekly digests over simulated weeks: members on Sunday at their session time,
coaches on Monday morning, once per week each, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from bot.db.models import Outbox
from tests.conftest import ADMIN
from tests.kit.harness import Harness
from tests.kit.members import onboard
from tests.kit.updates import TgUser, group_chat

TRAINER = TgUser(id=820_001, first_name="Tess", username="coach_tess")
BERLIN = TgUser(id=820_002, first_name="Bea")
NEW_YORK = TgUser(id=820_003, first_name="Nico")
QUIET = TgUser(id=820_004, first_name="Quinn")
MONDAY = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 06:00 in Berlin; New York's DST starts Sunday


async def week_of_digests(
    bot: Harness, start: datetime, hours: int, step_minutes: int = 30
) -> dict[tuple[int, str], datetime]:
    """Run the digest job every `step_minutes` from `start`; when each digest went
    out, by (chat, "member" or "trainer"). A second digest fails the test."""
    seen: dict[tuple[int, str], datetime] = {}
    services = bot.services
    moment = start
    while moment <= start + timedelta(hours=hours):
        bot.clock.set(moment)
        bot.api.clear()
        await services.digests.queue_due()
        await services.sender.drain()
        for call in bot.api.sent("sendMessage"):
            if not call.text.startswith("🗓"):
                continue  # a streak celebrated meanwhile
            kind = "trainer" if "Your coaching week" in call.text else "member"
            key = (int(call.params["chat_id"]), kind)
            assert key not in seen, f"a second {kind} digest for {key[0]} at {moment}"
            seen[key] = moment
        moment += timedelta(minutes=step_minutes)
    return seen


async def members_with_a_week(bot: Harness) -> None:
    bot.clock.set(MONDAY)
    await onboard(bot.app, ADMIN)
    await onboard(bot.app, TRAINER)
    await onboard(bot.app, BERLIN)
    await onboard(bot.app, QUIET)
    await onboard(bot.app, NEW_YORK, zone="America/New_York")
    await bot.services.staff.set_role(TRAINER.id, "trainer")
    checkins = bot.services.checkins
    for offset in range(5):  # Monday to Friday done, in each member's own day
        bot.clock.set(MONDAY + timedelta(days=offset, hours=12))
        for user in (BERLIN, NEW_YORK):
            result = await checkins.record(user.id, None, "done")
            assert result.outcome == "recorded"
    await bot.command(QUIET, "digest", "off")
    assert "no weekly digest" in bot.api.last().text
    bot.api.clear()


async def test_a_simulated_week_of_digests(bot: Harness) -> None:
    await members_with_a_week(bot)
    await bot.services.feedback.note(
        (await bot.app.bot_data.members.get(BERLIN.id)),  # type: ignore[arg-type]
        date(2026, 3, 6),
        "sharp pain in my knee",
    )
    seen = await week_of_digests(bot, MONDAY + timedelta(days=5), hours=60, step_minutes=20)
    # Members: Sunday 8 March at 07:30 local. Berlin is UTC+1; New York has just
    # moved to UTC-4 that morning.
    assert seen[(BERLIN.id, "member")] == datetime(2026, 3, 8, 6, 40, tzinfo=UTC)
    assert seen[(NEW_YORK.id, "member")] == datetime(2026, 3, 8, 11, 40, tzinfo=UTC)
    assert (QUIET.id, "member") not in seen  # /digest off
    # Coaches: Monday 9 March at 08:00 in their zone (Berlin, UTC+1).
    assert seen[(TRAINER.id, "trainer")] == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert seen[(ADMIN.id, "trainer")] == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert (BERLIN.id, "trainer") not in seen


async def digest_at(bot: Harness, moment: datetime, user: TgUser) -> str:
    """Run the digest job at a moment; the last message the user got."""
    bot.clock.set(moment)
    await bot.services.digests.queue_due()
    await bot.services.sender.drain()
    return bot.api.sent(chat_id=user.id)[-1].text


async def test_what_the_digests_say(bot: Harness) -> None:
    await members_with_a_week(bot)
    member = await bot.app.bot_data.members.get(BERLIN.id)
    assert member is not None
    await bot.services.feedback.note(member, date(2026, 3, 6), "sharp pain in my knee")
    text = await digest_at(bot, datetime(2026, 3, 8, 6, 40, tzinfo=UTC), BERLIN)
    assert text.startswith("🗓 <b>Your week, Bea</b> (02 Mar to 08 Mar)")
    # Thursday is the program's rest day: its check-in is extra credit (🌿).
    assert "<code>Mo Tu We Th Fr Sa Su</code>\n✅ ✅ ✅ 🌿 ✅ ▫️ ▫️" in text
    assert "✅ 4 sessions · 🔥 streak 4" in text
    assert "<b>Next week</b>\nMon: " in text
    assert "/digest off" in text
    coach = await digest_at(bot, datetime(2026, 3, 9, 7, 0, tzinfo=UTC), TRAINER)
    assert coach.startswith("🗓 <b>Your coaching week</b> from 02 Mar · everyone")
    assert "• no cohort: " in coach
    assert "1 note, 🚩 1 pain alert" in coach
    assert "👋 5 new members" in coach


async def test_the_dst_week_and_a_session_time_lost_to_it(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 3, 23, 5, 0, tzinfo=UTC))
    await onboard(bot.app, BERLIN)
    early = TgUser(id=820_010, first_name="Ezra")
    await onboard(bot.app, early, at=time(2, 30))
    bot.api.clear()
    # Berlin springs forward on Sunday 29 March at 02:00: 02:30 never happens that
    # day, and 07:30 is 05:30 UTC instead of 06:30.
    seen = await week_of_digests(
        bot, datetime(2026, 3, 28, 20, 0, tzinfo=UTC), hours=30, step_minutes=10
    )
    assert seen[(early.id, "member")] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert seen[(BERLIN.id, "member")] == datetime(2026, 3, 29, 5, 30, tzinfo=UTC)
    # And the autumn change: 02:30 happens twice on 25 October; one digest.
    seen = await week_of_digests(
        bot, datetime(2026, 10, 24, 22, 0, tzinfo=UTC), hours=6, step_minutes=10
    )
    assert seen[(early.id, "member")] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


async def test_a_digest_late_after_downtime_waits_for_next_week(bot: Harness) -> None:
    bot.clock.set(MONDAY)
    await onboard(bot.app, BERLIN)
    bot.clock.set(datetime(2026, 3, 8, 11, 0, tzinfo=UTC))  # 12:00 local: 4.5 h late
    assert await bot.services.digests.queue_due() == 0


async def test_digest_on_off_and_typos(bot: Harness) -> None:
    bot.clock.set(MONDAY)
    await onboard(bot.app, BERLIN)
    await bot.command(BERLIN, "digest")
    assert "comes on Sundays" in bot.api.last().text
    await bot.command(BERLIN, "digest", "OFF")
    await bot.command(BERLIN, "digest")
    assert "is off" in bot.api.last().text
    await bot.command(BERLIN, "digest", "of")
    assert bot.api.last().text == "Send /digest on or /digest off."
    await bot.command(BERLIN, "digest", "on")
    assert "weekly digest on Sundays" in bot.api.last().text
    await bot.command(BERLIN, "digest", "x" * 5000)
    assert bot.api.last().text == "Send /digest on or /digest off."
    await bot.command(TgUser(id=820_099), "digest", "off")
    assert "send /start" in bot.api.last().text
    await bot.command(BERLIN, "digest", "off", chat=group_chat(), mention_bot=True)
    assert "private chat" in bot.api.last().text
    async with bot.app.bot_data.database.sessions() as session:
        assert await session.scalar(select(Outbox.id)) is None
