"""Three replicas of the real process in webhook mode on PostgreSQL behind a real
nginx, the sandbox posting every update through it, while replicas are killed.

Members onboard (/start), every member's session falls due and goes out, a
broadcast goes to all while the replica sending it is killed with SIGKILL,
and 100 members press ✅ Done while another replica is killed and started
again. Nothing is lost and nothing doubled beyond what a kill can leave sent
but not recorded; every press is answered and counted once.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.clock import OffsetClock
from bot.db import leases
from bot.db.models import InboxUpdate
from bot.db.session import Database
from bot.delivery.sender import Window
from bot.intake.webhook import SECRET_HEADER
from bot.sandbox import Sandbox
from bot.services.broadcasts import Audience, BroadcastService
from tests.kit.db import postgres_admin_url, temporary_postgres_database
from tests.kit.live import (
    BOT_USERNAME,
    TODAY,
    add_members,
    at,
    checkins_on,
    done_data,
    poll_until,
    session_message,
)
from tests.kit.nginx import nginx_binary
from tests.kit.recording import TOKEN
from tests.kit.replicas import Cluster, healthy, http_get

pytestmark = [pytest.mark.soak, pytest.mark.postgres]

MEMBERS = 300
NEWCOMERS = 30
PRESSES = 100
RATE = 25  # BOT_BROADCAST_RATE
LATENCY, JITTER = 0.05, 0.02
REPLICAS = 3
FORGED_ID = 999_999
# What one kill can leave sent but not recorded: the sends awaiting answers.
IN_FLIGHT = Window(RATE, latency=LATENCY + JITTER).size


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """A fresh PostgreSQL database, migrated once with `bootcamp-bot migrate`."""
    admin = postgres_admin_url()
    assert admin is not None  # the postgres mark skips the test otherwise
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (.ci/run installs it)")
    with temporary_postgres_database(admin, prefix="bootcamp_replicas") as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE"))}
        subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            env={**env, "DATABASE_URL": url},
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        yield url


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(TOKEN, bot_username=BOT_USERNAME) as box:
        box.set_latency(LATENCY, JITTER, seed=14)
        box.api.webhook.retry_s = 0.5
        yield box


@pytest.fixture
def cluster(postgres_url: str, sandbox: Sandbox, tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(postgres_url, sandbox, tmp_path, REPLICAS, rate=RATE)
    try:
        yield running
    finally:
        running.stop()
        print(running.logs())  # noqa: T201 - shown when the test fails


async def sent_by(cluster: Cluster, text: str = "broadcast") -> float:
    """Outbox sends of `text` kind recorded as sent, summed over the replicas now."""
    total = 0.0
    for port in cluster.ports:
        status, body = await http_get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                labels = sample.labels
                if (
                    sample.name == "bootcamp_outbox_sends_total"
                    and labels.get("kind") == text
                    and labels.get("outcome") == "sent"
                ):
                    total += sample.value
    return total


def copies(sandbox: Sandbox, user_ids: Sequence[int], text: str) -> Counter[int]:
    return Counter(
        {u: sum(1 for m in sandbox.bot_messages_for(u) if m.text == text) for u in user_ids}
    )


def sessions_of(sandbox: Sandbox, user_ids: Sequence[int]) -> Counter[int]:
    """How many session messages offering ✅ Done for TODAY each member got (before
    anyone pressed it)."""
    data = done_data(TODAY)
    return Counter(
        {
            u: sum(
                1
                for m in sandbox.bot_messages_for(u)
                if any(b.get("callback_data") == data for b in m.buttons)
            )
            for u in user_ids
        }
    )


async def lease_holder_pid(url: str, clock_file: Path) -> int | None:
    """The PID of the replica holding the sender lease (holders are host:pid:id)."""
    db = Database(url)
    try:
        holder = await leases.holder(db.sessions, leases.SENDER, OffsetClock(clock_file).now())
    finally:
        await db.dispose()
    return int(holder.split(":")[1]) if holder else None


async def broadcast(url: str, chat_id: int, text: str, clock_file: Path) -> None:
    """Member 1 (Telegram chat `chat_id`) broadcasts to everyone active, confirmed:
    the replicas' monitors queue it, whichever replica holds the lease sends it."""
    author = 1
    db = Database(url)
    try:
        service = BroadcastService(db.sessions, OffsetClock(clock_file))
        broadcast_id = await service.draft(author, chat_id, text=text)
        await service.choose(broadcast_id, author, Audience("all"))
        await service.confirm(broadcast_id, author)
    finally:
        await db.dispose()


async def test_three_replicas_behind_nginx_survive_kills(
    postgres_url: str, sandbox: Sandbox, cluster: Cluster
) -> None:
    members = await add_members(postgres_url, [6] * MEMBERS)
    for user_id in members:
        sandbox.add_user(f"Member {user_id}", user_id=user_id)
    cluster.start(at(6, 1))
    await cluster.ready()

    # Refused at the door: no secret, no effect.
    async with aiohttp.ClientSession() as http:
        forged = {"update_id": FORGED_ID, "message": {"message_id": 1, "date": 0, "text": "x"}}
        for headers in ({}, {SECRET_HEADER: "guess"}):
            async with http.post(cluster.nginx.url, json=forged, headers=headers) as response:
                assert response.status == 401

    # Newcomers onboard while every member's 06:00 session goes out.
    newcomers = [sandbox.add_user(f"New {n}") for n in range(NEWCOMERS)]
    for person in newcomers:
        sandbox.send_text(person.id, "/start")
    assert await poll_until(lambda: all(session_message(sandbox, u) for u in members), 120), (
        "sessions missing"
    )
    for person in newcomers:
        await sandbox.wait_for_bot_message(person.id, timeout=30)

    # A broadcast to all; the replica sending it is killed mid-way.
    text = "Class moves to 6pm tonight!"
    clock_file = cluster.replicas[0].clock_file
    await broadcast(postgres_url, members[0], text, clock_file)
    assert await poll_until(lambda: sum(copies(sandbox, members, text).values()) >= 60, 60)
    holder = await lease_holder_pid(postgres_url, clock_file)
    assert holder is not None
    sending = cluster.by_pid(holder)
    sending.kill()
    killed_at = sum(copies(sandbox, members, text).values())
    resumed = await _seconds_until(
        lambda: sum(copies(sandbox, members, text).values()) > killed_at + IN_FLIGHT, 30
    )
    sending.start()  # the supervisor restarts it
    assert await poll_until(lambda: all(copies(sandbox, members, text).values()), 120)
    await asyncio.sleep(2)  # a copy sent twice would show now
    sessions = sessions_of(sandbox, members)

    # 100 Done presses over 10 s while another replica is killed and started again.
    rng = random.Random(14)
    pressing = rng.sample(members, PRESSES)
    queries: list[str] = []
    other = next(r for r in cluster.replicas if r is not sending)

    async def press_all() -> None:
        for user_id in pressing:
            message = session_message(sandbox, user_id)
            assert message is not None
            queries.append(
                sandbox.press_button(user_id, user_id, message.message_id, done_data(TODAY))
            )
            await asyncio.sleep(0.1)

    async def kill_and_restart() -> None:
        await asyncio.sleep(3)
        other.kill()
        await asyncio.sleep(3)
        other.start()

    await asyncio.gather(press_all(), kill_and_restart())
    assert await poll_until(
        lambda: all(sandbox.callback_answer(q).answered for q in queries), 60
    ), "presses not answered"
    for port in cluster.ports:
        assert await poll_until(lambda port=port: healthy(port), 60)

    # Metrics add up: a last broadcast, counted by every replica that sends any of it.
    before = await sent_by(cluster)
    final = "Well done this week, everyone!"
    await broadcast(postgres_url, members[0], final, clock_file)
    assert await poll_until(lambda: all(copies(sandbox, members, final).values()), 60)
    await asyncio.sleep(2)  # outcomes are written a moment after the answers
    counted = await sent_by(cluster) - before
    health = [
        json.loads((await http_get(f"http://127.0.0.1:{p}/healthz"))[1]) for p in cluster.ports
    ]

    got = copies(sandbox, members, text)
    duplicates = sum(n - 1 for n in got.values() if n > 1)
    checkins = await checkins_on(postgres_url)
    db = Database(postgres_url)
    try:
        async with db.sessions() as session:
            forged_stored = await session.scalar(
                select(func.count())
                .select_from(InboxUpdate)
                .where(InboxUpdate.update_id == 999_999)
            )
    finally:
        await db.dispose()
    print(  # noqa: T201
        f"failover {resumed:.1f} s; {duplicates} duplicate broadcast copies "
        f"(window {IN_FLIGHT}); webhook posts {sandbox.api.webhook.posts}, "
        f"peak {sandbox.api.webhook.peak} at once"
    )
    assert forged_stored == 0
    assert resumed <= 10, resumed  # the lease's 8 s, then the next holder sends
    assert all(n >= 1 for n in got.values()), "lost broadcast copies"
    # One kill of the sender: what went out in its last few ms may go twice.
    assert duplicates <= 1, f"{duplicates} duplicates ({IN_FLIGHT} were in flight)"
    assert set(sessions.values()) == {1}, Counter(sessions.values())
    assert all(checkins.get(u) == ["done"] for u in pressing), {
        u: checkins.get(u) for u in pressing if checkins.get(u) != ["done"]
    }
    assert counted == MEMBERS == sum(copies(sandbox, members, final).values())
    assert all(h["status"] == "ok" and h["database"] for h in health), health
    assert sum(h["sender"]["this_process"] for h in health) == 1, health
    assert sandbox.api.webhook.peak <= 40
    stopped = await asyncio.to_thread(cluster.stop)  # the sandbox answers meanwhile
    assert stopped == [0] * REPLICAS, "a replica did not stop cleanly"


async def _seconds_until(condition: object, limit_s: float) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await poll_until(condition, limit_s, every=0.1)  # type: ignore[arg-type]
    return loop.time() - started
