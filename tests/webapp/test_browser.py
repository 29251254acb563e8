"""The Mini App in a real browser (Debian's Chromium at phone width) against the
real `bootcamp-bot run` process and the sandbox: a trainer finds the members at
risk, messages one (the message arrives in the member's chat), broadcasts to
her cohort and watches it finish; a member sees today's session, moves their
session time, and the session comes at the new time; a member who chose
French reads the tabs, headings, dates and an error in French.

Screenshots at 390 × 844 go to tests/artifacts/webapp/<engine>/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.db.dto import MemberDTO
from bot.db.models import Member
from bot.db.session import Database
from bot.sandbox import Sandbox
from bot.sandbox.webhook import free_port
from bot.services.feedback import FeedbackService
from bot.services.stats import StatsService
from tests.kit import live
from tests.kit.browser import Browser, available, chromium
from tests.kit.recording import TOKEN
from tests.kit.webapp import ADMIN_ID, TRAINER_ID, Community, seed

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "webapp"
COUNT = 60

# About 20 s per engine (a real process and a browser): inside the main suite's
# budget for one test; .ci/run installs Chromium.
pytestmark = pytest.mark.skipif(
    not available(), reason="needs chromium and chromium-driver (apt-get install)"
)


class Stage:
    def __init__(self, bot: live.BotProcess, community: Community, base: str) -> None:
        self.bot = bot
        self.sandbox = bot.sandbox
        self.community = community
        self.base = base

    async def choose_language(self, telegram_id: int, language: str) -> None:
        """What /language does to the member's row (the bot runs in another process)."""
        db = Database(self.bot.url)
        try:
            async with db.sessions.begin() as session:
                await session.execute(
                    update(Member)
                    .where(Member.telegram_id == telegram_id)
                    .values(language=language)
                )
        finally:
            await db.dispose()

    def launch(self, user_id: int) -> str:
        """What a Telegram client opens when this user taps their menu button."""
        button = self.sandbox.menu_button(user_id)
        assert button["type"] == "web_app", button
        return self.sandbox.open_web_app(user_id, button["web_app"]["url"])


@pytest.fixture
async def stage(db_url: str, tmp_path: Path, catalog: Catalog) -> AsyncIterator[Stage]:
    community = await seed(db_url, COUNT)
    db = Database(db_url)
    clock = ManualClock(live.at(6, 1))
    try:
        await StatsService(db.sessions, clock, catalog).refresh_stale(None)
        # Yesterday's note of a Spring member, for the trainer's feed.
        async with db.sessions() as session:
            row = await session.scalar(
                select(Member).where(Member.telegram_id == community.members[2])
            )
        assert row is not None
        yesterday = live.TODAY - timedelta(days=1)
        await FeedbackService(db.sessions, clock).note(
            MemberDTO.from_row(row), yesterday, "Felt strong on the bridges"
        )
    finally:
        await db.dispose()
    # The sandbox signs init data at the bot's time, which the test moves.
    offset = live.at(6, 1).timestamp() - time.time()
    sandbox = Sandbox(TOKEN, bot_username=live.BOT_USERNAME, now=lambda: time.time() + offset)
    await sandbox.start()
    for n, user_id in enumerate(community.members):
        sandbox.add_user(f"Member {n}", user_id=user_id)
    sandbox.add_user("Dana", user_id=ADMIN_ID)
    sandbox.add_user("Cora", user_id=TRAINER_ID)
    bot = live.BotProcess(db_url, sandbox, tmp_path, log_level="INFO")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bot.env.update(
        BOT_ADMIN_IDS=str(ADMIN_ID), BOT_HTTP_LISTEN=f"127.0.0.1:{port}", BOT_PUBLIC_URL=base
    )
    bot.set_clock(live.at(6, 1))
    bot.start()
    try:
        assert await live.poll_until(lambda: sandbox.menu_button(TRAINER_ID).get("web_app"), 60)
        yield Stage(bot, community, base)
    finally:
        code = await bot.stop()
        await sandbox.stop()
        log = bot.log()
        assert code == 0, log[-3000:]
        assert "Traceback" not in log, log[-3000:]


async def _select(browser: Browser, name: str, value: str) -> None:
    await browser.click(f'select[name="{name}"] option[value="{value}"]')


async def test_a_trainer_and_a_member_walk_the_app(stage: Stage, db_url: str) -> None:
    engine = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    shots = ARTIFACTS / engine
    community = stage.community
    sandbox = stage.sandbox
    spring = [t for n, t in enumerate(community.members) if n % 2 == 0]
    risky_spring = [t for t in community.at_risk if t in spring]
    assert risky_spring  # the seed puts members at risk in both cohorts
    async with chromium(shots) as browser:
        # The trainer: her dashboard, the members at risk, one of them.
        await browser.open(stage.launch(TRAINER_ID))
        total = await browser.wait_text("#roster-total", "members")
        assert total.startswith(f"{len(spring)} ")  # her cohort only
        await browser.screenshot("1-trainer-roster")
        await _select(browser, "filter", "risk")
        await browser.wait_text("#roster-total", "member", timeout=15)
        for _ in range(50):  # the table redraws once the filtered page is in
            shown = int((await browser.text("#roster-total")).split()[0])
            if shown < len(spring):
                break
            await asyncio.sleep(0.2)
        # Everyone without a check-in this week, and maybe a few whose week was poor.
        assert len(risky_spring) <= shown < len(spring)
        await browser.screenshot("2-trainer-at-risk")
        await browser.click("button[data-member]")
        await browser.find("#message-text")
        await browser.screenshot("3-trainer-member")
        name = await browser.text("main h2")
        member_tid = community.members[int(name.split()[1])]
        assert member_tid in spring
        await browser.type("#message-text", "Missed you this week: a short session today?")
        await browser.click("#message-send")
        await browser.wait_text("#message-status", "on its way")
        await browser.screenshot("4-trainer-message-sent")
        assert await live.poll_until(
            lambda: any(
                "Missed you this week" in (m.text or "") and "Coach Cora" in (m.text or "")
                for m in sandbox.messages(member_tid)
            ),
            20,
        ), "the message never reached the member's chat"

        # A broadcast to her cohort, and its progress to the end.
        await browser.click('button[data-view="broadcast"]')
        await browser.type("#broadcast-text", "**Spring**: Thursday's session moves to *18:00*")
        await browser.click("#broadcast-preview-button")
        await browser.wait_text("#broadcast-preview", f"{len(spring)} members get it")
        await browser.screenshot("5-trainer-broadcast-preview")
        await browser.click("#broadcast-send")
        await browser.wait_text("#broadcast-progress", "finished", timeout=60)
        await browser.screenshot("6-trainer-broadcast-finished")
        got = [
            t
            for t in community.members
            if any("Thursday" in (m.text or "") for m in sandbox.messages(t))
        ]
        assert sorted(got) == sorted(spring)
        await browser.click('button[data-view="adherence"]')
        await browser.find("svg.chart rect")
        await browser.screenshot("6b-trainer-adherence")
        await browser.click('button[data-view="feed"]')
        await browser.wait_text(".feed-entry", "Felt strong on the bridges")
        await browser.click(".feed-entry button")
        await browser.type(".feed-entry textarea", "Lovely: add a second set next time")
        await browser.click('.feed-entry button[type="submit"]')
        await browser.wait_text(".feed-entry p[aria-live]", "Sent to Member 2")
        await browser.screenshot("6c-trainer-feed-reply")
        assert await live.poll_until(
            lambda: any(
                "add a second set" in (m.text or "") for m in sandbox.messages(community.members[2])
            ),
            20,
        ), "the reply never reached the member's chat"

        # A member: today's session, then a later session time.
        member = community.members[4]
        await browser.open(stage.launch(member))
        await browser.wait_text("#today-session", "today")
        assert "20:00" in await browser.text("#next-session")
        await browser.screenshot("7-member-today")
        await browser.click('button[data-view="program"]')
        await browser.find("#today")
        await browser.screenshot("8-member-program")
        await browser.click('button[data-view="library"]')
        await browser.type('input[type="search"]', "glute med")
        await browser.wait_text("main ul li", "Gluteus medius")  # the search, not the featured list
        await browser.click("main ul button")
        await browser.find(".card-body")
        await browser.screenshot("8b-member-card")
        await browser.click('button[data-view="settings"]')
        await browser.find("#setting-time")
        await browser.script("document.getElementById('setting-time').value = '21:30';")
        await browser.click("#settings-save")
        await browser.wait_text("#settings-next", "21:30")
        await browser.screenshot("9-member-settings")

        # A member who chose French: the page is French, from the tabs to the dates.
        french = community.members[6]
        await stage.choose_language(french, "fr")
        await browser.open("about:blank")  # the same page with another fragment: load it anew
        await browser.open(stage.launch(french))
        await browser.wait_text("#today-session", "aujourd’hui")
        assert await browser.script("return document.documentElement.lang;") == "fr"
        tabs = await browser.script(
            "return Array.from(document.querySelectorAll('#tabs button'), b => b.textContent);"
        )
        assert tabs == ["Mes progrès", "Programme", "Bibliothèque", "Réglages"]
        assert (await browser.text("main h2")).startswith("Salut ")
        # (WebDriver reads the no-break space before the colon as a space.)
        assert await browser.text("#next-session") == "Prochaine séance : mar. 10 mars à 20:00"
        await browser.screenshot("10-member-french")
        await browser.click('button[data-view="settings"]')
        await browser.find("#setting-time")
        assert await browser.text("main h2") == "Réglages"
        assert await browser.console_errors() == []
        await browser.script("document.getElementById('setting-zone').value = 'Mars/Base';")
        await browser.click("#settings-save")
        await browser.wait_text("#settings-status", "n’est pas un fuseau horaire")
        await browser.screenshot("11-member-french-settings")
        refused = await browser.console_errors()  # the one the server refused, and no other
        assert len(refused) == 1, refused
        assert "my/settings" in refused[0]
        assert "400" in refused[0]

    # The session comes at the new time: not at 20:00 with the others, at 21:30.
    stage.bot.set_clock(live.at(20, 1))
    assert await live.poll_until(lambda: live.session_message(sandbox, community.members[0]), 30)
    await asyncio.sleep(2)
    assert live.session_message(sandbox, member) is None
    db = Database(db_url)
    try:
        async with db.sessions() as session:
            due = await session.scalar(
                select(Member.next_reminder_at).where(Member.telegram_id == member)
            )
    finally:
        await db.dispose()
    assert due == live.at(21, 30).astimezone(UTC).replace(tzinfo=due.tzinfo)
    stage.bot.set_clock(live.at(21, 31))
    assert await live.poll_until(lambda: live.session_message(sandbox, member), 30)
    print(f"\nscreenshots: {shots}")  # noqa: T201 - where to look at them
