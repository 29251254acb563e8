"""The dispatcher on the real application: a repeat is handled once, one chat
strictly in order while other chats go on, a poison update retried and then
given up, and a shutdown that leaves unfinished work for the next start.

The updates are group chatter, which none of the bot's own handlers take: the
only handler that sees them is the recorder these tests put in front.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.intake.dispatcher import Dispatcher, DispatchStats
from tests.kit.db import inbox_rows
from tests.kit.harness import Harness
from tests.kit.live import poll_until
from tests.kit.updates import TgUser, group_chat

SAM = TgUser(id=5201, first_name="Sam")
CREW_A = group_chat(-100_201, "Crew A")
CREW_B = group_chat(-100_202, "Crew B")


class Recorder:
    """A handler that notes when each update starts and ends. A text starting
    with "slow" waits for `gate`; one starting with "poison" always raises."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self._changed = asyncio.Condition()

    async def handle(self, update: Update, context: Any) -> None:
        assert update.effective_message is not None
        text = update.effective_message.text or ""
        await self._note("start", text)
        if text.startswith("poison"):
            raise RuntimeError(f"{text} pill")
        if text.startswith("slow"):
            await self.gate.wait()
        await self._note("end", text)

    async def _note(self, kind: str, text: str) -> None:
        async with self._changed:
            self.events.append((kind, text))
            self._changed.notify_all()

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Wait until `condition()` holds after some update started or ended."""
        async with asyncio.timeout(5), self._changed:
            await self._changed.wait_for(condition)

    def handled(self) -> list[str]:
        return [text for kind, text in self.events if kind == "end"]

    def starts(self, text: str) -> int:
        return self.events.count(("start", text))


@pytest.fixture
def recorder(bot: Harness) -> Recorder:
    recorder = Recorder()
    handler = MessageHandler(filters.ChatType.GROUPS & filters.TEXT, recorder.handle)
    bot.app.add_handler(handler, group=-1)
    return recorder


def said(bot: Harness, chat: dict[str, Any], text: str) -> Update:
    return bot.updates.message(SAM, text, chat=chat)


async def test_an_update_delivered_twice_is_handled_once(bot: Harness, recorder: Recorder) -> None:
    """Twice in one batch, and once more after it was handled: one effect."""
    update = said(bot, CREW_A, "hello")
    assert await bot.store(update, update) == 1
    await bot.settle()
    assert await bot.store(update) == 0
    await bot.settle()
    assert recorder.handled() == ["hello"]


async def test_a_slow_update_holds_back_its_own_chat_only(bot: Harness, recorder: Recorder) -> None:
    """While the first update of chat A is still being handled, chat B's updates
    (even one that arrives meanwhile) are handled; A's second waits for its first."""
    recorder.gate.clear()
    await bot.store(said(bot, CREW_A, "slow A1"), said(bot, CREW_A, "A2"), said(bot, CREW_B, "B1"))
    dispatcher = bot.services.dispatcher
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop, drain_s=1.0))
    try:
        await recorder.wait_until(lambda: "B1" in recorder.handled())
        await bot.store(said(bot, CREW_B, "B2"))
        dispatcher.wake()
        await recorder.wait_until(lambda: "B2" in recorder.handled())
        assert recorder.starts("A2") == 0
        recorder.gate.set()
        await recorder.wait_until(lambda: "A2" in recorder.handled())
    finally:
        stop.set()
        await running
    assert recorder.handled() == ["B1", "B2", "slow A1", "A2"]
    assert recorder.events.index(("start", "A2")) > recorder.events.index(("end", "slow A1"))


@pytest.mark.handler_errors
async def test_a_poison_update_is_retried_then_failed_and_its_chat_goes_on(
    bot: Harness, recorder: Recorder
) -> None:
    """Three attempts, each after its retry delay (never before), then the row is
    failed with the error kept, the group hears once that something went wrong,
    and the chat's next update is handled."""
    sessions = bot.app.bot_data.database.sessions
    dispatcher = Dispatcher(
        bot.app, sessions, bot.clock, workers=4, max_attempts=3, retry_delays=(5.0, 30.0)
    )
    await bot.store(said(bot, CREW_A, "poison"), said(bot, CREW_A, "after"))
    attempts = []
    for wait in (0, 4, 1, 29, 1):  # retries are due 5 s and then 30 s after a failure
        bot.clock.advance(timedelta(seconds=wait))
        await dispatcher.run_until_idle()
        attempts.append(recorder.starts("poison"))
    assert attempts == [1, 1, 2, 2, 3]
    assert recorder.handled() == ["after"]
    poison, after = (await inbox_rows(sessions)).values()
    assert (poison.status, poison.attempts, after.status) == ("failed", 3, "done")
    assert "poison pill" in str(poison.error)
    assert dispatcher.stats == DispatchStats(handled=1, failed=1, retried=2)
    assert [str(error) for error in bot.handler_errors] == ["poison pill"] * 3
    assert len(bot.api.sent("sendMessage", chat_id=CREW_A["id"])) == 1


async def test_a_shutdown_mid_handler_leaves_the_rows_for_the_next_start(
    bot: Harness, recorder: Recorder
) -> None:
    """Stopping with a handler in flight and a short drain cuts it off; its row
    and the rows behind it are pending again (no attempt counted, no claim
    left to run out) and the next dispatcher handles them, in order."""
    recorder.gate.clear()
    await bot.store(said(bot, CREW_A, "slow A1"), said(bot, CREW_A, "A2"), said(bot, CREW_B, "B1"))
    sessions = bot.app.bot_data.database.sessions
    first = Dispatcher(bot.app, sessions, bot.clock, holder="first")
    stop = asyncio.Event()
    running = asyncio.create_task(first.run(stop, drain_s=0.05))
    await recorder.wait_until(
        lambda: recorder.starts("slow A1") == 1 and "B1" in recorder.handled()
    )
    # B1's done mark is written after its handler returned: on a busy machine
    # that write can outlast the 50 ms drain, so wait for it before stopping.
    assert await poll_until(lambda: first.stats.handled >= 1, 5, every=0.01)
    stop.set()
    await asyncio.wait_for(running, timeout=5)
    rows = await inbox_rows(sessions)
    left = [(row.status, row.attempts, row.claimed_by) for row in rows.values()]
    assert left == [("pending", 0, None), ("pending", 0, None), ("done", 1, None)]

    recorder.gate.set()
    await bot.settle()  # the bot's own dispatcher: another holder, same database and clock
    assert recorder.handled() == ["B1", "slow A1", "A2"]
    done = [(row.status, row.attempts) for row in (await inbox_rows(sessions)).values()]
    assert done == [("done", 1), ("done", 1), ("done", 1)]
