"""Engine and session factory, with the SQLite pragmas the embedded mode needs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 5000


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and foreign keys.

    PostgreSQL gets a pool sized for the update workers: their transactions are
    short (no network call is made while one is open), so 10 connections with
    20 more on demand serve 64 workers, the sender and the ticker.
    """
    if url.startswith("postgresql"):
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit (DTOs are built from them).

    On SQLite, write transactions (`sessions.begin()`) take turns through one
    asyncio lock. SQLite lets one writer in at a time anyway; without the lock,
    the others wait in SQLite's busy handler, which sleeps in steps of up to
    100 ms, so under load most of a transaction's time was spent asleep. With
    the lock they queue in order and each waits only as long as the writes
    ahead of it take. Reads (`sessions()`) are not held back (WAL).
    """
    if engine.dialect.name == "sqlite":
        return SerialWriteSessions(engine, expire_on_commit=False)
    return async_sessionmaker(engine, expire_on_commit=False)


class _TaskLock:
    """An asyncio lock that the task holding it may take again (nested `begin()`)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._depth = 0

    async def acquire(self) -> None:
        task = asyncio.current_task()
        if self._owner is task and task is not None:
            self._depth += 1
            return
        await self._lock.acquire()
        self._owner, self._depth = task, 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()


class SerialWriteSessions(async_sessionmaker[AsyncSession]):
    """A session factory whose `begin()` transactions run one at a time."""

    def __init__(self, engine: AsyncEngine, **kwargs: Any) -> None:
        super().__init__(engine, **kwargs)
        self.write_lock = _TaskLock()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:  # type: ignore[override]
        await self.write_lock.acquire()
        try:
            async with super().begin() as session:
                yield session
        finally:
            self.write_lock.release()


class Database:
    """One engine and its session factory; opened in post_init, closed in post_shutdown."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = create_sessionmaker(self.engine)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
