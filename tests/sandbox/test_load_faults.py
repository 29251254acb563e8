"""What load and fault tests need from the sandbox: paid broadcasts and their
Stars, the most messages accepted in any second, and calls answered late."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from telegram import Bot
from telegram.error import RetryAfter, TimedOut

from bot.sandbox import FloodControl, Sandbox
from tests.sandbox.conftest import TOKEN, FakeMonotonic


async def test_paid_sends_have_their_own_overall_limit_and_are_billed(
    tg: Bot, sandbox: Sandbox, monotonic: FakeMonotonic
) -> None:
    users = [sandbox.add_user(f"User {n}") for n in range(45)]
    await asyncio.gather(*(tg.send_message(user.id, "free") for user in users[:30]))
    with pytest.raises(RetryAfter):
        await tg.send_message(users[30].id, "free")
    # Over the free 30/s, a paid send still goes: it counts against 1000/s.
    for user in users[30:]:
        await tg.send_message(user.id, "paid", allow_paid_broadcast=True)

    flood = sandbox.flood
    assert (flood.messages, flood.paid_messages) == (45, 15)
    assert flood.stars == pytest.approx(1.5)  # 0.1 Star per paid message
    assert flood.peak_per_second() == 30
    assert flood.peak_per_second(paid=True) == 15
    assert [m.text for m in sandbox.bot_messages_for(users[44].id)] == ["paid"]


async def test_paid_sends_keep_the_per_chat_limit(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    for n in range(3):  # the burst
        await tg.send_message(robin.id, f"paid {n}", allow_paid_broadcast=True)
    with pytest.raises(RetryAfter):
        await tg.send_message(robin.id, "paid 3", allow_paid_broadcast=True)
    assert sandbox.flood.paid_messages == 3


async def test_the_paid_limit_answers_429_above_it(monotonic: FakeMonotonic) -> None:
    flood = FloodControl(monotonic, paid_per_second=5)  # 1000/s, scaled down for speed
    async with Sandbox(TOKEN, monotonic=monotonic, flood=flood) as box:
        users = [box.add_user(f"User {n}") for n in range(6)]
        async with Bot(TOKEN, base_url=box.url + "/bot") as tg:
            for user in users[:5]:
                await tg.send_message(user.id, "paid", allow_paid_broadcast=True)
            with pytest.raises(RetryAfter):
                await tg.send_message(users[5].id, "paid", allow_paid_broadcast=True)
            monotonic.advance(1.0)
            await tg.send_message(users[5].id, "paid", allow_paid_broadcast=True)
    assert flood.peak_per_second(paid=True) == 5
    assert flood.peak_per_second() == 0


async def test_peak_per_second_is_the_busiest_sliding_second(monotonic: FakeMonotonic) -> None:
    flood = FloodControl(monotonic)
    for n in range(40):  # 10 a second for 4 s, then a burst of 12 within 0.6 s
        flood.record(n, group=False)
        monotonic.advance(0.1)
    for n in range(12):
        flood.record(100 + n, group=False)
        monotonic.advance(0.05)
    assert flood.peak_per_second() == 12 + 4  # the burst and the 4 before it within 1 s
    assert flood.messages == 52


async def test_peak_is_counted_with_flood_control_off(monotonic: FakeMonotonic) -> None:
    # Time stands still (a loaded machine could spread 40 real sends over a second).
    async with Sandbox(TOKEN, enforce_rate_limits=False, monotonic=monotonic) as box:
        users = [box.add_user(f"User {n}") for n in range(40)]
        async with Bot(TOKEN, base_url=box.url + "/bot") as tg:
            await asyncio.gather(*(tg.send_message(u.id, "hello") for u in users))
        assert box.flood.peak_per_second() == 40  # above the limit: a test can see it


async def test_a_slow_chat_is_delivered_but_answered_after_the_timeout(
    tg: Bot, sandbox: Sandbox
) -> None:
    robin, sam = sandbox.add_user("Robin"), sandbox.add_user("Sam")
    rule = sandbox.slow_chat(robin.id, 2.0, times=1)
    with pytest.raises(TimedOut):
        await tg.send_message(robin.id, "late answer", read_timeout=1.0)
    await tg.send_message(sam.id, "not slowed", read_timeout=1.0)
    await tg.send_message(robin.id, "on time again", read_timeout=1.0)  # times=1 used up
    assert rule.hits == 1
    # Telegram did deliver the message whose answer came too late.
    assert [m.text for m in sandbox.bot_messages_for(robin.id)] == ["late answer", "on time again"]


async def test_slow_down_by_predicate(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    rule = sandbox.slow_down(
        lambda method, params: method == "sendMessage" and "slow" in str(params.get("text")), 1.0
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    await tg.send_message(robin.id, "quick")
    quick = loop.time() - started
    await tg.send_message(robin.id, "slow one")
    slow = loop.time() - started - quick
    assert quick < 0.9
    assert slow >= 1.0
    assert rule.hits == 1


async def test_counters_and_slow_chat_over_http(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{sandbox.url}/sandbox/slow_chat",
            json={"chat_id": robin.id, "delay_ms": 2000, "times": 1},
        ) as response:
            assert (await response.json())["result"] == {"delay_ms": 2000.0, "times": 1}
        with pytest.raises(TimedOut):
            await tg.send_message(robin.id, "paid", allow_paid_broadcast=True, read_timeout=1.0)
        async with http.get(f"{sandbox.url}/sandbox/counters") as response:
            counters = (await response.json())["result"]
    assert counters == {
        "messages": 1,
        "paid_messages": 1,
        "stars": 0.1,
        "peak_per_second": 0,
        "peak_paid_per_second": 1,
    }
