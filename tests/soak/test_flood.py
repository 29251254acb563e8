"""Two chats flood the bot while everyone else goes on checking in."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator

import pytest

from bot.sandbox import FloodControl, Sandbox
from tests.kit.live import (
    BOT_USERNAME,
    TODAY,
    BotProcess,
    community,
    done_data,
    errors_besides_429,
    poll_until,
)
from tests.kit.recording import TOKEN

pytestmark = pytest.mark.soak

QUIET = 50
FLOOD = 60
PRESS_WINDOW_S = 6.0
ANSWER_WITHIN_S = 2.0
GROUP_COMMANDS = ("/help", "/today", "/anatomy glute med", "/progress", f"/help@{BOT_USERNAME}")
MEMBER_MESSAGES = ("/help", "hello?", "/today", "are you there", "/anatomy piriformis")
SEED = 60


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """Telegram a little stricter than the bot paces itself (its exact limits are
    not published): 18 messages a minute in a group, one every 2 s in a private
    chat after a burst of three. So the floods do meet 429s."""
    strict = FloodControl(time.monotonic, private_interval=2.0, group_per_minute=18)
    async with Sandbox(TOKEN, bot_username=BOT_USERNAME, flood=strict) as box:
        yield box


async def test_a_flooding_group_and_member_do_not_slow_anyone_else(
    bot: BotProcess, sandbox: Sandbox
) -> None:
    """A group sends 60 commands and one member 60 messages within three
    seconds, far more than Telegram lets the bot answer there, while 50 other
    members press ✅ Done. Every one of those presses is answered within 2 s,
    none too late for Telegram; Telegram answers 429 about the two flooding
    chats and no other; and the bot waits those out and answers every message
    of the flood in the end, each once."""
    sessions = await community(bot, QUIET + 4)
    flooder, *talkers = list(sessions)[QUIET:]
    quiet = list(sessions)[:QUIET]
    group = sandbox.add_group("Glute crew", [*talkers, *quiet[:5]])
    sandbox.set_latency(0.1, 0.05, seed=SEED)
    rng = random.Random(SEED)

    # The floods come in over the first three seconds, the presses over six.
    events = [(rng.uniform(0, 3), group.id, n) for n in range(FLOOD)]
    events += [(rng.uniform(0, 3), flooder, n) for n in range(FLOOD)]
    events += [(rng.uniform(0, PRESS_WINDOW_S), user_id, 0) for user_id in quiet]
    commands, said, queries = [], [], []
    loop = asyncio.get_running_loop()
    started = loop.time()
    for offset, chat_id, n in sorted(events):
        await asyncio.sleep(max(0.0, started + offset - loop.time()))
        if chat_id == group.id:
            talker = talkers[n % len(talkers)]
            commands.append(sandbox.send_text(talker, GROUP_COMMANDS[n % 5], group.id))
        elif chat_id == flooder:
            said.append(sandbox.send_text(flooder, MEMBER_MESSAGES[n % 5]))
        else:
            queries.append(
                sandbox.press_button(chat_id, chat_id, sessions[chat_id], done_data(TODAY))
            )

    records = [sandbox.callback_answer(q) for q in queries]
    assert await poll_until(lambda: all(r.answered or r.expired for r in records), 30)
    waits = sorted(r.answered_at - r.pressed_at for r in records if r.answered_at is not None)
    slow = [round(w, 2) for w in waits if w > ANSWER_WITHIN_S]

    def group_replies() -> list[int]:
        """Ids of the commands the bot's messages in the group answer (it quotes them)."""
        return [
            m.reply_to.message_id for m in sandbox.messages(group.id) if m.from_bot and m.reply_to
        ]

    def member_replies() -> int:
        """The bot's messages in the flooder's chat since the flood began (not quoted)."""
        return sum(
            1 for m in sandbox.messages(flooder) if m.from_bot and m.message_id > said[0].message_id
        )

    # At 18 a minute, the group's 60 answers take over three minutes.
    assert await poll_until(lambda: len(group_replies()) >= FLOOD, 300, every=2)
    assert await poll_until(lambda: member_replies() >= FLOOD, 60)

    limited = {str(e.params.get("chat_id")) for e in sandbox.errors() if e.code == 429}

    assert len(waits) == QUIET, "some presses were never answered"
    assert not slow, f"answered after more than {ANSWER_WITHIN_S} s: {slow}"
    assert not any(r.expired for r in records)
    assert sorted(group_replies()) == [m.message_id for m in commands]
    assert member_replies() == FLOOD
    assert errors_besides_429(sandbox, chats={group.id, flooder}) == []
    assert limited == {str(group.id), str(flooder)}  # the floods did meet flood control
