"""Everything of the Mini App a person sees in the chat: the menu button's
label per role, and the "Open in the app" button under /stats, /roster and
/progress, in the language of the moment. (The app's own pages mark their
words in bot/webapp/static/app.js, from the same catalog.) Everyone's default
menu button is one for all languages (Telegram's setChatMenuButton takes no
language), so it is English; a member who speaks another language gets a
button of their own chat in it, as a trainer gets their Dashboard."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButton,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)

from bot import i18n
from bot.db.status import Role
from bot.i18n import N_, _

MENU_TRAINER = N_("Dashboard")
MENU_MEMBER = N_("My progress")
OPEN_IN_APP = N_("📱 Open in the app")

# Where each chat command's button opens the app (the page's #fragment is
# Telegram's own, so the view travels in the query).
VIEWS = {"stats": "adherence", "roster": "roster", "progress": "progress"}


def page_url(app_url: str, view: str) -> str:
    """The app at one of its views."""
    return f"{app_url}?view={view}"


def open_button(app_url: str | None, command: str) -> list[InlineKeyboardButton]:
    """The row that opens the app where a chat command's answer leaves off
    (empty when the app has no public address)."""
    if app_url is None:
        return []
    url = page_url(app_url, VIEWS[command])
    return [InlineKeyboardButton(_(OPEN_IN_APP), web_app=WebAppInfo(url))]


def open_keyboard(app_url: str | None, command: str) -> InlineKeyboardMarkup | None:
    """The keyboard of that one button, or None without a public address."""
    row = open_button(app_url, command)
    return InlineKeyboardMarkup([row]) if row else None


def default_menu_button(app_url: str) -> MenuButton:
    """Everyone's menu button: their own progress (in English: Telegram keeps
    one default for every language)."""
    return MenuButtonWebApp(MENU_MEMBER, WebAppInfo(page_url(app_url, "progress")))


def menu_button(app_url: str, role: Role) -> MenuButton:
    """One chat's menu button: the dashboard for trainers and admins; for
    members, the default one (My progress) in English, and their own "My
    progress" in the language of the moment otherwise."""
    if role == Role.MEMBER:
        if i18n.current() == i18n.DEFAULT:
            return MenuButtonDefault()
        return MenuButtonWebApp(_(MENU_MEMBER), WebAppInfo(page_url(app_url, "progress")))
    return MenuButtonWebApp(_(MENU_TRAINER), WebAppInfo(page_url(app_url, "roster")))
