"""Long polling against the sandbox: Telegram is told an update arrived (the
offset of the next getUpdates moves past it) only once it is in the inbox, and
a batch Telegram sends again is stored once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.db.session import Database
from bot.intake import polling
from bot.intake.polling import PollingIntake
from bot.sandbox import Sandbox
from tests.kit.db import inbox_rows
from tests.kit.recording import TOKEN


class FlakyDatabase:
    """The inbox's sessions, with the database away for the first `failures`
    transactions (each fails as it commits, so nothing of it is kept). Notes how
    many getUpdates calls the sandbox had answered when each commit succeeded."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], sandbox: Sandbox, failures: float
    ) -> None:
        self._sessions = sessions
        self._sandbox = sandbox
        self.failures = failures
        self.failed = asyncio.Event()
        self.commits: list[int] = []

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions.begin() as session:
            yield session
            if self.failures > 0:
                self.failures -= 1
                self.failed.set()
                raise ConnectionResetError("the database went away")
        self.commits.append(len(self._sandbox.calls("getUpdates")))


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN, enforce_rate_limits=False) as box:
        yield box


@pytest.fixture(autouse=True)
def _quick_store_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed store is tried again after 10 ms rather than a second."""
    monkeypatch.setattr(polling, "STORE_RETRY_S", 0.01)


@asynccontextmanager
async def polling_into(
    sandbox: Sandbox,
    sessions: Any,
    clock: ManualClock,
    on_stored: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[tuple[PollingIntake, asyncio.Task[None]]]:
    """An intake polling the sandbox until the block ends (or `stop` is set)."""
    stop = stop or asyncio.Event()
    intake = PollingIntake(
        sandbox.url + "/bot", TOKEN, sessions, clock, on_stored or (lambda _n: None), long_poll_s=1
    )
    task = asyncio.create_task(intake.run(stop))
    try:
        yield intake, task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)


def offsets(sandbox: Sandbox) -> list[int | None]:
    """The offset of every getUpdates call the sandbox answered, in order."""
    return [call.params.get("offset") for call in sandbox.calls("getUpdates")]


async def stored_ids(database: Database) -> list[int]:
    return list(await inbox_rows(database.sessions))


async def test_a_batch_is_confirmed_only_after_it_is_in_the_inbox(
    sandbox: Sandbox, database: Database, clock: ManualClock
) -> None:
    """The first attempt to store fails; the batch is stored on the next try, and
    only the getUpdates after that commit carries an offset past it."""
    robin = sandbox.add_user("Robin")
    for text in ("one", "two", "three"):
        sandbox.send_text(robin.id, text)
    flaky = FlakyDatabase(database.sessions, sandbox, failures=1)
    async with polling_into(sandbox, flaky, clock) as (intake, _):
        await sandbox.wait_for(lambda: not sandbox.pending_updates())  # 1-3 confirmed
        sandbox.send_text(robin.id, "four")  # answers the poll that confirmed them
        await sandbox.wait_for(lambda: len(sandbox.calls("getUpdates")) == 2)
        await sandbox.wait_for(lambda: not sandbox.pending_updates())
    assert flaky.failures == 0
    first_commit = flaky.commits[0]
    assert offsets(sandbox)[:first_commit] == [None]
    assert offsets(sandbox)[first_commit] == 4
    assert await stored_ids(database) == [1, 2, 3, 4]
    assert intake.received == 4


async def test_a_stop_while_the_database_is_down_leaves_the_batch_with_telegram(
    sandbox: Sandbox, database: Database, clock: ManualClock
) -> None:
    """With the database gone, a stop still ends the intake, without confirming
    the batch; after a restart the same updates are fetched again and stored."""
    robin = sandbox.add_user("Robin")
    sandbox.send_text(robin.id, "one")
    sandbox.send_text(robin.id, "two")
    down = FlakyDatabase(database.sessions, sandbox, failures=float("inf"))
    stop = asyncio.Event()
    async with polling_into(sandbox, down, clock, stop=stop) as (intake, task):
        await asyncio.wait_for(down.failed.wait(), timeout=5)
        stop.set()
        await asyncio.wait_for(asyncio.shield(task), timeout=2)
    assert (intake.offset, offsets(sandbox)) == (None, [None])
    assert [update["update_id"] for update in sandbox.pending_updates()] == [1, 2]
    assert await stored_ids(database) == []

    async with polling_into(sandbox, database.sessions, clock) as (again, _):
        await sandbox.wait_for(lambda: not sandbox.pending_updates())
    assert await stored_ids(database) == [1, 2]
    assert again.received == 2


async def test_a_batch_sent_again_is_stored_once(
    sandbox: Sandbox, database: Database, clock: ManualClock
) -> None:
    """The bot stops right after storing a batch, before confirming it: the next
    start receives it again, with a new update, and only the new one is stored."""
    robin = sandbox.add_user("Robin")
    sandbox.send_text(robin.id, "one")
    sandbox.send_text(robin.id, "two")
    stop = asyncio.Event()
    async with polling_into(sandbox, database.sessions, clock, lambda _n: stop.set(), stop) as (
        first,
        task,
    ):
        await asyncio.wait_for(asyncio.shield(task), timeout=5)
    assert first.received == 2
    assert len(sandbox.pending_updates()) == 2  # never confirmed

    sandbox.send_text(robin.id, "three")
    async with polling_into(sandbox, database.sessions, clock) as (second, _):
        await sandbox.wait_for(lambda: not sandbox.pending_updates())
    assert second.received == 1
    rows = await inbox_rows(database.sessions)
    assert [row.payload["message"]["text"] for row in rows.values()] == ["one", "two", "three"]
