"""Thousands of random, broken and hostile updates through the real process."""

from __future__ import annotations

import asyncio
import random
import re

import pytest

from bot.render import texts
from bot.sandbox import Sandbox
from tests.kit.live import (
    BOT_USERNAME,
    TODAY,
    BotProcess,
    community,
    errors_besides_429,
    inbox_rows,
    inbox_statuses,
    poll_until,
)
from tests.soak.fuzz import Fuzzer, junk

pytestmark = pytest.mark.soak

UPDATES = 3000
PER_SECOND = 18
MEMBERS = 40
STRANGERS = 40
ADMIN_ID = 4_200_000
SEED = 1337


async def test_random_updates_never_crash_a_handler(bot: BotProcess, sandbox: Sandbox) -> None:
    """3,000 seeded random updates at 18 a second: Unicode text of every kind up
    to 5,000 characters, commands with junk after them (also from people who
    may not use them), forged and stale button data, stickers, photos,
    documents and locations where text is expected, inline queries, edits and
    replies, from members, from people who never sent /start, from an admin,
    in private and in a group. No handler fails (nothing in the log, no
    "something went wrong"), every press is answered in time, and Telegram
    never refuses anything the bot sends, apart from flood control."""
    rng = random.Random(SEED)
    bot.env["BOT_ADMIN_IDS"] = str(ADMIN_ID)
    sessions = await community(bot, MEMBERS)
    strangers = [
        sandbox.add_user(junk(rng, 64), user_id=ADMIN_ID + 1 + n).id for n in range(STRANGERS)
    ]
    admin = sandbox.add_user("Coach", "coach", user_id=ADMIN_ID).id
    people = [*sessions, *strangers, admin]
    # The admin adds the bot to a group, which the bot hears of (my_chat_member).
    group = sandbox.add_group("Glute crew", rng.sample(people, 12), added_by=admin)
    sandbox.set_latency(0.1, 0.05, seed=SEED)
    fuzzer = Fuzzer(sandbox, rng, people, group.id, TODAY, BOT_USERNAME)

    loop = asyncio.get_running_loop()
    started = loop.time()
    for n in range(UPDATES):
        await asyncio.sleep(max(0.0, started + n / PER_SECOND - loop.time()))
        fuzzer.step()
    took = loop.time() - started

    async def all_handled() -> bool:
        unfinished = {"pending", "working"} & set(await inbox_statuses(bot.url))
        return not sandbox.pending_updates() and not unfinished

    assert await poll_until(all_handled, 120, every=1), await inbox_statuses(bot.url)
    failed = [
        (kind, error) for kind, status, _, error in await inbox_rows(bot.url) if status == "failed"
    ]
    records = [sandbox.callback_answer(q) for q in fuzzer.queries]
    assert await poll_until(lambda: all(r.answered or r.expired for r in records), 30)
    statuses = await inbox_statuses(bot.url)
    code = await bot.stop()  # stopping waits for the work the handlers started
    log = bot.log()
    generic = texts.something_went_wrong()
    apologies = [
        (chat_id, m.message_id)
        for chat_id in sandbox.chats
        for m in sandbox.messages(chat_id)
        if m.from_bot and generic in (m.text or m.caption or "")
    ]

    assert UPDATES / took >= 10, f"the fuzz itself fell behind: {UPDATES / took:.1f} a second"
    assert set(fuzzer.done) == fuzzer.kinds, fuzzer.done  # every kind of thing happened
    assert statuses.get("done", 0) >= UPDATES * 0.95, (statuses, fuzzer.done)
    assert code == 0
    assert failed == []
    assert "Traceback" not in log, log[-5000:]
    assert not re.search(r" (ERROR|CRITICAL) ", log), log[-5000:]
    assert apologies == []
    assert [r for r in records if r.text == generic[:200]] == []
    assert [r for r in records if r.expired] == []
    assert all(r.answered for r in records)
    assert errors_besides_429(sandbox) == []
