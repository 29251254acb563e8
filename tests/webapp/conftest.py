"""The community and the served bot the Mini App's API tests share: COUNT
members in two cohorts, an admin and a cohort trainer, the bot serving the app
with the content of every language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.catalog import Catalog, load_catalogs
from bot.config import SHIPPED_CONTENT_DIR
from bot.sandbox import Sandbox
from tests.kit import live
from tests.kit.recording import TOKEN
from tests.kit.webapp import ADMIN_ID, TRAINER_ID, Community, Served, seed, served_app

COUNT = 40


@pytest.fixture(scope="session")
def catalogs() -> dict[str, Catalog]:
    """The shipped content of every language, loaded and validated once."""
    return load_catalogs(SHIPPED_CONTENT_DIR)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN, bot_username=live.BOT_USERNAME) as box:
        yield box


@pytest.fixture
async def community(db_url: str) -> Community:
    return await seed(db_url, COUNT)


@pytest.fixture
async def served(
    sandbox: Sandbox,
    db_url: str,
    tmp_path: Path,
    catalog: Catalog,
    catalogs: dict[str, Catalog],
    community: Community,
) -> AsyncIterator[Served]:
    for n, user_id in enumerate(community.members):
        sandbox.add_user(f"Member {n}", user_id=user_id)
    sandbox.add_user("Dana", "coach_dana", user_id=ADMIN_ID)
    sandbox.add_user("Cora", "coach_cora", user_id=TRAINER_ID)
    async with served_app(sandbox, db_url, tmp_path, catalog, catalogs=catalogs) as running:
        await running.app.bot_data.services.stats.refresh_stale(None)
        yield running
