"""Shared set-up of the community tests: staff, members in a cohort, a linked group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.db.models import Outbox
from tests.conftest import ADMIN
from tests.kit.harness import Harness
from tests.kit.members import onboard
from tests.kit.updates import TgUser, group_chat

TRAINER = TgUser(id=810_001, first_name="Tess", username="coach_tess")
MEMBER = TgUser(id=810_002, first_name="Max", username="max_m")
OTHER = TgUser(id=810_003, first_name="Ivy", username="ivy_i")
CREW_ID = -100_555
CREW = group_chat(CREW_ID, "Bootcamp crew")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday


async def community(bot: Harness, *, cohort: str | None = "Spring") -> int | None:
    """Admin, trainer and two members onboarded eight days ago; the members in
    `cohort`. The cohort's id."""
    bot.clock.set(NOW - timedelta(days=8))
    for user in (ADMIN, TRAINER, MEMBER, OTHER):
        await onboard(bot.app, user)
    bot.clock.set(NOW)
    services = bot.app.bot_data.services
    await services.staff.set_role(TRAINER.id, "trainer")
    cohort_id = None
    if cohort is not None:
        created = await services.staff.create_cohort(cohort, ADMIN.id)
        for user in (MEMBER, OTHER):
            await services.preferences.join_cohort(user.id, created.code)
        cohort_id = created.id
    bot.api.clear()
    return cohort_id


async def link_crew(bot: Harness, chat: dict[str, Any] = CREW) -> None:
    await bot.command(ADMIN, "group", "link", chat=chat, mention_bot=True)
    assert "Linked" in bot.api.last().text
    bot.api.clear()


async def group_rows(bot: Harness) -> list[Outbox]:
    async with bot.app.bot_data.database.sessions() as session:
        return list(
            await session.scalars(
                select(Outbox).where(Outbox.group_id.is_not(None)).order_by(Outbox.id)
            )
        )


async def run_once(bot: Harness) -> int:
    services = bot.app.bot_data.services
    await services.ticker.tick()
    return await services.sender.drain()
