"""The community group: linking, settings by buttons, opt-ins, the posts, the bot
removed, and a group that became a supergroup."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import CommunityGroup, Outbox
from bot.render import groups as group_views
from bot.render import texts
from tests.community.kit import (
    CREW,
    CREW_ID,
    MEMBER,
    NOW,
    OTHER,
    TRAINER,
    community,
    group_rows,
    link_crew,
    run_once,
)
from tests.conftest import ADMIN
from tests.kit.harness import Harness
from tests.kit.members import onboard
from tests.kit.recording import BOT_USERNAME, Failure
from tests.kit.updates import TgUser, group_chat

BERLIN = ZoneInfo("Europe/Berlin")
STRANGER = TgUser(id=810_099, first_name="Zed")


def press(bot: Harness, user: TgUser, data: str, chat: dict[str, object] = CREW) -> object:
    return bot.updates.callback(user, data, chat=chat, message_text="👥 settings")


async def crew(bot: Harness) -> CommunityGroup:
    async with bot.app.bot_data.database.sessions() as session:
        row = await session.scalar(select(CommunityGroup).where(CommunityGroup.chat_id == CREW_ID))
        assert row is not None
        return row


# -- linking -------------------------------------------------------------------------
async def test_an_admin_links_the_group_and_others_cannot(bot: Harness) -> None:
    await community(bot)
    for user in (MEMBER, TRAINER, STRANGER):
        await bot.command(user, "group", "link", chat=CREW, mention_bot=True)
        assert bot.api.last().text == texts.ADMINS_ONLY
    assert await bot.services.groups.get(CREW_ID) is None
    await bot.command(ADMIN, "group", "link", chat=CREW, mention_bot=True)
    linked = bot.api.last()
    assert linked.text.startswith("✅ Linked!")
    assert "Daily post: on ✅, at 07:00 (Europe/Berlin)" in linked.text
    assert {b["callback_data"] for b in linked.buttons()} >= {"gr:d", "gr:l", "gr:s", "gr:c"}
    await bot.command(ADMIN, "group", "link", chat=CREW, mention_bot=True)
    assert bot.api.last().text.startswith("This group was linked already.")
    async with bot.app.bot_data.database.sessions() as session:
        assert len(list(await session.scalars(select(CommunityGroup)))) == 1


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("", "not linked yet"),
        ("settings", "not linked yet"),
        ("unlink", "not linked yet"),
        ("lnik", "/group link — link this group"),
        ("🤸" * 50, "/group link — link this group"),
        ("x" * 5000, "/group link — link this group"),
    ],
)
async def test_group_command_before_linking(bot: Harness, words: str, expected: str) -> None:
    await community(bot)
    await bot.command(ADMIN, "group", words, chat=CREW, mention_bot=True)
    assert expected in bot.api.last().text


async def test_group_command_in_private_points_to_the_group(bot: Harness) -> None:
    await community(bot)
    await bot.command(ADMIN, "group", "link")
    assert bot.api.last().text == group_views.GROUP_IN_PRIVATE
    assert await bot.services.groups.get(ADMIN.id) is None


async def test_typed_settings_time_zone_and_cohort(bot: Harness) -> None:
    await community(bot)
    await link_crew(bot)
    for words, expected in (
        ("time 7:30pm", "at 19:30 (Europe/Berlin)"),
        ("time", "/group time 07:30"),
        ("time soon", "Write the time in digits"),
        ("zone New York", "(America/New_York)"),
        ("zone Narnia", "I don't know that place"),
        ("cohort Spring", "the cohort <b>Spring</b>"),
        ("cohort Autumn", "I know no cohort called <b>Autumn</b>"),
        ("cohort none", "Members: everyone"),
        ("settings", "is linked"),
    ):
        await bot.command(ADMIN, "group", words, chat=CREW, mention_bot=True)
        assert expected in bot.api.last().text, words
    row = await crew(bot)
    assert (row.daily_time, row.timezone, row.cohort_id) == (time(19, 30), "America/New_York", None)


async def test_settings_buttons_for_admins_only(bot: Harness) -> None:
    cohort_id = await community(bot)
    await link_crew(bot)
    await bot.send(press(bot, MEMBER, "gr:d"))
    assert bot.api.last("answerCallbackQuery").params["text"] == texts.ADMINS_ONLY
    assert (await crew(bot)).daily_enabled is True
    await bot.send(press(bot, ADMIN, "gr:d"))
    assert "Daily post: off" in bot.api.last("editMessageText").text
    await bot.send(press(bot, ADMIN, "gr:t:0800"))
    assert "at 08:00" in bot.api.last("editMessageText").text
    await bot.send(press(bot, ADMIN, "gr:l"))
    await bot.send(press(bot, ADMIN, "gr:s"))
    await bot.send(press(bot, ADMIN, "gr:c"))
    assert "Cohort: Spring ▸" in str(bot.api.last("editMessageText").reply_markup)
    row = await crew(bot)
    assert not row.daily_enabled
    assert not row.leaderboard_enabled
    assert not row.shoutouts_enabled
    assert (row.daily_time, row.cohort_id) == (time(8, 0), cohort_id)
    await bot.send(press(bot, ADMIN, "gr:c"))  # after the last cohort: everyone again
    assert (await crew(bot)).cohort_id is None


@pytest.mark.parametrize("data", ["gr:t:2599", "gr:x", "gr:", "gr:d:extra", "gr:t:07"])
async def test_forged_settings_buttons_change_nothing(bot: Harness, data: str) -> None:
    await community(bot)
    await link_crew(bot)
    before = await crew(bot)
    await bot.send(press(bot, ADMIN, data))
    assert bot.api.last("answerCallbackQuery").params["text"] == texts.stale_button()
    after = await crew(bot)
    assert (after.daily_time, after.daily_enabled) == (before.daily_time, before.daily_enabled)


async def test_a_button_of_an_unlinked_group(bot: Harness) -> None:
    await community(bot)
    await link_crew(bot)
    await bot.command(ADMIN, "group", "unlink", chat=CREW, mention_bot=True)
    assert bot.api.last().text == group_views.UNLINKED
    await bot.send(press(bot, ADMIN, "gr:d"))
    answer = bot.api.last("answerCallbackQuery").params
    assert answer["text"] == group_views.NOT_LINKED_BUTTON
    assert await bot.services.groups.get(CREW_ID) is None


# -- opt-ins -------------------------------------------------------------------------
async def test_leaderboard_and_shoutouts_opt_in(bot: Harness) -> None:
    await community(bot)
    await bot.command(MEMBER, "leaderboard")
    assert "Weekly leaderboard: off (/leaderboard on)" in bot.api.last().text
    await bot.command(MEMBER, "leaderboard", "on")
    assert "You are on the weekly leaderboard" in bot.api.last().text
    await bot.command(MEMBER, "leaderboard", "maybe")
    assert bot.api.last().text == group_views.LEADERBOARD_USAGE
    await bot.command(MEMBER, "shoutouts", "🎉")
    assert bot.api.last().text == group_views.SHOUTOUTS_USAGE
    await bot.command(MEMBER, "shoutouts", "ON")
    member = await bot.app.bot_data.members.get(MEMBER.id)
    assert member is not None
    assert await bot.services.groups.opt_ins(member.id) == group_views.OptIns(True, True)
    await bot.command(MEMBER, "leaderboard", "off")
    assert "off the leaderboard" in bot.api.last().text
    assert (await bot.services.groups.opt_ins(member.id)).leaderboard is False
    await bot.command(MEMBER, "leaderboard", "on", chat=CREW, mention_bot=True)
    assert bot.api.last().text == texts.private_only(BOT_USERNAME).text
    assert (await bot.services.groups.opt_ins(member.id)).leaderboard is False
    await bot.command(STRANGER, "leaderboard", "on")
    assert bot.api.last().text == texts.NOT_STARTED
    await bot.command(MEMBER, "mydata")
    export = bot.api.last("sendDocument").uploads["document"]
    assert b'"group_opt_ins"' in export


async def test_forgetting_the_admin_who_linked_keeps_the_link(bot: Harness) -> None:
    await community(bot)
    await link_crew(bot)
    member = await bot.app.bot_data.members.get(MEMBER.id)
    assert member is not None
    await bot.services.groups.set_opt_ins(member.id, leaderboard=True)
    assert await bot.services.checkins.forget(ADMIN.id)
    assert await bot.services.checkins.forget(MEMBER.id)
    row = await crew(bot)
    assert row.linked_by == 0
    assert await bot.services.groups.opt_ins(member.id) == group_views.OptIns()


# -- the daily post ------------------------------------------------------------------
async def drive(bot: Harness, until: datetime, step: timedelta) -> list[tuple[datetime, str]]:
    """Tick and drain every `step` until `until`; each post to the crew with its time."""
    seen = 0
    posts: list[tuple[datetime, str]] = []
    while bot.clock.now() < until:
        bot.clock.advance(step)
        await run_once(bot)
        sent = bot.api.sent("sendMessage", CREW_ID)
        posts += [(bot.clock.now(), call.text) for call in sent[seen:]]
        seen = len(sent)
    return posts


@pytest.mark.parametrize(("at", "expected"), [(time(7, 0), time(7, 0)), (time(2, 30), None)])
async def test_daily_post_at_local_time_once_a_day_across_dst(
    bot: Harness, at: time, expected: time | None
) -> None:
    """Europe/Berlin springs forward on 29 March 2026 (02:00 → 03:00)."""
    await community(bot, cohort=None)
    bot.clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    await link_crew(bot)
    await bot.command(ADMIN, "group", f"time {at:%H:%M}", chat=CREW, mention_bot=True)
    bot.api.clear()
    step = timedelta(minutes=15)
    posts = await drive(bot, datetime(2026, 3, 30, 22, 0, tzinfo=UTC), step)  # 31st, 00:00
    boards = [when.astimezone(BERLIN) for when, text in posts if "This week" in text]
    # Sunday the 29th is also the leaderboard's day: once, at 18:00 summer time.
    assert len(boards) == 1
    assert timedelta(0) <= boards[0] - datetime(2026, 3, 29, 18, 0, tzinfo=BERLIN) < step
    local = [(when.astimezone(BERLIN), text) for when, text in posts if "This week" not in text]
    assert [when.date() for when, _ in local] == [date(2026, 3, 28), date(2026, 3, 29),
                                                   date(2026, 3, 30)]  # fmt: skip
    for when, text in local:
        # On the 29th, 02:30 does not exist: the post goes at the end of the gap, 03:00.
        wanted = expected or (time(3, 0) if when.day == 29 else at)
        due = datetime.combine(when.date(), wanted, tzinfo=BERLIN)
        assert timedelta(0) <= when - due < step, (when, due)
        assert "Day " in text
        assert "of Defy Gravity" in text
    daily = bot.api.sent("sendMessage", CREW_ID)[0]
    assert [b.get("url") for b in daily.buttons()] == [f"https://t.me/{BOT_USERNAME}?start=today"]
    # A second tick in the same minute, or a restart, adds nothing.
    assert await run_once(bot) == 0
    keys = [row.dedupe_key for row in await group_rows(bot)]
    assert len(keys) == len(set(keys)) == 4  # three days and one leaderboard


async def test_the_deep_link_opens_today_in_private(bot: Harness) -> None:
    await community(bot)
    await bot.command(MEMBER, "start", "today")
    reply = bot.api.last()
    assert reply.chat_id == MEMBER.id
    assert "Day 8 of Defy Gravity" in reply.text
    assert any(str(b.get("callback_data", "")).startswith("ci:d:") for b in reply.buttons())


async def test_daily_post_switched_off_or_unlinked_sends_nothing(bot: Harness) -> None:
    await community(bot)
    await link_crew(bot)
    bot.clock.set(datetime(2026, 3, 11, 5, 59, tzinfo=UTC))
    await bot.send(press(bot, ADMIN, "gr:d"))  # off
    bot.api.clear()
    bot.clock.set(datetime(2026, 3, 11, 6, 5, tzinfo=UTC))
    await run_once(bot)
    assert bot.api.sent("sendMessage", CREW_ID) == []
    await bot.send(press(bot, ADMIN, "gr:d"))  # on again: tomorrow's post, not today's late
    await run_once(bot)
    assert bot.api.sent("sendMessage", CREW_ID) == []
    await bot.command(ADMIN, "group", "unlink", chat=CREW, mention_bot=True)
    bot.api.clear()
    bot.clock.set(datetime(2026, 3, 12, 6, 5, tzinfo=UTC))
    await run_once(bot)
    assert bot.api.sent(chat_id=CREW_ID) == []


# -- the leaderboard and shout-outs ---------------------------------------------------
async def check_in_days(bot: Harness, user: TgUser, days: list[date]) -> None:
    for day in days:
        bot.clock.set(datetime.combine(day, time(10, 0), tzinfo=BERLIN).astimezone(UTC))
        result = await bot.services.checkins.record(user.id, day, "done")
        assert result.outcome == "recorded", result


async def test_the_leaderboard_shows_only_members_who_opted_in(bot: Harness) -> None:
    await community(bot)
    await link_crew(bot)
    await bot.command(MEMBER, "leaderboard", "on")
    week = [date(2026, 3, 9) + timedelta(days=i) for i in range(6)]  # Monday to Saturday
    await check_in_days(bot, MEMBER, week[1:4])
    await check_in_days(bot, OTHER, week)  # more sessions, but not opted in
    bot.api.clear()
    sunday_evening = datetime(2026, 3, 15, 18, 0, tzinfo=BERLIN).astimezone(UTC)
    bot.clock.set(sunday_evening - timedelta(minutes=1))
    await run_once(bot)
    assert not [t for t in bot.replies(CREW_ID) if "This week" in t]
    bot.clock.set(sunday_evening + timedelta(minutes=1))
    await run_once(bot)
    boards = [t for t in bot.replies(CREW_ID) if "This week at the bootcamp" in t]
    assert len(boards) == 1
    board = boards[0]
    assert "(09 Mar to 15 Mar)" in board
    assert "🥇 Max — 3" in board
    assert "Ivy" not in board
    assert "ivy" not in board
    bot.clock.advance(timedelta(hours=1))
    await run_once(bot)
    assert len([t for t in bot.replies(CREW_ID) if "This week" in t]) == 1


async def test_an_empty_leaderboard_invites_members(bot: Harness) -> None:
    await community(bot)
    await link_crew(bot)
    await check_in_days(bot, OTHER, [date(2026, 3, 10)])
    bot.clock.set(datetime(2026, 3, 15, 17, 5, tzinfo=UTC))  # 18:05 in Berlin
    await run_once(bot)
    board = next(t for t in bot.replies(CREW_ID) if "This week" in t)
    assert "Nobody on the board yet" in board
    assert "Ivy" not in board


THREE_DAYS = [date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)]


async def shoutouts_after_three_days(bot: Harness, *users: TgUser) -> list[str]:
    """Each of `users` checks in three days running; what the crew was sent then."""
    for user in users:
        await check_in_days(bot, user, THREE_DAYS)
    await bot.services.sender.drain()
    return [t for t in bot.replies(CREW_ID) if "streak" in t]


async def test_milestone_shoutouts_only_for_members_who_opted_in(bot: Harness) -> None:
    await community(bot)
    await link_crew(bot)
    await bot.command(MEMBER, "shoutouts", "on")
    shouts = await shoutouts_after_three_days(bot, MEMBER, OTHER)
    assert shouts == ["🎉 <b>Max</b> just reached a 3-day streak! Give them a cheer 👏"]
    # The member's own celebration still came to their private chat.
    assert any("3" in t for t in bot.replies(MEMBER.id))


async def test_a_shoutout_waiting_when_the_member_opts_out_is_not_sent(bot: Harness) -> None:
    await community(bot)
    await link_crew(bot)
    await bot.command(MEMBER, "shoutouts", "on")
    await check_in_days(bot, MEMBER, THREE_DAYS)
    await bot.command(MEMBER, "shoutouts", "off")
    await bot.services.sender.drain()
    assert not [t for t in bot.replies(CREW_ID) if "streak" in t]
    assert {row.status for row in await group_rows(bot)} == {"cancelled"}


async def test_a_group_tied_to_a_cohort_shouts_out_only_that_cohort(bot: Harness) -> None:
    await community(bot)
    await link_crew(bot)
    await bot.command(ADMIN, "group", "cohort Spring", chat=CREW, mention_bot=True)
    outsider = TgUser(id=810_050, first_name="Olek")
    bot.clock.set(NOW - timedelta(days=8))
    await onboard(bot.app, outsider)
    for user in (MEMBER, outsider):
        await bot.command(user, "shoutouts", "on")
    shouts = await shoutouts_after_three_days(bot, MEMBER, outsider)
    assert len(shouts) == 1
    assert "Max" in shouts[0]


# -- the bot removed, the group migrated ---------------------------------------------
@pytest.mark.parametrize("status", ["left", "kicked"])
async def test_removing_the_bot_unlinks_the_group(bot: Harness, status: str) -> None:
    await community(bot)
    await link_crew(bot)
    bot.clock.set(datetime(2026, 3, 11, 6, 0, tzinfo=UTC))  # 07:00 in Berlin
    await bot.services.ticker.tick()
    assert len(await group_rows(bot)) == 1
    await bot.send(bot.updates.my_chat_member(ADMIN, status, chat=CREW))
    assert await bot.services.groups.get(CREW_ID) is None
    assert await group_rows(bot) == []  # what waited for it went with it
    await bot.services.sender.drain()
    assert bot.api.sent(chat_id=CREW_ID) == []


@pytest.mark.parametrize(
    "refusal",
    [
        Failure(403, "Forbidden: bot was kicked from the supergroup chat"),
        Failure(403, "Forbidden: bot is not a member of the supergroup chat"),
        Failure(400, "Bad Request: chat not found"),
    ],
)
async def test_a_send_refused_because_the_bot_was_removed_unlinks_the_group(
    bot: Harness, refusal: Failure
) -> None:
    await community(bot)
    await link_crew(bot)
    bot.api.fail_when(lambda call: call.chat_id == CREW_ID, refusal)
    bot.clock.set(datetime(2026, 3, 11, 6, 1, tzinfo=UTC))
    await run_once(bot)
    assert await bot.services.groups.get(CREW_ID) is None
    member = await bot.app.bot_data.members.get(ADMIN.id)
    assert member is not None
    assert member.status == "active"
    bot.clock.advance(timedelta(days=1))
    await run_once(bot)
    assert len(bot.api.sent(chat_id=CREW_ID)) == 1  # the one refused send, nothing more


NEW_ID = -100_999_000_555


async def test_a_migration_message_moves_the_link(bot: Harness) -> None:
    await community(bot)
    old_group = group_chat(-4_555, "Bootcamp crew")
    old_group["type"] = "group"
    await link_crew(bot, old_group)
    bot.clock.set(datetime(2026, 3, 11, 6, 0, tzinfo=UTC))
    await bot.services.ticker.tick()  # a post waits for the old id
    await bot.send(bot.updates.service_message(ADMIN, old_group, migrate_to_chat_id=NEW_ID))
    new_group = group_chat(NEW_ID, "Bootcamp crew")
    await bot.send(bot.updates.service_message(ADMIN, new_group, migrate_from_chat_id=-4_555))
    assert await bot.services.groups.get(-4_555) is None
    assert (await bot.services.groups.get(NEW_ID)) is not None
    await bot.services.sender.drain()
    assert bot.api.sent(chat_id=-4_555) == []
    assert len(bot.api.sent("sendMessage", NEW_ID)) == 1
    await bot.command(ADMIN, "group", "settings", chat=new_group, mention_bot=True)
    assert "is linked" in bot.api.last().text


async def test_a_send_to_a_migrated_group_follows_it(bot: Harness) -> None:
    await community(bot)
    await link_crew(bot)
    upgraded = Failure(
        400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=NEW_ID
    )
    bot.api.fail_when(lambda call: call.chat_id == CREW_ID, upgraded)
    bot.clock.set(datetime(2026, 3, 11, 6, 1, tzinfo=UTC))
    await run_once(bot)
    await bot.services.sender.drain()
    assert len(bot.api.sent("sendMessage", NEW_ID)) == 1
    assert (await bot.services.groups.get(NEW_ID)) is not None
    rows = await group_rows(bot)
    assert [(row.status, row.chat_id) for row in rows] == [("sent", NEW_ID)]


async def test_pending_rows_of_a_group_are_not_the_members(bot: Harness) -> None:
    """A member who blocks the bot cancels their own messages, never a group's."""
    await community(bot)
    await link_crew(bot)
    bot.clock.set(datetime(2026, 3, 11, 6, 0, tzinfo=UTC))
    await bot.services.ticker.tick()
    await bot.send(bot.updates.my_chat_member(ADMIN, "kicked"))
    async with bot.app.bot_data.database.sessions() as session:
        statuses = list(
            await session.scalars(select(Outbox.status).where(Outbox.group_id.is_not(None)))
        )
    assert statuses == ["pending"]
