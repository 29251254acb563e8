"""Migration 0005 gives existing members a member_stats row with what SQL can
tell (last check-in, last effort, last note, total done) and no `as_of`, so the
first refresh computes their streaks; on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import DateTime, Integer, Text, bindparam, select, text
from sqlalchemy.sql.elements import BindParameter

from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.db.migrate import upgrade
from bot.db.models import MemberStats
from bot.db.session import Database
from bot.services.stats import StatsService
from tests.kit.db import postgres_admin_url, run_in_own_loop, temporary_postgres_database

NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'backfill.db'}"
        return
    admin = postgres_admin_url()
    assert admin is not None
    with temporary_postgres_database(admin, prefix="bootcamp_backfill") as url:
        yield url


def stamp() -> BindParameter[datetime]:
    return bindparam("now", NOW, type_=DateTime(timezone=True))


async def seed(url: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO members (id, telegram_id, chat_id, first_name, timezone,"
                    " reminder_time, program_id, program_start, status, role, created_at,"
                    " updated_at) VALUES (1, 11, 11, 'Ann', 'Asia/Tokyo', '07:30:00',"
                    " 'defy-gravity', :start, 'active', 'member', :now, :now),"
                    " (2, 12, 12, 'Bo', 'UTC', '07:30:00', NULL, NULL, 'active', 'member',"
                    " :now, :now)"
                ).bindparams(stamp(), start=date(2026, 3, 2))
            )
            await conn.execute(
                text(
                    "INSERT INTO program_runs (member_id, program_id, start_date)"
                    " VALUES (1, 'defy-gravity', :start)"
                ).bindparams(start=date(2026, 3, 2))
            )
            for day, status, effort, note in (
                (2, "done", 4, None),
                (3, "done", None, "sore"),
                (4, "skipped", None, None),
                (5, "done", 2, None),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO checkins (member_id, local_date, status, effort, note,"
                        " created_at, updated_at) VALUES (1, :day, :status, :effort, :note,"
                        " :now, :now)"
                    ).bindparams(
                        stamp(),
                        bindparam("effort", effort, type_=Integer()),
                        bindparam("note", note, type_=Text()),
                        day=date(2026, 3, day),
                        status=status,
                    )
                )
    finally:
        await db.dispose()


async def check(url: str, catalog: Catalog) -> None:
    db = Database(url)
    try:
        async with db.sessions() as session:
            rows = {r.member_id: r for r in await session.scalars(select(MemberStats))}
        ann, bo = rows[1], rows[2]
        assert (ann.as_of, ann.last_checkin, ann.last_effort, ann.last_note_date) == (
            None,
            date(2026, 3, 5),
            2,
            date(2026, 3, 3),
        )
        assert ann.total_done == 3
        assert (bo.as_of, bo.last_checkin, bo.total_done) == (None, None, 0)
        assert await StatsService(db.sessions, ManualClock(NOW), catalog).refresh_stale() == 2
        async with db.sessions() as session:
            ann = await session.get(MemberStats, 1)  # type: ignore[assignment]
        assert ann is not None
        assert ann.as_of == date(2026, 3, 6)  # Tokyo
        # The skip on day 3 broke the streak; day 4 is a rest day, today (5) pending.
        assert (ann.current_streak, ann.longest_streak) == (0, 2)
    finally:
        await db.dispose()


def test_existing_members_get_figures(empty_url: str, catalog: Catalog) -> None:
    upgrade(empty_url, "0004")
    run_in_own_loop(seed(empty_url))
    upgrade(empty_url, "head")
    run_in_own_loop(check(empty_url, catalog))
