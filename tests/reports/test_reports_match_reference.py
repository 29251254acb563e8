"""Trainers' numbers equal the reference, on both engines, for random histories
made through the real services: members in DST and far-east/far-west zones,
check-ins (today and yesterday, done and skipped, rated and noted), pauses
(timed and open), resumes, program switches, stops, the clock moving across
midnights and DST changes. The reference is the code of 5fe88c0 (every
calendar built in Python with `Calendar`, tests/reports/legacy.py).

Checked: stored figures that claim to be for today right after the actions
(kept in the same transaction), then everyone after `refresh_stale`; /stats for
everyone and per cohort; the roster; every audience and the button counts.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text

from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.db.base import Base
from bot.db.member_stats import Figures
from bot.db.models import Cohort, Member, MemberStats
from bot.db.session import Database
from bot.services.broadcasts import Audience, BroadcastService
from bot.services.checkins import CheckinService
from bot.services.members import MemberService, Profile
from bot.services.preferences import PreferencesService
from bot.services.stats import StatsService
from tests.kit.db import run_in_own_loop
from tests.reports.legacy import LegacyAudiences, LegacyStats

ZONES = [
    "Europe/Berlin",  # DST on 2026-03-29
    "America/New_York",  # DST on 2026-03-08
    "Pacific/Kiritimati",  # UTC+14
    "Etc/GMT+12",  # UTC-12
    "Pacific/Pago_Pago",  # UTC-11
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # half-hour DST, ends 2026-04-05
]
PROGRAMS = ["defy-gravity", "beginner-basics"]
START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
EXAMPLES = int(os.environ.get("REPORTS_PROPERTY_EXAMPLES", "12"))


@dataclass
class World:
    db: Database
    clock: ManualClock
    members: MemberService
    preferences: PreferencesService
    checkins: CheckinService
    stats: StatsService
    broadcasts: BroadcastService
    legacy: LegacyStats
    legacy_audiences: LegacyAudiences


member_setup = st.tuples(
    st.sampled_from(ZONES),
    st.sampled_from(PROGRAMS),
    st.booleans(),  # onboarded
    st.sampled_from([None, "A", "B"]),  # cohort
    st.integers(0, 23),  # session hour
)
action = st.one_of(
    st.tuples(
        st.just("checkin"),
        st.integers(0, 5),
        st.sampled_from([0, 0, 0, 1]),
        st.sampled_from(["done", "done", "skipped"]),
    ),
    st.tuples(st.just("rate"), st.integers(0, 5), st.integers(1, 5)),
    st.tuples(st.just("note"), st.integers(0, 5)),
    st.tuples(st.just("pause"), st.integers(0, 5), st.sampled_from([None, 1, 3, 7])),
    st.tuples(st.just("resume"), st.integers(0, 5)),
    st.tuples(st.just("program"), st.integers(0, 5), st.sampled_from(PROGRAMS)),
    st.tuples(st.just("stop"), st.integers(0, 5)),
    st.tuples(st.just("advance"), st.integers(1, 40)),  # hours
)


async def play(
    world: World, setups: list[tuple[Any, ...]], actions: list[tuple[Any, ...]]
) -> list[int]:
    async with world.db.sessions.begin() as session:
        await session.execute(
            insert(Cohort),
            [
                {"name": name, "code": f"code{name}", "created_at": START}
                for name in ("A", "B", "C")
            ],
        )
    ids = []
    for n, (zone, program, onboarded, cohort, hour) in enumerate(setups):
        tid = 5_000 + n
        ids.append(tid)
        await world.members.register(Profile(tid, tid, f"M{n}", username=f"m{n}"))
        if cohort:
            await world.preferences.join_cohort(tid, f"code{cohort}")
        if onboarded:
            await world.preferences.choose_program(tid, program)
            await world.preferences.set_timezone(tid, zone)
            await world.preferences.set_reminder_time(tid, time(hour, 0))
    for act in actions:
        kind = act[0]
        if kind == "advance":
            world.clock.advance(timedelta(hours=act[1]))
            await world.preferences.resume_finished_pauses()  # what the tick does
            continue
        tid = ids[act[1] % len(ids)]
        member = await world.members.get(tid)
        assert member is not None
        today = world.checkins.today(member)
        if kind == "checkin":
            await world.checkins.record(tid, today - timedelta(days=act[2]), act[3])
        elif kind == "rate":
            await world.checkins.rate(tid, today, act[2])
        elif kind == "note":
            await world.checkins.add_note(tid, today, "=felt strong")
        elif kind == "pause":
            await world.preferences.pause(tid, act[2])
        elif kind == "resume":
            await world.preferences.resume(tid)
        elif kind == "program" and member.onboarded:
            await world.preferences.choose_program(tid, act[2])
        elif kind == "stop":
            await world.preferences.stop(tid)
        # Figures that claim to be for today are right after every change.
        await check_figures(world, only_fresh=True)
    return ids


async def stored(world: World) -> dict[int, MemberStats]:
    async with world.db.sessions() as session:
        return {row.member_id: row for row in await session.scalars(select(MemberStats))}


async def check_figures(world: World, *, only_fresh: bool) -> None:
    rows = await stored(world)
    checked = 0
    for ref in await world.legacy.members():
        row = rows.get(ref.member.id)
        today = world.checkins.today(ref.member)
        if row is None or row.as_of != today:
            assert only_fresh, f"member {ref.member.id} has no figures for {today}"
            continue
        figures = Figures.from_row(row)
        assert figures is not None
        got = (
            figures.current_streak,
            figures.longest_streak,
            figures.total_done,
            figures.adherence_7,
            figures.adherence_30,
            figures.program_day,
            figures.last_checkin,
            figures.streak_start,
        )
        want = (
            ref.progress.current_streak,
            ref.progress.longest_streak,
            ref.progress.total_done,
            ref.progress.adherence_7,
            ref.progress.adherence_30,
            ref.program_day,
            ref.last_checkin,
            ref.progress.streak_start,
        )
        assert got == want, ref.member
        checked += 1
    if not only_fresh:
        assert checked == len(rows) or checked >= 1


async def check_reports(world: World, cohort_ids: dict[str, int]) -> None:
    scopes: list[int | None] = [None, *cohort_ids.values()]
    for cohort_id in scopes:
        new = await world.stats.community(cohort_id, "x")
        old = await world.legacy.community(cohort_id, "x")
        assert new.stale == 0
        assert new.by_status == old.by_status
        assert new.checked_in_today == old.checked_in_today
        assert new.adherence_7 == pytest.approx(old.adherence_7)
        assert new.adherence_30 == pytest.approx(old.adherence_30)
        assert new.top_streaks == old.top_streaks
        assert [name for name, _, _ in new.at_risk] == [name for name, _, _ in old.at_risk]
        assert [(s, t) for _, s, t in new.at_risk] == pytest.approx(
            [(s, t) for _, s, t in old.at_risk]
        )
        assert new.daily_done == old.daily_done
        new_rows = list(
            csv.DictReader(
                io.StringIO((await world.stats.roster_csv(cohort_id)).decode("utf-8-sig"))
            )
        )
        old_rows = list(
            csv.DictReader(
                io.StringIO((await world.legacy.roster_csv(cohort_id)).decode("utf-8-sig"))
            )
        )
        same = (
            "name",
            "username",
            "cohort",
            "program",
            "program_day",
            "current_streak",
            "last_checkin",
            "status",
        )
        assert [{k: r[k] for k in same} for r in new_rows] == [
            {k: r[k] for k in same} for r in old_rows
        ]
        # The file /roster sends is the same CSV, also when written a few rows at a time.
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "roster.csv"
            written = await world.stats.write_roster(path, cohort_id, batch=2)
            assert await asyncio.to_thread(path.read_bytes) == await world.stats.roster_csv(
                cohort_id
            )
        assert written == len(new_rows)


async def check_audiences(world: World, cohort_ids: dict[str, int]) -> None:
    async with world.db.sessions() as session:
        onboarded = set(
            await session.scalars(
                select(Member.id).where(
                    Member.program_id.is_not(None), Member.program_start.is_not(None)
                )
            )
        )
    audiences = [
        Audience("all"),
        Audience("not_today"),
        *[Audience("inactive", days=d) for d in (1, 3, 7, 14)],
        *[Audience("cohort", cohort_id=c) for c in cohort_ids.values()],
    ]
    for audience in audiences:
        new = await world.broadcasts.recipients(audience)
        old = await world.legacy_audiences.recipients(audience)
        if audience.kind in ("all", "cohort"):  # now only those who finished onboarding
            old = [r for r in old if r[0] in onboarded]
        assert new == old, audience
        assert await world.broadcasts.size(audience) == len(new)
    cohorts = [(c, name) for name, c in cohort_ids.items()]
    counts = await world.broadcasts.counts(cohorts)
    old_counts = await world.legacy_audiences.counts(cohorts)
    for key in ("i3", "i7", "i14", "t"):
        assert counts[key] == old_counts[key], key
    assert counts["all"] == len(await world.broadcasts.recipients(Audience("all")))
    for cohort_id, _ in cohorts:
        size = len(await world.broadcasts.recipients(Audience("cohort", cohort_id=cohort_id)))
        assert counts[f"c{cohort_id}"] == size


async def scenario(
    url: str, catalog: Catalog, setups: list[tuple[Any, ...]], actions: list[tuple[Any, ...]]
) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(table.delete())
            if db.dialect == "postgresql":
                await conn.execute(text("ALTER SEQUENCE members_id_seq RESTART"))
        clock = ManualClock(START)
        members = MemberService(
            db.sessions, clock, default_timezone="UTC", default_reminder_time=time(7)
        )
        world = World(
            db,
            clock,
            members,
            PreferencesService(db.sessions, clock, catalog.programs),
            CheckinService(db.sessions, clock, catalog),
            StatsService(db.sessions, clock, catalog),
            BroadcastService(db.sessions, clock),
            LegacyStats(db.sessions, clock, catalog),
            LegacyAudiences(db.sessions, clock),
        )
        await play(world, setups, actions)
        # The date rolls over for some members; the refresh brings everyone to today.
        clock.advance(timedelta(hours=7))
        await world.stats.refresh_stale(None, chunk=2)
        await check_figures(world, only_fresh=False)
        async with db.sessions() as session:
            cohort_ids = dict((await session.execute(select(Cohort.name, Cohort.id))).all())
        await check_reports(world, cohort_ids)
        await check_audiences(world, cohort_ids)
    finally:
        await db.dispose()


def test_reports_equal_the_reference(db_url: str, catalog: Catalog) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        setups=st.lists(member_setup, min_size=1, max_size=6),
        actions=st.lists(action, max_size=45),
    )
    def example(setups: list[tuple[Any, ...]], actions: list[tuple[Any, ...]]) -> None:
        run_in_own_loop(scenario(db_url, catalog, setups, actions))

    example()


def test_a_long_history_across_both_dst_changes(db_url: str, catalog: Catalog) -> None:
    """Six weeks of mostly-done days in every zone, a pause and a switch."""
    setups = [(zone, PROGRAMS[n % 2], True, "AB"[n % 2], 6 + n) for n, zone in enumerate(ZONES)]
    actions: list[tuple[Any, ...]] = []
    for day in range(42):
        for n in range(len(ZONES)):
            if (day + n) % 5:
                actions.append(("checkin", n, 0, "done" if (day * n) % 7 else "skipped"))
        if day == 10:
            actions.append(("pause", 2, 3))
        if day == 20:
            actions.append(("program", 3, "defy-gravity"))
        actions.append(("advance", 24))
    run_in_own_loop(scenario(db_url, catalog, setups, actions))


def test_unknown_day_is_one_the_reference_agrees_on() -> None:
    """`Figures.adherence_*` is None with nothing scheduled, like Progress."""
    figures = Figures(date(2026, 3, 1), 0, 0, None, 0, 0, 0, 0, 0, None, None, None, None)
    assert figures.adherence_7 is None
    assert figures.adherence_30 is None
