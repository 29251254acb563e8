"""The time-zone step as members answer it: any city, a typo with suggestions,
a shared location; pickers that edit in place; "hello" before /start; and the
bot's own inline cards, which are not questions."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.kit.asserts import assert_all_valid
from tests.kit.harness import Harness
from tests.kit.members import onboard
from tests.kit.updates import TgUser

MIA = TgUser(id=7101, first_name="Mia")


async def at_zone_step(bot: Harness, user: TgUser = MIA) -> None:
    bot.clock.set(datetime(2026, 3, 2, 5, 0, tzinfo=UTC))
    await bot.command(user, "start")
    await bot.send(bot.updates.callback(user, "ob:p:defy-gravity"))


async def zone_of(bot: Harness, user: TgUser = MIA) -> str:
    member = await bot.app.bot_data.members.get(user.id)
    assert member is not None
    return member.timezone


async def test_a_city_the_old_table_missed_sets_the_zone_in_one_step(bot: Harness) -> None:
    await at_zone_step(bot)
    await bot.text(MIA, "Cluj")
    confirmed, question = bot.api.sent("sendMessage")[-2:]
    assert "Europe/Bucharest" in confirmed.text
    assert confirmed.reply_markup == {"remove_keyboard": True}
    assert "Step 3 of 3" in question.text
    assert await zone_of(bot) == "Europe/Bucharest"
    assert_all_valid(bot.api.sent())


async def test_a_typo_offers_the_likely_cities_and_a_tap_sets_it_in_place(bot: Harness) -> None:
    await at_zone_step(bot)
    await bot.text(MIA, "Tokyio")  # a typo
    offer = bot.api.last("sendMessage")
    assert "Did you mean" in offer.text
    labels = [b["text"] for b in offer.buttons()]
    assert labels[0] == "📍 Tokyo, Japan"
    assert offer.buttons()[0]["callback_data"] == "ob:z:Asia/Tokyo"
    assert_all_valid([offer])
    assert await zone_of(bot) == "Europe/Berlin"  # the default: nothing stored yet

    await bot.send(bot.updates.callback(MIA, "ob:z:Asia/Tokyo", message_id=555))
    edited = bot.api.last("editMessageText")
    assert edited.params["message_id"] == 555
    assert "Step 3 of 3" in edited.text
    assert await zone_of(bot) == "Asia/Tokyo"


async def test_a_forged_zone_button_changes_nothing(bot: Harness) -> None:
    await at_zone_step(bot)
    await bot.send(bot.updates.callback(MIA, "ob:z:Mars/Olympus"))
    assert "expired" in bot.api.last("answerCallbackQuery").params["text"]
    await bot.send(bot.updates.callback(MIA, "ob:z:Berlni"))
    assert "expired" in bot.api.last("answerCallbackQuery").params["text"]
    await bot.send(bot.updates.callback(MIA, "ob:z:Factory"))
    assert "expired" in bot.api.last("answerCallbackQuery").params["text"]
    assert await zone_of(bot) == "Europe/Berlin"  # the default, unchanged


async def test_a_shared_location_sets_the_zone_offline(bot: Harness) -> None:
    await at_zone_step(bot)
    offer = bot.api.last("sendMessage")
    assert offer.reply_markup is not None
    assert offer.reply_markup["keyboard"][0][0]["request_location"] is True
    await bot.send(bot.updates.location(MIA, 38.72, -9.14))  # Lisbon
    confirmed, question = bot.api.sent("sendMessage")[-2:]
    assert "Europe/Lisbon" in confirmed.text
    assert confirmed.reply_markup == {"remove_keyboard": True}
    assert "Step 3 of 3" in question.text
    assert await zone_of(bot) == "Europe/Lisbon"


async def test_a_location_after_onboarding_or_from_a_stranger(bot: Harness) -> None:
    await onboard(bot.app, MIA)
    await bot.send(bot.updates.location(MIA, 46.77, 23.59))  # Cluj
    assert "Europe/Bucharest" in bot.api.last("sendMessage").text
    assert await zone_of(bot) == "Europe/Bucharest"
    stranger = TgUser(id=7199, first_name="Sam")
    await bot.send(bot.updates.location(stranger, 46.77, 23.59))
    assert "/start" in bot.api.last("sendMessage").text
    assert await bot.app.bot_data.members.get(stranger.id) is None


async def test_the_settings_pickers_replace_the_summary(bot: Harness) -> None:
    await onboard(bot.app, MIA)
    await bot.command(MIA, "settings")
    assert "Your settings" in bot.api.last("sendMessage").text
    await bot.send(bot.updates.callback(MIA, "set:zone", message_id=556))
    picker = bot.api.last("editMessageText")
    assert picker.params["message_id"] == 556
    assert "Your time zone" in picker.text
    await bot.send(bot.updates.callback(MIA, "ob:z:Asia/Tokyo", message_id=556))
    done = bot.api.last("editMessageText")
    assert done.params["message_id"] == 556
    assert "Asia/Tokyo" in done.text
    await bot.send(bot.updates.callback(MIA, "set:time", message_id=556))
    assert "Your session time" in bot.api.last("editMessageText").text
    await bot.send(bot.updates.callback(MIA, "ob:t:1800", message_id=556))
    assert "Daily session at 18:00" in bot.api.last("editMessageText").text


async def test_hello_before_start_starts_onboarding(bot: Harness) -> None:
    for user_id, text in ((7201, "hello"), (7202, "Hi there!"), (7203, "good morning 👋")):
        user = TgUser(id=user_id, first_name="New")
        await bot.text(user, text)
        welcome = bot.api.last("sendMessage")
        assert "Welcome to <b>Defy Gravity</b>" in welcome.text
        assert "Quick question 1 of 3" in welcome.text
        assert await bot.app.bot_data.members.get(user_id) is not None
    # A question is still answered as a question, and registers nobody.
    await bot.text(TgUser(id=7204), "what does the gluteus medius do?")
    assert "Welcome" not in bot.api.last("sendMessage").text
    assert await bot.app.bot_data.members.get(7204) is None


async def test_a_card_posted_through_our_own_inline_mode_is_not_answered(bot: Harness) -> None:
    await onboard(bot.app, MIA)
    me = {"id": bot.app.bot.id, "is_bot": True, "first_name": "Defy Gravity"}
    before = len(bot.api.sent())
    await bot.send(bot.updates.message(MIA, "Gluteus medius\nOrigin: …", via_bot=me))
    assert len(bot.api.sent()) == before
    other = {"id": 999, "is_bot": True, "first_name": "Other"}
    await bot.send(bot.updates.message(MIA, "what does the gluteus medius do?", via_bot=other))
    assert len(bot.api.sent()) > before


async def test_a_location_with_no_zone_asks_for_a_city(bot: Harness) -> None:
    await at_zone_step(bot)
    await bot.send(bot.updates.location(MIA, 95.0, 0.0))  # a forged, impossible point
    assert "Type the nearest city" in bot.api.last("sendMessage").text
    assert await zone_of(bot) == "Europe/Berlin"
