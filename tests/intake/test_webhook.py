"""Webhook mode, in process against the sandbox: the secret, 200 only after the
inbox commit, setWebhook only when it differs, /healthz and /metrics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.app import build_application
from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.config import Settings
from bot.context import BotApplication
from bot.db.inbox import InboxRepository
from bot.intake.webhook import SECRET_HEADER
from bot.runner import serve
from bot.sandbox import ApiError, Sandbox
from bot.sandbox.webhook import free_port, local_webhook
from tests.kit import live
from tests.kit.db import inbox_rows
from tests.kit.recording import TOKEN


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN, bot_username=live.BOT_USERNAME) as box:
        box.api.webhook.retry_s = 0.1
        yield box


@dataclass
class Stage:
    """The sandbox, an empty database and webhook settings: where a test runs the bot."""

    sandbox: Sandbox
    db_url: str
    tmp_path: Path
    catalog: Catalog
    hook: dict[str, Any]

    @asynccontextmanager
    async def served(
        self, *, clock: ManualClock | None = None, workers: bool = True, **extra: Any
    ) -> AsyncIterator[BotApplication]:
        """The bot as `bootcamp-bot run` runs it (serve), in this process."""
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            BOT_TOKEN=TOKEN,
            BOT_API_BASE_URL=self.sandbox.url,
            DATABASE_URL=self.db_url,
            BOT_DATA_DIR=str(self.tmp_path),
            BOT_RENDER_PROCESSES="0",
            BOT_TICK_SECONDS="1",
            **extra,
        )
        app = build_application(
            settings,
            clock=clock or ManualClock(live.at(6, 1)),
            catalog=self.catalog,
            workers=workers,
        )
        stop, ready = asyncio.Event(), asyncio.Event()
        serving = asyncio.create_task(serve(app, stop, ready=ready, handle_signals=False))
        waiting = asyncio.ensure_future(ready.wait())
        await asyncio.wait({serving, waiting}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if serving.done():
            serving.result()  # it could not start: show why
        assert ready.is_set(), "the bot did not start within 20 s"
        try:
            yield app
        finally:
            stop.set()
            await serving

    def webhook(self, **extra: Any) -> Any:
        """`served` in webhook mode."""
        return self.served(**{**self.hook, **extra})

    @property
    def url(self) -> str:
        return str(self.hook["webhook_url"])

    @property
    def listener(self) -> str:
        return "http://" + str(self.hook["webhook_listen"])

    @property
    def headers(self) -> dict[str, str]:
        return {SECRET_HEADER: self.hook["webhook_secret"].get_secret_value()}


@pytest.fixture
def stage(sandbox: Sandbox, db_url: str, tmp_path: Path, catalog: Catalog) -> Stage:
    return Stage(sandbox, db_url, tmp_path, catalog, local_webhook())


def text_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "Robin"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_770_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Robin"},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]
            if text.startswith("/")
            else [],
        },
    }


async def post(url: str, body: Any, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=json.dumps(body), headers=headers) as response,
    ):
        return response.status


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


def metric_values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) → value, from the Prometheus text format."""
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


async def test_posts_without_the_secret_get_401_and_change_nothing(stage: Stage) -> None:
    sandbox = stage.sandbox
    robin = sandbox.add_user("Robin")
    async with stage.webhook() as app:
        sessions = app.bot_data.services.database.sessions
        forged = text_update(900, robin.id, "/start")
        longer = stage.headers[SECRET_HEADER] + "x"
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: longer}):
            assert await post(stage.url, forged, headers) == 401
        assert await inbox_rows(sessions) == {}
        assert await post(stage.url, "not an update", stage.headers) == 400
        assert await post(stage.url, {"update_id": "7"}, stage.headers) == 400
        assert await inbox_rows(sessions) == {}
        await asyncio.sleep(0.5)
        assert sandbox.messages(robin.id) == []  # nothing was handled either
        _, text = await get(stage.listener + "/metrics")
        assert metric_values(text)[("bootcamp_webhook_refused_total", ())] == 3

        assert await post(stage.url, forged, stage.headers) == 200
        assert set(await inbox_rows(sessions)) == {900}
        welcome = await sandbox.wait_for_bot_message(robin.id, timeout=10)
    assert "Robin" in welcome.shown


async def test_answered_200_only_after_the_update_is_committed(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = stage.sandbox
    robin = sandbox.add_user("Robin")
    original = InboxRepository.store
    release = asyncio.Event()
    failures = [RuntimeError("the database is down")] * 2

    async def slow_store(self: InboxRepository, payloads: Any, now: Any) -> int:
        await release.wait()
        if failures:
            raise failures.pop()
        return await original(self, payloads, now)

    monkeypatch.setattr(InboxRepository, "store", slow_store)
    async with stage.webhook(workers=False) as app:
        sessions = app.bot_data.services.database.sessions
        # Not answered while the insert waits; 503 (send it again) when it fails.
        help_update = text_update(700, robin.id, "/help")
        answer = asyncio.create_task(post(stage.url, help_update, stage.headers))
        await asyncio.sleep(0.5)
        assert not answer.done()
        release.set()
        assert await answer == 503
        assert await inbox_rows(sessions) == {}
        # The sandbox keeps an update answered 503 and posts it again until it is stored.
        sandbox.send_text(robin.id, "/start")
        await sandbox.wait_for(lambda: not sandbox.pending_updates(), timeout=10)
        assert "503" in (sandbox.api.webhook.last_error_message or "")
        rows = await inbox_rows(sessions)
        assert len(rows) == 1  # stored once, when the sandbox was told 200
        assert await post(stage.url, text_update(701, robin.id, "/help"), stage.headers) == 200
        assert 701 in await inbox_rows(sessions)  # committed before the 200 came back


async def test_set_webhook_only_when_telegram_has_something_else(stage: Stage) -> None:
    sandbox = stage.sandbox

    def replica(**changes: Any) -> Any:
        port = free_port()
        return stage.webhook(workers=False, webhook_listen=f"127.0.0.1:{port}", **changes)

    async with stage.webhook(workers=False):
        assert len(sandbox.calls("setWebhook")) == 1
        async with replica(), replica(), replica():  # three more, one URL behind a balancer
            assert len(sandbox.calls("setWebhook")) == 1
        async with replica(webhook_max_connections=10):
            assert len(sandbox.calls("setWebhook")) == 2
        info = sandbox.api.webhook.info()
        assert info["url"] == stage.url
        assert info["max_connections"] == 10
        assert "callback_query" in info["allowed_updates"]
    # Back to polling: the webhook goes, and getUpdates works again.
    robin = sandbox.add_user("Robin")
    async with stage.served():
        assert sandbox.api.webhook.info()["url"] == ""
        sandbox.send_text(robin.id, "/start")
        await sandbox.wait_for_bot_message(robin.id, timeout=10)
    assert len(sandbox.calls("deleteWebhook")) == 1


async def test_healthz_reports_the_database_and_503_when_it_is_gone(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = stage.sandbox
    async with stage.webhook() as app:
        sender = app.bot_data.services.sender
        await sandbox.wait_for(lambda: sender.holding, timeout=5)
        status, body = await get(stage.listener + "/healthz")
        assert status == 200
        health = json.loads(body)
        assert health["status"] == "ok"
        assert health["database"] is True
        assert health["inbox"] == {"waiting": 0, "lag_seconds": 0.0}
        assert health["outbox"] == {"waiting": 0}
        assert health["sender"] == {"holder": sender.holder, "this_process": True}
        assert health["version"]

        # A database that refuses connections (nothing listens on port 9).
        dead = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:9/none")
        database = app.bot_data.services.database
        monkeypatch.setattr(database, "sessions", async_sessionmaker(dead))
        try:
            status, body = await get(stage.listener + "/healthz")
            assert status == 503
            assert json.loads(body) == {
                "status": "unavailable",
                "database": False,
                "version": health["version"],
            }
            status, text = await get(stage.listener + "/metrics")
            assert status == 200
            assert metric_values(text)[("bootcamp_database_up", ())] == 0
        finally:
            monkeypatch.undo()
            await dead.dispose()
        status, _ = await get(stage.listener + "/healthz")
        assert status == 200


async def test_polling_mode_listens_only_with_bot_http_listen(stage: Stage) -> None:
    port = free_port()
    async with stage.served(workers=False):
        with pytest.raises(aiohttp.ClientConnectionError):
            await get(f"http://127.0.0.1:{port}/healthz")
    async with stage.served(workers=False, BOT_HTTP_LISTEN=f"127.0.0.1:{port}"):
        status, _ = await get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200
        status, _ = await get(f"http://127.0.0.1:{port}/telegram")
        assert status == 404  # no webhook path in polling mode


async def test_metrics_add_up_with_what_the_sandbox_delivered(stage: Stage) -> None:
    sandbox = stage.sandbox
    members = await live.add_members(stage.db_url, [6] * 12)
    for user_id in members:
        sandbox.add_user(f"Member {user_id}", user_id=user_id)
    newcomers = [sandbox.add_user(f"New {n}") for n in range(3)]
    async with stage.webhook():
        for person in newcomers:
            sandbox.send_text(person.id, "/start")
        await sandbox.wait_for(
            lambda: all(live.session_message(sandbox, uid) for uid in members), timeout=30
        )
        for person in newcomers:
            await sandbox.wait_for_bot_message(person.id, timeout=10)

        async def settled() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
            _, text = await get(stage.listener + "/metrics")
            return metric_values(text)

        values = await settled()
        for _ in range(20):  # outcomes are written a moment after the answer
            handled = values.get(("bootcamp_updates_handled_total", ()), 0)
            if handled == 3 and values.get(("bootcamp_outbox_pending", ()), 1) == 0:
                break
            await asyncio.sleep(0.2)
            values = await settled()

    sent = ("bootcamp_outbox_sends_total", (("kind", "reminder"), ("outcome", "sent")))
    delivered = [m for uid in members for m in sandbox.messages(uid) if m.from_bot]
    assert values[sent] == len(delivered) == 12
    assert values[("bootcamp_send_seconds_count", ())] == 12
    assert values[("bootcamp_tick_queued_total", ())] == 12
    assert values[("bootcamp_tick_due_total", ())] == 12
    assert values[("bootcamp_tick_seconds_count", ())] >= 1
    assert values[("bootcamp_updates_received_total", ())] == 3 == sandbox.api.webhook.posts
    assert values[("bootcamp_updates_handled_total", ())] == 3
    assert values[("bootcamp_update_handler_seconds_count", ())] == 3
    assert values[("bootcamp_updates_failed_total", ())] == 0
    assert values[("bootcamp_sender_lease_held", ())] == 1
    assert values[("bootcamp_outbox_pending", ())] == 0
    assert values[("bootcamp_inbox_depth", ())] == 0
    assert values[("bootcamp_database_up", ())] == 1


async def test_polling_starts_when_the_webhook_cannot_be_deleted(stage: Stage) -> None:
    """Telegram briefly unreachable at start: polling goes on (and retries itself)."""
    sandbox = stage.sandbox

    async def unavailable(params: Any) -> Any:
        raise ApiError(502, "Bad Gateway")

    sandbox.api.methods["deletewebhook"] = unavailable
    robin = sandbox.add_user("Robin")
    async with stage.served(workers=False):
        sandbox.send_text(robin.id, "/start")
        welcome = await sandbox.wait_for_bot_message(robin.id, timeout=10)
    assert "Robin" in welcome.shown
    assert [error.method for error in sandbox.errors()] == ["deleteWebhook"]
