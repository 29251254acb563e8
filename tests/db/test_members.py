"""Member registration at the database: idempotent, concurrent-safe, aware UTC."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.db.models import Member
from bot.db.session import Database
from bot.services.members import MemberService, Profile

NOW = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)


def service(database: Database, clock: ManualClock) -> MemberService:
    return MemberService(
        database.sessions,
        clock,
        default_timezone="UTC",
        default_reminder_time=time(7, 0),
        admin_ids=(42,),
    )


async def count(database: Database) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_concurrent_starts_create_one_member(database: Database) -> None:
    members = service(database, ManualClock(NOW))
    profile = Profile(telegram_id=7, chat_id=7, first_name="Sam")

    results = await asyncio.gather(*(members.register(profile) for _ in range(10)))

    assert await count(database) == 1
    assert sum(r.created for r in results) == 1
    assert len({r.member.id for r in results}) == 1


async def test_timestamps_come_back_aware_utc(database: Database) -> None:
    members = service(database, ManualClock(NOW.astimezone(timezone(timedelta(hours=9)))))
    registration = await members.register(Profile(telegram_id=8, chat_id=8, first_name="Kai"))
    fetched = await members.get(8)
    assert fetched is not None
    assert fetched.created_at == NOW
    assert fetched.created_at.tzinfo is not None
    assert fetched.created_at.utcoffset() == timedelta(0)
    assert registration.member == fetched


async def test_naive_timestamps_are_refused(database: Database) -> None:
    async with database.sessions() as session:
        session.add(
            Member(
                telegram_id=9,
                chat_id=9,
                first_name="N",
                timezone="UTC",
                reminder_time=time(7),
                created_at=datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
                updated_at=NOW,
            )
        )
        with pytest.raises(Exception, match="naive datetime"):
            await session.commit()


async def test_profile_refresh_keeps_settings(database: Database) -> None:
    clock = ManualClock(NOW)
    members = service(database, clock)
    await members.register(Profile(telegram_id=10, chat_id=10, first_name="Old", username="a"))
    clock.advance(timedelta(days=1))
    again = await members.register(
        Profile(telegram_id=10, chat_id=10, first_name="New", username=None)
    )
    assert not again.created
    assert again.member.first_name == "New"
    assert again.member.username is None
    assert again.member.created_at == NOW


async def test_overlong_profile_fields_are_clipped(database: Database) -> None:
    members = service(database, ManualClock(NOW))
    registration = await members.register(
        Profile(telegram_id=11, chat_id=11, first_name="é" * 300, language_code="x" * 40)
    )
    assert len(registration.member.first_name) == 128
