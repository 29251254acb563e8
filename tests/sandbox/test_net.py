"""The aiohttp request class the bot sends through (bot/net.py), against the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.net import AiohttpRequest
from bot.sandbox import Sandbox
from tests.sandbox.conftest import TOKEN
from tests.sandbox.test_api import PNG


@pytest.fixture
async def fast(sandbox: Sandbox) -> AsyncIterator[Bot]:
    tg = Bot(
        TOKEN,
        base_url=sandbox.url + "/bot",
        base_file_url=sandbox.url + "/file/bot",
        request=AiohttpRequest(connection_pool_size=8),
    )
    async with tg:
        yield tg


async def test_text_markup_and_unicode_go_as_json(fast: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Done", callback_data="ci:d:1")]])
    text = "<b>Day 1</b> — glute bridge 🍑 " + "é" * 100

    sent = await fast.send_message(robin.id, text, parse_mode="HTML", reply_markup=markup)

    stored = sandbox.message(robin.id, sent.message_id)
    assert stored.source == text
    assert "ci:d:1" in str(stored.reply_markup)
    assert sent.text is not None
    assert sent.text.startswith("Day 1 — glute bridge 🍑")


async def test_files_still_go_as_multipart(fast: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    sent = await fast.send_photo(robin.id, PNG, caption="Your chart")
    assert sandbox.file_bytes(sent.photo[-1].file_id) == PNG
    assert sent.caption == "Your chart"


async def test_telegram_errors_come_back_as_ptb_errors(fast: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    with pytest.raises(BadRequest, match="text is empty"):
        await fast.send_message(robin.id, "")
