"""The control interface over HTTP: another process plays the users."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import aiohttp
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)

from bot.sandbox import Sandbox
from tests.sandbox.conftest import BOT_ID


class Control:
    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http = http
        self.url = url + "/sandbox"

    async def post(self, path: str, **body: Any) -> Any:
        async with self.http.post(f"{self.url}/{path}", json=body) as response:
            payload = await response.json()
            assert response.status == 200, payload
            return payload["result"]

    async def get(self, path: str, **query: Any) -> Any:
        async with self.http.get(f"{self.url}/{path}", params=query) as response:
            payload = await response.json()
            assert response.status == 200, payload
            return payload["result"]


async def test_http_control_plays_a_user_end_to_end(tg: Bot, sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as http:
        control = Control(http, sandbox.url)
        robin = await control.post("users", first_name="Robin", username="robin", user_id=501)
        sent = await control.post("send_text", user_id=501, text="/start")
        [update] = await tg.get_updates()
        assert update.message is not None
        assert update.message.text == "/start"

        # The bot answers; a console waiting on /sandbox/wait sees it.
        waiting = asyncio.create_task(
            control.post("wait", chat_id=501, after=sent["message_id"], timeout=3)
        )
        await asyncio.sleep(0.1)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="done")]])
        reply = await tg.send_message(501, "<b>Welcome</b>", parse_mode="HTML", reply_markup=markup)
        [seen] = await waiting

        pressing = asyncio.create_task(
            control.post(
                "press_button",
                user_id=501,
                chat_id=501,
                message_id=reply.message_id,
                callback_data="done",
                wait=3,
            )
        )
        [press] = await tg.get_updates(offset=update.update_id + 1, timeout=3)
        assert press.callback_query is not None
        await press.callback_query.answer("Nice!")
        pressed = await pressing

        photo = await control.post(
            "send_photo", user_id=501, data_base64=base64.b64encode(b"jpeg?").decode()
        )
        async with http.get(f"{sandbox.url}/sandbox/files/{photo['file_id']}") as response:
            photo_bytes = await response.read()
        messages = await control.get("messages", chat_id=501)
        later = await control.get("messages", chat_id=501, after=reply.message_id)
        await control.post("block", user_id=501)
        state = await control.get("state")
        calls = await control.get("calls", method="sendMessage")
        async with http.post(
            f"{sandbox.url}/sandbox/send_text", json={"user_id": 999, "text": "x"}
        ) as response:
            refused = (response.status, await response.json())

    assert robin["id"] == 501
    assert robin["username"] == "robin"
    assert seen["text"] == "Welcome"
    assert seen["source"] == "<b>Welcome</b>"
    assert seen["reply_markup"] == markup.to_dict()
    assert pressed["answer"]["answered"]
    assert pressed["answer"]["text"] == "Nice!"
    assert photo_bytes == b"jpeg?"
    assert [m["message_id"] for m in messages] == [1, 2, 3]
    assert [m["has_photo"] for m in later] == [True]
    assert state["bot"]["id"] == BOT_ID
    assert state["users"][0]["blocked"] is True
    assert state["pending_updates"] == 3  # the press, the photo and my_chat_member
    assert [c["method"] for c in calls] == ["sendMessage"]
    assert refused == (400, {"ok": False, "error": "no user 999; add_user() first"})


async def test_http_inline_query_and_choice(tg: Bot, sandbox: Sandbox) -> None:
    sandbox.add_user("Robin", user_id=501)
    async with aiohttp.ClientSession() as http:
        control = Control(http, sandbox.url)
        asking = asyncio.create_task(
            control.post("inline_query", user_id=501, query="hip", timeout=3)
        )
        [update] = await tg.get_updates(timeout=3)
        assert update.inline_query is not None
        await update.inline_query.answer(
            [InlineQueryResultArticle("a1", "Hip hinge", InputTextMessageContent("Hip hinge"))]
        )
        answered = await asking
        chosen = await control.post(
            "choose_inline_result", user_id=501, chat_id=501, result_id="a1"
        )
        await control.post("rate_limits", enabled=False)
        errors = await control.get("errors")

    assert [r["id"] for r in answered["results"]] == ["a1"]
    assert chosen["text"] == "Hip hinge"
    assert chosen["via_bot"] is True
    assert sandbox.enforce_rate_limits is False
    assert errors == []


async def test_http_stickers_locations_and_forged_presses(tg: Bot, sandbox: Sandbox) -> None:
    sandbox.add_user("Robin", user_id=501)
    sent = await tg.send_message(
        501,
        "Pick",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]]),
    )
    async with aiohttp.ClientSession() as http:
        control = Control(http, sandbox.url)
        sticker = await control.post("send_sticker", user_id=501, emoji="💪")
        location = await control.post("send_location", user_id=501, latitude=1.5, longitude=-2)
        pressed = await control.post(
            "press_button",
            user_id=501,
            chat_id=501,
            message_id=sent.message_id,
            callback_data="bc:go:1",
            forged=True,
        )
        async with http.post(
            f"{sandbox.url}/sandbox/press_button",
            json={
                "user_id": 501,
                "chat_id": 501,
                "message_id": sent.message_id,
                "callback_data": "bc:go:1",
            },
        ) as response:
            unforged = response.status
    updates = await tg.get_updates()

    assert sticker["attachment"]["sticker"]["emoji"] == "💪"
    assert location["attachment"] == {"location": {"latitude": 1.5, "longitude": -2.0}}
    assert pressed["answer"]["data"] == "bc:go:1"
    assert unforged == 400
    assert [u.callback_query.data for u in updates if u.callback_query] == ["bc:go:1"]
