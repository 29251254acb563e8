"""A running sandbox and a real python-telegram-bot `Bot` talking to it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.sandbox import Sandbox

BOT_ID = 7_000_000_001
BOT_USERNAME = "defy_gravity_test_bot"
TOKEN = f"{BOT_ID}:AAHq3x9Lk2vW8pZr4tYb6nMc1dFg7hJs5eQ"


class FakeMonotonic:
    """A monotonic clock that only moves when told to."""

    def __init__(self) -> None:
        self.value = 1_000.0

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
async def sandbox(monotonic: FakeMonotonic) -> AsyncIterator[Sandbox]:
    box = Sandbox(
        TOKEN, bot_username=BOT_USERNAME, bot_first_name="Defy Gravity", monotonic=monotonic
    )
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


@pytest.fixture
async def tg(sandbox: Sandbox) -> AsyncIterator[Bot]:
    """A real PTB Bot over real HTTP on 127.0.0.1, initialised (getMe done)."""
    tg = Bot(TOKEN, base_url=sandbox.url + "/bot", base_file_url=sandbox.url + "/file/bot")
    async with tg:
        yield tg
