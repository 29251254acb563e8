"""Run Alembic from the bot (the `migrate` command and start-up auto-migration)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["url"] = url
    cfg.attributes["skip_logging"] = True
    return cfg


def upgrade(url: str, revision: str = "head", *, sql: bool = False) -> None:
    """Upgrade the database to `revision` (or print the SQL with `sql=True`).

    Synchronous: Alembic's env.py runs its own event loop, so call this before
    the bot's loop starts (or from a worker thread).
    """
    command.upgrade(alembic_config(url), revision, sql=sql)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database to `revision`."""
    command.downgrade(alembic_config(url), revision)
