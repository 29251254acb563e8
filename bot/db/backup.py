"""Backups: a consistent copy of the SQLite database while the bot runs, and
the pg_dump / pg_restore commands for PostgreSQL.

SQLite's online backup API copies every page in one step inside one read
transaction, so the copy is the database as of one moment: every transaction
committed before it began, none half-written. In WAL mode readers never stop
the writer, so the bot goes on answering meanwhile. The copy is written under
a temporary name, checked (`PRAGMA quick_check`) and only then given its name,
so a file with the backup's name is always a whole backup.

Restoring replaces the database's content through the same API, under the
database's lock (bot/db/lock.py): never while a bot process runs on it, and no
bot can start half-way through. The database as it was is first saved next to
it, so a restore from the wrong file can be undone.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.db.lock import DatabaseLock

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30.0


class BackupError(Exception):
    """A backup or restore cannot go ahead; `str()` is the one line to show."""


@dataclass(frozen=True)
class Summary:
    """What a database file holds, in a few figures."""

    path: Path
    size: int
    members: int
    revision: str | None


@dataclass(frozen=True)
class Copied:
    """A finished backup or restore."""

    summary: Summary
    seconds: float
    kept: Path | None = None  # restore: where the database as it was went


def stamp(now: datetime) -> str:
    """A file-name-safe UTC time stamp."""
    return now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")


def summarise(path: Path) -> Summary:
    """Members and schema revision of a SQLite file (BackupError if it is none)."""
    if not path.is_file():
        raise BackupError(f"there is no database file at {path}")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database")
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables or "members" not in tables:
            raise BackupError(f"{path} is not a bootcamp-bot database")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from None
    finally:
        conn.close()
    return Summary(path, path.stat().st_size, int(members), revision[0] if revision else None)


def backup_target(target: Path, database: Path, now: datetime) -> Path:
    """The file a backup goes to: `target`, or a time-stamped name inside a directory."""
    if target.is_dir():
        target = target / f"{database.stem}-{stamp(now)}.db"
    if target.exists():
        raise BackupError(f"{target} exists already; name a new file")
    if not target.parent.is_dir():
        raise BackupError(f"there is no directory {target.parent}")
    return target


def backup_sqlite(database: Path, target: Path, now: datetime) -> Copied:
    """Copy the live database to `target` (a new file, or a directory to put a
    time-stamped one in) in one consistent step."""
    summarise(database)
    target = backup_target(target, database, now)
    started = time.monotonic()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(database, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Copied(summarise(target), time.monotonic() - started)


def restore_sqlite(source: Path, database: Path, now: datetime) -> Copied:
    """Replace the database's content with the backup's, keeping the old one."""
    if source.resolve() == database.resolve():
        raise BackupError(f"{source} is the database itself")
    summarise(source)
    started = time.monotonic()
    with DatabaseLock(database, purpose="restore"):
        kept = None
        if database.exists():
            kept = database.with_name(f"{database.name}.before-restore-{stamp(now)}")
            _copy(database, kept)
        _copy(source, database, check=False)
    return Copied(summarise(database), time.monotonic() - started, kept)


def _copy(source: Path, target: Path, *, check: bool = True) -> None:
    """SQLite's backup API, all pages in one step; the copy in rollback-journal
    mode, so that it is one self-contained file."""
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)
    try:
        dst = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S)
        try:
            # Out of WAL first: the backup may not change a WAL database's page size.
            dst.execute("PRAGMA journal_mode=DELETE")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            if check:
                verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
                if verdict != "ok":
                    raise BackupError(f"the copy of {source} failed its check: {verdict}")
            dst.commit()
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"could not copy {source}: {exc}") from None
    finally:
        src.close()
    with contextlib.suppress(OSError):
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- PostgreSQL -------------------------------------------------------------------
def _connection_options(url: str) -> list[str]:
    """pg_dump/pg_restore options for the URL's host, port, user and database;
    never the password (libpq reads PGPASSWORD or ~/.pgpass)."""
    parsed = make_url(url)
    host = parsed.host or str(parsed.query.get("host", "") or "")
    options = [f"--host={host}"] if host else []
    if parsed.port:
        options.append(f"--port={parsed.port}")
    if parsed.username:
        options.append(f"--username={parsed.username}")
    options.append(f"--dbname={parsed.database or parsed.username or 'postgres'}")
    return options


def pg_dump_command(url: str, target: Path) -> str:
    """The pg_dump command that backs this database up to `target` (custom format)."""
    words = ["pg_dump", "--format=custom", *_connection_options(url), f"--file={target}"]
    return shlex.join(words)


def pg_restore_command(url: str, source: Path) -> str:
    """The pg_restore command that puts a pg_dump backup back into this database."""
    words = ["pg_restore", "--clean", "--if-exists", "--no-owner"]
    return shlex.join([*words, *_connection_options(url), str(source)])


def has_password(url: str) -> bool:
    return make_url(url).password is not None
