"""The sandbox's setChatMenuButton / getChatMenuButton, and Web App buttons,
with Telegram's shapes and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import BadRequest

from bot.sandbox import Sandbox
from bot.webapp.initdata import verify
from tests.sandbox.conftest import TOKEN

APP = "https://bot.example.com/app/"


async def test_menu_buttons_per_chat_and_default(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    assert isinstance(await tg.get_chat_menu_button(robin.id), MenuButtonCommands)
    await tg.set_chat_menu_button(menu_button=MenuButtonWebApp("My progress", WebAppInfo(APP)))
    await tg.set_chat_menu_button(robin.id, MenuButtonWebApp("Dashboard", WebAppInfo(APP)))
    mine = await tg.get_chat_menu_button(robin.id)
    assert isinstance(mine, MenuButtonWebApp)
    assert mine.text == "Dashboard"
    await tg.set_chat_menu_button(robin.id, MenuButtonDefault())  # back to everyone's
    again = await tg.get_chat_menu_button(robin.id)
    assert isinstance(again, MenuButtonWebApp)
    assert again.text == "My progress"
    assert sandbox.menu_button()["web_app"]["url"] == APP


@pytest.mark.parametrize("url", ["http://bot.example.com/app/", "ftp://x", "not a url"])
async def test_web_apps_must_be_https(tg: Bot, sandbox: Sandbox, url: str) -> None:
    robin = sandbox.add_user("Robin")
    with pytest.raises(BadRequest, match="only https links are allowed"):
        await tg.set_chat_menu_button(robin.id, MenuButtonWebApp("App", WebAppInfo(url)))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Open", web_app=WebAppInfo(url))]])
    with pytest.raises(BadRequest, match="only https links are allowed"):
        await tg.send_message(robin.id, "Hi", reply_markup=markup)
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg.set_chat_menu_button(999_999, MenuButtonWebApp("App", WebAppInfo(APP)))


async def test_opening_a_web_app_signs_init_data_for_the_user(sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    opened = sandbox.open_web_app(robin.id, APP + "?view=progress")
    parts = urlsplit(opened)
    assert opened.startswith(APP + "?view=progress#")
    launch = parse_qs(parts.fragment)
    user = verify(launch["tgWebAppData"][0], TOKEN, datetime.now(UTC), timedelta(minutes=5))
    assert (user.id, user.first_name) == (robin.id, "Robin")
    assert "bg_color" in launch["tgWebAppThemeParams"][0]
