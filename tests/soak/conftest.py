"""Soak tests: the real bot process, for minutes, against the sandbox.

Each test gets a database of its own, migrated the way `bootcamp-bot migrate`
would: a SQLite file, and (with TEST_DATABASE_URL) a PostgreSQL database made
for the test and dropped after it, so that nothing a killed process left
behind reaches another test. They are marked `soak` and left out of the normal
run; `pytest -m soak` runs them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import normalise_database_url
from bot.db.migrate import upgrade
from bot.sandbox import Sandbox
from tests.kit.db import postgres_admin_url, temporary_postgres_database
from tests.kit.live import BOT_USERNAME, BotProcess
from tests.kit.recording import TOKEN


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def soak_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database at the newest schema, on each engine in turn."""
    if request.param == "sqlite":
        url = normalise_database_url(f"sqlite:///{tmp_path / 'soak.db'}")
        upgrade(url)
        yield url
        return
    admin = postgres_admin_url()
    assert admin is not None  # the postgres mark skips the test otherwise
    with temporary_postgres_database(admin, prefix="bootcamp_soak") as url:
        upgrade(url)
        yield url


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """The Bot API and the people: it outlives every run of the bot in a test."""
    async with Sandbox(TOKEN, bot_username=BOT_USERNAME) as box:
        yield box


@pytest.fixture
async def bot(soak_url: str, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[BotProcess]:
    """The bot process, not started yet; stopped at the end, which must go cleanly."""
    process = BotProcess(soak_url, sandbox, tmp_path)
    try:
        yield process
    finally:
        code = await process.stop()
    assert code == 0, process.log()[-3000:]
