"""Keeps broadcasts moving and their progress messages current.

Runs every few seconds: queues scheduled broadcasts whose time has come (and
finishes queueing interrupted by a restart), marks finished ones done, and
edits each trainer's progress message at most once per EDIT_EVERY.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.clock import Clock
from bot.render.message import Rendered
from bot.render.trainers import progress
from bot.services.broadcasts import BroadcastService, BroadcastView

log = logging.getLogger(__name__)

EDIT_EVERY = timedelta(seconds=3)


class BroadcastMonitor:
    """One step per job run; the only state it keeps is when it last edited."""

    def __init__(
        self,
        broadcasts: BroadcastService,
        bot: Bot,
        clock: Clock,
        rate: float,
        paid_rate: float = 0.0,
    ) -> None:
        self._broadcasts = broadcasts
        self._bot = bot
        self._clock = clock
        self._rate = rate
        self._paid_rate = paid_rate
        self._last_edit: dict[int, datetime] = {}
        self._last_text: dict[int, str] = {}

    async def step(self) -> list[BroadcastView]:
        """Queue what is due, refresh progress messages; the views it looked at."""
        await self._broadcasts.resume_due()
        views = []
        for view in await self._broadcasts.active():
            view = await self._broadcasts.finish_if_done(view)
            await self.show(view)
            views.append(view)
        return views

    def render(self, view: BroadcastView) -> Rendered:
        """The progress message of a broadcast as of now."""
        rate = rate_of(view, self._rate, self._paid_rate)
        return progress(view, self._clock.now(), rate)

    async def show(self, view: BroadcastView, *, force: bool = False) -> None:
        """Edit the progress message if it changed and enough time has passed."""
        if view.progress_chat_id is None or view.progress_message_id is None:
            return
        now = self._clock.now()
        last = self._last_edit.get(view.id)
        if not force and not view.finished and last is not None and now - last < EDIT_EVERY:
            return
        rendered = self.render(view)
        if self._last_text.get(view.id) == rendered.text:
            return
        try:
            await self._bot.edit_message_text(
                rendered.text,
                chat_id=view.progress_chat_id,
                message_id=view.progress_message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=rendered.markup,
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning("could not update broadcast %s progress: %s", view.id, exc)
        except TelegramError as exc:
            log.warning("could not update broadcast %s progress: %s", view.id, exc)
            return
        self._last_edit[view.id] = now
        self._last_text[view.id] = rendered.text
        if view.finished:
            self._last_edit.pop(view.id, None)
            self._last_text.pop(view.id, None)


def rate_of(view: BroadcastView, rate: float, paid_rate: float) -> float:
    """The configured pace of a broadcast: paid ones at the paid rate (nudges never)."""
    return paid_rate if paid_rate > 0 and view.kind == "broadcast" else rate
