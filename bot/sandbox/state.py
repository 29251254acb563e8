"""The sandbox's memory and the bookkeeping every part of it shares.

`SandboxState` holds the bot, users, chats, messages, files, the update queue
and the logs. The Bot API methods (`api.py`) and the control interface
(`server.py`) both work on it. Everything runs on one event loop: the one the
sandbox was started on.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import secrets
import struct
import time
from collections.abc import Callable
from typing import Any, TypeVar

from bot.sandbox.errors import CHAT_NOT_FOUND, NOT_FOUND, UNAUTHORIZED, ApiError
from bot.sandbox.limits import FloodControl
from bot.sandbox.model import (
    ApiCall,
    ApiErrorRecord,
    CallbackQueryRecord,
    InlineQueryRecord,
    SandboxChat,
    SandboxMessage,
    SandboxUser,
    StoredFile,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_BOT_ID = 1_000_000_001
_TOKEN_RE = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
# Updates Telegram sends when `allowed_updates` is empty or was never set.
_NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}


class SandboxError(ValueError):
    """A control-interface call that cannot happen (unknown user, missing button...)."""


class SandboxState:
    """Bot, users, chats, messages, files, updates and logs of one sandbox."""

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_id: int | None = None,
        bot_username: str = "sandbox_bot",
        bot_first_name: str = "Sandbox Bot",
        enforce_rate_limits: bool = True,
        group_privacy: bool = True,
        now: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        flood: FloodControl | None = None,
    ) -> None:
        if token is not None:
            match = _TOKEN_RE.match(token)
            if match is None:
                raise ValueError("token must look like <bot id>:<secret>")
            if bot_id is not None and bot_id != int(match.group(1)):
                raise ValueError("bot_id does not match the token")
            bot_id = int(match.group(1))
        self._token = token
        self._adopt_first_token = token is None and bot_id is None
        self.bot = SandboxUser(
            id=bot_id or DEFAULT_BOT_ID,
            first_name=bot_first_name,
            username=bot_username,
            language_code=None,
            is_bot=True,
        )
        self.enforce_rate_limits = enforce_rate_limits
        self.group_privacy = group_privacy
        self._now = now
        self.monotonic = monotonic
        self.flood = flood or FloodControl(monotonic)

        self.users: dict[int, SandboxUser] = {}
        self.chats: dict[int, SandboxChat] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # setMyDescription / setMyShortDescription: (kind, language_code) -> text.
        self.descriptions: dict[tuple[str, str], str] = {}
        # setChatMenuButton: per chat id, and the default one under None.
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.inline_queries: dict[str, InlineQueryRecord] = {}
        self.inline_messages: dict[str, SandboxMessage] = {}
        self.allowed_updates: list[str] | None = None
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._calls: list[ApiCall] = []
        self._errors: list[ApiErrorRecord] = []
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self.version = 0  # bumped on every change; long polls and waiters watch it
        self.closing = False

    # -- time ------------------------------------------------------------------------
    def now(self) -> int:
        """Unix time for message dates."""
        return int(self._now())

    # -- tokens ----------------------------------------------------------------------
    def check_token(self, token: str) -> ApiError | None:
        """None when the token belongs to this bot, else the error Telegram answers."""
        match = _TOKEN_RE.match(token)
        if match is None:
            return ApiError(404, NOT_FOUND)
        if self._token is not None:
            return (
                None if secrets.compare_digest(token, self._token) else ApiError(401, UNAUTHORIZED)
            )
        prefix = int(match.group(1))
        if self._adopt_first_token:
            self._adopt_first_token = False
            self.bot.id = prefix
            log.info("sandbox: serving bot %d (from the first token seen)", prefix)
        return None if prefix == self.bot.id else ApiError(401, UNAUTHORIZED)

    # -- change notification -----------------------------------------------------------
    def touch(self) -> None:
        """Record a change and wake everything waiting for one."""
        self.version += 1
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_change(self, timeout: float) -> None:  # noqa: ASYNC109 - a poll's own timeout
        """Return after the next change, or after `timeout` seconds."""
        if self.closing or timeout <= 0:
            return
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the bot, not for I/O
    ) -> T:
        """Wait until `predicate()` is truthy (checked after every change) and return it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            if self.closing:
                raise SandboxError("the sandbox has stopped")
            await self.wait_change(remaining)

    # -- ids ---------------------------------------------------------------------------
    def next_id(self) -> int:
        return next(self._ids)

    # -- updates -----------------------------------------------------------------------
    def enqueue(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue one update for getUpdates; returns its update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, kind: payload})
        log.debug("sandbox: update %d (%s)", update_id, kind)
        self.touch()
        return update_id

    @property
    def updates_queued(self) -> int:
        """How many updates were ever queued (grows with each one)."""
        return self._next_update_id - 1

    def _allowed(self, update: dict[str, Any]) -> bool:
        kind = next(key for key in update if key != "update_id")
        if not self.allowed_updates:
            return kind not in _NOT_BY_DEFAULT
        return kind in self.allowed_updates

    def confirm(self, offset: int | None) -> None:
        """Forget updates confirmed by `offset` (negative: keep only the last -offset)."""
        if offset is None:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def forget_update(self, update_id: int) -> None:
        """Forget one update (a webhook post of it was answered 2xx)."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        self.touch()

    def pending_updates(self, limit: int = 100) -> list[dict[str, Any]]:
        """Updates not yet confirmed, oldest first (dropping types the bot opted out of)."""
        self._updates = [u for u in self._updates if self._allowed(u)]
        return self._updates[:limit]

    def drop_pending_updates(self) -> None:
        self._updates = []
        self.touch()

    # -- chats and messages --------------------------------------------------------------
    def chat_for(self, chat_id: int | str) -> SandboxChat:
        """The chat, or the API's "chat not found"."""
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        return chat

    def new_message(self, chat: SandboxChat, sender: SandboxUser, **fields: Any) -> SandboxMessage:
        """Append a message to `chat` with the chat's next message id."""
        message = SandboxMessage(
            chat=chat, message_id=chat.next_message_id, date=self.now(), sender=sender, **fields
        )
        chat.next_message_id += 1
        chat.messages.append(message)
        markup = message.reply_markup or {}
        if sender.is_bot and "keyboard" in markup:
            chat.keyboard = markup
        elif sender.is_bot and "remove_keyboard" in markup:
            chat.keyboard = None
        self.touch()
        return message

    # -- files -----------------------------------------------------------------------------
    def store_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        """Keep the bytes and give them a file_id."""
        number = self.next_id()
        width, height = image_size(data) if kind == "photo" else (0, 0)
        stored = StoredFile(
            file_id=f"{kind[:3].upper()}-{number}-{secrets.token_hex(6)}",
            file_unique_id=f"u{number}",
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            url=url,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        for stored in self.files.values():
            if stored.file_path == path:
                return stored
        return None

    # -- logs ------------------------------------------------------------------------------
    def log_call(self, method: str, params: dict[str, Any], error: ApiError | None) -> None:
        self._calls.append(
            ApiCall(
                method=method,
                params=params,
                at=self._now(),
                ok=error is None,
                error_code=error.code if error else None,
                description=error.description if error else None,
            )
        )
        if error is not None:
            self._errors.append(
                ApiErrorRecord(method, error.code, error.description, error.retry_after, params)
            )
            log.info("sandbox: %s -> %d %s", method, error.code, error.description)
        else:
            log.debug("sandbox: %s ok", method)
        self.touch()

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every Bot API call so far (of one method, if given), oldest first."""
        return [c for c in self._calls if method is None or c.method.lower() == method.lower()]

    def errors(self) -> list[ApiErrorRecord]:
        """Every error the Bot API answered with, oldest first."""
        return list(self._errors)


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG (0, 0 when unknown)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            length = int.from_bytes(data[index + 2 : index + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + length
    return 0, 0
