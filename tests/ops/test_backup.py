"""`bootcamp-bot backup` and `restore`: a consistent copy of the SQLite database
while the real bot sends a broadcast, the pg_dump command for PostgreSQL, and a
restore that asks first, keeps the old database and never runs under a bot."""

from __future__ import annotations

import asyncio
import builtins
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot import cli
from bot.config import normalise_database_url
from bot.db.lock import DatabaseLock
from bot.db.migrate import upgrade
from bot.sandbox import Sandbox
from tests.kit.db import schema_diff
from tests.kit.live import (
    BOT_USERNAME,
    BotProcess,
    bot_command,
    members_and_broadcast,
    poll_until,
)
from tests.kit.recording import TOKEN

MEMBERS = 300
RATE = "10"  # BOT_BROADCAST_RATE: 30 s for the whole broadcast, the backup in the middle


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No variable of the machine's, and the logging set-up as it was afterwards
    (cli.main points the root logger at this test's captured stderr)."""
    for name in list(os.environ):
        if name.startswith(("BOT_", "DATABASE_URL", "LOG_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def sqlite_url(path: Path) -> str:
    return normalise_database_url(f"sqlite:///{path}")


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def members_of(path: Path) -> list[int]:
    return [int(str(r[0])) for r in rows(path, "SELECT telegram_id FROM members ORDER BY id")]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated SQLite database that DATABASE_URL names, with two members."""
    path = tmp_path / "bootcamp.db"
    upgrade(sqlite_url(path))
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO members (telegram_id, chat_id, first_name, timezone, reminder_time, status,"
        " role, created_at, updated_at) VALUES (?, ?, ?, 'UTC', '07:00:00', 'active', 'member',"
        " '2026-03-02 12:00:00', '2026-03-02 12:00:00')",
        [(11, 11, "Ada"), (12, 12, "Bo")],
    )
    conn.commit()
    conn.close()
    monkeypatch.setenv("DATABASE_URL", sqlite_url(path))
    return path


# -- backup -----------------------------------------------------------------------
def test_backup_writes_a_whole_checked_copy(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "copy.db"
    assert cli.main(["backup", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"backed up {database} to {target}: 2 members, ")
    assert members_of(target) == [11, 12]
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    assert rows(target, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    assert not list(tmp_path.glob("*.partial"))


def test_backup_into_a_directory_names_the_file_by_the_time(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    assert cli.main(["backup", str(folder)]) == 0
    (made,) = folder.iterdir()
    assert made.name.startswith("bootcamp-")
    assert made.suffix == ".db"
    assert members_of(made) == [11, 12]
    assert str(made) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("copy.db", "exists already; name a new file"),
        ("nowhere/copy.db", "there is no directory"),
    ],
)
def test_backup_refuses_what_would_overwrite_or_go_nowhere(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, reason: str
) -> None:
    (tmp_path / "copy.db").write_text("something precious")
    assert cli.main(["backup", str(tmp_path / target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("backup failed: ")
    assert reason in err
    assert err.count("\n") == 1
    assert (tmp_path / "copy.db").read_text() == "something precious"


def test_backup_without_a_database_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "missing.db"))
    assert cli.main(["backup", str(tmp_path / "copy.db")]) == 1
    assert f"there is no database file at {tmp_path / 'missing.db'}" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()  # not created by looking


def test_backup_on_postgresql_prints_pg_dump_without_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:s3cret@db.internal:5433/bootcamp")
    assert cli.main(["backup", "/var/backups/bootcamp.dump"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "pg_dump --format=custom --host=db.internal --port=5433 --username=bot "
        "--dbname=bootcamp --file=/var/backups/bootcamp.dump"
    )
    assert "PGPASSWORD" in out
    assert "s3cret" not in out


def test_restore_on_postgresql_prints_pg_restore(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:s3cret@127.0.0.1/bootcamp")
    assert cli.main(["restore", "it's here.dump"]) == 0
    out = capsys.readouterr().out
    assert "stop every replica first" in out
    assert (
        "pg_restore --clean --if-exists --no-owner --host=127.0.0.1 --username=bot "
        "--dbname=bootcamp 'it'\"'\"'s here.dump'"
    ) in out
    assert "s3cret" not in out


# -- restore ----------------------------------------------------------------------
@pytest.fixture
def backup_of_ada(database: Path, tmp_path: Path) -> Path:
    """A backup holding only Ada; then Bo and Cy join the live database."""
    conn = sqlite3.connect(database)
    conn.execute("DELETE FROM members WHERE telegram_id = 12")
    conn.commit()
    conn.close()
    target = tmp_path / "ada.db"
    assert cli.main(["backup", str(target)]) == 0
    conn = sqlite3.connect(database)
    conn.execute(
        "INSERT INTO members (telegram_id, chat_id, first_name, timezone, reminder_time, status,"
        " role, created_at, updated_at) VALUES (13, 13, 'Cy', 'UTC', '07:00:00', 'active',"
        " 'member', '2026-03-02 12:00:00', '2026-03-02 12:00:00')"
    )
    conn.commit()
    conn.close()
    return target


def answer(monkeypatch: pytest.MonkeyPatch, reply: str | None) -> list[str]:
    asked: list[str] = []

    def fake_input(prompt: str = "") -> str:
        asked.append(prompt)
        if reply is None:
            raise EOFError
        return reply

    monkeypatch.setattr(builtins, "input", fake_input)
    return asked


@pytest.mark.parametrize("reply", ["no", "", "y", None])
def test_restore_does_nothing_without_a_plain_yes(
    database: Path,
    backup_of_ada: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    reply: str | None,
) -> None:
    asked = answer(monkeypatch, reply)
    assert cli.main(["restore", str(backup_of_ada)]) == 1
    out = capsys.readouterr().out
    assert asked == ["Type yes to restore: "]
    assert "now:         2 members" in out
    assert "with backup: 1 member, " in out
    assert "kept next to it" in out
    assert out.strip().endswith("nothing restored")
    assert members_of(database) == [11, 13]


def test_restore_after_yes_replaces_the_database_and_keeps_the_old_one(
    database: Path,
    backup_of_ada: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer(monkeypatch, " YES ")
    assert cli.main(["restore", str(backup_of_ada)]) == 0
    out = capsys.readouterr().out
    assert members_of(database) == [11]
    (kept,) = database.parent.glob("bootcamp.db.before-restore-*")
    assert members_of(kept) == [11, 13]
    assert f"kept in {kept}" in out
    assert f"restored {database} from {backup_of_ada}: 1 member, " in out
    assert schema_diff(sqlite_url(database)) == []


def test_restore_is_refused_while_a_bot_holds_the_database(
    database: Path, backup_of_ada: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with DatabaseLock(database):  # what `bootcamp-bot run` holds
        assert cli.main(["restore", str(backup_of_ada), "--yes"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("restore refused: another bootcamp-bot process (pid ")
    assert err.count("\n") == 1
    assert members_of(database) == [11, 13]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "there is no database file at"),
        (b"just some text", "is not a SQLite database"),
        (b"", "is not a SQLite database"),
    ],
)
def test_restore_from_something_that_is_no_backup_is_refused(
    database: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    reason: str,
) -> None:
    source = tmp_path / "odd.db"
    if content is not None:
        source.write_bytes(content)
    assert cli.main(["restore", str(source), "--yes"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("restore failed: ")
    assert reason in err
    assert members_of(database) == [11, 12]


def test_restore_from_a_foreign_sqlite_file_is_refused(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()
    assert cli.main(["restore", str(other), "--yes"]) == 1
    assert "is not a bootcamp-bot database" in capsys.readouterr().err


def test_restore_of_the_database_onto_itself_is_refused(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["restore", str(database), "--yes"]) == 1
    assert "is the database itself" in capsys.readouterr().err


# -- a backup while the real bot sends a broadcast ---------------------------------
@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN, bot_username=BOT_USERNAME) as box:
        yield box


def delivered(sandbox: Sandbox, ids: list[int], text: str) -> int:
    return sum(1 for u in ids if any(m.text == text for m in sandbox.bot_messages_for(u)))


def committed(path: Path) -> dict[str, set[tuple[object, ...]]]:
    """The rows that matter, as committed now (a reader of the live WAL database)."""
    return {
        "members": set(rows(path, "SELECT id, telegram_id, status FROM members")),
        "broadcasts": set(rows(path, "SELECT id, text FROM broadcasts")),
        "outbox": set(rows(path, "SELECT id, dedupe_key FROM outbox")),
        "sent": set(rows(path, "SELECT id FROM outbox WHERE status = 'sent'")),
    }


@pytest.mark.soak  # a real process for tens of seconds: the soak stage runs it
async def test_a_backup_taken_mid_broadcast_opens_migrates_and_holds_every_committed_row(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    live = tmp_path / "bootcamp.db"
    url = sqlite_url(live)
    await asyncio.to_thread(upgrade, url)
    text = "Backed up while this goes out"
    ids = await members_and_broadcast(url, text, MEMBERS)
    for user_id in ids:
        sandbox.add_user(f"Member {user_id}", user_id=user_id)
    workdir = tmp_path / "bot-run"
    workdir.mkdir()
    bot = BotProcess(url, sandbox, workdir)
    bot.env["BOT_BROADCAST_RATE"] = RATE
    bot.start()
    target = tmp_path / "backup.db"
    try:
        assert await poll_until(lambda: delivered(sandbox, ids, text) >= 30, 120), bot.log()
        before = committed(live)
        env = {k: v for k, v in bot.env.items() if k != "BOT_TOKEN"}
        made = await asyncio.to_thread(bot_command, "backup", str(target), env=env, cwd=workdir)
        assert made.returncode == 0, made.stderr
        at_backup = delivered(sandbox, ids, text)
        # The bot went on sending after the backup.
        assert await poll_until(lambda: delivered(sandbox, ids, text) > at_backup + 10, 60)
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()[-3000:]

    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    copy = committed(target)
    for table, kept in before.items():
        assert kept <= copy[table], f"{table}: {len(kept - copy[table])} committed rows missing"
    assert len(copy["members"]) == MEMBERS
    # Taken in the middle: some of the broadcast was out, not all of it.
    assert 30 <= len(copy["sent"]) < MEMBERS
    # It opens and migrates as any database of ours does.
    await asyncio.to_thread(upgrade, sqlite_url(target))
    assert schema_diff(sqlite_url(target)) == []
