"""Check-ins as members tap and type them; progress, history and their own data."""

from __future__ import annotations

import asyncio
import json
import struct
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.catalog import Catalog
from bot.db.base import Base
from bot.db.models import Checkin, Member, MemberStats, Outbox
from bot.render.charts import progress_chart, progress_chart_data
from bot.render.progress import REST_EXTRA, celebrate_streak
from bot.services.progress import Calendar, Run
from tests.kit.asserts import assert_telegram_valid
from tests.kit.harness import Harness
from tests.kit.members import onboard
from tests.kit.updates import TgUser, group_chat

ZOE = TgUser(id=3001, first_name="Zoë")
DAY1 = date(2026, 3, 2)
MORNING = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 08:00 in Berlin


async def ready(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 3, 2, 5, 0, tzinfo=UTC))
    await onboard(bot.app, ZOE)
    bot.clock.set(MORNING)


async def checkins(bot: Harness) -> list[Checkin]:
    async with bot.app.bot_data.database.sessions() as session:
        return list(await session.scalars(select(Checkin).order_by(Checkin.local_date)))


def tap(bot: Harness, data: str, update_id: int | None = None) -> object:
    return bot.updates.callback(ZOE, data, message_text="📅 Day 1", update_id=update_id)


async def test_done_records_today_and_redraws_the_message(bot: Harness) -> None:
    await ready(bot)
    await bot.send(tap(bot, "ci:d:20260302"))
    rows = await checkins(bot)
    assert [(r.local_date, r.status, r.program_day) for r in rows] == [(DAY1, "done", 1)]
    answer = next(c for c in bot.api.calls if c.method == "answerCallbackQuery")
    assert answer.params["text"] == "Recorded ✅"
    edited = bot.api.last("editMessageText")
    assert "✅ <b>Done today</b>" in edited.text
    assert "Streak: <b>1 day</b>" in edited.text
    data = [b["callback_data"] for b in edited.buttons()]
    assert [f"ci:e:20260302:{n}" for n in range(1, 6)] == data[:5]
    assert "ci:n:20260302" in data
    assert "ci:s:20260302" in data
    assert_telegram_valid(edited)


async def test_ten_simultaneous_taps_and_a_redelivery_make_one_row(bot: Harness) -> None:
    await ready(bot)
    taps = [tap(bot, "ci:d:20260302") for _ in range(10)]
    await asyncio.gather(*(bot.send(update) for update in taps))
    await bot.send(taps[0])  # Telegram delivers an update again
    assert len(await checkins(bot)) == 1
    async with bot.app.bot_data.database.sessions() as session:
        milestones = await session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.kind == "notice")
        )
    assert milestones == 0


async def test_last_answer_wins(bot: Harness) -> None:
    await ready(bot)
    await bot.send(tap(bot, "ci:d:20260302"))
    await bot.send(tap(bot, "ci:e:20260302:4"))
    await bot.send(tap(bot, "ci:s:20260302"))
    rows = await checkins(bot)
    assert [(r.status, r.effort) for r in rows] == [("skipped", None)]
    assert "Skipped" in bot.api.last("editMessageText").text
    await bot.send(tap(bot, "ci:d:20260302"))
    assert [r.status for r in await checkins(bot)] == ["done"]


async def test_effort_and_note(bot: Harness) -> None:
    await ready(bot)
    await bot.send(tap(bot, "ci:d:20260302"))
    await bot.send(tap(bot, "ci:e:20260302:4"))
    assert "effort 4/5" in bot.api.last("editMessageText").text
    await bot.send(tap(bot, "ci:n:20260302"))
    assert "Send your note" in bot.api.last("sendMessage").text
    await bot.text(ZOE, "x" * 501)
    assert "the limit is 500" in bot.api.last().text
    await bot.text(ZOE, "Felt it in the <b>side</b> glute & hips 🍑")
    assert "Note saved" in bot.api.last().text
    row = (await checkins(bot))[0]
    assert row.note == "Felt it in the <b>side</b> glute & hips 🍑"
    assert row.effort == 4
    await bot.text(ZOE, "just chatting")  # the note question is answered
    assert "/help" in bot.api.last().text


async def test_note_by_replying_to_the_session_message(bot: Harness) -> None:
    await ready(bot)
    await bot.send(tap(bot, "ci:d:20260302"))
    session_message = {
        "message_id": 77,
        "date": 1,
        "chat": {"id": ZOE.id, "type": "private"},
        "text": "📅 Day 1",
        "reply_markup": {"inline_keyboard": [[{"text": "✅", "callback_data": "ci:d:20260302"}]]},
    }
    await bot.text(ZOE, "Tough one today", reply_to=session_message)
    assert (await checkins(bot))[0].note == "Tough one today"


async def test_rating_without_done_is_refused_politely(bot: Harness) -> None:
    await ready(bot)
    await bot.send(tap(bot, "ci:e:20260302:3"))
    assert "expired" in bot.api.calls[-1].params["text"]
    assert await checkins(bot) == []


async def test_checkin_command_today_yesterday_and_too_old(bot: Harness) -> None:
    await ready(bot)
    bot.clock.set(datetime(2026, 3, 3, 19, 0, tzinfo=UTC))
    await bot.command(ZOE, "checkin", "yesterday")
    assert "Checked in for Monday 02 March (day 1)" in bot.api.last().text
    await bot.command(ZOE, "checkin")
    assert "Checked in for today (day 2)" in bot.api.last().text
    assert "2 days" in bot.api.last().text
    await bot.command(ZOE, "checkin", "Legs like jelly, worth it")
    assert "Note saved" in bot.api.last().text
    bot.clock.set(datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    await bot.send(tap(bot, "ci:d:20260302"))  # a button on a 3-day-old message
    answer = bot.api.calls[-1]
    assert "more than 48 hours ago" in answer.params["text"]
    assert answer.params["show_alert"] is True
    await bot.command(ZOE, "checkin", "x" * 600)
    assert "too long" in bot.api.last().text
    assert len(await checkins(bot)) == 2


@pytest.mark.parametrize(
    "data", ["ci:d:20261399", "ci:x:20260302", "ci:d:2026030", "ci:e:20260302:9", "ci:d:20260310"]
)
async def test_forged_checkin_buttons(bot: Harness, data: str) -> None:
    await ready(bot)
    await bot.send(tap(bot, data))
    assert "expired" in bot.api.calls[-1].params["text"]
    assert await checkins(bot) == []


async def test_checkin_before_start_or_in_a_group(bot: Harness) -> None:
    await bot.command(ZOE, "checkin")
    assert "Send /start first" in bot.api.last().text
    await bot.send(tap(bot, "ci:d:20260302"))
    assert "Send /start first" in bot.api.calls[-1].params["text"]
    await bot.command(ZOE, "checkin", chat=group_chat(), mention_bot=True)
    assert "private chat" in bot.api.last().text


async def test_three_day_streak_is_celebrated_once(bot: Harness) -> None:
    await ready(bot)
    services = bot.app.bot_data.services
    for offset in range(3):
        bot.clock.set(MORNING + timedelta(days=offset))
        day = DAY1 + timedelta(days=offset)
        await bot.send(tap(bot, f"ci:d:{day:%Y%m%d}"))
    bot.clock.set(MORNING + timedelta(days=2, minutes=1))
    await bot.send(tap(bot, "ci:s:20260304"))
    await bot.send(tap(bot, "ci:d:20260304"))  # back to done: no second party
    await services.sender.drain()
    celebrations = [c for c in bot.api.sent("sendMessage") if "streak!" in c.text]
    assert len(celebrations) == 1
    assert "3-day streak" in celebrations[0].text
    assert celebrations[0].params["message_effect_id"] == "5046509860389126442"


async def test_progress_sends_a_png_chart_with_a_summary(bot: Harness) -> None:
    await ready(bot)
    await bot.send(tap(bot, "ci:d:20260302"))
    await bot.command(ZOE, "progress")
    photo = bot.api.last("sendPhoto")
    assert "Zoë's progress" in photo.text
    assert "Streak: <b>1 day</b>" in photo.text
    assert_telegram_valid(photo)
    png = photo.uploads["photo"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1080, 900)


async def test_history_lists_fourteen_days(bot: Harness) -> None:
    await ready(bot)
    await bot.send(tap(bot, "ci:d:20260302"))
    bot.clock.set(datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    await bot.command(ZOE, "history")
    reply = bot.api.last()
    lines = reply.text.split("\n")
    assert len(lines) == 15
    assert "Thu 05 Mar · day 4 · 😌 rest day" in lines[1]
    assert "Wed 04 Mar · day 3 · ▫️ missed" in lines[2]
    assert "Mon 02 Mar · day 1 · ✅ done" in lines[4]
    assert_telegram_valid(reply)


async def test_mydata_sends_everything_as_json(bot: Harness) -> None:
    await ready(bot)
    await bot.send(tap(bot, "ci:d:20260302"))
    await bot.command(ZOE, "mydata")
    document = bot.api.last("sendDocument")
    data = json.loads(document.uploads["document"])
    assert data["member"]["telegram_id"] == ZOE.id
    assert data["member"]["first_name"] == "Zoë"
    assert data["checkins"][0]["status"] == "done"
    assert data["program_runs"][0]["program_id"] == "defy-gravity"


async def test_forget_asks_then_deletes_everything(bot: Harness) -> None:
    await ready(bot)
    await bot.send(tap(bot, "ci:d:20260302"))
    await bot.app.bot_data.services.preferences.pause(ZOE.id, 3)
    member = await bot.app.bot_data.members.get(ZOE.id)
    assert member is not None
    await bot.command(ZOE, "forget")
    assert "cannot be undone" in bot.api.last().text
    await bot.send(bot.updates.callback(ZOE, "fg:no"))
    assert await bot.app.bot_data.members.get(ZOE.id) is not None
    await bot.send(bot.updates.callback(ZOE, "fg:yes"))
    assert "everything about you is deleted" in bot.api.last("editMessageText").text

    async with bot.app.bot_data.database.sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [
                c.name
                for c in table.columns
                if c.name in ("member_id", "telegram_id", "chat_id", "author_id")
            ]
            for column in columns:
                value = member.id if column == "member_id" else ZOE.id
                query = text(f"SELECT COUNT(*) FROM {table.name} WHERE {column} = :v")
                found = await session.scalar(query, {"v": value})
                assert found == 0, (table.name, column)
        assert await session.scalar(select(func.count()).select_from(Member)) == 0
    await bot.send(bot.updates.callback(ZOE, "fg:yes"))  # a stale second tap
    assert "nothing left" in bot.api.last("editMessageText").text


@pytest.mark.parametrize("days", [0, 1, 365])
def test_chart_is_a_sensible_png_for_any_history(catalog: Catalog, days: int) -> None:
    today = date(2026, 12, 31)
    start = today - timedelta(days=max(days - 1, 0))
    runs = [
        Run("defy-gravity", start + timedelta(days=28 * k)) for k in range(max(1, days // 28 + 1))
    ]
    marks = {start + timedelta(days=i): "done" if i % 5 else "skipped" for i in range(days)}
    calendar = Calendar(catalog.programs, runs, [], marks, today)
    png = progress_chart(progress_chart_data(calendar, calendar.progress()))
    assert png.startswith(b"\x89PNG")
    assert 5_000 < len(png) < 300_000


async def test_a_time_zone_change_keeps_history_and_uses_the_new_local_date(bot: Harness) -> None:
    await ready(bot)  # Berlin, day 1 on Monday 2 March
    await bot.command(ZOE, "checkin")
    # 16:00 UTC on Monday is already Tuesday 01:00 in Tokyo.
    bot.clock.set(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    await bot.command(ZOE, "timezone", "Asia/Tokyo")
    await bot.command(ZOE, "checkin")
    assert "Checked in for today (day 2)" in bot.api.last().text
    assert "Streak: <b>2 days</b>" in bot.api.last().text
    assert [r.local_date for r in await checkins(bot)] == [DAY1, DAY1 + timedelta(days=1)]


async def stats_row(bot: Harness) -> MemberStats:
    async with bot.app.bot_data.database.sessions() as session:
        row = await session.scalar(select(MemberStats))
        assert row is not None
        return row


async def test_a_checkin_before_the_program_starts_is_refused(bot: Harness) -> None:
    # Joined at 13:00 Berlin, after the 07:30 session: day 1 is tomorrow.
    bot.clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    await onboard(bot.app, ZOE)
    await bot.command(ZOE, "checkin")
    assert "starts on Tuesday 03 March" in bot.api.last().text
    await bot.command(ZOE, "checkin", "Did some squats anyway 💪")
    assert "starts on Tuesday 03 March" in bot.api.last().text
    await bot.send(tap(bot, "ci:d:20260302"))
    answer = bot.api.calls[-1]
    assert "starts on Tuesday 03 March" in answer.params["text"]
    assert answer.params["show_alert"] is True
    assert await checkins(bot) == []
    # Just past midnight in Berlin (23:05 UTC) day 1 has begun.
    bot.clock.set(datetime(2026, 3, 2, 23, 5, tzinfo=UTC))
    await bot.command(ZOE, "checkin")
    assert "Checked in for today (day 1)" in bot.api.last().text
    assert [r.local_date for r in await checkins(bot)] == [DAY1 + timedelta(days=1)]


async def test_a_checkin_for_a_day_before_joining_is_refused(bot: Harness) -> None:
    await ready(bot)  # joined at 06:00 Berlin on Monday 2 March, day 1 that day
    await bot.command(ZOE, "checkin", "yesterday")
    assert "Sunday 01 March is before you joined" in bot.api.last().text
    await bot.send(tap(bot, "ci:d:20260301"))
    assert "before you joined" in bot.api.calls[-1].params["text"]
    assert await checkins(bot) == []
    await bot.send(tap(bot, "ci:d:20260302"))
    assert [r.status for r in await checkins(bot)] == ["done"]


async def test_a_rest_day_checkin_is_extra_credit_not_a_session(bot: Harness) -> None:
    await ready(bot)
    for offset in range(3):  # days 1-3 done
        bot.clock.set(MORNING + timedelta(days=offset))
        await bot.send(tap(bot, f"ci:d:{DAY1 + timedelta(days=offset):%Y%m%d}"))
    bot.clock.set(MORNING + timedelta(days=3))  # Thursday 5 March, rest day 4
    await bot.command(ZOE, "checkin", "Long walk with the dog 🐕")
    reply = bot.api.last().text
    assert "That was a rest day 😌 — extra credit noted" in reply
    assert "Streak: <b>3 days</b>" in reply
    assert "Note saved" in reply
    rest = (await checkins(bot))[-1]
    assert (rest.local_date, rest.status, rest.program_day) == (date(2026, 3, 5), "rest", 4)
    assert rest.note == "Long walk with the dog 🐕"
    # A done button for that day (an old message, or forged) says the same.
    await bot.send(tap(bot, "ci:d:20260305"))
    assert bot.api.last("answerCallbackQuery").params["text"] == REST_EXTRA
    assert (await checkins(bot))[-1].status == "rest"

    figures = await stats_row(bot)
    assert (figures.total_done, figures.current_streak) == (3, 3)
    assert (figures.done_7, figures.scheduled_7) == (3, 3)
    await bot.command(ZOE, "history")
    lines = bot.api.last().text.split("\n")
    assert (
        lines[1] == "Thu 05 Mar · day 4 · 😌 rest day · ✨ extra credit · Long walk with the dog 🐕"
    )
    assert lines[2] == "Wed 04 Mar · day 3 · ✅ done"
    await bot.command(ZOE, "progress")
    caption = bot.api.last("sendPhoto").text
    assert "Sessions done: <b>3</b>\n✨ Rest days with extra credit: 1" in caption
    assert "Adherence: 7 days 100%" in caption
    # Rest days earn no streak celebration, whatever their number.
    await bot.app.bot_data.services.sender.drain()
    assert [c.text for c in bot.api.sent("sendMessage") if "streak!" in c.text] == [
        celebrate_streak(3)
    ]


async def test_a_checkin_after_the_program_ended_is_refused(bot: Harness) -> None:
    await ready(bot)
    async with bot.app.bot_data.database.sessions.begin() as session:
        await session.execute(
            text("UPDATE program_runs SET start_date = :s"), {"s": DAY1 - timedelta(days=28)}
        )
        await session.execute(
            text("UPDATE members SET program_start = :s"), {"s": DAY1 - timedelta(days=28)}
        )
    await bot.command(ZOE, "checkin")  # day 29 of a 28-day program
    assert "Your program was complete by then" in bot.api.last().text
    assert await checkins(bot) == []


def first_buttons(call: object) -> list[str]:
    return [str(b["callback_data"]) for b in call.buttons()]  # type: ignore[attr-defined]


async def test_today_after_the_answer_shows_it_with_change_buttons(bot: Harness) -> None:
    await ready(bot)
    for offset in (0, 1, 2, 4):  # days 1-3 and 5 done; day 4 is a rest day
        bot.clock.set(MORNING + timedelta(days=offset))
        await bot.send(tap(bot, f"ci:d:{DAY1 + timedelta(days=offset):%Y%m%d}"))
    await bot.send(tap(bot, "ci:e:20260306:4"))
    await bot.command(ZOE, "today")
    shown = bot.api.last()
    assert "Day 5 of Defy Gravity" in shown.text
    assert "✅ <b>Done today</b> · 🔥 Streak: <b>4 days</b> · effort 4/5" in shown.text
    data = first_buttons(shown)
    assert "ci:d:20260306" not in data  # no fresh ✅ Done
    assert data[:5] == [f"ci:e:20260306:{n}" for n in range(1, 6)]
    assert {"ci:n:20260306", "ci:s:20260306"} <= set(data)
    assert any(d.startswith("c:") for d in data)  # How-to buttons kept

    await bot.send(tap(bot, "ci:s:20260306"))
    await bot.command(ZOE, "today")
    shown = bot.api.last()
    assert "⏭ <b>Skipped today</b>" in shown.text
    assert first_buttons(shown)[0] == "ci:d:20260306"  # ↩️ Change to done


async def test_today_before_the_answer_and_after_midnight_offers_done_and_skip(
    bot: Harness,
) -> None:
    await ready(bot)
    bot.clock.set(datetime(2026, 3, 2, 22, 50, tzinfo=UTC))  # 23:50 in Berlin
    await bot.send(tap(bot, "ci:d:20260302"))
    await bot.command(ZOE, "today")
    assert "Done today" in bot.api.last().text
    bot.clock.set(datetime(2026, 3, 2, 23, 10, tzinfo=UTC))  # 00:10 on day 2 in Berlin
    await bot.command(ZOE, "today")
    shown = bot.api.last()
    assert "Day 2 of Defy Gravity" in shown.text
    assert "Done today" not in shown.text
    assert first_buttons(shown)[:2] == ["ci:d:20260303", "ci:s:20260303"]


async def test_today_on_a_rest_day_after_a_rest_checkin(bot: Harness) -> None:
    await ready(bot)
    bot.clock.set(MORNING + timedelta(days=3))  # rest day 4
    await bot.command(ZOE, "today")
    assert "extra credit" not in bot.api.last().text
    await bot.command(ZOE, "checkin")
    await bot.command(ZOE, "today")
    shown = bot.api.last()
    assert "rest day" in shown.text.lower()
    assert REST_EXTRA in shown.text
    assert "ci:n:20260305" in first_buttons(shown)
    assert not any(d.startswith(("ci:d:", "ci:s:")) for d in first_buttons(shown))
