"""Trainers' own /help section, their menu on first contact, and the roster's
words: plurals, and people who never finished onboarding shown as such."""

from __future__ import annotations

import csv
import io

from tests.conftest import ADMIN
from tests.kit.asserts import assert_all_valid
from tests.kit.harness import Harness
from tests.kit.updates import TgUser
from tests.trainers.test_trainers import MEMBER, TRAINER, staff_ready


async def test_help_has_a_section_for_each_role(bot: Harness) -> None:
    await staff_ready(bot)
    for user in (MEMBER, TRAINER, ADMIN):
        await bot.command(user, "help")
    member, trainer, admin = (call.text for call in bot.api.sent("sendMessage")[-3:])
    assert "/today" in member
    assert "For trainers" not in member
    assert "/broadcast" not in member
    assert "For trainers" in trainer
    assert "/broadcast" in trainer
    assert "at tomorrow 18:00" in trainer
    assert "/promote" not in trainer
    assert "For admins" in admin
    assert "/promote" in admin
    assert_all_valid(bot.api.sent())


async def test_an_admin_gets_the_trainer_menu_on_first_contact(bot: Harness) -> None:
    bot.api.clear()
    await bot.command(ADMIN, "start")
    menus = [c for c in bot.api.sent("setMyCommands") if "scope" in c.params]
    assert len(menus) == 1
    assert menus[0].params["scope"] == {"type": "chat", "chat_id": ADMIN.id}
    names = [entry["command"] for entry in menus[0].params["commands"]]
    assert {"broadcast", "stats", "promote", "today"} <= set(names)
    # A member's first /start, or the admin's second, publishes nothing.
    await bot.command(TgUser(id=4711, first_name="Ola"), "start")
    await bot.command(ADMIN, "start")
    assert len([c for c in bot.api.sent("setMyCommands") if "scope" in c.params]) == 1


async def test_roster_counts_in_words_and_shows_who_never_onboarded(bot: Harness) -> None:
    await staff_ready(bot)
    await bot.command(TgUser(id=4712, first_name="Nia"), "start")  # stops at question 1
    await bot.command(TRAINER, "roster")
    document = bot.api.last("sendDocument")
    assert "4 members" in document.text
    rows = list(csv.DictReader(io.StringIO(document.uploads["document"].decode("utf-8-sig"))))
    onboarded = {row["name"]: row["onboarded"] for row in rows}
    assert onboarded["Nia"].startswith("no")
    assert onboarded["Max"] == "yes"
    await bot.command(TRAINER, "cohort", "new Solo")
    await bot.command(TRAINER, "cohort", "list")
    assert "0 members" in bot.api.last().text
    code = bot.api.sent("sendMessage")[-2].text.split("?start=")[1].split()[0]
    await bot.command(MEMBER, "start", code)
    await bot.command(TRAINER, "cohort", "list")
    assert "1 member ·" in bot.api.last().text
    await bot.command(TRAINER, "cohort", "Solo")
    assert "· 1 member\n" in bot.api.last().text
