"""Statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from bot.db.base import Base


def dialect_name(session: AsyncSession) -> str:
    """'sqlite' or 'postgresql'."""
    return session.get_bind().dialect.name


def insert_ignore(
    session: AsyncSession,
    model: type[Base],
    rows: dict[str, Any] | Sequence[dict[str, Any]] | None,
    conflict: Sequence[str],
) -> Insert:
    """INSERT ... ON CONFLICT (conflict) DO NOTHING for the session's engine.

    With `rows=None` the statement carries no values: execute it with a list of
    parameter dicts (executemany), which compiles once however many rows.
    """
    builder = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    stmt = builder(model)
    if rows is not None:
        stmt = stmt.values(rows)
    return stmt.on_conflict_do_nothing(index_elements=list(conflict))


def upsert(
    session: AsyncSession,
    model: type[Base],
    values: dict[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> Insert:
    """INSERT ... ON CONFLICT (conflict) DO UPDATE SET the `update` columns."""
    builder = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    stmt = builder(model).values(values)
    return stmt.on_conflict_do_update(
        index_elements=list(conflict),
        set_={name: stmt.excluded[name] for name in update},
    )
