"""The inbox repository on each engine: storing once, claiming one row per chat
in update id order, claims that run out or are renewed, retries, failures and
pruning; and which chat an update belongs to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from telegram import Bot

from bot.clock import ManualClock
from bot.db.inbox import InboxRepository, StoredUpdate, chat_key_of
from bot.db.session import Database
from bot.services.housekeeping import prune_inbox
from tests.conftest import START
from tests.kit.db import inbox_rows
from tests.kit.recording import TOKEN, RecordingRequest
from tests.kit.updates import TgUser, UpdateFactory, group_chat

T0 = START
CLAIM = timedelta(seconds=10)
SAM = TgUser(id=5101, first_name="Sam")
IDA = TgUser(id=5102, first_name="Ida")
CREW = group_chat(-100_777, "Morning crew")

UPDATES = UpdateFactory(
    Bot(TOKEN, request=RecordingRequest(), get_updates_request=RecordingRequest())
)


def said(update_id: int, user: TgUser = SAM, text: str = "hi") -> dict[str, Any]:
    """A raw message update from `user` in their private chat, as Telegram sends it."""
    return UPDATES.message(user, text, update_id=update_id).to_dict()


@asynccontextmanager
async def inbox(database: Database) -> AsyncIterator[InboxRepository]:
    """The repository inside one committed transaction."""
    async with database.sessions.begin() as session:
        yield InboxRepository(session)


async def store(database: Database, *payloads: dict[str, Any], at: datetime = T0) -> int:
    async with inbox(database) as repo:
        return await repo.store(list(payloads), at)


async def claim(
    database: Database, holder: str = "worker-1", at: datetime = T0, limit: int = 10
) -> list[StoredUpdate]:
    async with inbox(database) as repo:
        return await repo.claim(holder, at, limit, CLAIM)


def ids(claimed: list[StoredUpdate]) -> list[int]:
    return [row.update_id for row in claimed]


# -- storing ----------------------------------------------------------------------------
async def test_a_repeated_update_id_is_stored_once(database: Database) -> None:
    """Telegram may send an update again (in the same batch or a later one): the
    first copy is kept and the repeat is not counted as new."""
    first = said(10, text="first copy")
    assert await store(database, first, first) == 1
    assert await store(database, said(10, text="second copy"), said(11)) == 1
    rows = await inbox_rows(database.sessions)
    assert list(rows) == [10, 11]
    assert rows[10].payload["message"]["text"] == "first copy"
    assert (rows[10].status, rows[10].attempts) == ("pending", 0)


# -- claiming ---------------------------------------------------------------------------
async def test_a_chat_gives_its_oldest_row_and_nothing_more_until_it_is_finished(
    database: Database,
) -> None:
    """Rows of one chat come out one at a time in update id order, whatever the
    order they were stored in."""
    await store(database, said(12), said(10))
    await store(database, said(11))
    first = await claim(database)
    assert ids(first) == [10]
    assert (first[0].attempts, first[0].chat_key, first[0].kind) == (1, f"c:{SAM.id}", "message")
    assert await claim(database, "worker-2") == []
    async with inbox(database) as repo:
        await repo.finish([10], T0)
    assert ids(await claim(database, "worker-2")) == [11]


async def test_different_chats_are_claimed_together(database: Database) -> None:
    """One claim takes the head of every chat; only the limit holds it back."""
    await store(
        database,
        said(1, SAM),
        said(2, SAM),
        said(3, IDA),
        UPDATES.message(IDA, "in the group", chat=CREW, update_id=4).to_dict(),
    )
    assert ids(await claim(database, limit=2)) == [1, 3]
    assert ids(await claim(database, "worker-2")) == [4]


async def test_a_dead_holders_claim_is_taken_over_when_it_runs_out(database: Database) -> None:
    """A worker that died keeps its row only until its claim expires; then another
    takes it (counting a second attempt), and not a moment before."""
    await store(database, said(1), said(2))
    assert ids(await claim(database, "dead", T0)) == [1]
    assert await claim(database, "alive", T0 + CLAIM - timedelta(seconds=1)) == []
    taken = await claim(database, "alive", T0 + CLAIM + timedelta(seconds=1))
    assert [(row.update_id, row.attempts) for row in taken] == [(1, 2)]
    assert (await inbox_rows(database.sessions))[1].claimed_by == "alive"


async def test_renew_extends_only_the_holders_own_claims(database: Database) -> None:
    """A live worker renews its claims; another worker's claims still run out."""
    await store(database, said(1, SAM), said(2, IDA))
    assert ids(await claim(database, "one", limit=1)) == [1]
    assert ids(await claim(database, "two", limit=1)) == [2]
    async with inbox(database) as repo:
        assert await repo.renew("one", T0 + timedelta(seconds=8), CLAIM) == 1
    # Past the first expiry: only the row of the holder that did not renew is free.
    assert ids(await claim(database, "three", T0 + timedelta(seconds=12))) == [2]


async def test_release_returns_a_row_without_counting_the_attempt(database: Database) -> None:
    """A row stopped at shutdown is claimable at once; so is every claim after a
    restart of the only process (SQLite)."""
    await store(database, said(1, SAM), said(2, IDA))
    await claim(database, "leaving")
    async with inbox(database) as repo:
        await repo.release([1])
        assert await repo.release_all_claims() == 1
    again = await claim(database, "next")
    assert [(row.update_id, row.attempts) for row in again] == [(1, 1), (2, 2)]


# -- handling went wrong ----------------------------------------------------------------
async def test_a_row_given_back_waits_until_not_before_and_holds_its_chat(
    database: Database,
) -> None:
    """A failed attempt to be retried is not claimable before its time, and the
    chat's later rows wait behind it, so the chat's order holds."""
    await store(database, said(1), said(2))
    await claim(database)
    async with inbox(database) as repo:
        await repo.give_back(1, "TimedOut()", T0 + timedelta(seconds=5), failed=False)
    assert await claim(database, at=T0 + timedelta(seconds=4)) == []
    retry = await claim(database, at=T0 + timedelta(seconds=5))
    assert [(row.update_id, row.attempts) for row in retry] == [(1, 2)]


async def test_a_failed_row_keeps_its_error_and_lets_the_chat_go_on(database: Database) -> None:
    """A row given up keeps why, stops holding its chat, and is never claimed again."""
    await store(database, said(1), said(2))
    await claim(database)
    async with inbox(database) as repo:
        await repo.give_back(1, "RuntimeError('boom')", T0, failed=True)
    assert ids(await claim(database)) == [2]
    row = (await inbox_rows(database.sessions))[1]
    assert (row.status, row.error, row.claimed_by) == ("failed", "RuntimeError('boom')", None)
    async with inbox(database) as repo:
        await repo.finish([2], T0)
    assert await claim(database, at=T0 + timedelta(hours=1)) == []


async def test_depth_and_next_due_describe_what_is_waiting(database: Database) -> None:
    """Depth counts unfinished rows (pending or claimed) and the oldest arrival;
    next_due is the earliest time a pending row may be claimed."""
    async with inbox(database) as repo:
        assert await repo.depth() == (0, None)
        assert await repo.next_due() is None
    await store(database, said(1, SAM), at=T0)
    await store(database, said(2, IDA), said(3, IDA), at=T0 + timedelta(minutes=1))
    await claim(database)
    async with inbox(database) as repo:
        await repo.finish([2], T0)
        await repo.give_back(1, "boom", T0 + timedelta(seconds=30), failed=False)
        assert await repo.depth() == (2, T0)
        assert await repo.next_due() == T0 + timedelta(seconds=30)


# -- pruning ----------------------------------------------------------------------------
async def test_prune_keeps_two_days_of_finished_rows_and_every_unfinished_one(
    database: Database,
) -> None:
    """Housekeeping deletes rows finished more than 48 hours ago; a pending or
    claimed row stays however old it is."""
    await store(database, *(said(n, TgUser(id=6000 + n)) for n in range(1, 6)))
    await claim(database, limit=4)  # 1-4 claimed; 5 stays pending
    async with inbox(database) as repo:
        await repo.finish([1], T0)
        await repo.give_back(2, "boom", T0, failed=True)
        await repo.finish([3], T0 + timedelta(hours=2))
    # 4 is still claimed (its worker never came back), 5 was never handled.
    clock = ManualClock(T0 + timedelta(hours=47))
    assert await prune_inbox(database.sessions, clock) == 0
    clock.advance(timedelta(hours=2))
    assert await prune_inbox(database.sessions, clock) == 2
    assert list(await inbox_rows(database.sessions)) == [3, 4, 5]


# -- which chat an update belongs to ----------------------------------------------------
@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(said(1), (f"c:{SAM.id}", "message"), id="message"),
        pytest.param(
            UPDATES.edited_message(SAM, "fixed", chat=CREW, update_id=2).to_dict(),
            ("c:-100777", "edited_message"),
            id="edited_message",
        ),
        pytest.param(
            UPDATES.callback(SAM, "x", chat=CREW, update_id=3).to_dict(),
            ("c:-100777", "callback_query"),
            id="button-on-a-message",
        ),
        pytest.param(
            UPDATES.inline_callback(SAM, "x", update_id=4).to_dict(),
            (f"u:{SAM.id}", "callback_query"),
            id="button-on-an-inline-message",
        ),
        pytest.param(
            UPDATES.inline_query(IDA, "glute", update_id=5).to_dict(),
            (f"u:{IDA.id}", "inline_query"),
            id="inline_query",
        ),
        pytest.param(
            UPDATES.my_chat_member(IDA, "kicked", update_id=6).to_dict(),
            (f"c:{IDA.id}", "my_chat_member"),
            id="my_chat_member",
        ),
        pytest.param({"update_id": 7}, ("none", "unknown"), id="nothing-in-it"),
        pytest.param({"update_id": 8, "message": "junk"}, ("none", "message"), id="not-an-object"),
        pytest.param(
            {"update_id": 9, "poll": {"id": "p1"}}, ("none", "poll"), id="no-chat-or-user"
        ),
    ],
)
def test_chat_key_of(payload: dict[str, Any], expected: tuple[str, str]) -> None:
    """Messages and buttons go with their chat (a button with the chat of its
    message, not of the presser); inline traffic goes with the user."""
    assert chat_key_of(payload) == expected
