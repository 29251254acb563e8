"""Run Alembic from the bot (the `migrate` command and start-up auto-migration).

On PostgreSQL the upgrade runs under a session-level advisory lock, on the
connection that migrates: replicas that start together (each with
BOT_AUTO_MIGRATE) or a `bootcamp-bot migrate` during a rolling deploy take
turns, and whoever comes second finds the schema at head and does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.db.session import create_engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
# The advisory lock's key: "bootcamp" in ASCII, as a 64-bit number.
MIGRATION_LOCK = int.from_bytes(b"bootcamp", "big")

log = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["url"] = url
    cfg.attributes["skip_logging"] = True
    return cfg


def upgrade(url: str, revision: str = "head", *, sql: bool = False) -> None:
    """Upgrade the database to `revision` (or print the SQL with `sql=True`).

    Synchronous: Alembic's env.py runs its own event loop, so call this before
    the bot's loop starts (or from a worker thread). On PostgreSQL one process
    at a time migrates (an advisory lock); the others wait for it.
    """
    if sql or not url.startswith("postgresql"):
        command.upgrade(alembic_config(url), revision, sql=sql)
        return
    asyncio.run(_upgrade_locked(url, revision))


async def _upgrade_locked(url: str, revision: str) -> None:
    engine = create_engine(url)
    lock = {"key": MIGRATION_LOCK}
    try:
        async with engine.connect() as conn:
            if not await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), lock):
                log.info("another process is migrating the database; waiting for it")
                await conn.execute(text("SELECT pg_advisory_lock(:key)"), lock)
            await conn.commit()  # the lock is the session's: it outlives the transaction
            try:
                await conn.run_sync(_upgrade_on, url, revision)
                await conn.commit()
            finally:
                # Closing the connection would release it too; this is sooner.
                with contextlib.suppress(Exception):
                    await conn.rollback()
                    await conn.execute(text("SELECT pg_advisory_unlock(:key)"), lock)
                    await conn.commit()
    finally:
        await engine.dispose()


def _upgrade_on(connection: Connection, url: str, revision: str) -> None:
    """Alembic's upgrade on a connection we opened (migrations/env.py uses it)."""
    cfg = alembic_config(url)
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database to `revision`."""
    command.downgrade(alembic_config(url), revision)
