"""The sandbox posts updates to a webhook as Telegram does: with the secret, at
most max_connections at once, one at a time per chat, confirmed only on 2xx."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from bot.sandbox import Sandbox
from tests.sandbox.conftest import TOKEN

SECRET = "s3cret_for-tests"


@dataclass
class Endpoint:
    """A webhook receiver that records posts and answers as it is told."""

    status: int = 200
    hold: asyncio.Event = field(default_factory=asyncio.Event)
    posts: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str | None] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0
    chats_in_flight: list[int] = field(default_factory=list)
    overlapped_chat: bool = False
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        chat = update["message"]["chat"]["id"]
        self.overlapped_chat |= chat in self.chats_in_flight
        self.chats_in_flight.append(chat)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await self.hold.wait()
        finally:
            self.in_flight -= 1
            self.chats_in_flight.remove(chat)
        self.posts.append(update)
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        return web.Response(status=self.status)


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    receiver = Endpoint()
    receiver.hold.set()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = next(iter(runner.addresses))[:2]
    receiver.url = f"http://{host}:{port}/hook"
    yield receiver
    receiver.hold.set()
    await runner.cleanup()


@pytest.fixture
async def box() -> AsyncIterator[Sandbox]:
    """A sandbox on the real monotonic clock (retries are timed)."""
    async with Sandbox(TOKEN) as sandbox:
        sandbox.api.webhook.retry_s = 0.05
        yield sandbox


@pytest.fixture
async def tg(box: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=box.url + "/bot") as bot:
        yield bot


async def test_updates_are_posted_with_the_secret_and_confirmed_on_2xx(
    box: Sandbox, tg: Bot, endpoint: Endpoint
) -> None:
    robin = box.add_user("Robin")
    assert await tg.set_webhook(endpoint.url, secret_token=SECRET, max_connections=5)
    box.send_text(robin.id, "/start")
    box.send_text(robin.id, "hello")
    await box.wait_for(lambda: len(endpoint.posts) == 2, timeout=5)
    await box.wait_for(lambda: tg and not box.pending_updates(), timeout=5)

    assert [post["message"]["text"] for post in endpoint.posts] == ["/start", "hello"]
    assert endpoint.secrets == [SECRET, SECRET]
    info = await tg.get_webhook_info()
    assert info.url == endpoint.url
    assert info.max_connections == 5
    assert info.pending_update_count == 0
    assert info.last_error_message is None
    with pytest.raises(Conflict, match="webhook is active"):
        await tg.get_updates()


async def test_at_most_max_connections_and_one_per_chat(
    box: Sandbox, tg: Bot, endpoint: Endpoint
) -> None:
    people = [box.add_user(f"P{n}") for n in range(6)]
    endpoint.hold.clear()
    await tg.set_webhook(endpoint.url, secret_token=SECRET, max_connections=3)
    for person in people:
        box.send_text(person.id, "one")
        box.send_text(person.id, "two")
    await box.wait_for(lambda: endpoint.in_flight == 3, timeout=5)
    await asyncio.sleep(0.2)  # nothing more starts while three are unanswered
    assert endpoint.in_flight == 3
    endpoint.hold.set()
    await box.wait_for(lambda: len(endpoint.posts) == 12, timeout=10)

    assert endpoint.peak == 3
    assert not endpoint.overlapped_chat
    for person in people:
        texts = [
            p["message"]["text"] for p in endpoint.posts if p["message"]["chat"]["id"] == person.id
        ]
        assert texts == ["one", "two"]


async def start_answered(box: Sandbox, tg: Bot, endpoint: Endpoint, status: int) -> None:
    """Robin sends /start to a webhook that answers `status`."""
    robin = box.add_user("Robin")
    endpoint.status = status
    await tg.set_webhook(endpoint.url, secret_token=SECRET)
    box.send_text(robin.id, "/start")


async def test_a_refused_post_is_kept_reported_and_tried_again(
    box: Sandbox, tg: Bot, endpoint: Endpoint
) -> None:
    await start_answered(box, tg, endpoint, 401)
    await box.wait_for(lambda: len(endpoint.posts) >= 2, timeout=5)
    info = await tg.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
    assert info.last_error_date is not None

    endpoint.status = 200
    await box.wait_for(lambda: not box.pending_updates(), timeout=5)
    assert {post["update_id"] for post in endpoint.posts} == {endpoint.posts[0]["update_id"]}


async def test_a_dead_webhook_keeps_the_update(box: Sandbox, tg: Bot, endpoint: Endpoint) -> None:
    robin = box.add_user("Robin")
    await tg.set_webhook(endpoint.url.replace("/hook", "/nothing-here"), secret_token=SECRET)
    box.send_text(robin.id, "/start")
    await box.wait_for(lambda: box.api.webhook.last_error_message is not None, timeout=5)
    assert "404" in (box.api.webhook.last_error_message or "")
    assert len(box.pending_updates()) == 1


async def test_delete_webhook_brings_get_updates_back(
    box: Sandbox, tg: Bot, endpoint: Endpoint
) -> None:
    await start_answered(box, tg, endpoint, 500)
    await box.wait_for(lambda: endpoint.posts, timeout=5)
    assert await tg.delete_webhook()
    assert (await tg.get_webhook_info()).url == ""
    updates = await tg.get_updates(timeout=1)
    assert [u.message.text for u in updates if u.message] == ["/start"]


@pytest.mark.parametrize(
    ("url", "secret", "error"),
    [
        ("https://example.org/hook", SECRET, "the sandbox posts only to 127.0.0.1 or localhost"),
        ("ftp://127.0.0.1/hook", SECRET, "An HTTPS URL must be provided"),
        ("http://127.0.0.1:9/hook", "no spaces allowed", "secret token contains unallowed"),
        ("http://127.0.0.1:9/hook", "x" * 257, "secret token contains unallowed"),
    ],
)
async def test_set_webhook_refuses_what_the_sandbox_cannot_reach(
    tg: Bot, url: str, secret: str, error: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await tg.set_webhook(url, secret_token=secret)
    assert (await tg.get_webhook_info()).url == ""
