"""A French-speaking member uses the bot in French; /language switches both
ways; the command menus and descriptions exist in each language; reminders and
digests go out in each member's own language."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot import i18n
from bot.catalog import Catalog, load_catalogs
from bot.catalog.library import Libraries
from bot.clock import ManualClock
from bot.config import SHIPPED_CONTENT_DIR, Settings
from tests.kit.harness import Harness, running_bot
from tests.kit.members import onboard
from tests.kit.updates import TgUser

AMELIE = TgUser(id=7001, first_name="Amélie", language_code="fr")
BEN = TgUser(id=7002, first_name="Ben", language_code="en")
MONDAY = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
NB = "\u00a0"


def french_stand_in(english: Catalog) -> Catalog:
    """The shipped French content when it exists; until then the English content
    with French names on the cards this test looks up."""
    if (SHIPPED_CONTENT_DIR / "fr").is_dir():
        return load_catalogs(SHIPPED_CONTENT_DIR)["fr"]
    names = {
        "gluteus-medius": ("Moyen fessier", ["fessier moyen"]),
        "glute-bridge": ("Pont fessier", ["pont"]),
    }
    models: list[object] = [*english.lessons, *english.programs.values()]
    for card in [*english.anatomy.values(), *english.exercises.values(),
                 *english.stretches.values()]:  # fmt: skip
        name, aliases = names.get(card.id, (card.name, card.aliases))
        models.append(card.model_copy(update={"name": name, "aliases": aliases}))
    return Catalog.from_models(models)


@pytest.fixture
async def bilingual(settings: Settings, clock: ManualClock, catalog: Catalog):  # type: ignore[no-untyped-def]
    catalogs = {"en": catalog, "fr": french_stand_in(catalog)}
    async with running_bot(settings, clock, catalogs) as harness:
        yield harness
    assert not harness.handler_errors


def data_of(buttons: list[dict[str, object]]) -> list[str]:
    return [str(b.get("callback_data")) for b in buttons]


def labels_of(buttons: list[dict[str, object]]) -> list[str]:
    return [str(b.get("text")) for b in buttons]


async def tap(bot: Harness, user: TgUser, data: str) -> None:
    await bot.send(bot.updates.callback(user, data))


async def test_a_french_member_uses_the_whole_bot_in_french(bilingual: Harness) -> None:
    bot = bilingual
    bot.clock.set(MONDAY)
    await bot.command(AMELIE, "start")
    welcome = bot.api.last()
    assert f"Bienvenue dans <b>Defy Gravity</b>, Amélie{NB}!" in welcome.text
    assert "pas un médecin" in welcome.text
    assert "Petite question 1 sur 3" in welcome.text
    assert labels_of(welcome.buttons())[0] == "🌱 Je débute"

    await tap(bot, AMELIE, "ob:x:regular")
    kit = bot.api.last("editMessageText")
    assert "quel matériel as-tu sous la main" in kit.text
    assert "✅ Valider" in labels_of(kit.buttons())
    await tap(bot, AMELIE, "ob:k:0:ok")
    await tap(bot, AMELIE, "ob:h:0:ok")
    programs = bot.api.last("editMessageText")
    assert f"Étape 1 sur 3{NB}: choisis ton programme" in programs.text
    assert "Pour toi, je propose" in programs.text
    await tap(bot, AMELIE, "ob:p:defy-gravity")
    assert "ton fuseau horaire" in bot.api.last("editMessageText").text
    assert bot.api.last("sendMessage").reply_markup["keyboard"] == [  # type: ignore[index]
        [{"text": "📍 Envoyer ma position", "request_location": True}]
    ]
    await tap(bot, AMELIE, "ob:z:Europe/Berlin")
    await tap(bot, AMELIE, "ob:t:0730")
    done = bot.api.last("editMessageText")
    assert "C’est prêt" in done.text
    assert "lundi 2 mars à 07:30" in done.text

    bot.clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    await bot.command(AMELIE, "today")
    session = bot.api.last()
    assert "<b>Jour 1 de" in session.text
    assert "⚠️ Arrête si quelque chose fait mal" in session.text
    assert labels_of(session.buttons())[:2] == ["✅ Fait", "⏭ Passer"]

    await tap(bot, AMELIE, "ci:d:20260302")
    answered = bot.api.last("editMessageText")
    assert "✅ <b>Fait aujourd’hui</b>" in answered.text
    assert f"🔥 Série{NB}: <b>1 jour</b>" in answered.text
    assert "1 facile" in labels_of(answered.buttons())
    assert bot.api.last("answerCallbackQuery").params.get("text") == "C’est noté ✅"

    await bot.command(AMELIE, "progress")
    assert bot.api.sent("sendMessage")[-1].text == "⏳ Je prépare ton graphique…"
    photo = bot.api.last("sendPhoto")
    assert "Les progrès de Amélie" in photo.text
    assert f"Séances faites{NB}: <b>1</b>" in photo.text

    await bot.command(AMELIE, "anatomy", "fessier moyen")
    card = bot.api.last()
    assert "Moyen fessier" in card.text or "moyen fessier" in card.text.lower()
    assert f"<b>Origine{NB}:</b>" in card.text
    await bot.command(AMELIE, "anatomy", "gluteus medius")  # the English name works too
    assert f"<b>Origine{NB}:</b>" in bot.api.last().text
    await bot.command(AMELIE, "exercise", "pont fessier")
    assert "<b>Comment faire</b>" in bot.api.last().text

    await bot.command(AMELIE, "help")
    assert "<b>Ce que je sais faire</b>" in bot.api.last().text
    await bot.command(AMELIE, "nonsense")
    assert "Je ne connais pas <code>/nonsense</code>" in bot.api.last().text


async def test_language_switches_both_ways_and_moves_the_menu(bilingual: Harness) -> None:
    bot = bilingual
    await onboard(bot.app, BEN)
    await bot.command(BEN, "language")
    picker = bot.api.last()
    assert "I speak to you in <b>English</b>" in picker.text
    assert data_of(picker.buttons()) == ["lg:en", "lg:fr"]
    assert labels_of(picker.buttons()) == ["✅ English", "Français"]

    bot.api.clear()
    await tap(bot, BEN, "lg:fr")
    assert "désormais, je te parle en <b>Français</b>" in bot.api.last("editMessageText").text
    menu = bot.api.last("setMyCommands")
    assert menu.params["scope"] == {"type": "chat", "chat_id": BEN.id}
    described = {c["command"]: c["description"] for c in menu.params["commands"]}
    assert described["today"] == "La séance du jour"
    member = await bot.app.bot_data.members.get(BEN.id)
    assert member is not None
    assert member.language == "fr"
    await bot.command(BEN, "help")  # Telegram still says "en": the choice wins
    assert "<b>Ce que je sais faire</b>" in bot.api.last().text

    await bot.command(BEN, "language", "english")
    assert "from now on I speak to you in <b>English</b>" in bot.api.last().text
    assert {c["command"]: c["description"] for c in bot.api.last("setMyCommands").params[
        "commands"]}["today"] == "Today's session"  # fmt: skip
    await bot.command(BEN, "language", "klingon")
    assert "I don't speak “klingon” yet" in bot.api.last().text
    await bot.command(BEN, "language", "fr")
    assert "je te parle en <b>Français</b>" in bot.api.last().text
    await bot.command(BEN, "language", "en")
    member = await bot.app.bot_data.members.get(BEN.id)
    assert member is not None
    assert member.language == "en"

    await tap(bot, BEN, "lg:de")  # a language the bot does not speak (forged or old)
    assert bot.api.last("answerCallbackQuery").params.get("text") == (
        "That button has expired. Send /help to see what you can do now."
    )

    stranger = TgUser(id=7099, first_name="Zoé", language_code="fr-FR")
    await bot.command(stranger, "language")
    assert "On ne se connaît pas encore" in bot.api.last().text
    await tap(bot, stranger, "lg:fr")
    assert bot.api.last("answerCallbackQuery").params.get("text") == (
        "Envoie d’abord /start, puis appuie de nouveau."
    )


async def test_menus_and_descriptions_are_published_in_each_language(bilingual: Harness) -> None:
    calls = bilingual.api.calls
    menus = {c.params.get("language_code"): c for c in calls
             if c.method == "setMyCommands" and "scope" not in c.params}  # fmt: skip
    assert set(menus) == {None, "fr"}
    english = {c["command"]: c["description"] for c in menus[None].params["commands"]}
    french = {c["command"]: c["description"] for c in menus["fr"].params["commands"]}
    assert english.keys() == french.keys()
    assert "language" in french
    assert french["help"] == "Ce que je sais faire"
    assert english["help"] == "What I can do"
    for method, limit in (("setMyDescription", 512), ("setMyShortDescription", 120)):
        sent = {c.params.get("language_code"): c for c in calls if c.method == method}
        assert set(sent) == {None, "fr"}
        field = "description" if method == "setMyDescription" else "short_description"
        texts = {code: str(call.params[field]) for code, call in sent.items()}
        assert all(0 < len(text) <= limit for text in texts.values())
        assert texts[None] != texts["fr"]
    assert "séances fessiers" in str(
        next(c for c in calls if c.method == "setMyShortDescription"
             and c.params.get("language_code") == "fr").params["short_description"]
    )  # fmt: skip


async def test_reminders_and_digests_go_out_in_each_members_language(bilingual: Harness) -> None:
    bot = bilingual
    bot.clock.set(MONDAY)
    await onboard(bot.app, AMELIE, at=time(7, 30))
    await onboard(bot.app, BEN, at=time(7, 30))
    bot.clock.set(datetime(2026, 3, 2, 6, 30, tzinfo=UTC))  # 07:30 in Berlin for both
    await bot.services.ticker.tick()
    await bot.services.sender.drain()
    french = bot.api.sent("sendMessage", chat_id=AMELIE.id)[-1].text
    english = bot.api.sent("sendMessage", chat_id=BEN.id)[-1].text
    assert french.startswith("👋 Salut Amélie, voici ta séance du jour.")
    assert english.startswith("👋 Hi Ben, here is today's session.")

    bot.clock.set(datetime(2026, 3, 8, 6, 40, tzinfo=UTC))  # Sunday 07:40 in Berlin
    await bot.services.digests.queue_due()
    await bot.services.sender.drain()
    french = bot.api.sent("sendMessage", chat_id=AMELIE.id)[-1].text
    english = bot.api.sent("sendMessage", chat_id=BEN.id)[-1].text
    assert french.startswith("🗓 <b>Ta semaine, Amélie</b> (du 2 mars au 8 mars)")
    assert "<code>lu ma me je ve sa di</code>" in french
    assert "<b>La semaine prochaine</b>\nlun." in french
    assert english.startswith("🗓 <b>Your week, Ben</b> (02 Mar to 08 Mar)")
    assert "<b>Next week</b>\nMon: " in english


def test_the_libraries_fall_back_to_english(catalog: Catalog) -> None:
    libraries = Libraries({"en": catalog})
    with i18n.speaking("fr"):
        assert libraries.current().catalog is catalog


async def test_a_french_member_types_times_the_french_way(bilingual: Harness) -> None:
    bot = bilingual
    bot.clock.set(MONDAY)
    await onboard(bot.app, AMELIE)
    await bot.command(AMELIE, "time", "18h45")
    assert bot.api.last().text.startswith("⏰ Séance quotidienne à 18:45")
    await bot.command(AMELIE, "time", "7h")
    assert bot.api.last().text.startswith("⏰ Séance quotidienne à 07:00")
    await bot.command(AMELIE, "time", "midi")
    assert bot.api.last().text.startswith("⏰ Séance quotidienne à 12:00")
    await bot.command(AMELIE, "time", "25h")
    assert f"25 n’est pas une heure de la journée{NB}: les heures vont de 0 à 23" in (
        bot.api.last().text
    )
    await bot.command(AMELIE, "timezone", "Qqxzv Wwyk")
    assert "Je ne connais pas cet endroit" in bot.api.last().text


async def test_inline_mode_answers_in_the_askers_language(bilingual: Harness) -> None:
    bot = bilingual
    await bot.send(bot.updates.inline_query(AMELIE, "fessier moyen"))
    answer = bot.api.last("answerInlineQuery")
    assert answer.params["is_personal"] is True  # no French answer cached for others
    results = answer.params["results"]
    assert results[0]["id"] == "gluteus-medius"
    assert f"<b>Origine{NB}:</b>" in results[0]["input_message_content"]["message_text"]
    await bot.send(bot.updates.inline_query(BEN, "gluteus medius"))
    results = bot.api.last("answerInlineQuery").params["results"]
    assert "<b>Origin:</b>" in results[0]["input_message_content"]["message_text"]


async def test_a_nudge_reaches_each_member_in_their_language(bilingual: Harness) -> None:
    from tests.conftest import ADMIN

    bot = bilingual
    bot.clock.set(MONDAY)
    await onboard(bot.app, ADMIN)
    await onboard(bot.app, AMELIE)
    await onboard(bot.app, BEN)
    bot.clock.set(datetime(2026, 3, 6, 10, 0, tzinfo=UTC))  # four days without a check-in
    await bot.command(ADMIN, "nudge", "3")
    press = next(b for b in bot.api.last().buttons() if str(b["callback_data"]).startswith("bc:go"))
    await tap(bot, ADMIN, str(press["callback_data"]))
    await bot.settle()
    for _ in range(3):
        await bot.services.broadcasts.resume_due()
        await bot.services.sender.drain()
    french = [c.text for c in bot.api.sent("sendMessage", chat_id=AMELIE.id)]
    english = [c.text for c in bot.api.sent("sendMessage", chat_id=BEN.id)]
    assert any(text.startswith("👋 Coucou") for text in french)
    assert any(text.startswith("👋 Hi! It has been a few days") for text in english)
