"""A community for the Mini App, and the bot serving it in this process.

Shared by tests/webapp, the browser walk and bench/webapp.py: `seed` writes
members (the live kit's, with weeks of history), two cohorts, a cohort trainer
and at-risk members straight into the tables; `served_app` runs the bot as
`bootcamp-bot run` does, polling the sandbox with its HTTP listener (and so
the app) on a free port; `init_data` signs what Telegram would give the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import delete, insert, select, update

from bot.app import build_application
from bot.catalog import Catalog
from bot.clock import Clock, ManualClock
from bot.config import Settings
from bot.context import BotApplication
from bot.db.models import Checkin, Cohort, CohortTrainer, Member
from bot.db.session import Database
from bot.runner import serve
from bot.sandbox import Sandbox
from bot.sandbox.webhook import free_port
from bot.webapp.initdata import fields_for, sign
from bot.webapp.server import HEADER
from tests.kit import live
from tests.kit.recording import TOKEN

ADMIN_ID = 42
TRAINER_ID = 43  # coaches the cohort "Spring" only
MEMBER_HOUR = 20  # the members' session time: still ahead at the clock's 06:01
RISK_EVERY = 5  # every fifth member (3, 8, 13...: both cohorts) has no check-in this week


@dataclass
class Community:
    """What `seed` wrote: Telegram ids by role, cohort ids, at-risk member ids."""

    members: list[int]
    spring: int
    autumn: int
    at_risk: list[int] = field(default_factory=list)
    member_ids: dict[int, int] = field(default_factory=dict)  # Telegram id → member id


async def seed(url: str, count: int) -> Community:
    """`count` members in two cohorts (even in Spring, odd in Autumn), an admin
    and a trainer of Spring; every RISK_EVERY-th member without a check-in in
    the last seven days (at risk by /stats' rule once the figures are made)."""
    telegram_ids = await live.add_members(url, [MEMBER_HOUR] * count)
    db = Database(url)
    now = live.at(6)
    try:
        async with db.sessions.begin() as session:
            cohort_ids = []
            for name, code in (("Spring", "spring26"), ("Autumn", "autumn26")):
                values = {"name": name, "code": code, "created_by": ADMIN_ID, "created_at": now}
                made = await session.execute(insert(Cohort).returning(Cohort.id), values)
                cohort_ids.append(made.scalar_one())
            spring, autumn = cohort_ids
            rows = (
                await session.execute(
                    select(Member.telegram_id, Member.id).where(
                        Member.telegram_id.in_(telegram_ids)
                    )
                )
            ).all()
            ids = dict(rows)
            for parity, cohort in ((0, spring), (1, autumn)):
                chosen = [ids[t] for n, t in enumerate(telegram_ids) if n % 2 == parity]
                for start in range(0, len(chosen), 1000):
                    await session.execute(
                        update(Member)
                        .where(Member.id.in_(chosen[start : start + 1000]))
                        .values(cohort_id=cohort)
                    )
            risky = [t for n, t in enumerate(telegram_ids) if n % RISK_EVERY == 3]
            week = live.TODAY - timedelta(days=7)
            for start in range(0, len(risky), 1000):
                chunk = [ids[t] for t in risky[start : start + 1000]]
                await session.execute(
                    delete(Checkin).where(Checkin.member_id.in_(chunk), Checkin.local_date >= week)
                )
            for telegram_id, name, role in (
                (ADMIN_ID, "Dana", "admin"),
                (TRAINER_ID, "Cora", "trainer"),
            ):
                await session.execute(
                    insert(Member),
                    {
                        "telegram_id": telegram_id, "chat_id": telegram_id, "first_name": name,
                        "timezone": live.ZONE.key, "reminder_time": time(7), "status": "active",
                        "role": role, "created_at": now, "updated_at": now,
                    },
                )  # fmt: skip
            cora = await session.scalar(select(Member.id).where(Member.telegram_id == TRAINER_ID))
            await session.execute(
                insert(CohortTrainer), {"cohort_id": spring, "member_id": cora, "created_at": now}
            )
    finally:
        await db.dispose()
    return Community(telegram_ids, spring, autumn, risky, ids)


def init_data(
    user_id: int,
    first_name: str,
    when: datetime,
    token: str = TOKEN,
    language_code: str | None = "en",
) -> str:
    """The init data Telegram gives the app opened by this user at `when`, their
    Telegram app set to `language_code`."""
    return sign(token, fields_for(user_id, first_name, when, language_code))


@dataclass
class Served:
    """The bot in this process and where its app answers."""

    app: BotApplication
    base: str  # http://127.0.0.1:<port>
    clock: Clock

    @property
    def app_url(self) -> str:
        return f"{self.base}/app/"

    async def call(
        self,
        path: str,
        user_id: int | None,
        body: Any = None,
        *,
        raw: str | None = None,
        name: str = "Tester",
        language_code: str | None = "en",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One API request as `user_id` (None: no init data; `raw`: this init data),
        whose Telegram app speaks `language_code`."""
        headers = dict(headers or {})
        if raw is not None:
            headers[HEADER] = raw
        elif user_id is not None:
            when = self.clock.now()
            headers[HEADER] = init_data(user_id, name, when, language_code=language_code)
        method = "POST" if body is not None else "GET"
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, f"{self.base}/app/api/{path}", json=body, headers=headers) as r,
        ):
            return r.status, await r.json(content_type=None)


@asynccontextmanager
async def served_app(
    sandbox: Sandbox,
    db_url: str,
    tmp_path: Path,
    catalog: Catalog,
    *,
    clock: Clock | None = None,
    catalogs: Mapping[str, Catalog] | None = None,
    **extra: Any,
) -> AsyncIterator[Served]:
    """The bot polling `sandbox`, its listener (and the app) on a free port;
    `catalogs` (by language) in place of `catalog` (English only)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_TOKEN=TOKEN,
        BOT_API_BASE_URL=sandbox.url,
        DATABASE_URL=db_url,
        BOT_DATA_DIR=str(tmp_path),
        BOT_ADMIN_IDS=str(ADMIN_ID),
        BOT_RENDER_PROCESSES="0",
        BOT_TICK_SECONDS="1",
        BOT_HTTP_LISTEN=f"127.0.0.1:{port}",
        BOT_PUBLIC_URL=base,
        **extra,
    )
    clock = clock or ManualClock(live.at(6, 1))
    app = build_application(settings, clock=clock, catalog=catalog, catalogs=catalogs)
    stop, ready = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(serve(app, stop, ready=ready, handle_signals=False))
    waiting = asyncio.ensure_future(ready.wait())
    await asyncio.wait({serving, waiting}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    if serving.done():
        serving.result()
    assert ready.is_set(), "the bot did not start within 30 s"
    try:
        yield Served(app, base, clock)
    finally:
        stop.set()
        await serving
