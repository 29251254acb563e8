"""Put members into known states quickly, through the real services."""

from __future__ import annotations

from datetime import time

from bot.context import BotApplication
from bot.db.dto import MemberDTO
from bot.services.members import Profile
from tests.kit.updates import TgUser


async def onboard(
    app: BotApplication,
    user: TgUser,
    *,
    zone: str = "Europe/Berlin",
    at: time = time(7, 30),
    program: str = "defy-gravity",
) -> MemberDTO:
    """Register and finish onboarding as the buttons would."""
    data = app.bot_data
    await data.members.register(
        Profile(telegram_id=user.id, chat_id=user.id, first_name=user.first_name)
    )
    settings = data.services.settings
    await settings.choose_program(user.id, program)
    await settings.set_timezone(user.id, zone)
    change = await settings.set_reminder_time(user.id, at)
    assert change.onboarding_finished
    return change.member
