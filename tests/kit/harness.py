"""The bot under test: a real application on a recording Bot API and a manual clock.

`running_bot` builds the application exactly as `run` would (post_init
included) without polling; `Harness` feeds it real PTB updates. Every error
that reaches the application's error handler is recorded: a test in which a
handler crashed fails, unless it says it expects that with
`@pytest.mark.handler_errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import update as sa_update

from bot.app import build_application
from bot.background import settle
from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.config import Settings
from bot.context import BotApplication, BotContext
from bot.db.inbox import InboxRepository
from bot.db.models import InboxUpdate
from bot.db.status import InboxStatus
from tests.kit.asserts import assert_all_valid
from tests.kit.recording import RecordingRequest
from tests.kit.updates import TgUser, UpdateFactory


class Harness:
    """A running application wired to a recording Bot API and a manual clock."""

    def __init__(self, app: BotApplication, request: RecordingRequest, clock: ManualClock) -> None:
        self.app = app
        self.api = request
        self.clock = clock
        self.updates = UpdateFactory(app.bot)
        self.handler_errors: list[BaseException] = []

    async def send(self, update: Any) -> None:
        """Deliver one update as Telegram would: into the inbox, then through the
        dispatcher until nothing claimable is left (a repeat is ignored at insert)."""
        await self.store(update)
        await self.settle()

    async def settle(self) -> None:
        """Handle what is claimable, and wait for the background work it started."""
        dispatcher = self.app.bot_data.services.dispatcher
        await dispatcher.run_until_idle()
        while self.app.bot_data.background:
            await settle(self.app)
            await dispatcher.run_until_idle()

    async def later(self, seconds: float) -> None:
        """Move the clock on and handle what became due (retries of failed updates)."""
        self.clock.advance(timedelta(seconds=seconds))
        await self.settle()

    async def store(self, *updates: Any) -> int:
        """Put updates in the inbox without handling them; how many were new."""
        sessions = self.app.bot_data.database.sessions
        async with sessions.begin() as session:
            return await InboxRepository(session).store(
                [update.to_dict() for update in updates], self.clock.now()
            )

    async def handle_again(self, update: Any) -> None:
        """Handle an already handled update once more, as after a crash between
        its handler's effect and the row being marked done."""
        sessions = self.app.bot_data.database.sessions
        async with sessions.begin() as session:
            await session.execute(
                sa_update(InboxUpdate)
                .where(InboxUpdate.update_id == update.update_id)
                .values(status=InboxStatus.PENDING, finished_at=None)
            )
        await self.settle()

    async def command(self, user: TgUser, command: str, args: str = "", **kw: Any) -> None:
        await self.send(self.updates.command(user, command, args, **kw))

    async def text(self, user: TgUser, text: str, **kw: Any) -> None:
        await self.send(self.updates.message(user, text, **kw))

    def replies(self, chat_id: int) -> list[str]:
        return [call.text for call in self.api.sent(chat_id=chat_id)]

    @property
    def services(self) -> Any:
        return self.app.bot_data.services


@asynccontextmanager
async def running_bot(
    settings: Settings,
    clock: ManualClock,
    catalog: Catalog | Mapping[str, Catalog],
    *,
    request: RecordingRequest | None = None,
    check_output: bool = True,
) -> AsyncIterator[Harness]:
    """The bot, initialised as `run` would, without polling, the tick or the sender
    running on their own (tests run them by hand). `catalog`: the English
    content, or the content of each language by code."""
    request = request or RecordingRequest()
    app = build_application(
        settings,
        clock=clock,
        request=request,
        updates_request=request,
        catalog=catalog if isinstance(catalog, Catalog) else None,
        catalogs=None if isinstance(catalog, Catalog) else catalog,
        workers=False,
        rate_limiter=False,  # it paces in real time; tested on its own
    )
    harness = Harness(app, request, clock)

    async def record_error(update: object, context: BotContext) -> None:
        if context.error is not None:
            harness.handler_errors.append(context.error)

    app.add_error_handler(record_error)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()  # running, as in production (no jobs: workers=False)
    try:
        yield harness
        if check_output:
            # Whatever a test did, everything the bot sent must be acceptable to Telegram.
            assert_all_valid(request.sent())
            for call in request.calls:
                if call.method == "answerCallbackQuery":
                    assert len(str(call.params.get("text", ""))) <= 200, call.params
    finally:
        if app.running:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


@asynccontextmanager
async def second_instance(
    bot: Harness, request: RecordingRequest | None = None
) -> AsyncIterator[Harness]:
    """Another application on the same database and clock: a restart, or a second
    process. Its handler errors count as the first one's."""
    data = bot.app.bot_data
    catalogs = data.libraries.catalogs
    async with running_bot(data.config, bot.clock, catalogs, request=request) as other:
        try:
            yield other
        finally:
            bot.handler_errors.extend(other.handler_errors)
