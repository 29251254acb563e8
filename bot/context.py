"""The typed callback context and the application-wide resources it carries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.clock import Clock, SystemClock
from bot.config import Settings

if TYPE_CHECKING:
    from bot.catalog.library import Library
    from bot.db.session import Database
    from bot.services.members import MemberService
    from bot.services.updates import UpdateLog


class BotData:
    """Long-lived resources shared by every handler (PTB's `bot_data`).

    Settings and the clock are set when the application is built; the database
    and the services exist between post_init and post_shutdown.
    """

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.clock: Clock = SystemClock()
        self._library: Library | None = None
        self._database: Database | None = None
        self._members: MemberService | None = None
        self._updates: UpdateLog | None = None

    def open(self, database: Database, members: MemberService, updates: UpdateLog) -> None:
        """Attach the resources opened in post_init."""
        self._database = database
        self._members = members
        self._updates = updates

    @property
    def library(self) -> Library:
        """The validated content and its search indexes."""
        if self._library is None:
            raise RuntimeError("the content is not loaded")
        return self._library

    @library.setter
    def library(self, value: Library) -> None:
        self._library = value

    @property
    def database(self) -> Database:
        """The open database."""
        if self._database is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return self._database

    @property
    def members(self) -> MemberService:
        """The member service."""
        if self._members is None:
            raise RuntimeError("services are not ready (post_init has not run)")
        return self._members

    @property
    def updates(self) -> UpdateLog:
        """The processed-update log."""
        if self._updates is None:
            raise RuntimeError("services are not ready (post_init has not run)")
        return self._updates

    @property
    def config(self) -> Settings:
        """The settings the application was built with."""
        if self.settings is None:
            raise RuntimeError("the application was built without settings")
        return self.settings


ChatData = dict[object, object]
UserData = dict[object, object]


class BotContext(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    """CallbackContext with typed `bot_data`."""


BotApplication = Application[
    ExtBot[None], BotContext, UserData, ChatData, BotData, JobQueue[BotContext]
]
