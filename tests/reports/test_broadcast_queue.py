"""Queueing a broadcast in chunks, off the Send button: confirm only marks it,
`queue` writes the audience chunk by chunk, resumes after a crash, never
doubles a row with two queuers at once, and stops when cancelled."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.db.models import Broadcast, Checkin, Cohort, Member, Outbox
from bot.db.session import Database
from bot.db.status import BroadcastStatus, OutboxStatus
from bot.services.broadcasts import Audience, BroadcastService
from bot.services.stats import StatsService

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
COMMUNITY = 260  # onboarded and active; plus the ones below who are left out


async def fill(db: Database) -> dict[str, list[int]]:
    """Active onboarded members in two zones and two cohorts, plus members who
    never finished onboarding, paused ones and ones who left."""
    async with db.sessions.begin() as session:
        await session.execute(
            insert(Cohort),
            [{"name": n, "code": n, "created_at": NOW} for n in ("North", "South")],
        )
        rows = []
        for n in range(COMMUNITY + 30):
            kind = "onboarded" if n < COMMUNITY else ("new", "paused", "left")[n % 3]
            rows.append(
                {
                    "telegram_id": 70_000 + n,
                    "chat_id": 70_000 + n,
                    "first_name": f"P{n}",
                    "timezone": "Pacific/Kiritimati" if n % 2 else "America/Los_Angeles",
                    "reminder_time": time(7),
                    "program_id": None if kind == "new" else "defy-gravity",
                    "program_start": None if kind == "new" else date(2026, 3, 1),
                    "status": {"paused": "paused", "left": "left"}.get(kind, "active"),
                    "role": "member",
                    "cohort_id": 1 + n % 2,
                    "created_at": NOW - timedelta(days=20),
                    "updated_at": NOW,
                }
            )
        await session.execute(insert(Member), rows)
        ids = dict((await session.execute(select(Member.telegram_id, Member.id))).all())
        # Every third member checked in 2 local days ago, every fifth today.
        checkins = []
        for n in range(COMMUNITY):
            member_id = ids[70_000 + n]
            zone_today = date(2026, 3, 11) if n % 2 else date(2026, 3, 10)
            for back, every in ((2, 3), (0, 5)):
                if n % every == 0:
                    checkins.append(
                        {
                            "member_id": member_id,
                            "local_date": zone_today - timedelta(days=back),
                            "status": "done",
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                    )
        await session.execute(insert(Checkin), checkins)
    return {"onboarded": [ids[70_000 + n] for n in range(COMMUNITY)]}


async def rows_of(db: Database, broadcast_id: int) -> list[int]:
    async with db.sessions() as session:
        return list(
            await session.scalars(
                select(Outbox.member_id).where(Outbox.broadcast_id == broadcast_id)
            )
        )


async def confirmed(service: BroadcastService, audience: Audience) -> int:
    broadcast_id = await service.draft(1, 1, text="Hello")
    await service.choose(broadcast_id, 1, audience)
    view = await service.confirm(broadcast_id, 1)
    assert view.status == BroadcastStatus.QUEUEING
    return broadcast_id


async def test_confirm_only_marks_and_queue_writes_everyone_once(database: Database) -> None:
    members = await fill(database)
    service = BroadcastService(database.sessions, ManualClock(NOW))
    broadcast_id = await confirmed(service, Audience("all"))
    assert await rows_of(database, broadcast_id) == []  # nothing written by Send
    assert await service.queue(broadcast_id, chunk=64) == COMMUNITY
    got = await rows_of(database, broadcast_id)
    assert sorted(got) == sorted(members["onboarded"])  # never the new, paused or left
    view = await service.view(broadcast_id)
    assert (view.status, view.total) == (BroadcastStatus.SENDING, COMMUNITY)
    assert await service.queue(broadcast_id) == 0  # again: nothing more


async def test_queueing_resumes_after_a_crash(database: Database) -> None:
    await fill(database)
    clock = ManualClock(NOW)
    first = BroadcastService(database.sessions, clock)
    broadcast_id = await confirmed(first, Audience("all"))
    for _ in range(2):
        step = await first.queue_chunk(broadcast_id, chunk=50)
        assert (step.queued, step.finished) == (50, False)
    async with database.sessions() as session:
        row = await session.get(Broadcast, broadcast_id)
        assert row is not None
        through = row.queued_through
    assert through == sorted(await rows_of(database, broadcast_id))[-1]
    # The process dies here; the next one's monitor finds the broadcast queueing.
    clock.advance(timedelta(minutes=5))
    second = BroadcastService(database.sessions, clock)
    assert await second.resume_due() == [broadcast_id]
    got = await rows_of(database, broadcast_id)
    assert len(got) == len(set(got)) == COMMUNITY
    assert (await second.view(broadcast_id)).total == COMMUNITY


async def test_two_queuers_at_once_write_each_row_once(database: Database) -> None:
    await fill(database)
    clock = ManualClock(NOW)
    one, two = (
        BroadcastService(database.sessions, clock),
        BroadcastService(database.sessions, clock),
    )
    broadcast_id = await confirmed(one, Audience("all"))
    results = await asyncio.gather(
        one.queue(broadcast_id, chunk=20), two.queue(broadcast_id, chunk=20)
    )
    assert sum(results) == COMMUNITY
    got = await rows_of(database, broadcast_id)
    assert len(got) == len(set(got)) == COMMUNITY
    # In one process, a second call while the first runs returns at once.
    again = await confirmed(one, Audience("all"))
    both = await asyncio.gather(one.queue(again, chunk=20), one.queue(again, chunk=20))
    assert sorted(both) == [0, COMMUNITY]


async def test_a_cancel_stops_queueing(database: Database) -> None:
    await fill(database)
    service = BroadcastService(database.sessions, ManualClock(NOW))
    broadcast_id = await confirmed(service, Audience("all"))
    await service.queue_chunk(broadcast_id, chunk=40)
    await service.cancel(broadcast_id, 1)
    assert await service.queue(broadcast_id) == 0
    async with database.sessions() as session:
        statuses = dict(
            (
                await session.execute(
                    select(Outbox.status, func.count())
                    .where(Outbox.broadcast_id == broadcast_id)
                    .group_by(Outbox.status)
                )
            ).all()
        )
    assert statuses == {OutboxStatus.CANCELLED: 40}


async def test_audiences_by_local_date_and_their_counts(
    database: Database, catalog: Catalog
) -> None:
    members = await fill(database)
    clock = ManualClock(NOW)
    await StatsService(database.sessions, clock, catalog).refresh_stale(None)
    service = BroadcastService(database.sessions, clock)
    onboarded = members["onboarded"]
    # Today is 10 March in Los Angeles (even n) and 11 March in Kiritimati (odd n).
    today = {onboarded[n] for n in range(COMMUNITY) if n % 5 == 0}
    recent = today | {onboarded[n] for n in range(COMMUNITY) if n % 3 == 0}
    everyone = set(onboarded)
    sizes = {
        "all": everyone,
        "t": everyone - today,
        "i3": everyone - recent,  # none joined less than 3 days ago
        "i7": everyone - recent,
        "i14": everyone - recent,
        "c1": {onboarded[n] for n in range(0, COMMUNITY, 2)},
        "c2": {onboarded[n] for n in range(1, COMMUNITY, 2)},
    }
    # A check-in 2 local days ago is inactive for 2 days, not for 3.
    two = {m for m, _ in await service.recipients(Audience("inactive", days=2))}
    assert two == everyone - today
    for token, want in sizes.items():
        audience = Audience.parse(token)
        assert audience is not None
        assert {m for m, _ in await service.recipients(audience)} == want, token
    counts = await service.counts([(1, "North"), (2, "South"), (3, "Empty")])
    assert counts == {**{k: len(v) for k, v in sizes.items()}, "c3": 0}
    # A scheduled audience is evaluated when queueing starts, chunk after chunk.
    broadcast_id = await confirmed(service, Audience("not_today"))
    assert sorted(await rows_of(database, broadcast_id)) == []
    await service.queue(broadcast_id, chunk=7)
    assert set(await rows_of(database, broadcast_id)) == sizes["t"]
