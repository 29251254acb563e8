"""When a daily reminder at local wall time T in zone Z is due (bot.services.schedule).

The rules under test:
- it fires once per local calendar date, at T;
- on a spring-forward date where T does not exist, it fires at the first valid
  minute after T (the end of the gap);
- on a fall-back date where T happens twice, it fires at the first one only.

The property tests compare the module against an independent, brute-force oracle:
walk UTC minute by minute and take the first instant whose local wall clock reads T
or later. Half the examples are drawn near a real DST transition of the chosen zone,
so gaps and folds are exercised on every run, not only by luck.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.services.schedule import (
    GRACE,
    latest_occurrence,
    local_date,
    next_occurrence,
    occurrence_on,
)

ZONES = (
    "Europe/Berlin",
    "Europe/London",
    "Europe/Dublin",  # negative DST in the tz database (winter is the "saving" time)
    "Europe/Chisinau",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",  # dropped DST in 2019
    "America/Santiago",  # transitions at local midnight
    "America/Havana",  # transitions at local midnight
    "America/Asuncion",
    "America/St_Johns",  # -03:30 / -02:30
    "America/Nuuk",  # changed its rules in 2023
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Auckland",
    "Pacific/Kiritimati",  # +14
    "Asia/Tehran",  # dropped DST in 2022
    "Asia/Gaza",  # irregular rules
    "Asia/Beirut",  # transitions at local midnight
    "Africa/Casablanca",  # a backward "DST" every Ramadan
    "Africa/Cairo",  # DST reintroduced in 2023
    "Antarctica/Troll",  # two-hour DST
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Kathmandu",  # +05:45
    "UTC",
    "Etc/GMT-14",
    "Etc/GMT+12",
)

LOW = datetime(2020, 1, 1, tzinfo=UTC)
HIGH = datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC)
ONE_MINUTE = timedelta(minutes=1)


# -- an independent model of the rules ---------------------------------------------------
def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock reading at `instant`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def oracle(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The first UTC minute whose local wall clock reads `day` `at` or later.

    That is T itself when T exists (its first occurrence when it exists twice), and
    the end of the gap when it does not: exactly the documented rule.
    """
    target = datetime.combine(day, at)
    # Start well before the target: the zone's offset at the target minus four hours
    # (no transition in 2020-2030 moves a clock by more than two).
    offset = zone.utcoffset(target)
    assert offset is not None
    probe = target.replace(tzinfo=UTC) - offset - timedelta(hours=4)
    assert _wall(probe, zone) < target, "oracle must start before the target"
    for _ in range(12 * 60):
        if _wall(probe, zone) >= target:
            return probe
        probe += ONE_MINUTE
    raise AssertionError(f"oracle found no instant for {target} in {zone.key}")


def _transitions(zone: ZoneInfo) -> list[tuple[datetime, timedelta, timedelta]]:
    """(instant, offset before, offset after) for every UTC-offset change in 2020-2030."""
    found = []
    day = LOW - timedelta(days=3)
    offset = day.astimezone(zone).utcoffset()
    while day < HIGH + timedelta(days=3):
        following = day + timedelta(days=1)
        new_offset = following.astimezone(zone).utcoffset()
        if new_offset != offset:
            lo, hi = day, following  # offset(lo) == old, offset(hi) == new
            while hi - lo > ONE_MINUTE:
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid.astimezone(zone).utcoffset() == offset:
                    lo = mid
                else:
                    hi = mid
            assert offset is not None
            assert new_offset is not None
            found.append((hi, offset, new_offset))
        day, offset = following, new_offset
    return found


TRANSITIONS = {name: _transitions(ZoneInfo(name)) for name in ZONES}

# Spring-forward gaps that run across local midnight: America/Nuuk jumps from 23:00
# on the Saturday before the EU change straight to 00:00 on Sunday (2024 onwards). There
# the module fires at the last minute before the gap (one session per local date wins),
# which the oracle's "first minute at or after" rule does not model; the oracle-based
# properties leave exactly these combinations out, and a dedicated test covers them.
MIDNIGHT_GAPS = {
    (name, (instant + before).date()): (instant + before).time()
    for name, found in TRANSITIONS.items()
    for instant, before, after in found
    if after > before and (instant + before).date() != (instant + after).date()
}


def _crosses_midnight(zone: ZoneInfo, at: time, days: list[date]) -> bool:
    for day in days:
        start = MIDNIGHT_GAPS.get((zone.key, day))
        if start is not None and at >= start:
            return True
    return False


# -- strategies ----------------------------------------------------------------------------
zones = st.sampled_from(ZONES).map(ZoneInfo)
wall_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
instants = st.datetimes(
    min_value=LOW.replace(tzinfo=None),
    max_value=HIGH.replace(tzinfo=None),
    timezones=st.just(UTC),
)


@dataclass(frozen=True)
class Case:
    zone: ZoneInfo
    at: time
    instant: datetime

    def __repr__(self) -> str:  # readable falsifying examples
        return f"Case({self.zone.key!r}, {self.at:%H:%M}, {self.instant.isoformat()})"


@st.composite
def near_transition(draw: st.DrawFn) -> Case:
    """A zone, a wall time close to one of its gaps or folds, an instant close to it."""
    name = draw(st.sampled_from([n for n in ZONES if TRANSITIONS[n]]))
    zone = ZoneInfo(name)
    instant, before, after = draw(st.sampled_from(TRANSITIONS[name]))
    edge = draw(st.sampled_from([before, after]))  # wall reading just before / after
    wall = instant.replace(tzinfo=None) + edge + timedelta(minutes=draw(st.integers(-90, 90)))
    shift = timedelta(minutes=draw(st.integers(-48 * 60, 48 * 60)))
    jitter = timedelta(seconds=draw(st.integers(0, 59)))
    return Case(zone, wall.time().replace(second=0, microsecond=0), instant + shift + jitter)


cases = st.one_of(st.builds(Case, zones, wall_times, instants), near_transition())
fast = settings(max_examples=300, deadline=None)


def _is_utc(instant: datetime) -> bool:
    return instant.tzinfo is not None and instant.utcoffset() == timedelta(0)


# -- properties ---------------------------------------------------------------------------
@fast
@given(cases)
def test_occurrence_on_follows_the_rules(case: Case) -> None:
    day = local_date(case.instant, case.zone)
    assume(not _crosses_midnight(case.zone, case.at, [day]))
    got = occurrence_on(day, case.at, case.zone)
    assert _is_utc(got)
    assert got == oracle(day, case.at, case.zone)
    wall = _wall(got, case.zone)
    target = datetime.combine(day, case.at)
    if wall == target:
        # T exists: the first of its (one or two) occurrences.
        assert not any(_wall(got - ONE_MINUTE * k, case.zone) == target for k in range(1, 181))
    else:
        # T does not exist: the end of a spring-forward gap on that very date.
        assert wall > target
        assert wall.date() == day
        before = got - ONE_MINUTE
        assert _wall(before, case.zone) < target
        # ...where the clock jumps forward at exactly that instant.
        assert (got, True) in {(t, new > old) for t, old, new in TRANSITIONS[case.zone.key]}


@fast
@given(cases)
def test_next_occurrence_is_the_first_one_strictly_after(case: Case) -> None:
    after, zone, at = case.instant, case.zone, case.at
    start = local_date(after, zone)
    assume(not _crosses_midnight(zone, at, [start + timedelta(days=k) for k in range(-1, 3)]))
    got = next_occurrence(after, at, zone)
    assert _is_utc(got)
    assert got > after
    assert got - after <= timedelta(hours=48)
    day = local_date(got, zone)
    assert occurrence_on(day, at, zone) == got
    # No occurrence strictly between `after` and the answer, by the independent model.
    expected = [oracle(start + timedelta(days=k), at, zone) for k in range(-1, 3)]
    assert got == min(o for o in expected if o > after)
    assert not any(after < o < got for o in expected)


@fast
@given(cases)
def test_next_occurrence_does_not_depend_on_the_tzinfo_of_after(case: Case) -> None:
    for other in (case.zone, ZoneInfo("Asia/Kolkata"), ZoneInfo("America/Los_Angeles")):
        assert next_occurrence(
            case.instant.astimezone(other), case.at, case.zone
        ) == next_occurrence(case.instant, case.at, case.zone)


@fast
@given(cases)
def test_ten_occurrences_fall_on_ten_consecutive_local_dates(case: Case) -> None:
    zone, at = case.zone, case.at
    start = local_date(case.instant, zone)
    assume(not _crosses_midnight(zone, at, [start + timedelta(days=k) for k in range(-1, 12)]))
    current = case.instant
    seen: list[datetime] = []
    for _ in range(10):
        current = next_occurrence(current, at, zone)
        seen.append(current)
    assert all(a < b for a, b in pairwise(seen))
    days = [local_date(o, zone) for o in seen]
    assert days == [days[0] + timedelta(days=k) for k in range(10)]
    assert [occurrence_on(d, at, zone) for d in days] == seen


@fast
@given(cases)
def test_latest_occurrence_is_the_last_one_at_or_before(case: Case) -> None:
    until, zone, at = case.instant, case.zone, case.at
    start = local_date(until, zone)
    assume(not _crosses_midnight(zone, at, [start + timedelta(days=k) for k in range(-2, 2)]))
    got, day = latest_occurrence(until, at, zone)
    assert _is_utc(got)
    assert got <= until
    assert until - got <= timedelta(hours=48)
    assert next_occurrence(got, at, zone) > until
    assert day == local_date(got, zone)
    assert occurrence_on(day, at, zone) == got
    expected = [oracle(start + timedelta(days=k), at, zone) for k in range(-2, 2)]
    assert got == max(o for o in expected if o <= until)


@fast
@given(cases)
def test_latest_and_next_bracket_every_instant(case: Case) -> None:
    latest, _ = latest_occurrence(case.instant, case.at, case.zone)
    following = next_occurrence(case.instant, case.at, case.zone)
    assert latest <= case.instant < following
    assert next_occurrence(latest, case.at, case.zone) == following


def test_the_oracle_meets_every_transition() -> None:
    """Guard for the strategy: the DST zones really have transitions in 2020-2030."""
    for name in ("Europe/Berlin", "Australia/Lord_Howe", "Africa/Casablanca", "America/Havana"):
        assert len(TRANSITIONS[name]) >= 20, name
    for name in ("UTC", "Etc/GMT-14", "Asia/Tokyo", "Asia/Kolkata"):
        assert TRANSITIONS[name] == [], name


# -- hand-written cases ---------------------------------------------------------------------
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


def test_grace_is_three_hours() -> None:
    assert timedelta(hours=3) == GRACE


def test_berlin_spring_forward_gap_fires_at_the_end_of_the_gap() -> None:
    got = occurrence_on(date(2026, 3, 29), time(2, 30), BERLIN)
    assert got == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert got.astimezone(BERLIN).time() == time(3, 0)
    assert got.tzinfo is UTC


def test_berlin_fall_back_fires_once_at_the_first_0230() -> None:
    first = occurrence_on(date(2026, 10, 25), time(2, 30), BERLIN)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    nxt = next_occurrence(first, time(2, 30), BERLIN)
    assert nxt == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)
    assert local_date(nxt, BERLIN) == date(2026, 10, 26)
    # The repeated 02:30 (CET, 01:30 UTC) is not an occurrence.
    between = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)
    assert next_occurrence(between, time(2, 30), BERLIN) == nxt
    repeated = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert latest_occurrence(repeated, time(2, 30), BERLIN) == (first, date(2026, 10, 25))


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 28), 6),
        (date(2026, 3, 29), 5),
        (date(2026, 3, 30), 5),
        (date(2026, 10, 24), 5),
        (date(2026, 10, 25), 6),
        (date(2026, 10, 26), 6),
    ],
)
def test_berlin_0730_stays_0730_local_across_both_changes(day: date, utc_hour: int) -> None:
    got = occurrence_on(day, time(7, 30), BERLIN)
    assert got == datetime(day.year, day.month, day.day, utc_hour, 30, tzinfo=UTC)
    local = got.astimezone(BERLIN)
    assert (local.date(), local.time()) == (day, time(7, 30))


def test_berlin_0730_next_occurrence_chain_across_spring_forward() -> None:
    chain = [datetime(2026, 3, 27, 12, 0, tzinfo=UTC)]
    for _ in range(3):
        chain.append(next_occurrence(chain[-1], time(7, 30), BERLIN))
    assert chain[1:] == [
        datetime(2026, 3, 28, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 5, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 5, 30, tzinfo=UTC),
    ]


def test_new_york_spring_forward_gap() -> None:
    got = occurrence_on(date(2026, 3, 8), time(2, 15), NEW_YORK)
    assert got == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    local = got.astimezone(NEW_YORK)
    assert local.time() == time(3, 0)
    assert local.tzname() == "EDT"


def test_new_york_fall_back_fires_at_the_first_0130() -> None:
    got = occurrence_on(date(2026, 11, 1), time(1, 30), NEW_YORK)
    assert got == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not 01:30 EST
    assert got.astimezone(NEW_YORK).tzname() == "EDT"


def test_lord_howe_thirty_minute_gap() -> None:
    got = occurrence_on(date(2026, 10, 4), time(2, 10), LORD_HOWE)
    local = got.astimezone(LORD_HOWE)
    assert (local.date(), local.time()) == (date(2026, 10, 4), time(2, 30))
    assert got == datetime(2026, 10, 3, 15, 30, tzinfo=UTC)  # 02:30 at +11:00
    # Just outside the gap nothing moves.
    before = occurrence_on(date(2026, 10, 4), time(1, 59), LORD_HOWE).astimezone(LORD_HOWE)
    assert before.time() == time(1, 59)


def test_santiago_midnight_gap_stays_on_the_same_date() -> None:
    zone = ZoneInfo("America/Santiago")
    got = occurrence_on(date(2026, 9, 6), time(0, 15), zone)  # 00:00-01:00 is skipped
    local = got.astimezone(zone)
    assert (local.date(), local.time()) == (date(2026, 9, 6), time(1, 0))


def test_the_midnight_gaps_are_known() -> None:
    """The exclusion above covers only Nuuk, on the eve of the EU change, 2024-2030."""
    expected = {("America/Nuuk", day) for day in _eve_of_last_sunday_of_march(2024, 2030)}
    assert set(MIDNIGHT_GAPS) == expected
    assert set(MIDNIGHT_GAPS.values()) == {time(23, 0)}


def _eve_of_last_sunday_of_march(first: int, last: int) -> set[date]:
    """The Saturday before the EU change (last Sunday of March, 01:00 UTC)."""
    found = set()
    for year in range(first, last + 1):
        day = date(year, 3, 31)
        while day.weekday() != 6:
            day -= timedelta(days=1)
        found.add(day - timedelta(days=1))
    return found


NUUK = ZoneInfo("America/Nuuk")


def test_gap_across_midnight_keeps_one_occurrence_per_local_date() -> None:
    """Nuuk skips 23:00-24:00 on Saturday 2024-03-30: a 23:30 reminder fires at the
    last valid minute before the gap (22:59) so every local date gets exactly one."""
    at = time(23, 30)
    days = [date(2024, 3, 29) + timedelta(days=k) for k in range(4)]
    fired = [occurrence_on(day, at, NUUK) for day in days]
    assert [local_date(instant, NUUK) for instant in fired] == days
    assert fired[1].astimezone(NUUK).time() == time(22, 59)
    assert latest_occurrence(fired[1], at, NUUK) == (fired[1], date(2024, 3, 30))
    assert local_date(next_occurrence(fired[1], at, NUUK), NUUK) == date(2024, 3, 31)


def test_seconds_of_the_reminder_time_are_ignored() -> None:
    day = date(2026, 6, 1)
    assert occurrence_on(day, time(7, 30, 59, 999), BERLIN) == occurrence_on(
        day, time(7, 30), BERLIN
    )


def test_midnight_reminder_one_second_before_midnight() -> None:
    after = datetime(2026, 6, 1, 23, 59, 59, tzinfo=BERLIN)
    got = next_occurrence(after, time(0, 0), BERLIN)
    assert got - after == timedelta(seconds=1)
    assert got == datetime(2026, 6, 1, 22, 0, tzinfo=UTC)
    assert local_date(got, BERLIN) == date(2026, 6, 2)


def test_next_occurrence_at_the_occurrence_is_the_next_day() -> None:
    at = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)  # 00:00 on 2 June in Berlin
    assert next_occurrence(at, time(0, 0), BERLIN) == at + timedelta(days=1)
    assert next_occurrence(at - timedelta(microseconds=1), time(0, 0), BERLIN) == at


def test_latest_occurrence_at_exactly_the_occurrence_returns_it() -> None:
    at = datetime(2026, 6, 1, 22, 0, tzinfo=UTC)
    assert latest_occurrence(at, time(0, 0), BERLIN) == (at, date(2026, 6, 2))
    just_before = at - timedelta(microseconds=1)
    assert latest_occurrence(just_before, time(0, 0), BERLIN) == (
        at - timedelta(days=1),
        date(2026, 6, 1),
    )


def test_latest_occurrence_late_on_the_previous_local_day() -> None:
    """23:30 in Tokyo is 14:30 UTC: the UTC date and the member's date differ."""
    tokyo = ZoneInfo("Asia/Tokyo")
    until = datetime(2026, 1, 1, 15, 0, tzinfo=UTC)  # 00:00 on 2 January in Tokyo
    assert latest_occurrence(until, time(23, 30), tokyo) == (
        datetime(2026, 1, 1, 14, 30, tzinfo=UTC),
        date(2026, 1, 1),
    )


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Tokyo", date(2026, 1, 2)),
        ("America/Los_Angeles", date(2026, 1, 1)),
        ("Etc/GMT-14", date(2026, 1, 2)),
        ("Etc/GMT+12", date(2026, 1, 1)),
        ("UTC", date(2026, 1, 1)),
    ],
)
def test_local_date(zone: str, expected: date) -> None:
    assert local_date(datetime(2026, 1, 1, 23, 30, tzinfo=UTC), ZoneInfo(zone)) == expected
