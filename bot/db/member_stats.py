"""The member_stats table: one row of trainer-view figures per member. Never commits.

Writers: `save` (inside the transaction that changed the member's calendar; it
bumps `version`) and `save_unless_changed` (the background refresh: a row whose
version moved since it was read is left alone, so a refresh that read an older
calendar never overwrites figures written by a check-in in the meantime).

`zone_dates` turns "today in each member's own zone" into a small table that
queries join on `members.timezone`: the service computes the local dates in
Python (a few hundred zones at most) and this builds the SQL, the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import CTE, Date, String, Table, and_, bindparam, literal, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from bot.db.dialect import dialect_name, upsert_statement
from bot.db.dto import PauseSpan
from bot.db.models import Checkin, Member, MemberStats, Pause, ProgramRun

# Sessions are scheduled: program, zone and time chosen (MemberDTO.onboarded).
ONBOARDED = and_(Member.program_id.is_not(None), Member.program_start.is_not(None))

# Members per IN list when loading histories (well under SQLite's variable limit).
IN_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class CheckinFacts:
    """What the figures need of one check-in."""

    status: str
    effort: int | None = None
    has_note: bool = False


@dataclass(frozen=True, slots=True)
class Figures:
    """One member's trainer-view figures as of a local date."""

    as_of: date
    current_streak: int
    longest_streak: int
    streak_start: date | None
    total_done: int
    done_7: int
    scheduled_7: int
    done_30: int
    scheduled_30: int
    program_day: int | None
    last_checkin: date | None
    last_effort: int | None
    last_note_date: date | None

    @property
    def adherence_7(self) -> float | None:
        return self.done_7 / self.scheduled_7 if self.scheduled_7 else None

    @property
    def adherence_30(self) -> float | None:
        return self.done_30 / self.scheduled_30 if self.scheduled_30 else None

    def values(self) -> dict[str, Any]:
        """The columns of the row."""
        return {name: getattr(self, name) for name in FIGURE_COLUMNS}

    @classmethod
    def from_row(cls, row: MemberStats) -> Figures | None:
        if row.as_of is None:
            return None
        return cls(**{name: getattr(row, name) for name in FIGURE_COLUMNS})


FIGURE_COLUMNS = (
    "as_of",
    "current_streak",
    "longest_streak",
    "streak_start",
    "total_done",
    "done_7",
    "scheduled_7",
    "done_30",
    "scheduled_30",
    "program_day",
    "last_checkin",
    "last_effort",
    "last_note_date",
)


@dataclass
class History:
    """Everything a member's calendar is made of."""

    runs: list[tuple[str, date, date | None]] = field(default_factory=list)
    pauses: list[PauseSpan] = field(default_factory=list)
    checkins: dict[date, CheckinFacts] = field(default_factory=dict)


def zone_dates(rows: Mapping[str, Sequence[date]], columns: Sequence[str]) -> CTE:
    """A CTE `zone_dates(zone, <columns>...)` with one row per zone.

    `rows` maps a zone name to one date per column (today, a cutoff, ...).
    Every value is a bound parameter. With no zones at all the CTE has one row
    that matches no member.
    """
    selects = []
    items = list(rows.items()) or [("", [date.min] * len(columns))]
    for zone, dates in items:
        cells: list[Any] = [literal(zone, String()).label("zone")]
        cells += [
            literal(day, Date()).label(name) for name, day in zip(columns, dates, strict=True)
        ]
        selects.append(select(*cells))
    if len(selects) == 1:
        return selects[0].cte("zone_dates")
    return union_all(*selects).cte("zone_dates")


async def zones_in_use(session: AsyncSession) -> list[str]:
    """Every time zone a member has (read from the index on members.timezone)."""
    return list(await session.scalars(select(Member.timezone).distinct()))


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert


class MemberStatsRepository:
    """Read histories and write figures."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def histories(self, member_ids: Sequence[int]) -> dict[int, History]:
        """The program runs, pauses and check-ins of each member."""
        out: dict[int, History] = defaultdict(History)
        for start in range(0, len(member_ids), IN_CHUNK):
            chunk = list(member_ids[start : start + IN_CHUNK])
            runs = await self._s.execute(
                select(
                    ProgramRun.member_id,
                    ProgramRun.program_id,
                    ProgramRun.start_date,
                    ProgramRun.end_date,
                )
                .where(ProgramRun.member_id.in_(chunk))
                .order_by(ProgramRun.member_id, ProgramRun.start_date)
            )
            for member_id, program_id, first, end in runs.all():
                out[member_id].runs.append((program_id, first, end))
            pauses = await self._s.execute(
                select(Pause.member_id, Pause.start_date, Pause.end_date)
                .where(Pause.member_id.in_(chunk))
                .order_by(Pause.member_id, Pause.start_date)
            )
            for member_id, first, end in pauses.all():
                out[member_id].pauses.append(PauseSpan(first, end))
            checkins = await self._s.execute(
                select(
                    Checkin.member_id,
                    Checkin.local_date,
                    Checkin.status,
                    Checkin.effort,
                    Checkin.note.is_not(None),
                ).where(Checkin.member_id.in_(chunk))
            )
            for member_id, day, status, effort, has_note in checkins.all():
                out[member_id].checkins[day] = CheckinFacts(status, effort, bool(has_note))
        return {member_id: out[member_id] for member_id in member_ids}

    async def history(self, member_id: int) -> History:
        return (await self.histories([member_id]))[member_id]

    def _upsert(self) -> Insert:
        return upsert_statement(
            self._s,
            MemberStats,
            ["member_id"],
            [*FIGURE_COLUMNS, "updated_at"],
            increment=["version"],
        )

    async def save(self, member_id: int, figures: Figures, now: datetime) -> None:
        """Write a member's figures (inside the transaction that changed them)."""
        values = {"member_id": member_id, **figures.values(), "updated_at": now, "version": 0}
        await self._s.execute(self._upsert(), values)

    async def invalidate(self, member_id: int) -> None:
        """Mark a member's figures out of date (the background refresh recomputes them)."""
        await self._s.execute(
            update(MemberStats)
            .where(MemberStats.member_id == member_id)
            .values(as_of=None, version=MemberStats.version + 1)
        )

    async def versions(self, member_ids: Sequence[int]) -> dict[int, int]:
        """The current version of each member's row (absent: no row yet)."""
        out: dict[int, int] = {}
        for start in range(0, len(member_ids), IN_CHUNK):
            chunk = list(member_ids[start : start + IN_CHUNK])
            rows = await self._s.execute(
                select(MemberStats.member_id, MemberStats.version).where(
                    MemberStats.member_id.in_(chunk)
                )
            )
            out.update(dict(rows.all()))
        return out

    async def save_unless_changed(
        self,
        figures: Iterable[tuple[int, int | None, Figures]],
        now: datetime,
    ) -> None:
        """Write (member id, version read, figures) where the row is still at that
        version (or still absent); rows that moved on are left as they are."""
        updates, inserts = [], []
        for member_id, version, values in figures:
            row = {**values.values(), "updated_at": now}
            if version is None:
                inserts.append({"member_id": member_id, **row, "version": 0})
            else:
                updates.append(
                    {
                        **{f"b_{k}": v for k, v in row.items()},
                        "b_member_id": member_id,
                        "b_version": version,
                    }
                )
        table: Table = MemberStats.__table__  # type: ignore[assignment]
        if updates:
            names = (*FIGURE_COLUMNS, "updated_at")
            stmt = (
                update(table)
                .where(
                    table.c.member_id == bindparam("b_member_id"),
                    table.c.version == bindparam("b_version"),
                )
                .values(
                    {
                        **{
                            name: bindparam(f"b_{name}", type_=table.c[name].type) for name in names
                        },
                        "version": table.c.version + 1,
                    }
                )
            )
            await self._s.execute(stmt, updates)
        if inserts:
            # Core executemany without RETURNING: one prepared statement for all rows.
            await self._s.execute(
                _insert(self._s)(table).on_conflict_do_nothing(index_elements=["member_id"]),
                inserts,
            )
