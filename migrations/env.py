"""Alembic environment: async engine online, plain SQL offline.

The URL comes from `config.attributes["url"]` (set by bot.db.migrate), then
`-x url=...`, then the bot's settings. A connection given in
`config.attributes["connection"]` (bot.db.migrate, under PostgreSQL's
advisory lock) is used as it is.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from bot.config import normalise_database_url
from bot.db import models  # noqa: F401  (registers the tables on the metadata)
from bot.db.base import Base, UTCDateTime
from bot.db.session import create_engine

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    if url:
        return normalise_database_url(str(url))
    from bot.config import load_settings

    return load_settings().effective_database_url


def _render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | bool:
    """Write our aware-UTC column type as the plain type it stores, so that
    revision files never import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    is_sqlite = (url or "").startswith("sqlite") or (
        connection is not None and connection.dialect.name == "sqlite"
    )
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,
        compare_type=True,
        render_item=_render_item,
        literal_binds=connection is None,
        dialect_opts={"paramstyle": "named"} if connection is None else {},
    )


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`bootcamp-bot migrate --sql`)."""
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    """Run the migrations over an async connection."""
    engine = create_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
elif (shared := config.attributes.get("connection")) is not None:
    # bot.db.migrate holds PostgreSQL's advisory lock on this connection.
    _run_sync(shared)
else:
    asyncio.run(run_migrations_online())
