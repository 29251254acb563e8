"""The Mini App speaks the language of the person the init data names, as the
bot does in the chat: their /language choice, else their Telegram app's
language. Errors, labels, dates and content (content/fr) are French for a
French member and English for an English one, and /me brings the page its own
words with the catalog's plural forms."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.catalog import Catalog
from bot.sandbox import Sandbox
from bot.webapp.server import HEADER
from bot.webapp.strings import script_messages
from tests.kit import live
from tests.kit.webapp import ADMIN_ID, Community, Served, init_data


def plural(page: dict[str, object], singular: str, count: int) -> str:
    """What the page's ngettext shows for `count` (its table rule, app.js)."""
    table = page["plural"]
    assert isinstance(table, list)
    forms = page["messages"][singular]  # type: ignore[index]
    form = table[count] if count < len(table) else table[100 + count % 100]
    return str(forms[form]).format(count=count)


async def test_a_member_who_chose_french_gets_french(
    served: Served, community: Community, catalogs: dict[str, Catalog]
) -> None:
    member = community.members[2]
    await served.app.bot_data.services.members.set_language(member, "fr")
    # Their choice wins over an English Telegram app.
    status, me = await served.call("me", member, language_code="en")
    assert status == 200
    assert me["language"] == "fr"
    assert me["messages"]["Members"] == "Membres"
    assert me["messages"]["My progress"] == "Mes progrès"
    assert [plural(me, "{count} member", n) for n in (0, 1, 2)] == [
        "0 membre",
        "1 membre",
        "2 membres",
    ]
    # Only the script's own words: the server's are translated where they are made.
    assert "This page is for trainers." not in me["messages"]
    assert set(me["messages"]) <= {
        m[0] if isinstance(m, tuple) else (f"{c}\x04{m}" if c else m) for m, c in script_messages()
    }

    _, mine = await served.call("my", member)
    assert mine["next_session"] == "mar. 10 mars à 20:00"
    today = next(d for d in mine["days"] if d["today"])
    english, french = (catalogs[code].programs[live.PROGRAM] for code in ("en", "fr"))
    assert today["title"] == french.days[today["day"] - 1].title  # from content/fr
    assert today["title"] != english.days[today["day"] - 1].title
    assert today["sections"][0]["label"] == "Échauffement"
    assert mine["calendar"][-1]["label"] == "mar. 10 mars"

    status, answer = await served.call("my/settings", member, {"time": "25:00"})
    assert (status, answer) == (400, {"error": "Donne l’heure au format HH:MM, par exemple 07:30."})
    status, answer = await served.call("cards/no-such-card", member)
    assert (status, answer) == (404, {"error": "Cette fiche n’existe pas."})
    status, answer = await served.call("roster", member)
    assert (status, answer) == (403, {"error": "Cette page est réservée aux coachs."})

    _, card = await served.call("cards/gluteus-medius", member)
    assert card["name"] == "Moyen fessier"
    assert card["kind_label"] == "muscle"
    assert card["lists"][0]["title"] == "Son rôle"
    _, found = await served.call("library?q=gluteus%20medius", member)
    assert found["cards"][0]["name"] == "Moyen fessier"


async def test_an_english_member_gets_english(served: Served, community: Community) -> None:
    member = community.members[2]
    _, me = await served.call("me", member)
    assert (me["language"], me["messages"]) == ("en", {})
    assert me["plural"][:3] == [1, 0, 1]
    _, mine = await served.call("my", member)
    assert mine["next_session"] == "Tue 10 Mar, 20:00"
    today = next(d for d in mine["days"] if d["today"])
    assert today["sections"][0]["label"] == "Warm-up"
    _, card = await served.call("cards/gluteus-medius", member)
    assert (card["name"], card["lists"][0]["title"]) == ("Gluteus medius", "What it does")
    status, answer = await served.call("cards/no-such-card", member)
    assert (status, answer) == (404, {"error": "There is no such card."})


async def test_a_french_telegram_app_is_enough(served: Served, community: Community) -> None:
    """Without a /language choice, the init data's language_code decides (fr-CA too)."""
    status, me = await served.call("me", 777_001, name="Inconnu", language_code="fr-CA")
    assert (status, me["language"]) == (200, "fr")
    status, answer = await served.call("my", 777_001, language_code="fr")
    assert (status, answer) == (404, {"error": "Envoie d’abord /start au bot."})
    status, answer = await served.call("my", 777_001, language_code="de")
    assert (status, answer) == (404, {"error": "Send /start to the bot first."})


async def test_a_french_trainer_reads_french_labels(served: Served, community: Community) -> None:
    await served.app.bot_data.services.members.set_language(ADMIN_ID, "fr")
    _, audiences = await served.call("audiences", ADMIN_ID)
    labels = [a["label"] for a in audiences["audiences"]]
    assert labels[0] == "Tous les actifs"
    assert "Cohorte Spring" in labels
    assert "Inactifs depuis 7 jours et plus" in labels
    _, roster = await served.call("roster?sort=last&desc=1", ADMIN_ID)
    seen = [r for r in roster["rows"] if r["last_checkin"]]
    assert seen
    assert seen[0]["last_checkin_label"] == "9 mars"
    _, adherence = await served.call("adherence", ADMIN_ID)
    assert adherence["days"][-1]["label"] == "10 mars"
    # The chart's figures are kept a few seconds for everyone; the dates follow each reader.
    await served.app.bot_data.services.members.set_language(ADMIN_ID, "en")
    _, again = await served.call("adherence", ADMIN_ID)
    assert again["days"][-1]["label"] == "10 Mar"
    status, answer = await served.call("broadcasts", ADMIN_ID, {"text": " "})
    assert (status, answer) == (400, {"error": "Write something first."})


async def test_before_the_signature_the_browser_language_decides(served: Served) -> None:
    """A 401 knows nobody: it follows Accept-Language (the init data is not read)."""
    forged = init_data(ADMIN_ID, "Dana", served.clock.now(), token="999:" + "B" * 35)
    status, answer = await served.call(
        "me", None, raw=forged, headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
    )
    assert (status, answer) == (401, {"error": "Ouvre cette page depuis le bot, dans Telegram."})
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{served.base}/app/api/me", headers={HEADER: forged}) as response,
    ):
        assert (await response.json())["error"] == "Open this page from the bot in Telegram."


async def test_the_page_shell_follows_the_browser_language(served: Served) -> None:
    """What shows before app.js has the person's words (lang, loading line,
    the no-JavaScript line) is in the browser's language, English otherwise."""
    pages = {}
    async with aiohttp.ClientSession() as http:
        for accept in ("fr-FR,fr;q=0.9", "de-DE", ""):
            headers = {"Accept-Language": accept} if accept else {}
            async with http.get(served.app_url, headers=headers) as response:
                assert response.status == 200
                pages[accept] = await response.text()
    french = pages["fr-FR,fr;q=0.9"]
    assert '<html lang="fr">' in french
    assert "Chargement…" in french
    assert "a besoin de JavaScript" in french
    assert "Loading…" not in french
    assert "{{" not in french
    for english in (pages["de-DE"], pages[""]):
        assert '<html lang="en">' in english
        assert "Loading…" in english
        assert "{{" not in english


async def test_the_chat_side_of_the_app_follows_the_language(
    served: Served, sandbox: Sandbox
) -> None:
    """A trainer who switches to French gets the dashboard button and the
    "Open in the app" button in French; everyone's default stays English
    (Telegram keeps one default menu button for all languages)."""

    def answered() -> list[Any]:
        return [m for m in sandbox.messages(ADMIN_ID) if m.from_bot]

    before = len(answered())
    sandbox.send_text(ADMIN_ID, "/language fr")
    await sandbox.wait_for(lambda: len(answered()) > before, timeout=30)
    assert sandbox.menu_button(ADMIN_ID)["text"] == "Tableau de bord"
    assert sandbox.menu_button()["text"] == "My progress"
    before = len(answered())
    sandbox.send_text(ADMIN_ID, "/stats")
    await sandbox.wait_for(
        lambda: any(m.photo or m.document for m in answered()[before:]), timeout=30
    )
    markup = next(m for m in answered()[before:] if m.photo or m.document).reply_markup
    assert markup is not None
    assert markup["inline_keyboard"][-1][0]["text"] == "📱 Ouvrir dans l’application"


async def test_a_french_newcomer_gets_the_menu_button_in_french(
    served: Served, sandbox: Sandbox
) -> None:
    """A member whose Telegram speaks French gets their own Mini App button in
    French at /start (the default one, for every language, reads English); an
    English newcomer keeps the default."""
    french = sandbox.add_user("Élodie", language_code="fr")
    english = sandbox.add_user("Emma", language_code="en")
    for user in (french, english):
        sandbox.send_text(user.id, "/start")
        await sandbox.wait_for(
            lambda user=user: any(m.from_bot for m in sandbox.messages(user.id)), timeout=30
        )
    assert await live.poll_until(
        lambda: sandbox.menu_buttons.get(french.id, {}).get("text") == "Mes progrès", 20
    ), (french.id, {k: v.get("text") for k, v in sandbox.menu_buttons.items()})
    assert english.id not in sandbox.menu_buttons
    assert sandbox.menu_button(english.id)["text"] == "My progress"
