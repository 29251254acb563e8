"""Fixtures shared by the whole suite.

Databases: every test that asks for `db_url` runs once on SQLite and, when
TEST_DATABASE_URL is set, once more on PostgreSQL. The PostgreSQL run uses its
own database, made at the start of the session and dropped at the end; tables
are emptied after each test.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.catalog import Catalog, load_catalog, load_catalogs
from bot.clock import ManualClock
from bot.config import SHIPPED_CONTENT_DIR, Settings
from bot.db import models  # noqa: F401
from bot.db.base import Base
from bot.db.session import Database, create_engine
from tests.kit.db import postgres_admin_url, run_in_own_loop, temporary_postgres_database
from tests.kit.harness import Harness, running_bot
from tests.kit.recording import TOKEN
from tests.kit.updates import TgUser

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # a Monday morning in Europe


# -- no network ---------------------------------------------------------------------
def _is_local(host: Any) -> bool:
    if host is None:
        return True
    host = str(host)
    if host in ("localhost", "") or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    """Any attempt to reach a host other than this machine fails the test."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host):
            raise OSError(f"tests must not reach the network (tried to resolve {host!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    def _check(address: Any) -> None:
        if isinstance(address, tuple) and not _is_local(address[0]):
            raise OSError(f"tests must not reach the network (tried to connect to {address!r})")

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        _check(address)
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        _check(address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = guarded_getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    yield
    socket.getaddrinfo = real_getaddrinfo
    socket.socket.connect = real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


# -- databases ----------------------------------------------------------------------
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the PostgreSQL variants when no server is configured."""
    if postgres_admin_url():
        return
    skip = pytest.mark.skip(reason="TEST_DATABASE_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


async def _create_tables(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """This run's own PostgreSQL database, with the tables created."""
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    with temporary_postgres_database(admin) as url:
        run_in_own_loop(_create_tables(url))
        yield url


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=ENGINES)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database with the current schema, on each engine in turn."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        await _create_tables(url)
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    await _truncate(url)


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """An open `Database` on the test database."""
    db = Database(db_url)
    yield db
    await db.dispose()


# -- content ------------------------------------------------------------------------
@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The shipped content, loaded and validated once per run."""
    return load_catalog(SHIPPED_CONTENT_DIR)


@pytest.fixture(scope="session")
def catalogs() -> dict[str, Catalog]:
    """The shipped content of every language (English and French), loaded once per run."""
    return dict(load_catalogs(SHIPPED_CONTENT_DIR))


# -- the bot ------------------------------------------------------------------------
@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


ADMIN = TgUser(id=900_001, first_name="Dana", username="coach_dana")


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_TOKEN=TOKEN,
        DATABASE_URL=db_url,
        BOT_DATA_DIR=str(tmp_path),
        BOT_ADMIN_IDS=str(ADMIN.id),
        BOT_DEFAULT_TIMEZONE="Europe/Berlin",
        BOT_DEFAULT_REMINDER_TIME="07:30",
        BOT_RENDER_PROCESSES="0",  # charts in a thread; one test checks the process pool
    )


@pytest.fixture
async def bot(
    request: pytest.FixtureRequest, settings: Settings, clock: ManualClock, catalog: Catalog
) -> AsyncIterator[Harness]:
    """The bot, initialised as `run` would (post_init included), without polling.

    A handler that crashes fails the test (the error handler would otherwise
    swallow it), unless the test is marked `handler_errors`.
    """
    async with running_bot(settings, clock, catalog) as harness:
        yield harness
    if request.node.get_closest_marker("handler_errors") is None:
        assert not harness.handler_errors, f"a handler failed: {harness.handler_errors!r}"
