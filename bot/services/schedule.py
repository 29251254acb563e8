"""When a member's session is due: local wall-clock times turned into UTC instants.

The rules, for a reminder at local time T in zone Z:
- it fires once per local calendar date, at T;
- on a spring-forward date where T does not exist, it fires at the first
  valid minute after T (the end of the gap), or, when the gap runs past
  midnight, at the last valid minute before it (still that date);
- on a fall-back date where T happens twice, it fires at the first one only.
All functions are pure: they take and return aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

GRACE = timedelta(hours=3)


def _exists(naive: datetime, zone: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


def occurrence_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of local time `at` on local date `day`, by the rules above.

    If a gap runs past midnight (America/Nuuk jumps from 23:00 to 00:00), the
    first valid minute after `at` is on the next date; one session per local
    date wins, so it fires at the last valid minute before the gap instead.
    """
    naive = datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None))
    probe = naive
    # A gap is at most a few hours (usually one); walk to its end minute by minute.
    while probe.date() == day:
        if _exists(probe, zone):
            return probe.replace(tzinfo=zone, fold=0).astimezone(UTC)
        probe += timedelta(minutes=1)
    probe = naive
    while probe.date() == day:
        if _exists(probe, zone):
            return probe.replace(tzinfo=zone, fold=0).astimezone(UTC)
        probe -= timedelta(minutes=1)
    raise ValueError(f"no valid local time on {day} in {zone.key}")  # pragma: no cover


def next_occurrence(after: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first occurrence strictly after the instant `after`."""
    local_day = after.astimezone(zone).date()
    for offset in range(-1, 3):
        candidate = occurrence_on(local_day + timedelta(days=offset), at, zone)
        if candidate > after:
            return candidate
    raise AssertionError("an occurrence exists within three days")  # pragma: no cover


def latest_occurrence(until: datetime, at: time, zone: ZoneInfo) -> tuple[datetime, date]:
    """The last occurrence at or before `until`, with the local date it belongs to."""
    local_day = until.astimezone(zone).date()
    for offset in range(1, -3, -1):
        day = local_day + timedelta(days=offset)
        candidate = occurrence_on(day, at, zone)
        if candidate <= until:
            return candidate, day
    raise AssertionError("an occurrence exists within three days")  # pragma: no cover


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The member's calendar date at `instant`."""
    return instant.astimezone(zone).date()
