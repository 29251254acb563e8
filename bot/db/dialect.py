"""Statements whose spelling differs between SQLite and PostgreSQL.

The hot ones are built once per dialect and table and then executed with
parameters: building an INSERT ... ON CONFLICT (its `excluded` columns, its
cache key) cost more CPU than running it, on every check-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from bot.db.base import Base


def dialect_name(session: AsyncSession) -> str:
    """'sqlite' or 'postgresql'."""
    return session.get_bind().dialect.name


def _builder(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@lru_cache(maxsize=128)
def _insert_ignore(dialect: str, table: Table, conflict: tuple[str, ...]) -> Insert:
    return _builder(dialect)(table).on_conflict_do_nothing(index_elements=list(conflict))


@lru_cache(maxsize=128)
def _upsert(
    dialect: str,
    table: Table,
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    increment: tuple[str, ...],
) -> Insert:
    stmt = _builder(dialect)(table)
    changes: dict[str, Any] = {name: stmt.excluded[name] for name in update}
    changes.update({name: table.c[name] + 1 for name in increment})
    return stmt.on_conflict_do_update(index_elements=list(conflict), set_=changes)


def insert_ignore(
    session: AsyncSession,
    model: type[Base],
    rows: dict[str, Any] | Sequence[dict[str, Any]] | None,
    conflict: Sequence[str],
) -> Insert:
    """INSERT ... ON CONFLICT (conflict) DO NOTHING for the session's engine.

    With `rows=None` the statement carries no values and is built once: execute
    it with parameter dicts, which compiles once however many rows.
    """
    table = model.__table__
    assert isinstance(table, Table)
    stmt = _insert_ignore(dialect_name(session), table, tuple(conflict))
    return stmt.values(rows) if rows is not None else stmt


def upsert_statement(
    session: AsyncSession,
    model: type[Base],
    conflict: Sequence[str],
    update: Sequence[str],
    increment: Sequence[str] = (),
) -> Insert:
    """INSERT ... ON CONFLICT (conflict) DO UPDATE SET the `update` columns to the
    new values and adds 1 to the `increment` ones; built once, executed with a
    parameter dict (`session.execute(stmt, values)`)."""
    table = model.__table__
    assert isinstance(table, Table)
    return _upsert(dialect_name(session), table, tuple(conflict), tuple(update), tuple(increment))
