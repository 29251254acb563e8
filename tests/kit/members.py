"""Put members into known states quickly, through the real services."""

from __future__ import annotations

from datetime import date, time

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
        Profile(
            telegram_id=user.id,
            chat_id=user.id,
            first_name=user.first_name,
            username=user.username,
            language_code=user.language_code,
        )
    )
    settings = data.services.preferences
    await settings.choose_program(user.id, program)
    await settings.set_timezone(user.id, zone)
    change = await settings.set_reminder_time(user.id, at)
    assert change.onboarding_finished
    return change.member


async def bulk_members(
    app: BotApplication, count: int, *, first_id: int = 100_000, zone: str = "Europe/Berlin"
) -> list[int]:
    """Insert `count` active, onboarded members directly; their Telegram ids."""
    from datetime import date

    from sqlalchemy import insert

    from bot.db.models import Member, ProgramRun

    now = app.bot_data.clock.now()
    ids = list(range(first_id, first_id + count))
    rows = [
        {
            "telegram_id": tid, "chat_id": tid, "first_name": f"Member {tid}",
            "timezone": zone, "reminder_time": time(7, 30), "program_id": "defy-gravity",
            "program_start": date(2026, 3, 2), "status": "active", "role": "member",
            "next_reminder_at": None, "created_at": now, "updated_at": now,
        }
        for tid in ids
    ]  # fmt: skip
    async with app.bot_data.database.sessions.begin() as session:
        await session.execute(insert(Member), rows)
        member_ids = (
            await session.execute(Member.__table__.select().where(Member.telegram_id.in_(ids)))
        ).all()
        await session.execute(
            insert(ProgramRun),
            [
                {"member_id": row.id, "program_id": "defy-gravity", "start_date": date(2026, 3, 2)}
                for row in member_ids
            ],
        )
    return ids


async def move_start(app: BotApplication, telegram_id: int, start: date) -> None:
    """Let the member's current program run have begun on `start` (a long history
    without living through it)."""
    from sqlalchemy import select, update

    from bot.db.models import Member, ProgramRun

    async with app.bot_data.database.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.telegram_id == telegram_id))
        await session.execute(
            update(Member).where(Member.id == member_id).values(program_start=start)
        )
        await session.execute(
            update(ProgramRun)
            .where(ProgramRun.member_id == member_id, ProgramRun.end_date.is_(None))
            .values(start_date=start)
        )
