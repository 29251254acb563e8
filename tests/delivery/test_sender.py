"""The pipelined sender: outcomes in batches, timeouts, 429s, the lease, the outbox
queries it relies on, pruning and paid broadcasts. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from telegram import Bot
from telegram.ext import ExtBot

from bot.app import build_application
from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import Lease, Member, Outbox
from bot.db.outbox import CLAIM_FOR, OutboxRepository, outbox_row
from bot.db.status import MemberStatus, OutboxKind
from bot.delivery import sender as sender_module
from bot.delivery.compose import make_composer
from bot.delivery.limiter import TelegramLimiter
from bot.delivery.sender import (
    LEASE_NAME,
    LEASE_TTL,
    Pacer,
    Sender,
    Window,
    backoff,
)
from bot.render.rules import problems
from bot.render.trainers import confirm
from bot.services.broadcasts import Audience
from bot.services.housekeeping import prune_outbox
from bot.services.planner import SessionPlanner
from tests.conftest import ADMIN
from tests.kit.asserts import assert_all_valid
from tests.kit.harness import Harness, running_bot
from tests.kit.members import bulk_members, onboard
from tests.kit.recording import HANGS, TIMED_OUT, TOKEN, Failure, RecordingRequest
from tests.kit.updates import TgUser
from tests.kit.virtual_time import VirtualTime

AUTHOR = 1  # the staff member id the broadcasts below are drafted by
KAI = TgUser(id=1001, first_name="Kai")


# -- helpers -------------------------------------------------------------------------
async def queued_broadcast(bot: Harness, text: str, *, nudge_days: int | None = None) -> int:
    """A broadcast (or nudge) to everyone it covers, confirmed and in the outbox."""
    service = bot.services.broadcasts
    broadcast_id = await service.draft(AUTHOR, AUTHOR, text=text, nudge_days=nudge_days)
    if nudge_days is None:
        await service.choose(broadcast_id, AUTHOR, Audience("all"))
    await service.confirm(broadcast_id, AUTHOR)
    await service.queue(broadcast_id)
    return int(broadcast_id)


def virtual_pacing(sender: Sender) -> VirtualTime:
    """Pace without waiting: the pacer's time moves only when it sleeps."""
    time = VirtualTime()
    sender.pacer = Pacer(1 / sender.pacer.interval, monotonic=time.monotonic, sleep=time.sleep)
    return time


async def rows_by_chat(bot: Harness) -> dict[int, Outbox]:
    async with bot.app.bot_data.database.sessions() as session:
        return {row.chat_id: row for row in await session.scalars(select(Outbox))}


async def member_ids(bot: Harness, telegram_ids: list[int]) -> dict[int, int]:
    """Member id by chat id."""
    async with bot.services.database.sessions() as session:
        found = await session.execute(
            select(Member.chat_id, Member.id).where(Member.telegram_id.in_(telegram_ids))
        )
        return {chat: member for chat, member in found.all()}


def copies(request: RecordingRequest, text: str) -> Counter[int]:
    """How many times each chat was sent `text` (timed-out calls included: they went out)."""
    return Counter(
        call.chat_id
        for call in request.sent("sendMessage")
        if call.text == text and call.chat_id is not None and call.refused in (None, TIMED_OUT)
    )


def record_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every outcome write (one transaction each)."""
    sizes: list[int] = []
    real = OutboxRepository.finish_many

    async def counted(
        self: OutboxRepository, outcomes: Sequence[dict[str, Any]], holder: str
    ) -> None:
        sizes.append(len(outcomes))
        await real(self, outcomes, holder)

    monkeypatch.setattr(OutboxRepository, "finish_many", counted)
    return sizes


async def own_sender(
    bot: Harness, holder: str, *, rate: float = 25
) -> tuple[Sender, RecordingRequest]:
    """Another sender on the same database (another process), with its own Bot API."""
    request = RecordingRequest()
    api = Bot(TOKEN, request=request, get_updates_request=request)
    await api.initialize()
    services = bot.services
    compose = make_composer(services.planner, bot.app.bot_data.library.catalog)
    sender = Sender(
        services.database.sessions, bot.clock, api, compose, services.members,
        rate=rate, holder=holder,
    )  # fmt: skip
    return sender, request


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait (in real time) until `condition()` holds; fail after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


Running = list[tuple[asyncio.Event, asyncio.Task[None]]]


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    """Sender loops started by a test, stopped (as the app stops them) at its end."""
    started: Running = []
    yield started
    for stop, _ in started:
        stop.set()
    tasks = [task for _, task in started]
    _, late = await asyncio.wait(tasks, timeout=10) if tasks else (set(), set())
    for task in late:  # cancelling mid-transaction could leave a lock held
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def start(sender: Sender, started: Running) -> asyncio.Event:
    stop = asyncio.Event()
    started.append((stop, asyncio.create_task(sender.run(stop))))
    return stop


# -- composing -------------------------------------------------------------------------
def count_member_reads(monkeypatch: pytest.MonkeyPatch, fail_first: bool = False) -> list[int]:
    """The size of every "which members are active" read; the first fails if asked."""
    sizes: list[int] = []
    real = SessionPlanner.active_among

    async def counted(self: SessionPlanner, member_ids: Sequence[int]) -> set[int]:
        sizes.append(len(member_ids))
        if fail_first and len(sizes) == 1:
            raise OperationalError("SELECT", {}, Exception("database is locked"))
        return await real(self, member_ids)

    monkeypatch.setattr(SessionPlanner, "active_among", counted)
    return sizes


async def test_a_broadcast_reads_its_members_once_per_claimed_batch(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await bulk_members(bot.app, 250)
    await queued_broadcast(bot, "Hello all")
    async with bot.services.database.sessions.begin() as session:  # paused since it was queued
        await session.execute(
            update(Member).where(Member.telegram_id == ids[7]).values(status=MemberStatus.PAUSED)
        )
    sender = bot.services.sender
    virtual_pacing(sender)
    reads = count_member_reads(monkeypatch)

    assert await sender.drain() == 250

    assert len(reads) <= 250 // 100 + 1, reads  # not one query per row
    assert sum(reads) == 250
    chats = [c.chat_id for c in bot.api.sent("sendMessage") if c.text == "Hello all"]
    assert sorted(chats) == sorted(set(ids) - {ids[7]})  # the paused member is skipped


async def test_when_a_batch_read_fails_each_row_is_checked_on_its_own(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await bulk_members(bot.app, 30)
    await queued_broadcast(bot, "Hello all")
    sender = bot.services.sender
    virtual_pacing(sender)
    reads = count_member_reads(monkeypatch, fail_first=True)

    assert await sender.drain() == 30

    assert reads[0] == 30
    assert reads[1:] == [1] * 30  # then one read per row
    chats = [c.chat_id for c in bot.api.sent("sendMessage") if c.text == "Hello all"]
    assert sorted(chats) == sorted(ids)


# -- outcomes --------------------------------------------------------------------------
async def test_outcomes_are_written_many_per_transaction(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most one write per flush interval (and one per full batch), not one per row."""
    await bulk_members(bot.app, 300)
    broadcast_id = await queued_broadcast(bot, "Hello all")
    sender = bot.services.sender
    virtual_pacing(sender)
    batches = record_batches(monkeypatch)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await sender.drain() == 300
    elapsed = loop.time() - started
    assert sum(batches) == 300
    every = sender.outcome_every  # the flush interval
    assert len(batches) <= elapsed / every + 300 / 200 + 2, batches
    assert len(batches) < 300 / 2, batches
    assert (await bot.services.broadcasts.view(broadcast_id)).sent == 300
    assert set(copies(bot.api, "Hello all").values()) == {1}


async def test_a_full_batch_of_outcomes_is_written_at_once(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bulk_members(bot.app, 300)
    await queued_broadcast(bot, "In batches")
    sender = bot.services.sender
    virtual_pacing(sender)
    batches = record_batches(monkeypatch)
    sender.outcome_every = 60.0  # only full batches, and the end
    assert await sender.drain() == 300
    assert batches == [200, 100]


async def test_a_failed_outcome_write_is_retried_and_the_message_not_sent_again(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first writes fail after the sends succeeded; meanwhile the next batch is
    claimed. Every row ends sent, each member got exactly one message."""
    ids = await bulk_members(bot.app, 150)
    await queued_broadcast(bot, "Written later")
    sender = bot.services.sender
    virtual_pacing(sender)
    real = OutboxRepository.finish_many
    failures = {"left": 3, "seen": 0}

    async def flaky(
        self: OutboxRepository, outcomes: Sequence[dict[str, Any]], holder: str
    ) -> None:
        if failures["left"]:
            failures["left"] -= 1
            failures["seen"] += len(outcomes)
            raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))
        await real(self, outcomes, holder)

    monkeypatch.setattr(OutboxRepository, "finish_many", flaky)
    assert await sender.drain() == 150
    assert failures["left"] == 0
    assert failures["seen"] > 0
    assert await sender.drain() == 0  # nothing left to send: nothing goes twice
    rows = await rows_by_chat(bot)
    assert {row.status for row in rows.values()} == {"sent"}
    assert all(row.claimed_by is None for row in rows.values())
    assert copies(bot.api, "Written later") == Counter(dict.fromkeys(ids, 1))


# -- timeouts, 429s --------------------------------------------------------------------
async def test_a_timed_out_send_is_uncertain_tried_once_more_then_failed(bot: Harness) -> None:
    ids = await bulk_members(bot.app, 4)
    never, once = ids[0], ids[1]
    bot.api.fail_when(lambda call: call.chat_id == never, TIMED_OUT)
    bot.api.fail_when(lambda call: call.chat_id == once, TIMED_OUT, times=1)
    broadcast_id = await queued_broadcast(bot, "Maybe delivered")
    sender, broadcasts = bot.services.sender, bot.services.broadcasts
    virtual_pacing(sender)

    assert await sender.drain() == 4
    rows = await rows_by_chat(bot)
    for chat in (never, once):
        assert (rows[chat].status, rows[chat].uncertain, rows[chat].attempts) == (
            "pending",
            True,
            1,
        )
        assert "may have been delivered" in str(rows[chat].error)
        assert rows[chat].not_before == bot.clock.now() + backoff(1)
    view = await broadcasts.view(broadcast_id)
    assert (view.sent, view.uncertain, view.remaining) == (2, 2, 2)
    shown = bot.services.monitor.render(view).text
    assert "2 timed out (Telegram may have delivered them)" in shown
    assert not problems(shown, caption=False, html=True)

    assert await sender.drain() == 0  # not before its backoff
    bot.clock.advance(backoff(1))
    assert await sender.drain() == 2
    rows = await rows_by_chat(bot)
    assert (rows[never].status, rows[never].attempts) == ("failed", 2)
    assert "timed out twice" in str(rows[never].error)
    assert (rows[once].status, rows[once].uncertain) == ("sent", True)
    bot.clock.advance(timedelta(hours=1))
    assert await sender.drain() == 0  # never a third call
    sent = copies(bot.api, "Maybe delivered")
    assert (sent[never], sent[once], sent[ids[2]], sent[ids[3]]) == (2, 2, 1, 1)

    [view] = await bot.services.monitor.step()
    assert (view.status, view.sent, view.failed, view.uncertain) == ("done", 3, 1, 2)
    assert "2 timed out" in bot.services.monitor.render(view).text


async def test_retry_after_for_one_chat_defers_only_that_row(bot: Harness) -> None:
    ids = await bulk_members(bot.app, 10)
    flooded = ids[3]
    wait = Failure(429, "Too Many Requests: retry after 30", retry_after=30)
    bot.api.fail_when(lambda call: call.chat_id == flooded, wait, times=1)
    await queued_broadcast(bot, "Mind the flood")
    sender = bot.services.sender
    virtual_pacing(sender)

    assert await sender.drain() == 10  # the others went in the same drain
    rows = await rows_by_chat(bot)
    assert (rows[flooded].status, rows[flooded].attempts) == ("pending", 0)
    assert rows[flooded].not_before == bot.clock.now() + timedelta(seconds=30)
    assert sorted(c for c, r in rows.items() if r.status == "sent") == sorted(set(ids) - {flooded})
    bot.clock.advance(timedelta(seconds=30))
    assert await sender.drain() == 1
    assert copies(bot.api, "Mind the flood") == Counter(dict.fromkeys(ids, 1))


async def test_with_the_rate_limiter_a_429_for_one_chat_pauses_no_other_chat(
    bot: Harness,
) -> None:
    """As the app runs it: the limiter tells one chat's 429 from the bot's."""
    ids = await bulk_members(bot.app, 10)
    bot.api.fail_when(
        lambda call: call.chat_id == ids[0],
        Failure(429, "Too Many Requests: retry after 30", retry_after=30),
        times=1,
    )
    await queued_broadcast(bot, "Limited")
    time = VirtualTime()
    limiter = TelegramLimiter(monotonic=time.monotonic, sleep=time.sleep)
    api: ExtBot[None] = ExtBot(
        TOKEN, request=bot.api, get_updates_request=bot.api, rate_limiter=limiter
    )
    await api.initialize()
    services = bot.services
    sender = Sender(
        services.database.sessions, bot.clock, api,
        make_composer(services.planner, bot.app.bot_data.library.catalog), services.members,
        rate=25,
    )  # fmt: skip
    sender.pacer = Pacer(25, monotonic=time.monotonic, sleep=time.sleep)
    try:
        assert await sender.drain() == 10
    finally:
        await api.shutdown()
    assert time.now < 5  # nine sends at 25/s, no 30 s pause for everyone
    assert len(copies(bot.api, "Limited")) == 9
    assert (await rows_by_chat(bot))[ids[0]].status == "pending"


# -- the window ------------------------------------------------------------------------
def test_window_follows_rate_and_latency_within_its_bounds() -> None:
    assert Window(25, latency=0.15).size == 10  # 25 x 0.15 x 2 + 2
    assert Window(1000, latency=0.15).size == 302
    assert Window(1, latency=0.01).size == 4  # the floor
    assert Window(1000, latency=0.15, ceiling=1).size == 1  # one send at a time
    assert Window(1000, latency=0.15, ceiling=20).size == 20


class SlowRequest(RecordingRequest):
    """Answers after a few milliseconds and counts how many calls overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most = 0

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(0.02)
            return await super().do_request(*args, **kwargs)
        finally:
            self.in_flight -= 1


@pytest.mark.parametrize("max_in_flight", [None, 1])
async def test_max_in_flight_caps_the_sends_awaiting_answers(
    bot: Harness, max_in_flight: int | None
) -> None:
    ids = await bulk_members(bot.app, 30)
    await queued_broadcast(bot, "Pipelined")
    request = SlowRequest()
    api = Bot(TOKEN, request=request, get_updates_request=request)
    await api.initialize()
    services = bot.services
    sender = Sender(
        services.database.sessions, bot.clock, api,
        make_composer(services.planner, bot.app.bot_data.library.catalog), services.members,
        rate=1000, max_in_flight=max_in_flight,
    )  # fmt: skip
    assert await sender.drain() == 30
    assert copies(request, "Pipelined") == Counter(dict.fromkeys(ids, 1))
    if max_in_flight is None:
        assert request.most > 4
    else:
        assert request.most == 1


# -- the lease -------------------------------------------------------------------------
async def test_a_second_sender_waits_for_the_lease_then_frees_the_rows_of_the_first(
    bot: Harness, running: Running
) -> None:
    ids = await bulk_members(bot.app, 6)
    await queued_broadcast(bot, "One sender at a time")
    first, first_api = await own_sender(bot, "first")
    second, second_api = await own_sender(bot, "second")
    assert await first._take_lease()
    sessions = bot.services.database.sessions
    async with sessions.begin() as session:  # the first claims a batch, then dies
        claimed = await OutboxRepository(session).claim("first", bot.clock.now(), 4)
    assert len(claimed) == 4

    start(second, running)
    await asyncio.sleep(0.3)
    assert second_api.sent("sendMessage") == []  # the first one's lease is live
    assert not await second._take_lease()

    bot.clock.advance(LEASE_TTL + timedelta(seconds=1))  # it was never renewed
    assert LEASE_TTL + timedelta(seconds=1) < CLAIM_FOR  # so only release_others frees them
    second.wake.set()
    await until(lambda: len(copies(second_api, "One sender at a time")) == 6, 5)
    assert copies(second_api, "One sender at a time") == Counter(dict.fromkeys(ids, 1))
    assert first_api.sent("sendMessage") == []
    assert_all_valid(second_api.sent())


async def test_after_a_crash_what_went_out_is_never_sent_again(
    bot: Harness, running: Running
) -> None:
    """The first sender's requests went out and it died before any answer came:
    the next holder takes those rows as sent (counted uncertain) and sends only
    the rows that never went out."""
    ids = await bulk_members(bot.app, 8)
    broadcast_id = await queued_broadcast(bot, "Once only")
    first, first_api = await own_sender(bot, "first")
    second, second_api = await own_sender(bot, "second")
    virtual_pacing(first)
    first_api.fail_when(lambda call: call.method == "sendMessage", HANGS)
    assert await first._take_lease()
    draining = asyncio.create_task(first.drain(limit=3))
    sessions = bot.services.database.sessions

    async def marked() -> int:
        async with sessions() as session:
            found = await session.scalars(select(Outbox).where(Outbox.sent_at.is_not(None)))
            return len(list(found))

    for _ in range(200):
        if await marked() == 3:
            break
        await asyncio.sleep(0.01)
    assert await marked() == 3
    async with sessions.begin() as session:  # claimed as well, never sent
        assert len(await OutboxRepository(session).claim("first", bot.clock.now(), 2)) == 2
    went_out = {call.chat_id for call in first_api.sent("sendMessage")}
    assert len(went_out) == 3

    bot.clock.advance(LEASE_TTL + timedelta(seconds=1))  # it died: never renewed
    start(second, running)
    await until(lambda: len(copies(second_api, "Once only")) == 5, 5)
    await asyncio.sleep(0.2)

    assert set(copies(second_api, "Once only")) == set(ids) - went_out
    assert max(copies(second_api, "Once only").values()) == 1
    rows = await rows_by_chat(bot)
    assert {chat for chat, row in rows.items() if row.uncertain} == went_out
    assert {row.status for row in rows.values()} == {"sent"}
    view = await bot.services.broadcasts.view(broadcast_id)
    assert (view.sent, view.uncertain) == (8, 3)

    for task in list(first._tasks):  # what was left of the first process
        task.cancel()
    assert await draining == 3
    assert {row.status for row in (await rows_by_chat(bot)).values()} == {"sent"}


async def test_a_send_answered_429_loses_its_mark_before_a_kill_could_read_it(
    bot: Harness,
) -> None:
    """A marked row whose answer says "not delivered" is written back to pending
    at once, not with the next batch of outcomes: a kill right after the answer
    must not leave it looking sent (it would never go out)."""
    await bulk_members(bot.app, 4)
    await queued_broadcast(bot, "Not yet")
    first, first_api = await own_sender(bot, "first")
    virtual_pacing(first)
    first.outcome_every = 60.0  # the batch write would come far too late
    is_send = lambda call: call.method == "sendMessage"  # noqa: E731
    first_api.fail_when(is_send, Failure(429, "Too Many Requests: retry after 30", 30), times=3)
    first_api.fail_when(is_send, HANGS)  # keeps the drain busy, as a live sender is
    assert await first._take_lease()
    draining = asyncio.create_task(first.drain(limit=4))
    sessions = bot.services.database.sessions

    later = bot.clock.now() + timedelta(seconds=20)

    async def settled() -> list[Outbox]:
        """Rows whose 429 is written: pending again, unmarked, for 30 s from now."""
        async with sessions() as session:
            rows = list(await session.scalars(select(Outbox)))
        return [
            row
            for row in rows
            if row.status == "pending" and row.sent_at is None and row.not_before > later
        ]

    await until(lambda: sum(map(is_send, first_api.calls)) == 4)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 1.0
    while len(await settled()) < 3:
        assert loop.time() < deadline, "the 429 answers were not written at once"
        await asyncio.sleep(0.01)

    async with sessions.begin() as session:  # the process dies here; a takeover
        await OutboxRepository(session).release_others("second")
    rows = await rows_by_chat(bot)
    refused = [row for row in rows.values() if row.sent_at is None and row.not_before > later]
    assert [(row.status, row.uncertain) for row in refused] == [("pending", False)] * 3
    hung = [row for row in rows.values() if row not in refused]
    assert [(row.status, row.uncertain) for row in hung] == [("sent", True)]  # it went out

    for task in list(first._tasks):  # what was left of the first process
        task.cancel()
    await draining


async def test_a_stalled_sender_cannot_undo_what_the_next_holder_settled(bot: Harness) -> None:
    """Outcomes are written only for rows the writer's sender still holds."""
    ids = await bulk_members(bot.app, 2)
    await queued_broadcast(bot, "Settled")
    sessions = bot.services.database.sessions
    now = bot.clock.now()
    async with sessions.begin() as session:
        repo = OutboxRepository(session)
        claimed = await repo.claim("first", now, 2)
        await repo.mark_on_wire("first", [claimed[0].id], now)
        await repo.mark_on_wire("other", [claimed[1].id], now)  # not its claim: no effect
    async with sessions.begin() as session:
        assert await OutboxRepository(session).release_others("second") == 2
    rows = await rows_by_chat(bot)
    assert (rows[claimed[0].chat_id].status, rows[claimed[0].chat_id].uncertain) == ("sent", True)
    assert (rows[claimed[1].chat_id].status, rows[claimed[1].chat_id].uncertain) == (
        "pending",
        False,
    )
    stale = {
        "row_id": claimed[0].id, "status": "pending", "attempts": 1, "not_before": now,
        "error": "late answer", "telegram_message_id": None, "sent_at": None, "uncertain": False,
    }  # fmt: skip
    async with sessions.begin() as session:
        await OutboxRepository(session).finish_many([stale], "first")
    assert (await rows_by_chat(bot))[claimed[0].chat_id].status == "sent"
    assert sorted(rows) == sorted(ids)


async def test_a_released_lease_is_taken_at_once(bot: Harness, running: Running) -> None:
    first, _ = await own_sender(bot, "first")
    second, _ = await own_sender(bot, "second")
    stop = start(first, running)
    sessions = bot.services.database.sessions
    await until(lambda: first._holding)
    assert not await second._take_lease()
    stop.set()
    await running.pop()[1]  # a clean stop gives the lease up
    assert await second._take_lease()  # no waiting for it to run out
    async with sessions() as session:
        assert await session.scalar(select(Lease.holder)) == "second"


async def test_a_sender_whose_lease_was_taken_stops_sending(
    bot: Harness, running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sends waiting for their turn when the lease goes are not made; the new holder
    sends them, and every member gets one copy."""
    monkeypatch.setattr(sender_module, "LEASE_RENEW_S", 0.05)
    ids = await bulk_members(bot.app, 120)
    await queued_broadcast(bot, "Handed over")
    first, first_api = await own_sender(bot, "first", rate=40)
    second, second_api = await own_sender(bot, "second")
    virtual_pacing(second)
    start(first, running)
    await until(lambda: len(first_api.sent("sendMessage")) >= 10)

    # The second process takes the lease over (as after the first stalled past it).
    sessions = bot.services.database.sessions
    async with sessions.begin() as session:
        await session.execute(
            update(Lease)
            .where(Lease.name == LEASE_NAME)
            .values(holder="second", expires_at=bot.clock.now() + LEASE_TTL)
        )
    await asyncio.wait_for(first.lease_lost.wait(), 2)
    at_loss = len(first_api.sent("sendMessage"))
    await asyncio.sleep(0.3)
    assert len(first_api.sent("sendMessage")) == at_loss
    assert not first._holding

    assert await second._take_lease()
    while await second.drain():
        pass
    sent = copies(first_api, "Handed over") + copies(second_api, "Handed over")
    assert sent == Counter(dict.fromkeys(ids, 1))
    assert len(copies(second_api, "Handed over")) > 0
    assert {row.status for row in (await rows_by_chat(bot)).values()} == {"sent"}


# -- the outbox queries ----------------------------------------------------------------
async def test_claim_takes_due_pending_rows_by_priority_never_sending_ones(bot: Harness) -> None:
    ids = await bulk_members(bot.app, 5)
    sessions = bot.services.database.sessions
    now = bot.clock.now()
    members = await member_ids(bot, ids)
    kinds = [OutboxKind.BROADCAST, OutboxKind.BROADCAST, OutboxKind.NUDGE, OutboxKind.REMINDER]
    rows = [
        outbox_row(kind, member_id=members[chat], chat_id=chat, payload={"text": "x"},
                   dedupe_key=f"t:{chat}", now=now)
        for kind, chat in zip(kinds, ids, strict=False)
    ]  # fmt: skip
    later = outbox_row(
        OutboxKind.REMINDER, member_id=members[ids[4]], chat_id=ids[4], payload={},
        dedupe_key="t:later", now=now + timedelta(minutes=5),
    )  # fmt: skip
    async with sessions.begin() as session:
        assert await OutboxRepository(session).enqueue([*rows, later]) == 5
    async with sessions.begin() as session:
        first = await OutboxRepository(session).claim("a", now, 2)
    assert [(r.kind, r.chat_id) for r in first] == [("reminder", ids[3]), ("nudge", ids[2])]
    async with sessions.begin() as session:
        second = await OutboxRepository(session).claim("b", now, 10)
    assert [r.chat_id for r in second] == [ids[0], ids[1]]  # broadcasts, oldest first
    async with sessions.begin() as session:
        assert await OutboxRepository(session).claim("c", now, 10) == []  # all sending

    async with sessions.begin() as session:
        assert await OutboxRepository(session).reclaim_expired(now + CLAIM_FOR / 2) == 0
    async with sessions.begin() as session:
        # A sender never takes its own rows back, however long they have waited
        # (else a long batch's last sends went out twice): only b's two return.
        others = await OutboxRepository(session).reclaim_expired(now + CLAIM_FOR * 3, "a")
    assert others == 2
    async with sessions.begin() as session:
        back = await OutboxRepository(session).reclaim_expired(now + CLAIM_FOR + timedelta(1))
    assert back == 2  # then a's, once nobody is named
    async with sessions.begin() as session:
        again = await OutboxRepository(session).claim("c", now + timedelta(minutes=10), 10)
    assert len(again) == 5  # the expired four and the one now due


# -- pruning ---------------------------------------------------------------------------
async def test_prune_removes_only_old_finished_rows_and_done_broadcasts_keep_counts(
    bot: Harness,
) -> None:
    ids = await bulk_members(bot.app, 6)
    blocked = ids[5]
    bot.api.fail_when(
        lambda call: call.chat_id == blocked,
        Failure(403, "Forbidden: bot was blocked by the user"),
    )
    services = bot.services
    virtual_pacing(services.sender)
    done_id = await queued_broadcast(bot, "Old news")
    await services.sender.drain()
    [done] = await services.monitor.step()
    assert (done.status, done.sent, done.blocked, done.total) == ("done", 5, 1, 6)
    sending_id = await queued_broadcast(bot, "Still going")  # nobody left but five
    members = await member_ids(bot, ids)
    now = bot.clock.now()
    extra = [
        outbox_row(OutboxKind.REMINDER, member_id=members[ids[0]], chat_id=ids[0],
                   payload={"local_date": "2026-03-02"}, dedupe_key=f"old:{status}", now=now)
        for status in ("sent", "cancelled", "failed", "pending")
    ]  # fmt: skip
    sessions = services.database.sessions
    async with sessions.begin() as session:
        await OutboxRepository(session).enqueue(extra)
        for status in ("sent", "cancelled", "failed"):
            await session.execute(
                update(Outbox).where(Outbox.dedupe_key == f"old:{status}").values(status=status)
            )
        await session.execute(  # the second broadcast: one sent, the rest waiting
            update(Outbox)
            .where(Outbox.broadcast_id == sending_id, Outbox.chat_id == ids[0])
            .values(status="sent")
        )

    bot.clock.advance(timedelta(days=10))
    async with sessions.begin() as session:
        recent = outbox_row(
            OutboxKind.REMINDER, member_id=members[ids[1]], chat_id=ids[1], payload={},
            dedupe_key="recent", now=bot.clock.now(),
        )  # fmt: skip
        await OutboxRepository(session).enqueue([recent])
        await session.execute(
            update(Outbox).where(Outbox.dedupe_key == "recent").values(status="sent")
        )
    assert await prune_outbox(sessions, bot.clock, keep_days=7) == 6 + 3

    async with sessions() as session:
        left = Counter(
            (row.broadcast_id, row.status) for row in await session.scalars(select(Outbox))
        )
    assert left == Counter(
        {
            (None, "pending"): 1,
            (None, "sent"): 1,
            (sending_id, "sent"): 1,
            (sending_id, "pending"): 4,
        }
    )
    view = await services.broadcasts.view(done_id)
    assert (view.status, view.total, view.sent, view.blocked, view.failed) == ("done", 6, 5, 1, 0)
    assert view.remaining == 0


# -- paid broadcasts -------------------------------------------------------------------
@pytest.fixture
def paid_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"paid_broadcast_rate": 500.0})


async def test_with_a_paid_rate_broadcasts_go_paid_and_nothing_else(
    paid_settings: Settings, clock: ManualClock, catalog: Catalog
) -> None:
    async with running_bot(paid_settings, clock, catalog) as bot:
        clock.advance(timedelta(days=-5))
        ids = await bulk_members(bot.app, 5)  # joined five days ago, never checked in
        clock.advance(timedelta(days=5))
        await onboard(bot.app, KAI)  # a session due at 07:30 Berlin
        await queued_broadcast(bot, "Paid announcement")
        await queued_broadcast(bot, "Come back", nudge_days=3)
        clock.advance(timedelta(minutes=31))
        await bot.services.ticker.tick()
        sender = bot.services.sender
        assert sender.paid_pacer is not None
        virtual_pacing(sender)
        assert await sender.drain() == 6 + 5 + 1

        calls = bot.api.sent("sendMessage")
        paid = [c for c in calls if c.text == "Paid announcement"]
        nudges = [c for c in calls if c.text == "Come back"]
        sessions = [c for c in calls if "Day " in c.text]
        assert len(paid) == 6
        assert len(nudges) == 5
        assert len(sessions) == 1
        assert all(c.params.get("allow_paid_broadcast") is True for c in paid)
        assert not any("allow_paid_broadcast" in c.params for c in nudges + sessions)
        assert {c.chat_id for c in nudges} == set(ids)


@pytest.mark.parametrize(("configured", "overall"), [(25.0, 28.0), (29.0, 29.0), (30.0, 29.5)])
def test_the_overall_grant_is_never_below_the_broadcast_rate(
    settings: Settings, catalog: Catalog, configured: float, overall: float
) -> None:
    app = build_application(
        settings.model_copy(update={"broadcast_rate": configured}), catalog=catalog
    )
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, TelegramLimiter)
    assert limiter.overall_rate == overall


def test_the_confirmation_of_a_paid_broadcast_says_what_it_costs() -> None:
    text = confirm(7, 1000, None, paid_rate=500).text
    assert "Paid broadcast" in text
    assert "500 messages/s" in text
    assert "about 100 Stars for these 1000 members" in text
    assert not problems(text, caption=False, html=True)
    assert "Stars" not in confirm(7, 1000, None).text


async def test_the_trainer_sees_the_paid_note_for_broadcasts_not_nudges(
    paid_settings: Settings, clock: ManualClock, catalog: Catalog
) -> None:
    async with running_bot(paid_settings, clock, catalog) as bot:
        await onboard(bot.app, ADMIN)
        await bulk_members(bot.app, 999)
        await bot.command(ADMIN, "broadcast", "Big news")
        [choice, *_] = [b["callback_data"] for b in bot.api.last().buttons()]
        broadcast_id = int(str(choice).split(":")[2])
        await bot.send(bot.updates.callback(ADMIN, f"bc:a:{broadcast_id}:all"))
        asked = bot.api.last("editMessageText").text
        assert "Send this to <b>1000</b> members now?" in asked
        assert "about 100 Stars for these 1000 members" in asked
        clock.advance(timedelta(days=4))
        await bot.command(ADMIN, "nudge", "3")
        nudge = bot.api.last()
        assert "Send this to <b>1000</b> members now?" in nudge.text  # none checked in
        assert "Stars" not in nudge.text
