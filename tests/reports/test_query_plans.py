"""Plans of the hot trainer queries: a view of one cohort never reads all
check-ins (PostgreSQL: no sequential scan of checkins; SQLite: no walk of the
(status, local date) index, which holds everyone's done days). (member_stats,
one small row per member, may be hashed whole at this size; at 100,000
members the planner probes it by primary key.)

Every statement the services really send is captured and EXPLAINed with its
own parameters, on a community big enough for the planner to prefer indexes
where they exist (3,000 members in 30 cohorts, 28 days of check-ins each).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text

from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.db.base import Base
from bot.db.models import Checkin, Cohort, Member, ProgramRun
from bot.db.session import Database
from bot.services.broadcasts import Audience, BroadcastService
from bot.services.stats import StatsService
from tests.conftest import _truncate

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
MEMBERS, COHORTS, DAYS = 3000, 30, 28


async def fill(db: Database) -> None:
    rng = random.Random(3)
    start = date(2026, 3, 2)
    async with db.engine.begin() as conn:
        await conn.execute(
            insert(Cohort),
            [{"name": f"C{n}", "code": f"c{n}", "created_at": NOW} for n in range(COHORTS)],
        )
        await conn.execute(
            insert(Member),
            [
                {
                    "telegram_id": 1_000 + n, "chat_id": 1_000 + n, "first_name": f"M{n}",
                    "timezone": rng.choice(["Europe/Berlin", "Asia/Tokyo", "America/Chicago"]),
                    "reminder_time": time(7), "program_id": "defy-gravity",
                    "program_start": start, "status": "active", "role": "member",
                    "cohort_id": 1 + n % COHORTS, "created_at": NOW - timedelta(days=40),
                    "updated_at": NOW,
                }
                for n in range(MEMBERS)
            ],
        )  # fmt: skip
        ids = list((await conn.execute(select(Member.id))).scalars())
        await conn.execute(
            insert(ProgramRun),
            [{"member_id": i, "program_id": "defy-gravity", "start_date": start} for i in ids],
        )
        rows = [
            {"member_id": i, "local_date": start + timedelta(days=d), "status": "done",
             "created_at": NOW, "updated_at": NOW}
            for i in ids
            for d in range(DAYS)
            if rng.random() < 0.8
        ]  # fmt: skip
        for first in range(0, len(rows), 20_000):
            await conn.execute(insert(Checkin), rows[first : first + 20_000])


@pytest.fixture
async def community(postgres_url: str) -> AsyncIterator[Database]:
    db = Database(postgres_url)
    await fill(db)
    try:
        yield db
    finally:
        await db.dispose()
        await _truncate(postgres_url)  # the run's database is shared by the suite


@pytest.fixture
async def sqlite_community(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'plans.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await fill(db)
    try:
        yield db
    finally:
        await db.dispose()


async def plans_of(db: Database, action: Any) -> list[str]:
    """Run `action`, then EXPLAIN every statement it sent; the plans."""
    sent: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not many:
            sent.append((statement, params))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        await action()
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)
    plans = []
    explain = "EXPLAIN QUERY PLAN" if db.dialect == "sqlite" else "EXPLAIN"
    async with db.engine.connect() as conn:
        for statement, params in sent:
            rows = await conn.exec_driver_sql(f"{explain} {statement}", params)
            plans.append(statement + "\n" + "\n".join(str(r[-1]) for r in rows))
    assert plans, "nothing was captured"
    return plans


# SQLite's statistics of the benchmark's community (100,000 members in 20
# cohorts, 2.3 M check-ins): with these, SQLite plans as it does at that size.
SQLITE_STAT1_AT_SCALE = [
    ("members", "ix_members_status_next_reminder_at", "100000 25000 25000"),
    ("members", "ix_members_timezone", "100000 7143"),
    ("members", "ix_members_cohort_id", "100000 4762"),
    ("members", "sqlite_autoindex_members_1", "100000 1"),
    ("checkins", "ix_checkins_status_local_date", "2337450 1168725 41741"),
    ("checkins", "sqlite_autoindex_checkins_1", "2337450 25 1"),
]


async def cohort_plans(db: Database, catalog: Catalog, *, at_scale: bool = False) -> list[str]:
    """The plans of every statement of one cohort's /stats, /roster and audience."""
    clock = ManualClock(NOW)
    stats = StatsService(db.sessions, clock, catalog)
    broadcasts = BroadcastService(db.sessions, clock)
    await stats.refresh_stale(None, chunk=1000)
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
        if at_scale:
            for table, index, stat in SQLITE_STAT1_AT_SCALE:
                await conn.execute(
                    text("UPDATE sqlite_stat1 SET stat = :stat WHERE tbl = :t AND idx = :i"),
                    {"stat": stat, "t": table, "i": index},
                )
    await db.engine.dispose()  # new connections read the statistics

    async def cohort_views() -> None:
        await stats.community(7, "C6")
        async for _ in stats.roster_rows(7):
            pass
        for audience in (Audience("cohort", cohort_id=7),):
            await broadcasts.recipients(audience)
            await broadcasts.size(audience)

    return await plans_of(db, cohort_views)


@pytest.mark.postgres
async def test_one_cohort_never_scans_checkins(community: Database, catalog: Catalog) -> None:
    plans = await cohort_plans(community, catalog)
    for plan in plans:
        assert "Seq Scan on checkins" not in plan, plan
    chart = [p for p in plans if "checkins" in p]
    assert chart, "the daily chart was not among the statements"
    assert any("ix_checkins" in p or "uq_checkins" in p for p in chart), chart


async def test_one_cohort_reads_only_its_check_ins_on_sqlite(
    sqlite_community: Database, catalog: Catalog
) -> None:
    """The chart of a cohort starts from the cohort's members and reads their
    days through the (member, local date) unique index, also with the
    statistics of 100,000 members (where a join walked everyone's done days)."""
    plans = await cohort_plans(sqlite_community, catalog, at_scale=True)
    chart = [p for p in plans if "FROM checkins" in p]
    assert len(chart) == 1, plans
    assert "ix_checkins_status_local_date" not in chart[0], chart[0]
    assert "SCAN checkins" not in chart[0], chart[0]
    assert "SEARCH checkins USING INDEX sqlite_autoindex_checkins_1 (member_id=?" in chart[0]
