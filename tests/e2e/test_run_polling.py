"""`bootcamp-bot run` as a real process, polling a Bot API over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kit.recording import TOKEN
from tests.kit.stub_api import StubBotAPI


@pytest.fixture
def api() -> Iterator[StubBotAPI]:
    server = StubBotAPI()
    server.start()
    yield server
    server.stop()


def test_run_answers_start_and_help_over_http_and_stops_cleanly(
    api: StubBotAPI, tmp_path: Path
) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "DATABASE_URL", "CONTENT_DIR"))
    }
    env.update(
        BOT_TOKEN=TOKEN,
        BOT_API_BASE_URL=api.url,
        BOT_DATA_DIR=str(tmp_path),
        LOG_LEVEL="DEBUG",
    )
    api.push_text(501, "Robin", "/start")
    api.push_text(501, "Robin", "/help")
    # A file, not a pipe: an unread pipe fills up at DEBUG level and stalls the bot.
    log_path = tmp_path / "bot.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=tmp_path,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            sent = api.wait_for("sendMessage", 2)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    stderr = log_path.read_text()

    assert process.returncode == 0, stderr[-2000:]
    assert "Welcome to <b>Defy Gravity</b>, Robin" in sent[0]["text"]
    assert "/help" in sent[1]["text"]
    assert (tmp_path / "bootcamp.db").exists()
    assert TOKEN not in stderr
    assert TOKEN.split(":")[1] not in stderr
