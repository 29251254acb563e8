"""Migrations on both engines: every revision upgrades, downgrades and upgrades
again (the stairway), and the migrated schema is exactly the models."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import Script, ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.db.base import Base
from bot.db.migrate import alembic_config, downgrade, upgrade
from bot.db.session import create_engine
from tests.kit.db import (
    postgres_admin_url,
    run_in_own_loop,
    schema_diff,
    temporary_postgres_database,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, on each engine."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
        return
    admin = postgres_admin_url()
    assert admin is not None
    with temporary_postgres_database(admin, prefix="bootcamp_migrate") as url:
        yield url


def revisions() -> list[Script]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return list(reversed(list(script.walk_revisions())))


def table_names(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    return run_in_own_loop(read())  # type: ignore[return-value]


def test_revision_files_are_date_prefixed() -> None:
    for script in revisions():
        name = Path(script.path).name
        assert re.fullmatch(r"\d{4}_\d{2}_\d{2}_\d{4}_[a-z0-9_]+\.py", name), name


def test_one_head_and_a_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    assert revisions()[0].down_revision is None


def test_stairway(empty_url: str) -> None:
    for script in revisions():
        previous = script.down_revision or "base"
        upgrade(empty_url, script.revision)
        downgrade(empty_url, str(previous))
        upgrade(empty_url, script.revision)
    downgrade(empty_url, "base")
    assert table_names(empty_url) <= {"alembic_version"}
    upgrade(empty_url, "head")
    assert {t.name for t in Base.metadata.sorted_tables} <= table_names(empty_url)


def test_migrated_schema_matches_models(empty_url: str) -> None:
    upgrade(empty_url, "head")
    assert schema_diff(empty_url) == []


def _run_sql(url: str, *statements: str) -> list[Any]:
    """Run statements in one transaction; the rows of the last one (if it returns rows)."""

    async def run() -> list[Any]:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                result = None
                for statement in statements:
                    result = await conn.execute(text(statement))
                return list(result.all()) if result is not None and result.returns_rows else []
        finally:
            await engine.dispose()

    return run_in_own_loop(run())  # type: ignore[return-value]


def test_rest_checkins_survive_0007_and_fold_back_into_done_below_it(empty_url: str) -> None:
    upgrade(empty_url, "0006")
    stamp = "'2026-03-02 06:00:00'"
    _run_sql(
        empty_url,
        "INSERT INTO members (id, telegram_id, chat_id, first_name, timezone, reminder_time,"
        f" status, role, created_at, updated_at) VALUES (1, 11, 11, 'Ann', 'UTC', '07:30:00',"
        f" 'active', 'member', {stamp}, {stamp})",
        "INSERT INTO checkins (member_id, local_date, status, created_at, updated_at)"
        f" VALUES (1, '2026-03-02', 'done', {stamp}, {stamp})",
    )
    rest = (
        "INSERT INTO checkins (member_id, local_date, status, note, created_at, updated_at)"
        f" VALUES (1, '2026-03-03', 'rest', 'a walk 🚶', {stamp}, {stamp})"
    )
    with pytest.raises(IntegrityError):
        _run_sql(empty_url, rest)  # 0006 knows no rest status
    upgrade(empty_url, "0007")
    _run_sql(empty_url, rest)
    with pytest.raises(IntegrityError):
        _run_sql(
            empty_url,
            "INSERT INTO checkins (member_id, local_date, status, created_at, updated_at)"
            f" VALUES (1, '2026-03-04', 'resting', {stamp}, {stamp})",
        )
    rows = "SELECT local_date, status, note FROM checkins ORDER BY local_date"
    assert [tuple(map(str, r)) for r in _run_sql(empty_url, rows)] == [
        ("2026-03-02", "done", "None"),
        ("2026-03-03", "rest", "a walk 🚶"),
    ]
    downgrade(empty_url, "0006")
    assert [r[1] for r in _run_sql(empty_url, rows)] == ["done", "done"]
    upgrade(empty_url, "head")
    assert schema_diff(empty_url) == []


def test_0008_keeps_members_and_checks_the_experience_answer(empty_url: str) -> None:
    upgrade(empty_url, "0007")
    stamp = "'2026-03-02 06:00:00'"
    member = (
        "INSERT INTO members (id, telegram_id, chat_id, first_name, timezone, reminder_time,"
        " status, role, created_at, updated_at) VALUES ({id}, {id}, {id}, 'Ann', 'UTC',"
        f" '07:30:00', 'active', 'member', {stamp}, {stamp})"
    )
    _run_sql(empty_url, member.format(id=1))
    upgrade(empty_url, "0008")
    answers = "SELECT id, experience, equipment, conditions FROM members ORDER BY id"
    assert [tuple(r) for r in _run_sql(empty_url, answers)] == [(1, None, None, None)]
    _run_sql(
        empty_url,
        member.format(id=2),
        "UPDATE members SET experience = 'some', equipment = 'bands,dumbbells',"
        " conditions = 'knee' WHERE id = 2",
    )
    with pytest.raises(IntegrityError):
        _run_sql(empty_url, "UPDATE members SET experience = 'expert' WHERE id = 1")
    assert [tuple(r) for r in _run_sql(empty_url, answers)][1] == (
        2,
        "some",
        "bands,dumbbells",
        "knee",
    )
    downgrade(empty_url, "0007")
    assert len(_run_sql(empty_url, "SELECT id FROM members")) == 2
    upgrade(empty_url, "head")
    assert schema_diff(empty_url) == []


def test_0012_gives_groups_linked_before_it_english(empty_url: str) -> None:
    upgrade(empty_url, "0011")
    stamp = "'2026-03-02 06:00:00'"
    group = (
        "INSERT INTO community_groups (id, chat_id, title, linked_by, timezone, daily_enabled,"
        " daily_time, leaderboard_enabled, shoutouts_enabled, created_at, updated_at)"
        " VALUES ({id}, {chat}, 'Crew', 11, 'UTC', true, '07:00:00', true, true,"
        f" {stamp}, {stamp})"
    )
    _run_sql(empty_url, group.format(id=1, chat=-100))
    upgrade(empty_url, "0012")
    languages = "SELECT id, language FROM community_groups ORDER BY id"
    assert [tuple(r) for r in _run_sql(empty_url, languages)] == [(1, "en")]
    _run_sql(
        empty_url,
        group.format(id=2, chat=-200),  # a row written without the column reads English too
        "UPDATE community_groups SET language = 'fr' WHERE id = 1",
    )
    assert [tuple(r) for r in _run_sql(empty_url, languages)] == [(1, "fr"), (2, "en")]
    with pytest.raises(IntegrityError):
        _run_sql(empty_url, "UPDATE community_groups SET language = NULL WHERE id = 2")
    downgrade(empty_url, "0011")
    assert len(_run_sql(empty_url, "SELECT id FROM community_groups")) == 2
    upgrade(empty_url, "head")
    assert schema_diff(empty_url) == []
