"""On SQLite one `bootcamp-bot run` per database: a second one is refused with
one line, and a restart after kill -9 is not (the kernel drops the lock)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import normalise_database_url
from bot.db.lock import DatabaseInUse, DatabaseLock, lock_path, sqlite_path
from bot.db.migrate import upgrade
from bot.sandbox import Sandbox
from tests.kit.live import BOT_USERNAME, BotProcess, bot_command, poll_until
from tests.kit.recording import TOKEN


def test_sqlite_path_of_each_kind_of_url(tmp_path: Path) -> None:
    assert sqlite_path(f"sqlite+aiosqlite:///{tmp_path}/a.db") == tmp_path / "a.db"
    assert sqlite_path("sqlite+aiosqlite://") is None  # in memory
    assert sqlite_path("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_path("postgresql+asyncpg://bot@db/bootcamp") is None
    assert lock_path(tmp_path / "a.db") == tmp_path / "a.db.lock"


def test_the_lock_is_exclusive_and_can_be_taken_again_once_released(tmp_path: Path) -> None:
    database = tmp_path / "bootcamp.db"
    with DatabaseLock(database):
        with pytest.raises(DatabaseInUse) as refused:
            DatabaseLock(database, purpose="restore").acquire()
        assert "(pid " in str(refused.value)  # the holder wrote its pid
        assert "\n" not in str(refused.value)
    with DatabaseLock(database, purpose="restore"):
        pass  # free again
    assert lock_path(database).exists()  # the file stays; only the lock matters


def test_run_in_a_missing_directory_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL"))}
    missing = tmp_path / "no-such-dir"
    env.update(BOT_TOKEN=TOKEN, BOT_DATA_DIR=str(missing))
    result = bot_command("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"not started: cannot open the lock file {missing}/bootcamp.db.lock: "
        "No such file or directory"
    )
    assert not missing.exists()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = normalise_database_url(f"sqlite:///{tmp_path / 'bootcamp.db'}")
    upgrade(url)
    return url


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN, bot_username=BOT_USERNAME) as box:
        yield box


def holds_lock(bot: BotProcess, database: Path) -> bool:
    """Whether this run of `bot` has the database's lock: it writes its pid into
    the lock file once it holds the lock (a killed run's pid may linger there)."""
    path = lock_path(database)
    return path.exists() and path.read_text().split()[:1] == [str(bot.pid)]


@pytest.mark.soak  # a real process for tens of seconds: the soak stage runs it
async def test_a_second_process_is_refused_and_a_restart_after_kill_9_is_not(
    sqlite_url: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    database = tmp_path / "bootcamp.db"
    bot = BotProcess(sqlite_url, sandbox, tmp_path, log_level="INFO")
    bot.env["LOG_FORMAT"] = "json"
    bot.start()
    try:
        # The lock is the first thing `run` takes, before the bot is built.
        assert await poll_until(lambda: holds_lock(bot, database), 60), bot.log()
        first_pid = bot.pid

        refused = bot_command("run", env=bot.env, cwd=bot.workdir)
        assert refused.returncode == 3, refused.stderr
        line = refused.stderr.strip()
        assert line == (
            f"not started: another bootcamp-bot process (pid {first_pid}, run) is using "
            f"{database} (lock {database}.lock); stop it first — several processes need "
            "PostgreSQL"
        )
        assert bot.process is not None
        assert bot.process.poll() is None  # the first goes on

        bot.kill()  # SIGKILL: nothing of the bot's own shutdown runs
        bot.start()
        assert await poll_until(lambda: bot.polls() > 0, 90), bot.log()
        assert holds_lock(bot, database)
        assert bot.process.poll() is None
        assert "not started" not in bot.log()
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()[-3000:]
    # The real process logs JSON lines only (the runs' markers are the kit's).
    logged = [json.loads(line) for line in bot.log().splitlines() if not line.startswith("---")]
    assert any(entry["message"].startswith("bot @") for entry in logged)
    # Stopped cleanly, the lock is free for the next start.
    with DatabaseLock(database):
        pass
