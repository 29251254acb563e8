"""`bootcamp-bot chat --script`: a scripted conversation, no terminal, no Telegram."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """\
# A newcomer answers the quick questions (new to training, no equipment, none of
# the conditions), onboards, gets a session by moving the clock, and checks in.
/start
1
4
5
2
2
4
:clock 07:30
1
:location 38.72 -9.14
:location north
/anatomy gluteus medus
:admin
/start
:crowd 3
/broadcast Class moves to 6pm tonight!
1
1
:users
:quit
"""


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.soak  # a real process for tens of seconds: the soak stage runs it
def test_scripted_chat_session(tmp_path: Path) -> None:
    """As in a fresh clone after `cp .env.example .env`: the file's defaults, no token."""
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    script = tmp_path / "demo.txt"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL"))}
    env["BOT_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--script", str(script)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Welcome to Defy Gravity, You!" in out
    assert "Quick question 3 of 3" in out
    assert "For you I suggest Beginner Basics" in out
    assert "All set!" in out
    assert "Time zone: Europe/Berlin" in out
    assert "Day 1 of Defy Gravity" in out
    assert "(bot: Recorded ✅)" in out
    assert "Streak: 1 day" in out
    assert "keyboard: [📍 Send my location]" in out
    assert "Time zone: Europe/Lisbon" in out  # from :location, resolved offline
    assert "(use :location 38.72 -9.14" in out
    assert "Gluteus medius · muscle" in out
    assert "3 members joined" in out
    # Everyone active counts those who finished onboarding: only You (Coach and
    # the crowd only sent /start).
    assert "Everyone active (1)" in out
    assert "Send this to 1 member now?" in out
    assert "Broadcast #1 is on its way." in out
    assert "Traceback" not in out + result.stderr
    assert (tmp_path / "sandbox.db").exists()


async def test_chat_through_the_webhook(tmp_path: Path) -> None:
    """`chat --webhook`: the sandbox posts every update to the bot's listener."""
    from bot.config import Settings
    from bot.sandbox.console import Console

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'sandbox.db'}",
        BOT_RENDER_PROCESSES="0",
    )
    lines: list[str] = []
    console = Console(settings, files_dir=tmp_path / "files", write=lines.append, webhook=True)
    await console.start()
    try:
        for line in ("/start", "1", "4", "5"):
            assert await console.handle(line)
        sandbox = console.sandbox
        assert sandbox.calls("getUpdates") == []
        assert len(sandbox.calls("setWebhook")) == 1
        assert sandbox.api.webhook.posts >= 4
        assert sandbox.api.webhook.last_error_message is None
    finally:
        await console.stop()
    out = "\n".join(lines)
    assert "Welcome to Defy Gravity, You!" in out
    assert "Quick question 3 of 3" in out
