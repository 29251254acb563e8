"""The real `bootcamp-bot run` process against the sandbox, over real HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import OffsetClock
from bot.sandbox import Sandbox
from bot.services.schedule import next_occurrence
from tests.kit.recording import TOKEN

ADMIN_ID = 42


class Bot:
    """The bot process and the sandbox it talks to."""

    def __init__(
        self, sandbox: Sandbox, process: subprocess.Popen[bytes], clock_file: Path, log: Path
    ):
        self.sandbox = sandbox
        self.process = process
        self.clock_file = clock_file
        self.log = log

    async def say(self, user_id: int, text: str, timeout: float = 10.0) -> str:  # noqa: ASYNC109
        """Send text and return the bot's next message in that chat (its HTML)."""
        after = max((m.message_id for m in self.sandbox.messages(user_id)), default=0)
        self.sandbox.send_text(user_id, text)
        message = await self.sandbox.wait_for_bot_message(user_id, after=after, timeout=timeout)
        return message.source or message.text or message.caption or ""

    async def press(self, user_id: int, data: str, timeout: float = 10.0) -> str:  # noqa: ASYNC109
        """Press the newest button with this callback data; the callback answer."""
        message = next(
            m
            for m in reversed(self.sandbox.messages(user_id))
            if m.from_bot and data in str(m.reply_markup)
        )
        query = self.sandbox.press_button(user_id, user_id, message.message_id, data)
        answer = await self.sandbox.wait_for_callback_answer(query, timeout=timeout)
        return answer.text or ""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    sandbox = Sandbox(TOKEN)
    await sandbox.start()
    clock_file = tmp_path / "clock"
    log = tmp_path / "bot.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_URL"))}
    env.update(
        BOT_TOKEN=TOKEN,
        BOT_API_BASE_URL=sandbox.url,
        BOT_DATA_DIR=str(tmp_path),
        BOT_ADMIN_IDS=str(ADMIN_ID),
        BOT_TICK_SECONDS="1",
        BOT_SANDBOX_CLOCK_FILE=str(clock_file),
        LOG_LEVEL="INFO",
    )
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Bot(sandbox, process, clock_file, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(process.wait, 30)
        finally:
            await sandbox.stop()
        assert code == 0, log.read_text()[-3000:]
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@pytest.mark.soak  # a real process for tens of seconds: the soak stage runs it
async def test_a_member_and_a_trainer_through_the_real_process(bot: Bot) -> None:
    sandbox = bot.sandbox
    robin = sandbox.add_user("Robin", "robin")

    # Onboarding.
    welcome = await bot.say(robin.id, "/start", timeout=30)
    assert "Welcome to <b>Defy Gravity</b>, Robin" in welcome
    for answer, next_question in (
        ("ob:x:some", "Quick question 2 of 3"),
        ("ob:k:b", "☑️ Resistance bands"),  # ticked: the same question, redrawn
        ("ob:k:b:ok", "Quick question 3 of 3"),
        ("ob:h:0:ok", "Step 1 of 3"),
    ):
        assert await bot.press(robin.id, answer) == ""
        await sandbox.wait_for(
            lambda n=next_question: (  # type: ignore[misc]
                n in str(sandbox.messages(robin.id)[-1].reply_markup)
                or n in (sandbox.messages(robin.id)[-1].source or "")
            )
        )

    def robin_sees(text: str) -> bool:
        """Some message of the bot's reads `text` now (pickers are edited in place)."""
        return any(text in (m.source or "") for m in sandbox.messages(robin.id) if m.from_bot)

    assert await bot.press(robin.id, "ob:p:defy-gravity") == ""
    await sandbox.wait_for(lambda: robin_sees("Step 2 of 3") and robin_sees("Send my location"))
    await bot.press(robin.id, "ob:z:Europe/Berlin")
    await sandbox.wait_for(lambda: robin_sees("Step 3 of 3"))
    await bot.press(robin.id, "ob:t:0730")
    await sandbox.wait_for(lambda: robin_sees("All set!"))

    # Today's session at a moved clock: jump to just after the next 07:30 in Berlin.
    berlin = ZoneInfo("Europe/Berlin")
    target = next_occurrence(datetime.now(UTC), time(7, 30), berlin) + timedelta(seconds=5)
    OffsetClock.write(bot.clock_file, target - datetime.now(UTC))
    session = await sandbox.wait_for(
        lambda: next(
            (m for m in sandbox.messages(robin.id) if "Day 1 of" in (m.source or "")), None
        ),
        timeout=20,
    )
    assert "ci:d:" in str(session.reply_markup)

    # Done, and the streak.
    day = target.astimezone(berlin).date()
    assert await bot.press(robin.id, f"ci:d:{day:%Y%m%d}") == "Recorded ✅"
    await sandbox.wait_for(
        lambda: (
            "Streak: <b>1 day</b>" in (sandbox.message(robin.id, session.message_id).source or "")
        )
    )

    # An anatomy question with a typo, and inline mode.
    card = await bot.say(robin.id, "/anatomy gluteus medus")
    assert "<b>Gluteus medius</b>" in card
    results = await sandbox.inline_query(robin.id, "glute med")
    assert results[0]["id"] == "gluteus-medius"

    # /progress answers at once, then sends the PNG chart (drawn in another
    # process) and removes the placeholder.
    placeholder = await bot.say(robin.id, "/progress")
    assert "Building your chart" in placeholder
    photo = await sandbox.wait_for(
        lambda: next((m for m in sandbox.bot_messages_for(robin.id) if m.photo), None), 20
    )
    assert "Robin's progress" in (photo.caption or "")
    assert photo.photo is not None
    await sandbox.wait_for(
        lambda: not any("Building your chart" in (m.text or "") for m in sandbox.messages(robin.id))
    )
    assert sandbox.file_bytes(photo.photo.file_id).startswith(b"\x89PNG")

    # A trainer broadcast to 200 members, some of whom blocked the bot.
    admin = sandbox.add_user("Coach", "coach", user_id=ADMIN_ID)
    await bot.say(admin.id, "/start")
    crowd = [sandbox.add_user(f"Member {n}") for n in range(200)]
    for member in crowd:
        sandbox.send_text(member.id, "/start")
    await sandbox.wait_for(lambda: all(sandbox.bot_messages_for(m.id) for m in crowd), timeout=60)
    # Broadcasts go to members who finished onboarding: the crowd does, all at once.
    for data, reached in (
        ("ob:x:regular", "Quick question 2 of 3"),
        ("ob:k:0:ok", "Quick question 3 of 3"),
        ("ob:h:0:ok", "Step 1 of 3"),
        ("ob:p:defy-gravity", "Step 2 of 3"),
        ("ob:z:Europe/Berlin", "Step 3 of 3"),
        ("ob:t:0730", "All set!"),
    ):
        for member in crowd:
            shown = next(
                m
                for m in reversed(sandbox.messages(member.id))
                if m.from_bot and data in str(m.reply_markup)
            )
            sandbox.press_button(member.id, member.id, shown.message_id, data)
        await sandbox.wait_for(
            lambda reached=reached: all(  # type: ignore[misc]
                any(reached in (n.source or "") for n in sandbox.messages(m.id)[-2:]) for m in crowd
            ),
            timeout=120,
        )
        if reached == "Step 2 of 3":  # then the 📍 keyboard, a message of its own
            await sandbox.wait_for(
                lambda: all(
                    "Send my location" in (sandbox.messages(m.id)[-1].source or "") for m in crowd
                ),
                timeout=120,
            )
    for member in crowd[:5]:
        sandbox.block(member.id)  # the bot is told (my_chat_member)
    for member in crowd[5:10]:
        sandbox.deactivate(member.id)  # the bot only finds out when it sends
    await asyncio.sleep(1.5)
    question = await bot.say(admin.id, "/broadcast Bootcamp is outdoors this Saturday!")
    if "Who should receive it?" not in question:
        await sandbox.wait_for(
            lambda: "Who should receive it?" in (sandbox.messages(admin.id)[-1].source or "")
        )
    everyone = next(
        m for m in reversed(sandbox.messages(admin.id)) if "bc:a:" in str(m.reply_markup)
    )
    # The buttons come first; the counts are filled in by an edit when counted.
    await sandbox.wait_for(lambda: "(…)" not in str(everyone.reply_markup))
    buttons = [b for row in everyone.reply_markup["inline_keyboard"] for b in row]  # type: ignore[index]
    audience = next(b for b in buttons if b["callback_data"].endswith(":all"))
    assert "(196)" in audience["text"]  # 200 + Robin - 5 who blocked (Coach only sent /start)
    await bot.press(admin.id, audience["callback_data"])
    await sandbox.wait_for(
        lambda: "Send to 196" in str(sandbox.messages(admin.id)[-1].reply_markup)
    )
    send = next(
        b["callback_data"]
        for b in sandbox.messages(admin.id)[-1].buttons
        if "bc:go" in b["callback_data"]
    )  # type: ignore[attr-defined]
    await bot.press(admin.id, send)
    await sandbox.wait_for(
        lambda: any("done ✅" in (m.source or "") for m in sandbox.messages(admin.id)), timeout=60
    )
    report = next(m for m in sandbox.messages(admin.id) if "done ✅" in (m.source or ""))
    assert "sent 191" in (report.source or "")
    assert "blocked 5" in (report.source or "")
    got = [
        m
        for m in crowd
        if any("outdoors" in (x.source or "") for x in sandbox.bot_messages_for(m.id))
    ]
    assert len(got) == 190

    # Nothing went wrong that the bot did not expect: 403 from the deactivated
    # members during the broadcast, and 429 flood control, which the bot waits out
    # (every member above did get their replies and the broadcast).
    unexpected = [
        e
        for e in sandbox.errors()
        if not (e.code == 403 and "deactivated" in e.description) and e.code != 429
    ]
    assert unexpected == [], unexpected
    assert len([e for e in sandbox.errors() if e.code == 403]) == 5
