"""Ten linked groups each get a burst of posts at once; the sandbox, which answers 429
above 20 messages a minute to one group exactly as Telegram does, counts per chat.

The bot runs unchanged over HTTP against the sandbox; the sandbox's clocks are
the bot's manual clock, moved a second at a time, so the per-minute limit is
checked over minutes of bot time in seconds of real time.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update
from telegram.ext import ExtBot

from bot.app import build_application
from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.config import Settings
from bot.context import BotApplication
from bot.db.models import Member, MemberOptIn, Outbox
from bot.delivery.compose import make_composer
from bot.delivery.limiter import TelegramLimiter
from bot.delivery.sender import Sender
from bot.sandbox import Sandbox
from bot.services.groups import queue_shoutouts
from tests.community.kit import CREW_ID, community, group_rows, link_crew
from tests.kit.harness import Harness
from tests.kit.members import bulk_members
from tests.kit.recording import TOKEN as TOKEN_OF_RECORDING
from tests.kit.recording import RecordingRequest
from tests.kit.virtual_time import VirtualTime
from tests.sandbox.conftest import BOT_USERNAME, TOKEN

GROUPS = 10
MEMBERS_PER_GROUP = 30  # each reaches a milestone at the same moment
START = datetime(2026, 3, 10, 5, 59, tzinfo=UTC)  # 06:59 in Berlin, before the daily post


@pytest.fixture
async def live(db_url: str, tmp_path: Path, catalog: Catalog) -> AsyncIterator[
    tuple[BotApplication, Sandbox, ManualClock]
]:  # fmt: skip
    clock = ManualClock(START)
    sandbox = Sandbox(
        TOKEN,
        bot_username=BOT_USERNAME,
        bot_first_name="Defy Gravity",
        now=lambda: clock.now().timestamp(),
        monotonic=lambda: clock.now().timestamp(),
    )
    await sandbox.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        BOT_TOKEN=TOKEN,
        BOT_API_BASE_URL=sandbox.url,
        DATABASE_URL=db_url,
        BOT_DATA_DIR=str(tmp_path),
        BOT_DEFAULT_TIMEZONE="Europe/Berlin",
        BOT_RENDER_PROCESSES="0",
    )
    # The bot's own limiter paces in real time; here only the outbox's pacing, in
    # the bot's time, stands between the posts and the sandbox's 429s.
    app = build_application(settings, clock=clock, catalog=catalog, workers=False,
                            rate_limiter=False)  # fmt: skip
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    try:
        yield app, sandbox, clock
    finally:
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
        await app.shutdown()
        await sandbox.stop()


@pytest.mark.soak  # a real process for tens of seconds: the soak stage runs it
async def test_ten_groups_never_get_more_than_twenty_a_minute(
    live: tuple[BotApplication, Sandbox, ManualClock],
) -> None:
    app, sandbox, clock = live
    services = app.bot_data.services
    chats = [sandbox.add_group(f"Crew {n}", supergroup=True).id for n in range(GROUPS)]
    member_ids = await bulk_members(app, GROUPS * MEMBERS_PER_GROUP)
    for number, chat_id in enumerate(chats):
        await services.groups.link(chat_id, f"Crew {number}", 1, "en")
        cohort = await services.staff.create_cohort(f"Cohort {number}", 1)
        await services.groups.set_cohort(chat_id, cohort.id)
        ids = member_ids[number * MEMBERS_PER_GROUP : (number + 1) * MEMBERS_PER_GROUP]
        async with app.bot_data.database.sessions.begin() as session:
            await session.execute(
                update(Member).where(Member.telegram_id.in_(ids)).values(cohort_id=cohort.id)
            )
            rows = await session.execute(select(Member.id).where(Member.telegram_id.in_(ids)))
            await session.execute(
                insert(MemberOptIn),
                [{"member_id": r.id, "leaderboard": True, "shoutouts": True,
                  "updated_at": clock.now()} for r in rows],
            )  # fmt: skip
    # Every member's 3-day milestone at once, as a morning of check-ins would queue them.
    for telegram_id in member_ids:
        member = await app.bot_data.members.get(telegram_id)
        assert member is not None
        async with app.bot_data.database.sessions.begin() as session:
            assert await queue_shoutouts(session, member, 3, date(2026, 3, 8), clock.now()) == 1
    expected = GROUPS * (MEMBERS_PER_GROUP + 1)
    statuses: list[str] = []
    for _ in range(300):  # a second of bot time per round; the daily posts join at 07:00
        await services.ticker.tick()
        # A 429 would make the sender wait out retry_after in real time: fail instead.
        await asyncio.wait_for(services.sender.drain(), timeout=30)
        async with app.bot_data.database.sessions() as session:
            statuses = list(await session.scalars(select(Outbox.status)))
        if statuses.count("sent") == expected:
            break
        clock.advance(timedelta(seconds=1))
    assert statuses.count("sent") == expected, statuses

    assert [e for e in sandbox.errors() if e.code == 429] == []
    times: dict[int, list[float]] = defaultdict(list)
    for call in sandbox.calls("sendMessage"):
        times[int(call.params["chat_id"])].append(call.at)
    assert sorted(times) == sorted(chats)
    busiest = 0
    for chat_id, sent in times.items():
        assert len(sent) == MEMBERS_PER_GROUP + 1, chat_id
        sent.sort()
        for index, first in enumerate(sent):
            in_minute = sum(1 for t in sent[index:] if t < first + 60)
            busiest = max(busiest, in_minute)
    assert busiest <= 20
    assert busiest >= 15  # the posts did go out at the pace allowed, not a trickle
    # All of a group's burst is out within two minutes of bot time.
    assert max(max(sent) - min(sent) for sent in times.values()) < 120


async def test_a_group_over_its_minute_waits_in_the_outbox_not_the_window(bot: Harness) -> None:
    """With the rate limiter counting a group's minute full, its post is deferred in the
    outbox until the minute frees up: no send waits inside the sender meanwhile."""
    await community(bot)
    await link_crew(bot)
    time_ = VirtualTime()
    limiter = TelegramLimiter(monotonic=time_.monotonic, sleep=time_.sleep)
    request = RecordingRequest()
    api = ExtBot(TOKEN_OF_RECORDING, request=request, rate_limiter=limiter)
    await api.initialize()
    for n in range(19):  # the bot's replies in the group fill its minute
        await api.send_message(CREW_ID, f"reply {n}")
    services = bot.services
    sender = Sender(
        services.database.sessions, bot.clock, api,
        make_composer(
            services.planner, bot.app.bot_data.library.catalog, groups=services.groups
        ),
        services.members, rate=25, groups=services.groups,
    )  # fmt: skip
    bot.clock.set(datetime(2026, 3, 11, 6, 0, tzinfo=UTC))  # 07:00 in Berlin
    await services.ticker.tick()
    await sender.drain()
    [row] = await group_rows(bot)
    assert row.status == "pending"
    assert timedelta(seconds=55) < row.not_before - bot.clock.now() <= timedelta(seconds=60)
    assert len(request.sent("sendMessage", CREW_ID)) == 19
    await time_.sleep(61)
    bot.clock.set(row.not_before)
    await sender.drain()
    [row] = await group_rows(bot)
    assert row.status == "sent"
    assert "Day " in request.sent("sendMessage", CREW_ID)[-1].text
    await api.shutdown()
