"""The typed callback context and the application-wide resources it carries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.metrics import Metrics

if TYPE_CHECKING:
    from bot.background import HeavyWork
    from bot.catalog.library import Libraries, Library
    from bot.db.session import Database
    from bot.delivery.monitor import BroadcastMonitor
    from bot.delivery.sender import Sender
    from bot.delivery.tick import Ticker
    from bot.intake.dispatcher import Dispatcher
    from bot.services.broadcasts import BroadcastService
    from bot.services.checkins import CheckinService
    from bot.services.digests import DigestService
    from bot.services.feedback import FeedbackService
    from bot.services.groups import GroupService
    from bot.services.members import MemberService
    from bot.services.planner import SessionPlanner
    from bot.services.preferences import PreferencesService
    from bot.services.staff import StaffService
    from bot.services.stats import StatsService


@dataclass
class Worker:
    """A long-running task of the application and the event that stops it."""

    stop: asyncio.Event
    task: asyncio.Task[None]


@dataclass
class Services:
    """Everything opened in post_init, closed in post_shutdown."""

    database: Database
    members: MemberService
    preferences: PreferencesService
    planner: SessionPlanner
    checkins: CheckinService
    dispatcher: Dispatcher
    heavy: HeavyWork
    ticker: Ticker
    sender: Sender
    staff: StaffService
    broadcasts: BroadcastService
    stats: StatsService
    monitor: BroadcastMonitor
    feedback: FeedbackService
    digests: DigestService
    groups: GroupService


class BotData:
    """Long-lived resources shared by every handler (PTB's `bot_data`).

    Settings, clock and content are set when the application is built; the
    services exist between post_init and post_shutdown.
    """

    def __init__(self) -> None:
        self._config: Settings | None = None
        self.clock: Clock = SystemClock()
        self.run_workers = True
        # The process's counters for /metrics (bot.metrics), shared by every part.
        self.metrics = Metrics()
        self._libraries: Libraries | None = None
        self._services: Services | None = None
        # Tasks started in post_init (the outbox sender), stopped in post_stop.
        self.workers: list[Worker] = []
        # Work handlers started after answering (bot.background.spawn).
        self.background: set[asyncio.Task[None]] = set()

    def open(self, services: Services) -> None:
        """Attach the resources opened in post_init."""
        self._services = services

    @property
    def services(self) -> Services:
        """The open services (RuntimeError before post_init)."""
        if self._services is None:
            raise RuntimeError("services are not ready (post_init has not run)")
        return self._services

    @property
    def libraries(self) -> Libraries:
        """The validated content and its search indexes, one per language."""
        if self._libraries is None:
            raise RuntimeError("the content is not loaded")
        return self._libraries

    @libraries.setter
    def libraries(self, value: Libraries) -> None:
        self._libraries = value

    @property
    def library(self) -> Library:
        """The content in the language of the update being handled."""
        return self.libraries.current()

    @property
    def database(self) -> Database:
        return self.services.database

    @property
    def members(self) -> MemberService:
        return self.services.members

    @property
    def config(self) -> Settings:
        """The configuration the application was built with."""
        if self._config is None:
            raise RuntimeError("the application was built without configuration")
        return self._config

    @config.setter
    def config(self, value: Settings) -> None:
        self._config = value


ChatData = dict[object, object]
UserData = dict[object, object]


class BotContext(CallbackContext[ExtBot[Any], UserData, ChatData, BotData]):
    """CallbackContext with typed `bot_data`."""


BotApplication = Application[
    ExtBot[Any], BotContext, UserData, ChatData, BotData, JobQueue[BotContext]
]
