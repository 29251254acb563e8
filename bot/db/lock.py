"""One bot process per SQLite database: an OS lock on a file next to it.

`bootcamp-bot run` holds an exclusive `flock` on "<database>.lock" for as long
as it runs; a second `run` (or a `restore`) on the same file is refused with
one line. The kernel drops the lock when the process ends in any way, kill -9
included, so a restart after a crash is never refused by a stale lock: the
file may stay behind, the lock does not. PostgreSQL needs no such lock
(replicas share it by design), nor does a database in memory.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.engine import make_url


class LockError(Exception):
    """The database's lock cannot be taken; `str()` is the one line to show."""


class DatabaseInUse(LockError):
    """Another process holds the database's lock."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or a database in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).resolve()


def lock_path(database: Path) -> Path:
    """Where the lock of this database file lives."""
    return database.with_name(database.name + ".lock")


class DatabaseLock:
    """The exclusive lock of one SQLite database, taken without waiting."""

    def __init__(self, database: Path, *, purpose: str = "run") -> None:
        self.database = database
        self.path = lock_path(database)
        self._purpose = purpose
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise DatabaseInUse naming the process that has it
        (LockError when the lock file cannot be made: a missing or read-only
        directory)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LockError(f"cannot open the lock file {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise DatabaseInUse(
                f"another bootcamp-bot process{holder} is using {self.database} "
                f"(lock {self.path}); stop it first — several processes need PostgreSQL"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # Who holds it, for the message a refused process prints.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {self._purpose}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Give the lock up (the file stays; an unlocked file means nothing)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> DatabaseLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        words = os.pread(fd, 64, 0).decode(errors="replace").split()
    except OSError:
        return ""
    if len(words) >= 2 and words[0].isdigit():
        return f" (pid {words[0]}, {words[1]})"
    return ""
