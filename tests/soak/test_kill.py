"""SIGKILL in the middle of a morning burst of ✅ Done presses."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.db.session import Database
from bot.render.callbacks import CheckinPress
from bot.sandbox import Sandbox
from tests.kit.live import (
    TODAY,
    BotProcess,
    checkins_on,
    community,
    done_data,
    inbox_rows,
    inbox_statuses,
    poll_until,
    updates_in_flight,
)

pytestmark = pytest.mark.soak

MEMBERS = 100
BURST_S = 10.0
KILLS = 3
SEED = 20260310


def _recorded(sandbox: Sandbox, user_id: int, message_id: int) -> bool:
    """The session message shows the day as done: the footer, the effort buttons,
    and no ✅ Done button for that day any more."""
    message = sandbox.message(user_id, message_id)
    data = {button.get("callback_data") for button in message.buttons}
    return (
        "✅ <b>Done" in (message.source or "")  # "Done" or "Done today"
        and done_data(TODAY) not in data
        and CheckinPress("e", TODAY, 1).encode() in data
    )


async def test_no_press_is_lost_or_doubled_when_the_bot_is_killed_mid_burst(
    bot: BotProcess, sandbox: Sandbox
) -> None:
    """100 members press ✅ Done within a few seconds over a slow network while the
    bot is killed with SIGKILL three times, each time mid-way through presses, and
    started again on the same database. Every member ends with exactly one
    check-in for the day, every session message shows it as done, and the inbox
    holds nothing unfinished or failed: no press was lost, none counted twice."""
    sessions = await community(bot, MEMBERS)
    members = list(sessions)

    sandbox.set_latency(0.1, 0.05, seed=SEED)
    rng = random.Random(SEED)
    presses = sorted((rng.uniform(0, BURST_S), u) for u in members)
    # Each run is killed once it has handled a few presses of its own and is in
    # the middle of others (claimed in the inbox, not finished), so that every
    # kill cuts work off, however long the start-up took.
    kills = [rng.randint(3, 12) for _ in range(KILLS)]

    def handled() -> int:
        return sum(1 for u, m in sessions.items() if sandbox.message(u, m).edits > 0)

    loop = asyncio.get_running_loop()
    started = loop.time()
    queries: list[str] = []

    async def press_all() -> None:
        for offset, user_id in presses:
            await asyncio.sleep(max(0.0, started + offset - loop.time()))
            queries.append(
                sandbox.press_button(user_id, user_id, sessions[user_id], done_data(TODAY))
            )

    async def kill_and_restart() -> list[int]:
        at_kills = []
        db = Database(bot.url)
        try:
            for more in kills:
                target = handled() + more

                async def mid_work(target: int = target) -> bool:
                    return handled() >= target and await updates_in_flight(db, bot.pid) > 0

                assert await poll_until(mid_work, 90, every=0.02)
                bot.kill()
                at_kills.append(handled())
                bot.start()
        finally:
            await db.dispose()
        return at_kills

    _, at_kills = await asyncio.gather(press_all(), kill_and_restart())

    def settled() -> bool:
        return all(_recorded(sandbox, u, m) for u, m in sessions.items())

    assert await poll_until(settled, 120), f"{MEMBERS - handled()} presses never handled"

    async def inbox_done() -> bool:
        return not sandbox.pending_updates() and set(await inbox_statuses(bot.url)) == {"done"}

    assert await poll_until(inbox_done, 30), await inbox_statuses(bot.url)
    checkins = await checkins_on(bot.url)
    presses_tried = [
        tries for kind, _, tries, _ in await inbox_rows(bot.url) if kind == "callback_query"
    ]

    assert bot.runs == KILLS + 1
    assert all(0 < n < MEMBERS for n in at_kills), at_kills  # each kill was mid-burst
    assert len(presses_tried) == MEMBERS
    assert max(presses_tried) > 1  # a kill cut some presses off: they were handled again
    assert checkins == {u: ["done"] for u in members}
    # Every press was answered, or tried after Telegram's 15 s window (a press
    # cut off by a kill and handled again after the restart).
    records = [sandbox.callback_answer(q) for q in queries]
    assert all(r.answered or r.expired for r in records)
    assert "Traceback" not in bot.log(), bot.log()[-3000:]
