"""A linked group reads a language of its own: the linker's at first, then what an
admin picks with /language there. Posts and answers in a group are in the
group's language, whoever sent the command."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import CommunityGroup
from bot.render import texts
from tests.community.kit import CREW, CREW_ID, MEMBER, community, run_once
from tests.conftest import ADMIN
from tests.kit.harness import Harness, running_bot
from tests.kit.recording import BOT_USERNAME
from tests.kit.updates import TgUser, group_chat

NB = "\u00a0"
ADMIN_FR = dataclasses.replace(ADMIN, language_code="fr")  # the same admin, a French phone
MEMBER_FR = dataclasses.replace(MEMBER, language_code="fr")
EQUIPE_ID = -100_777
EQUIPE = group_chat(EQUIPE_ID, "L’équipe")
BERLIN_SEVEN = time(6, 1)  # UTC, a minute after 07:00 in Berlin (winter time)


@pytest.fixture
async def bot(
    settings: Settings, clock: ManualClock, catalogs: dict[str, Catalog]
) -> AsyncIterator[Harness]:
    """The bot with the English and the French content."""
    async with running_bot(settings, clock, catalogs) as harness:
        yield harness
    assert not harness.handler_errors, f"a handler failed: {harness.handler_errors!r}"


async def language_of(bot: Harness, chat_id: int) -> str:
    async with bot.app.bot_data.database.sessions() as session:
        row = await session.scalar(select(CommunityGroup).where(CommunityGroup.chat_id == chat_id))
        assert row is not None
        return row.language


async def link(bot: Harness, user: TgUser, chat: dict[str, object]) -> str:
    await bot.command(user, "group", "link", chat=chat, mention_bot=True)
    return bot.api.last().text


async def own_language(bot: Harness, user: TgUser) -> str | None:
    """The language the person chose for themselves (None: never chose)."""
    member = await bot.app.bot_data.members.get(user.id)
    assert member is not None
    return member.language


def press(bot: Harness, user: TgUser, data: str, chat: dict[str, object] = CREW) -> object:
    return bot.updates.callback(user, data, chat=chat, message_text="🌐 language")


async def test_each_group_gets_its_posts_in_its_own_language(
    bot: Harness, catalogs: dict[str, Catalog]
) -> None:
    await community(bot, cohort=None)
    linked_fr = await link(bot, ADMIN_FR, EQUIPE)  # Telegram says French: the group reads French
    assert linked_fr.startswith(f"✅ Relié{NB}!")
    assert f"• Langue{NB}: Français" in linked_fr
    linked_en = await link(bot, ADMIN, CREW)
    assert linked_en.startswith("✅ Linked!")
    assert "• Language: English" in linked_en
    assert (await language_of(bot, EQUIPE_ID), await language_of(bot, CREW_ID)) == ("fr", "en")
    # Max reads English himself; each group still reads its own language about him.
    for command in ("leaderboard", "shoutouts"):
        await bot.command(MEMBER, command, "on")
    for day in (date(2026, 3, 10), date(2026, 3, 11), date(2026, 3, 12)):
        bot.clock.set(datetime.combine(day, time(10, 0), tzinfo=UTC))
        assert (await bot.services.checkins.record(MEMBER.id, day, "done")).outcome == "recorded"
    bot.api.clear()
    await bot.services.sender.drain()  # the 3-day shout-outs
    bot.clock.set(datetime.combine(date(2026, 3, 13), BERLIN_SEVEN, tzinfo=UTC))
    await run_once(bot)  # Friday's daily posts
    bot.clock.set(datetime(2026, 3, 15, 17, 1, tzinfo=UTC))  # Sunday 18:01 in Berlin
    await run_once(bot)  # the leaderboards
    shout_fr, daily_fr, board_fr = bot.replies(EQUIPE_ID)
    shout_en, daily_en, board_en = bot.replies(CREW_ID)

    assert (
        shout_fr == f"🎉 <b>Max</b> vient d’atteindre une série de 3 jours{NB}! Un petit bravo 👏"
    )
    assert shout_en == "🎉 <b>Max</b> just reached a 3-day streak! Give them a cheer 👏"

    day_fr = catalogs["fr"].programs["defy-gravity"].day(11)
    day_en = catalogs["en"].programs["defy-gravity"].day(11)
    assert day_fr is not None
    assert day_en is not None
    assert day_fr.title != day_en.title
    assert f"<b>Jour 11 de Defy Gravity{NB}: {day_fr.title}</b>" in daily_fr
    assert "Votre séance personnelle" in daily_fr
    assert f"<b>Day 11 of Defy Gravity: {day_en.title}</b>" in daily_en
    assert "Your own session" in daily_en
    buttons = {
        chat: bot.api.sent("sendMessage", chat)[1].buttons() for chat in (EQUIPE_ID, CREW_ID)
    }
    assert [b["text"] for b in buttons[EQUIPE_ID]] == ["▶ Ouvrir la séance du jour"]
    assert [b["text"] for b in buttons[CREW_ID]] == ["▶ Open today's session"]
    assert buttons[EQUIPE_ID][0]["url"] == f"https://t.me/{BOT_USERNAME}?start=today"

    assert board_fr.startswith("🏆 <b>Cette semaine au bootcamp</b> (du 9 mars au 15 mars)")
    assert "🥇 Max — 3 jours" in board_fr
    assert "Envoyez-moi /leaderboard on en privé" in board_fr
    assert board_en.startswith("🏆 <b>This week at the bootcamp</b> (09 Mar to 15 Mar)")
    assert "🥇 Max — 3 days" in board_en
    for english in ("streak", "Day ", "This week", "Most sessions", "Want to be on it"):
        assert not any(english in text for text in (shout_fr, daily_fr, board_fr)), english


async def test_linking_takes_the_admins_chosen_language(bot: Harness) -> None:
    await community(bot)
    await bot.command(ADMIN, "language", "fr")  # chosen in private; Telegram still says English
    assert (await link(bot, ADMIN, CREW)).startswith(f"✅ Relié{NB}!")
    assert await language_of(bot, CREW_ID) == "fr"
    await bot.command(ADMIN, "language", "en")  # their own language again; the group keeps its
    await bot.command(ADMIN, "group", "settings", chat=CREW, mention_bot=True)
    assert bot.api.last().text.startswith("👥 <b>Bootcamp crew</b> est relié.")
    assert await language_of(bot, CREW_ID) == "fr"


async def test_answers_in_a_group_follow_the_group_not_the_sender(bot: Harness) -> None:
    await community(bot)
    await link(bot, ADMIN, CREW)
    await bot.command(ADMIN_FR, "group", "settings", chat=CREW, mention_bot=True)
    assert "• Daily post: on ✅, at 07:00 (Europe/Berlin)" in bot.api.last().text
    await bot.command(MEMBER_FR, "group", "settings", chat=CREW, mention_bot=True)
    assert bot.api.last().text == "Only admins can do that."
    await bot.command(ADMIN, "language", "fr", chat=CREW, mention_bot=True)
    await bot.command(MEMBER, "group", "settings", chat=CREW, mention_bot=True)
    assert bot.api.last().text == "Seuls les admins peuvent faire ça."
    await bot.command(ADMIN, "group", "time 7:30pm", chat=CREW, mention_bot=True)
    assert f"• Message du jour{NB}: activé ✅, à 19:30 (Europe/Berlin)" in bot.api.last().text
    await bot.command(ADMIN, "group", "cohort Autumn", chat=CREW, mention_bot=True)
    assert bot.api.last().text.startswith("Je ne connais aucune cohorte appelée <b>Autumn</b>.")
    await bot.command(MEMBER, "leaderboard", "on", chat=CREW, mention_bot=True)
    assert bot.api.last().text.startswith("Ça, c’est personnel")
    # In private, each person keeps their own language.
    await bot.command(MEMBER, "leaderboard")
    assert bot.api.last().text.startswith("<b>The bootcamp's group</b>")


async def test_language_in_a_group_by_an_admin(bot: Harness) -> None:
    await community(bot)
    await link(bot, ADMIN, CREW)
    await bot.command(ADMIN, "language", chat=CREW, mention_bot=True)
    picker = bot.api.last()
    assert picker.chat_id == CREW_ID
    assert "I write in <b>English</b> in this group" in picker.text
    assert [b["callback_data"] for b in picker.buttons()] == ["lg:en", "lg:fr"]
    assert [b["text"] for b in picker.buttons()] == ["✅ English", "Français"]
    await bot.send(press(bot, ADMIN, "lg:fr"))
    done = bot.api.last("editMessageText")
    assert done.text.startswith(f"🌐 C’est fait{NB}: désormais j’écris en <b>Français</b>")
    assert await language_of(bot, CREW_ID) == "fr"
    assert await own_language(bot, ADMIN) is None  # the admin's own did not change
    await bot.command(ADMIN, "language", chat=CREW, mention_bot=True)
    assert "Dans ce groupe, j’écris en <b>Français</b>" in bot.api.last().text
    await bot.command(ADMIN, "language", "english", chat=CREW, mention_bot=True)
    assert bot.api.last().text.startswith("🌐 Done: from now on I write in <b>English</b>")
    assert await language_of(bot, CREW_ID) == "en"
    await bot.command(ADMIN, "language", "klingon", chat=CREW, mention_bot=True)
    assert bot.api.last().text.startswith("I don't speak “klingon” yet.")
    assert await language_of(bot, CREW_ID) == "en"


async def test_language_in_a_group_by_someone_else(bot: Harness) -> None:
    await community(bot)
    await link(bot, ADMIN_FR, CREW)
    for user in (MEMBER, MEMBER_FR):
        await bot.command(user, "language", chat=CREW, mention_bot=True)
        assert bot.api.last().text == "Seuls les admins peuvent faire ça."
        await bot.command(user, "language", "en", chat=CREW, mention_bot=True)
        assert bot.api.last().text == "Seuls les admins peuvent faire ça."
        await bot.send(press(bot, user, "lg:en"))
        refused = bot.api.last("answerCallbackQuery").params
        assert (refused["text"], refused["show_alert"]) == (
            "Seuls les admins peuvent faire ça.",
            True,
        )
    assert await language_of(bot, CREW_ID) == "fr"
    assert await own_language(bot, MEMBER) is None  # a press in the group is not their choice


@pytest.mark.parametrize("data", ["lg:xx", "lg:", "lg:fr:1", "lg:FR"])
async def test_a_forged_language_button_in_a_group(bot: Harness, data: str) -> None:
    await community(bot)
    await link(bot, ADMIN, CREW)
    await bot.send(press(bot, ADMIN, data))
    assert bot.api.last("answerCallbackQuery").params["text"] == texts.stale_button()
    assert await language_of(bot, CREW_ID) == "en"


async def test_language_in_a_group_that_is_not_linked(bot: Harness) -> None:
    await community(bot)
    await bot.command(MEMBER_FR, "language", chat=CREW, mention_bot=True)
    assert bot.api.last().text.startswith("Ça, c’est personnel")  # their own: in private
    await bot.command(ADMIN, "language", chat=CREW, mention_bot=True)
    assert (
        bot.api.last().text == "This group is not linked yet. An admin can send /group link here."
    )
    await bot.send(press(bot, ADMIN, "lg:fr"))
    gone = bot.api.last("answerCallbackQuery").params
    assert gone["text"] == "This group is not linked any more. An admin can send /group link."
    assert await bot.services.groups.get(CREW_ID) is None
    assert await own_language(bot, ADMIN) is None  # the admin's own did not change


async def test_the_panel_shows_and_switches_the_language(bot: Harness) -> None:
    await community(bot)
    await link(bot, ADMIN, CREW)
    await bot.command(ADMIN, "group", "settings", chat=CREW, mention_bot=True)
    panel = bot.api.last()
    assert "• Language: English" in panel.text
    assert {"text": "🌐 Language: English ▸", "callback_data": "gr:g"} in panel.buttons()
    await bot.send(press(bot, MEMBER, "gr:g"))
    assert bot.api.last("answerCallbackQuery").params["text"] == "Only admins can do that."
    await bot.send(press(bot, ADMIN, "gr:g"))
    redrawn = bot.api.last("editMessageText")
    assert f"• Langue{NB}: Français" in redrawn.text
    assert f"🌐 Langue{NB}: Français ▸" in [b["text"] for b in redrawn.buttons()]
    assert await language_of(bot, CREW_ID) == "fr"
    await bot.send(press(bot, ADMIN, "gr:g"))  # after the last language: the first again
    assert "• Language: English" in bot.api.last("editMessageText").text


async def test_a_post_queued_before_the_language_changed_goes_in_the_new_one(
    bot: Harness,
) -> None:
    await community(bot)
    await link(bot, ADMIN, CREW)
    bot.clock.set(datetime(2026, 3, 11, 6, 0, tzinfo=UTC))
    await bot.services.ticker.tick()  # queued while the group read English
    await bot.command(ADMIN, "language", "fr", chat=CREW, mention_bot=True)
    bot.api.clear()
    await bot.services.sender.drain()
    (daily,) = bot.replies(CREW_ID)
    assert "Jour 9 de Defy Gravity" in daily
    # Switching the language does not move the next posts: the day's post went once.
    bot.clock.advance(timedelta(minutes=5))
    assert await run_once(bot) == 0
