"""The aiohttp request class the bot sends through (bot/net.py), against the sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import aiohttp
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


async def test_a_request_that_arrived_is_carried_out_when_its_client_dies(
    sandbox: Sandbox,
) -> None:
    """A kill -9 right after a request went out: its bytes reach Telegram, which
    delivers it; only the answer has nobody to go to. The sandbox, answering
    after a latency, does the same (and logs no error of its own)."""
    robin = sandbox.add_user("Robin")
    sandbox.set_latency(0.4, 0.0, seed=1)
    url = f"{sandbox.url}/bot{TOKEN}/sendMessage"
    async with aiohttp.ClientSession() as client:
        posting = asyncio.create_task(client.post(url, json={"chat_id": robin.id, "text": "Hi"}))
        await asyncio.sleep(0.1)  # on its way: the body has arrived, no answer yet
        posting.cancel()  # the client goes, and its connection with it
        with contextlib.suppress(asyncio.CancelledError):
            await posting
    await asyncio.sleep(0.6)
    assert [message.text for message in sandbox.messages(robin.id)] == ["Hi"]
    assert sandbox.errors() == []


async def test_a_request_written_just_before_a_kill_is_carried_out(sandbox: Sandbox) -> None:
    """The whole request and the end of the connection arrive together (the
    client wrote, then died): Telegram still has the request and delivers it."""
    members = [sandbox.add_user(f"Member {n}") for n in range(5)]
    host, port = sandbox.url.removeprefix("http://").split(":")
    for member in members:
        body = json.dumps({"chat_id": member.id, "text": "Written, then killed"}).encode()
        _, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            f"POST /bot{TOKEN}/sendMessage HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        writer.close()  # at once: no answer awaited
        await writer.wait_closed()
    await asyncio.sleep(0.5)
    for member in members:
        assert [m.text for m in sandbox.messages(member.id)] == ["Written, then killed"]
    assert sandbox.errors() == []
