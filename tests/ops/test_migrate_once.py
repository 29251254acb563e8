"""Migrations run once across replicas: on PostgreSQL, processes that migrate
at the same moment take turns under an advisory lock, the first does the
work and the others find the schema at head."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.db.migrate import MIGRATION_LOCK, upgrade
from tests.kit.db import (
    postgres_admin_url,
    run_in_own_loop,
    schema_diff,
    temporary_postgres_database,
)

pytestmark = pytest.mark.postgres

PROCESSES = 4


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    admin = postgres_admin_url()
    assert admin is not None  # the postgres mark skips the test otherwise
    with temporary_postgres_database(admin, prefix="bootcamp_once") as url:
        yield url


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def versions(url: str) -> list[str]:
    conn = await asyncpg.connect(dsn(url))
    try:
        return [row[0] for row in await conn.fetch("SELECT version_num FROM alembic_version")]
    finally:
        await conn.close()


def test_processes_migrating_at_once_end_with_one_schema_and_no_error(
    empty_postgres: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL"))}
    env.update(DATABASE_URL=empty_postgres, LOG_LEVEL="INFO", BOT_DATA_DIR=str(tmp_path))
    migrating = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [process.communicate(timeout=180)[0] for process in migrating]
    codes = [process.returncode for process in migrating]
    assert codes == [0] * PROCESSES, "\n".join(outputs)
    assert schema_diff(empty_postgres) == []
    assert len(run_in_own_loop(versions(empty_postgres))) == 1  # type: ignore[arg-type]
    # The revisions were applied by exactly one of them.
    applied = [out.count("Running upgrade") for out in outputs]
    assert sorted(applied)[:-1] == [0] * (PROCESSES - 1), applied
    assert max(applied) >= 1


HOLD = """
import asyncio, sys, time
import asyncpg

async def main(dsn, key):
    conn = await asyncpg.connect(dsn)
    await conn.execute("SELECT pg_advisory_lock($1)", key)
    print("locked", flush=True)
    time.sleep(3)
    await conn.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def test_a_migration_waits_while_another_holds_the_lock(empty_postgres: str) -> None:
    """While someone else migrates, upgrade() waits for the lock instead of
    racing it; once the holder lets go it runs to head."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, dsn(empty_postgres), str(MIGRATION_LOCK)],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        upgrade(empty_postgres)
        waited = time.monotonic() - started
        holder.wait(timeout=30)
    assert holder.returncode == 0
    assert waited >= 1.0, f"upgrade did not wait for the lock ({waited:.2f} s)"
    assert schema_diff(empty_postgres) == []
