"""`bootcamp-bot run` in webhook mode as a real process: the sandbox posts, the
process answers, /healthz and /metrics answer on the same port, SIGTERM stops it."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.config import normalise_database_url
from bot.db.migrate import upgrade
from bot.sandbox import Sandbox
from bot.sandbox.webhook import free_port
from tests.kit.live import BOT_USERNAME, BotProcess, poll_until
from tests.kit.recording import TOKEN


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN, bot_username=BOT_USERNAME) as box:
        yield box


async def test_webhook_process_answers_and_reports(sandbox: Sandbox, tmp_path: Path) -> None:
    url = normalise_database_url(f"sqlite:///{tmp_path / 'bot.db'}")
    await asyncio.to_thread(upgrade, url)
    bot = BotProcess(url, sandbox, tmp_path, log_level="INFO")
    port = free_port()
    secret = secrets.token_hex(16)
    bot.use_webhook(f"http://127.0.0.1:{port}/telegram", port, secret)
    robin = sandbox.add_user("Robin")
    bot.start()
    try:
        assert await poll_until(lambda: sandbox.api.webhook.webhook is not None, 30)
        sandbox.send_text(robin.id, "/start")
        welcome = await sandbox.wait_for_bot_message(robin.id, timeout=20)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                health = json.loads(await response.text())
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                metrics = await response.text()
    finally:
        code = await bot.stop()
    log = bot.log()
    assert code == 0, log[-3000:]
    assert "Robin" in welcome.shown
    assert health["status"] == "ok"
    assert "bootcamp_updates_received_total 1.0" in metrics
    assert sandbox.calls("getUpdates") == []
    assert sandbox.api.webhook.webhook is not None  # the other replicas still serve it
    assert secret not in log
    assert TOKEN.split(":")[1] not in log
