"""LOG_FORMAT=json: one JSON object per line, naming the update, chat, handler
and duration where known; plain text stays the default."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.intake import dispatcher
from bot.logs import UPDATE, JsonFormatter, UpdateLog
from tests.kit.harness import Harness
from tests.kit.live import bot_command
from tests.kit.recording import TOKEN
from tests.kit.updates import TgUser

ROBIN = TgUser(id=7101, first_name="Robin")


def formatted(record: logging.LogRecord, secret: str | None = None) -> dict[str, Any]:
    line = JsonFormatter(secret).format(record)
    assert "\n" not in line
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"boom at https://api.telegram.org/bot{TOKEN}/getMe\nsecond line")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("bot.test", logging.ERROR, __file__, 1, message, args, exc_info)


def test_a_record_is_one_json_line_with_the_fixed_fields() -> None:
    entry = formatted(record("sent %d of %s", 3, "5 ✅ ünïcode"))
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "bot.test"
    assert entry["message"] == "sent 3 of 5 ✅ ünïcode"
    assert entry["time"].endswith("+00:00")  # UTC, ISO 8601
    assert "update_id" not in entry  # outside an update


def test_a_traceback_stays_on_the_line_and_the_token_never_shows() -> None:
    entry = formatted(record("token %s leaked", TOKEN, exc=True), secret=TOKEN)
    assert "ValueError: boom" in entry["exception"]
    assert "second line" in entry["exception"]
    assert TOKEN not in json.dumps(entry)
    assert entry["message"] == "token <token> leaked"


def test_the_update_being_handled_is_named() -> None:
    token = UPDATE.set(UpdateLog(42, "c:7101", "checkins.press_checkin"))
    try:
        entry = formatted(record("inside"))
    finally:
        UPDATE.reset(token)
    assert (entry["update_id"], entry["chat"], entry["handler"]) == (
        42,
        "c:7101",
        "checkins.press_checkin",
    )


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG and above, as the JSON lines LOG_FORMAT=json writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(TOKEN))
    root = logging.getLogger()
    dispatcher = logging.getLogger("bot.intake.dispatcher")
    old_level = dispatcher.level
    dispatcher.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        dispatcher.setLevel(old_level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_handled_update_logs_its_id_chat_handler_and_duration(
    bot: Harness, json_log: io.StringIO
) -> None:
    update = bot.updates.command(ROBIN, "help")
    await bot.send(update)
    assert bot.replies(ROBIN.id), "the bot answered /help"
    handled = [e for e in lines(json_log) if e["message"].startswith(f"update {update.update_id}")]
    assert len(handled) == 1, lines(json_log)
    entry = handled[0]
    assert entry["update_id"] == update.update_id
    assert entry["chat"] == f"c:{ROBIN.id}"
    assert entry["handler"] == "core.show_help"
    assert isinstance(entry["duration_ms"], float)
    assert entry["duration_ms"] >= 0


async def test_a_pressed_button_names_its_own_handler(bot: Harness, json_log: io.StringIO) -> None:
    """A stale or forged button reaches the catch-all handler, and the log says so."""
    update = bot.updates.callback(ROBIN, "no-such-button:1")
    await bot.send(update)
    entry = next(e for e in lines(json_log) if e.get("update_id") == update.update_id)
    assert entry["handler"] == "core.answer_stale_button"


def run_cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL"))}
    base.pop("LOG_FORMAT", None)
    base.update(BOT_DATA_DIR=str(tmp_path), **env)
    return bot_command("migrate", env=base, cwd=tmp_path)


def test_log_format_json_makes_every_line_of_the_program_json(tmp_path: Path) -> None:
    result = run_cli(tmp_path, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    written = result.stderr.splitlines()
    assert written, "migrate logs what it does"
    entries = [json.loads(line) for line in written]
    assert {e["logger"] for e in entries} >= {"alembic.runtime.migration"}


def test_plain_text_stays_the_default(tmp_path: Path) -> None:
    result = run_cli(tmp_path)
    assert result.returncode == 0, result.stderr
    first = result.stderr.splitlines()[0]
    assert not first.startswith("{")
    assert " INFO alembic.runtime.migration: " in first


def test_a_wrong_log_format_is_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, LOG_FORMAT="xml")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "configuration error: LOG_FORMAT 'xml' is not a log format; expected text or json"
    )


async def test_a_slow_update_is_a_warning_even_when_debug_is_off(
    bot: Harness, json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatcher, "SLOW_UPDATE_S", 0.0)  # every update counts as slow
    logging.getLogger("bot.intake.dispatcher").setLevel(logging.INFO)
    update = bot.updates.command(ROBIN, "help")
    await bot.send(update)
    (entry,) = [e for e in lines(json_log) if e.get("update_id") == update.update_id]
    assert entry["level"] == "WARNING"
    assert entry["message"].startswith(f"update {update.update_id} handled in ")
