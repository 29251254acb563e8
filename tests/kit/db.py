"""Throwaway databases: a file per test on SQLite, a database per run on PostgreSQL;
and a look at the inbox as it is stored."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import normalise_database_url
from bot.db.base import Base
from bot.db.models import InboxUpdate
from bot.db.session import create_engine


def run_in_own_loop(coro: Coroutine[object, object, object]) -> object:
    """Run a coroutine to completion on a fresh loop in a worker thread, so that
    it works whether or not the caller is already inside an event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def postgres_admin_url() -> str | None:
    """TEST_DATABASE_URL as given (a server we may create databases on), or None."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    return url or None


def _asyncpg_dsn(url: str) -> str:
    return normalise_database_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(normalise_database_url(url))
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def temporary_postgres_database(admin_url: str, prefix: str = "bootcamp_test") -> Iterator[str]:
    """Create a fresh database, yield its SQLAlchemy URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    run_in_own_loop(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(admin_url, name)
    finally:
        run_in_own_loop(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def schema_diff(url: str) -> list[Any]:
    """How the database's schema differs from the models (empty: it is the newest)."""

    async def compare() -> list[Any]:
        engine = create_engine(url)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
        await engine.dispose()
        return list(diff)

    return run_in_own_loop(compare())  # type: ignore[return-value]


async def inbox_rows(sessions: async_sessionmaker[AsyncSession]) -> dict[int, InboxUpdate]:
    """Every inbox row as stored now, by update id (in update id order)."""
    async with sessions() as session:
        rows = await session.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id))
        return {row.update_id: row for row in rows}
