"""`Sandbox`: a local Telegram Bot API server and the people who talk to the bot.

The bot under test runs unchanged, pointed at `sandbox.url + "/bot"`. The
sandbox answers its Bot API calls as Telegram would (shapes, limits, errors,
flood control) and lets a test or a console act as users: send text, press
buttons, make inline queries, block the bot. See `bot/sandbox/__init__.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from bot.sandbox.api import BotApi, check_content, scope_key
from bot.sandbox.entities import command_entities
from bot.sandbox.errors import METHOD_NOT_FOUND, NOT_FOUND, ApiError
from bot.sandbox.limits import FloodControl
from bot.sandbox.model import (
    CallbackQueryRecord,
    InlineQueryRecord,
    SandboxChat,
    SandboxMessage,
    SandboxUser,
)
from bot.sandbox.params import read_params
from bot.sandbox.state import SandboxError, SandboxState
from bot.sandbox.wire import Wire
from bot.webapp.initdata import fields_for, sign

log = logging.getLogger(__name__)

MAX_UPLOAD = 60 * 1024 * 1024
# The theme a Telegram client passes to a Mini App (a light one, as the sandbox shows).
SANDBOX_THEME = {
    "bg_color": "#ffffff", "text_color": "#1b1b1f", "hint_color": "#6b6f76",
    "link_color": "#1d5fb8", "button_color": "#2a73d6", "button_text_color": "#ffffff",
    "secondary_bg_color": "#f1f2f5", "section_separator_color": "#d9dbe0",
    "destructive_text_color": "#c0362c",
}  # fmt: skip

# Which calls to answer late: (method, params) -> bool.
CallPredicate = Callable[[str, dict[str, Any]], bool]


@dataclass
class SlowRule:
    """Calls matching `predicate` are answered `seconds` late, `times` times (None: always)."""

    predicate: CallPredicate
    seconds: float
    times: int | None = None
    hits: int = 0


class Sandbox(SandboxState):
    """A Bot API stand-in on 127.0.0.1 with a control interface to act as users.

    `Sandbox(token)` serves exactly that token; `Sandbox(bot_id=...)` any token
    of that bot; `Sandbox()` adopts the bot of the first token it sees.
    Flood control is on unless `enforce_rate_limits=False`; `now` (unix
    seconds, message dates) and `monotonic` (flood control) can be replaced.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_id: int | None = None,
        bot_username: str = "sandbox_bot",
        bot_first_name: str = "Sandbox Bot",
        enforce_rate_limits: bool = True,
        group_privacy: bool = True,
        now: Callable[[], float] | None = None,
        monotonic: Callable[[], float] | None = None,
        flood: FloodControl | None = None,
        latency: float = 0.0,
        jitter: float = 0.0,
        seed: int | None = None,
    ) -> None:
        extra: dict[str, Any] = {}
        if now is not None:
            extra["now"] = now
        if monotonic is not None:
            extra["monotonic"] = monotonic
        super().__init__(
            token,
            bot_id=bot_id,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            enforce_rate_limits=enforce_rate_limits,
            group_privacy=group_privacy,
            flood=flood,
            **extra,
        )
        self.api = BotApi(self)
        self.set_latency(latency, jitter, seed)
        self.slow_rules: list[SlowRule] = []
        self._user_ids = itertools.count(100_001)
        self._group_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._wire: Wire | None = None
        self._url: str | None = None

    # -- server ----------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        """The aiohttp application: Bot API, file downloads and the control endpoints."""
        from bot.sandbox.control import control_routes

        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.add_routes(control_routes(self))
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0: any free port); `url` tells where."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        self.closing = False
        runner = web.AppRunner(
            self.build_app(), access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await runner.setup()
        # The Bot API listens on a loopback port of its own; bots reach it through
        # the wire (`bot.sandbox.wire`), which carries what a client sent to the
        # server even if the client dies right after, as a real network does.
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        inner = next(iter(runner.addresses))
        wire = Wire((str(inner[0]), int(inner[1])))
        try:
            address = await wire.start(host, port)
        except BaseException:
            self._runner = None
            await runner.cleanup()
            raise
        self._wire = wire
        self._url = f"http://{address[0]}:{address[1]}"
        log.info("sandbox: Bot API listening on %s (bot %d)", self._url, self.bot.id)

    @property
    def url(self) -> str:
        """The server root, e.g. http://127.0.0.1:43111 (the bot's base_url is url + "/bot")."""
        if self._url is None:
            raise RuntimeError("the sandbox is not running; await start() first")
        return self._url

    async def stop(self) -> None:
        """Answer the waiting long polls, then close the server."""
        self.closing = True
        self.touch()
        await self.api.webhook.delete()
        runner, self._runner = self._runner, None
        wire, self._wire = self._wire, None
        if wire is not None:
            await wire.stop()
        if runner is not None:
            await runner.cleanup()
        self._url = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def set_latency(self, latency: float, jitter: float = 0.0, seed: int | None = None) -> None:
        """Answer every Bot API call after about `latency` seconds (± `jitter`),
        as Telegram does over a real network: half on the way in, half out."""
        if latency < 0 or jitter < 0 or jitter > latency:
            raise SandboxError("latency and jitter are seconds, with 0 <= jitter <= latency")
        self.latency, self.jitter = latency, jitter
        self._random = random.Random(seed)

    def _leg(self) -> float:
        if not self.latency:
            return 0.0
        return max(0.0, self.latency + self._random.uniform(-self.jitter, self.jitter)) / 2

    def slow_down(
        self, predicate: CallPredicate, seconds: float, times: int | None = None
    ) -> SlowRule:
        """Answer Bot API calls for which `predicate(method, params)` holds `seconds` late.

        The call is carried out at once (a message is delivered) and only its
        answer is held back, as when Telegram's answer is lost or slow: a client
        with a shorter timeout sees a timeout for a message that went out.
        `times` limits how many calls are slowed (None: all); the rule's `hits`
        counts them.
        """
        if seconds < 0:
            raise SandboxError("a delay is a number of seconds, 0 or more")
        rule = SlowRule(predicate, seconds, times)
        self.slow_rules.append(rule)
        return rule

    def slow_chat(self, chat_id: int, seconds: float, times: int | None = None) -> SlowRule:
        """Answer sends and edits to one chat `seconds` late (see `slow_down`)."""
        return self.slow_down(
            lambda _, params: str(params.get("chat_id")) == str(chat_id), seconds, times
        )

    def _extra_delay(self, method: str, params: dict[str, Any]) -> float:
        for rule in self.slow_rules:
            if (rule.times is None or rule.hits < rule.times) and rule.predicate(method, params):
                rule.hits += 1
                return rule.seconds
        return 0.0

    async def _handle_api(self, request: web.Request) -> web.Response:
        params: dict[str, Any] = {}
        arriving = self._arrive_and_answer(request, params)
        if request.match_info["method"] == "getUpdates":
            response = await arriving  # a long poll ends with its client
        else:
            # A request that has left the client arrives and is carried out,
            # whatever becomes of the client meanwhile (its kernel still sends
            # what was written, as after a kill -9); only the answer's way back
            # ends when the client goes.
            response = await asyncio.shield(arriving)
        extra = self._extra_delay(request.match_info["method"], params)
        if self.latency or extra:
            await asyncio.sleep(self._leg() + extra)  # the answer on its way back
        return response

    async def _arrive_and_answer(
        self, request: web.Request, params: dict[str, Any]
    ) -> web.Response:
        if request.match_info["method"] != "getUpdates":
            # What arrived is kept now: had the client died meanwhile, aiohttp would
            # refuse to hand over a body that is already here.
            with contextlib.suppress(Exception):  # a body cut short is refused below
                await request.read()
        if self.latency:
            await asyncio.sleep(self._leg())  # the request on its way to Telegram
        return await self._answer_api(request, params)

    async def _answer_api(self, request: web.Request, params_log: dict[str, Any]) -> web.Response:
        """Answer one call; `params_log` receives its parameters (as logged)."""
        method = request.match_info["method"]
        refused = self.check_token(request.match_info["token"])
        if refused is not None:
            self.log_call(method, {}, refused)
            return web.json_response(refused.payload(), status=refused.code)
        try:
            params = await read_params(request)
            params_log.update(params.loggable())
            implementation = self.api.method(method)
            if implementation is None:
                raise ApiError(404, METHOD_NOT_FOUND)
            result = await implementation(params)
        except ApiError as error:
            self.log_call(method, params_log, error)
            return web.json_response(error.payload(), status=error.code)
        except Exception as exc:  # a sandbox bug: answer like a server error, keep going
            log.exception("sandbox: %s failed", method)
            failure = ApiError(500, f"Internal Server Error: {exc}")
            self.log_call(method, params_log, failure)
            return web.json_response(failure.payload(), status=500)
        self.log_call(method, params_log, None)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        refused = self.check_token(request.match_info["token"])
        stored = self.file_by_path(request.match_info["path"])
        if refused is not None or stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": NOT_FOUND}, status=404
            )
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # -- people and chats --------------------------------------------------------------------
    def add_user(
        self,
        first_name: str,
        username: str | None = None,
        user_id: int | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> SandboxUser:
        """A new Telegram user with a private chat with the bot (chat id == user id)."""
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.users or user_id in self.chats:
                user_id = next(self._user_ids)
        if user_id <= 0:
            raise SandboxError("user ids are positive")
        if user_id in self.users:
            raise SandboxError(f"user {user_id} already exists")
        user = SandboxUser(
            id=user_id,
            first_name=first_name,
            username=username,
            last_name=last_name,
            language_code=language_code,
        )
        self.users[user_id] = user
        self.chats[user_id] = SandboxChat(id=user_id, type="private", user=user)
        self.touch()
        return user

    def add_group(
        self,
        title: str,
        member_ids: Iterable[int] = (),
        *,
        chat_id: int | None = None,
        supergroup: bool = False,
        added_by: int | None = None,
    ) -> SandboxChat:
        """A group the bot is in; `added_by` (a member) also queues the my_chat_member update."""
        if chat_id is None:
            number = next(self._group_ids)
            chat_id = -(1_000_000_000_000 + number) if supergroup else -(4_000_000_000 + number)
        if chat_id >= 0 or chat_id in self.chats:
            raise SandboxError(f"group id {chat_id} is taken or not negative")
        members = set(member_ids)
        for member in members:
            self.user(member)
        chat = SandboxChat(
            id=chat_id,
            type="supergroup" if supergroup else "group",
            title=title,
            member_ids=members,
        )
        self.chats[chat_id] = chat
        if added_by is not None:
            adder = self.user(added_by)
            chat.member_ids.add(adder.id)
            self._my_chat_member(adder, chat, {"status": "left"}, {"status": "member"})
        self.touch()
        return chat

    def join_group(self, user_id: int, chat_id: int) -> None:
        """Make a user a member of a group."""
        self._group(chat_id).member_ids.add(self.user(user_id).id)

    def user(self, user_id: int) -> SandboxUser:
        user = self.users.get(user_id)
        if user is None:
            raise SandboxError(f"no user {user_id}; add_user() first")
        return user

    def chat(self, chat_id: int) -> SandboxChat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise SandboxError(f"no chat {chat_id}")
        return chat

    def _group(self, chat_id: int) -> SandboxChat:
        chat = self.chat(chat_id)
        if not chat.is_group:
            raise SandboxError(f"chat {chat_id} is not a group")
        return chat

    def _chat_of(self, user: SandboxUser, chat_id: int | None) -> SandboxChat:
        """The chat a user writes in: their private chat, or a group they belong to."""
        if chat_id is None or chat_id == user.id:
            return self.chats[user.id]
        chat = self.chat(chat_id)
        if not chat.is_group or user.id not in chat.member_ids:
            raise SandboxError(f"user {user.id} cannot write in chat {chat_id}")
        return chat

    def _sender(self, user_id: int) -> SandboxUser:
        user = self.user(user_id)
        if user.deactivated:
            raise SandboxError(f"user {user_id} is deactivated")
        if user.blocked:
            raise SandboxError(f"user {user_id} blocked the bot; unblock() first")
        return user

    # -- acting as users -----------------------------------------------------------------------
    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> SandboxMessage:
        """A user writes `text`; /commands get bot_command entities. Queues the update."""
        user = self._sender(user_id)
        if not text.strip():
            raise SandboxError("Telegram clients do not send empty messages")
        chat = self._chat_of(user, chat_id)
        message = self.new_message(
            chat,
            user,
            text=text,
            entities=command_entities(text),
            source=text,
            reply_to=self._replied(chat, reply_to_message_id),
        )
        self._deliver(message)
        return message

    def edit_text(self, user_id: int, chat_id: int, message_id: int, text: str) -> SandboxMessage:
        """A user edits one of their text messages; queues an edited_message update."""
        user = self._sender(user_id)
        chat = self._chat_of(user, chat_id)
        message = chat.find(message_id)
        if message is None or message.sender.id != user.id or message.text is None:
            raise SandboxError(f"user {user_id} has no text message {message_id} in chat {chat_id}")
        if not text.strip():
            raise SandboxError("Telegram clients do not send empty messages")
        message.text, message.source, message.entities = text, text, command_entities(text)
        message.edit_date = self.now()
        message.edits += 1
        self.touch()
        self._deliver(message, "edited_message")
        return message

    def send_photo(
        self,
        user_id: int,
        data: bytes,
        caption: str | None = None,
        chat_id: int | None = None,
        *,
        file_name: str = "photo.jpg",
    ) -> SandboxMessage:
        """A user sends a photo (the bytes are kept; the bot can getFile them)."""
        return self._send_file(user_id, "photo", data, caption, chat_id, file_name, "image/jpeg")

    def send_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        caption: str | None = None,
        chat_id: int | None = None,
        *,
        mime_type: str | None = None,
    ) -> SandboxMessage:
        """A user sends a file as a document."""
        return self._send_file(user_id, "document", data, caption, chat_id, file_name, mime_type)

    def _send_file(
        self,
        user_id: int,
        kind: str,
        data: bytes,
        caption: str | None,
        chat_id: int | None,
        file_name: str,
        mime_type: str | None,
    ) -> SandboxMessage:
        user = self._sender(user_id)
        chat = self._chat_of(user, chat_id)
        stored = self.store_file(kind, data, file_name=file_name, mime_type=mime_type)
        fields: dict[str, Any] = {kind: stored}
        message = self.new_message(chat, user, caption=caption or None, source=caption, **fields)
        self._deliver(message)
        return message

    def send_sticker(
        self, user_id: int, emoji: str = "👍", chat_id: int | None = None
    ) -> SandboxMessage:
        """A user sends a sticker: the bot gets its emoji and a file id (no caption, no text)."""
        user = self._sender(user_id)
        chat = self._chat_of(user, chat_id)
        stored = self.store_file("sticker", b"", file_name="sticker.webp", mime_type="image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        message = self.new_message(chat, user, attachment={"sticker": sticker})
        self._deliver(message)
        return message

    def send_location(
        self, user_id: int, latitude: float, longitude: float, chat_id: int | None = None
    ) -> SandboxMessage:
        """A user shares a location (latitude -90 to 90, longitude -180 to 180)."""
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise SandboxError("latitude is -90 to 90 and longitude -180 to 180")
        user = self._sender(user_id)
        chat = self._chat_of(user, chat_id)
        location = {"latitude": latitude, "longitude": longitude}
        message = self.new_message(chat, user, attachment={"location": location})
        self._deliver(message)
        return message

    def _replied(self, chat: SandboxChat, message_id: int | None) -> SandboxMessage | None:
        if message_id is None:
            return None
        found = chat.find(message_id)
        if found is None:
            raise SandboxError(f"no message {message_id} in chat {chat.id}")
        return found

    def _deliver(self, message: SandboxMessage, kind: str = "message") -> None:
        """Queue a user's message for the bot, unless group privacy hides it."""
        if message.chat.is_group and self.group_privacy and not self._bot_sees(message):
            log.debug("sandbox: privacy mode hides message %d", message.message_id)
            return
        self.enqueue(kind, message.to_api())

    def _bot_sees(self, message: SandboxMessage) -> bool:
        """Privacy mode: commands, replies to the bot, mentions, messages via the bot."""
        if message.via_bot is not None and message.via_bot.id == self.bot.id:
            return True
        if message.reply_to is not None and message.reply_to.sender.id == self.bot.id:
            return True
        text = message.shown
        username = (self.bot.username or "").lower()
        if username and f"@{username}" in text.lower():
            return True
        for entity in message.entities:
            if entity["type"] == "bot_command":
                command = _utf16_slice(text, entity["offset"], entity["length"])
                target = command.partition("@")[2].lower()
                if not target or target == username:
                    return True
        return False

    def press_button(self, user_id: int, chat_id: int, message_id: int, callback_data: str) -> str:
        """A user taps the inline button carrying `callback_data`; returns the query id."""
        user, chat, message = self._pressed(user_id, chat_id, message_id)
        if not any(button.get("callback_data") == callback_data for button in message.buttons):
            raise SandboxError(
                f"message {message_id} has no button with callback_data {callback_data!r}"
            )
        return self._press(user, chat, message, callback_data)

    def forge_press(self, user_id: int, chat_id: int, message_id: int, callback_data: str) -> str:
        """A modified client sends a button press on a message with data of its
        choosing, which no button of that message carries. Telegram passes on any
        1 to 64 bytes; returns the query id."""
        user, chat, message = self._pressed(user_id, chat_id, message_id)
        if not 1 <= len(callback_data.encode()) <= 64:
            raise SandboxError("callback data is 1 to 64 bytes")
        return self._press(user, chat, message, callback_data)

    def _pressed(
        self, user_id: int, chat_id: int, message_id: int
    ) -> tuple[SandboxUser, SandboxChat, SandboxMessage]:
        user = self._sender(user_id)
        chat = self._chat_of(user, chat_id)
        message = chat.find(message_id)
        if message is None:
            raise SandboxError(f"no message {message_id} in chat {chat_id}")
        return user, chat, message

    def _press(
        self, user: SandboxUser, chat: SandboxChat, message: SandboxMessage, callback_data: str
    ) -> str:
        query_id = str(self.next_id())
        record = CallbackQueryRecord(
            id=query_id,
            user_id=user.id,
            chat_id=None if message.inline_message_id else chat.id,
            message_id=None if message.inline_message_id else message.message_id,
            inline_message_id=message.inline_message_id,
            data=callback_data,
            pressed_at=self.monotonic(),
        )
        self.callback_queries[query_id] = record
        payload: dict[str, Any] = {
            "id": query_id,
            "from": user.to_api(),
            "chat_instance": f"sandbox{abs(chat.id)}",
            "data": callback_data,
        }
        if message.inline_message_id:
            payload["inline_message_id"] = message.inline_message_id
        else:
            payload["message"] = message.to_api()
        self.enqueue("callback_query", payload)
        return query_id

    def callback_answer(self, query_id: str) -> CallbackQueryRecord:
        """The button press and, once the bot answered, `answered`, `text`, `show_alert`."""
        record = self.callback_queries.get(query_id)
        if record is None:
            raise SandboxError(f"no callback query {query_id}")
        return record

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the bot, not for I/O
    ) -> CallbackQueryRecord:
        """Wait until the bot answers the button press."""
        record = self.callback_answer(query_id)
        return await self.wait_for(lambda: record if record.answered else None, timeout)

    def send_inline_query(self, user_id: int, query: str, offset: str = "") -> str:
        """A user types `@bot query`; returns the inline query id."""
        user = self._sender(user_id)
        query_id = str(self.next_id())
        self.inline_queries[query_id] = InlineQueryRecord(query_id, user.id, query, offset)
        self.enqueue(
            "inline_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "query": query,
                "offset": offset,
                "chat_type": "sender",
            },
        )
        return query_id

    async def inline_query(
        self,
        user_id: int,
        query: str,
        offset: str = "",
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the bot, not for I/O
    ) -> list[dict[str, Any]]:
        """Make an inline query and wait for the results the bot answers with."""
        record = self.inline_queries[self.send_inline_query(user_id, query, offset)]
        await self.wait_for(lambda: record.answered, timeout)
        return list(record.results)

    def choose_inline_result(
        self, user_id: int, chat_id: int, result_id: str, query_id: str | None = None
    ) -> SandboxMessage:
        """The user picks a result: it is sent into `chat_id` as their message via the bot."""
        user = self._sender(user_id)
        chat = self._chat_of(user, chat_id)
        record = self._inline_record(user.id, result_id, query_id)
        result = next(r for r in record.results if str(r.get("id")) == result_id)
        markup = result.get("reply_markup")
        inline_id = f"sandbox-inline-{self.next_id()}" if markup else None
        message = self.new_message(
            chat,
            user,
            via_bot=self.bot,
            reply_markup=markup,
            inline_message_id=inline_id,
            **self._result_fields(result),
        )
        if inline_id is not None:
            self.inline_messages[inline_id] = message
        chosen: dict[str, Any] = {
            "result_id": result_id,
            "from": user.to_api(),
            "query": record.query,
        }
        if inline_id is not None:
            chosen["inline_message_id"] = inline_id
        self.enqueue("chosen_inline_result", chosen)
        self._deliver(message)
        return message

    def _inline_record(
        self, user_id: int, result_id: str, query_id: str | None
    ) -> InlineQueryRecord:
        candidates = (
            [self.inline_queries[query_id]]
            if query_id is not None and query_id in self.inline_queries
            else [r for r in reversed(self.inline_queries.values()) if r.user_id == user_id]
        )
        for record in candidates:
            if record.answered and any(str(r.get("id")) == result_id for r in record.results):
                return record
        raise SandboxError(f"no answered inline query of user {user_id} offers {result_id!r}")

    def _result_fields(self, result: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._result_content(result)
        except ApiError as error:
            raise SandboxError(f"result {result.get('id')!r}: {error.description}") from error

    def _result_content(self, result: dict[str, Any]) -> dict[str, Any]:
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            text = str(content["message_text"])
            parse_mode = content.get("parse_mode")
            plain, found = check_content(text, parse_mode, content.get("entities"), caption=False)
            return {"text": plain, "entities": found, "source": text, "parse_mode": parse_mode}
        kind = result.get("type")
        if kind not in ("photo", "document"):
            raise SandboxError(f"the sandbox cannot send {kind!r} results without message text")
        fields: dict[str, Any] = {}
        caption = result.get("caption")
        if caption:
            parse_mode = result.get("parse_mode")
            plain, found = check_content(
                str(caption), parse_mode, result.get("caption_entities"), caption=True
            )
            fields.update(
                caption=plain, caption_entities=found, source=caption, parse_mode=parse_mode
            )
        file_id = result.get(f"{kind}_file_id")
        if file_id is not None:
            stored = self.files.get(str(file_id))
            if stored is None:
                raise SandboxError(f"unknown file_id {file_id!r}")
        else:
            url = str(result.get(f"{kind}_url", ""))
            stored = self.store_file(
                str(kind), b"", file_name=result.get("title") or url.rsplit("/", 1)[-1], url=url
            )
        fields[str(kind)] = stored
        return fields

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them answer 403; my_chat_member 'kicked'."""
        user = self.user(user_id)
        if user.blocked:
            return
        user.blocked = True
        self._my_chat_member(
            user, self.chats[user.id], {"status": "member"}, {"status": "kicked", "until_date": 0}
        )

    def unblock(self, user_id: int) -> None:
        """The user restarts the bot: my_chat_member 'member'."""
        user = self.user(user_id)
        if not user.blocked:
            return
        user.blocked = False
        self._my_chat_member(
            user, self.chats[user.id], {"status": "kicked", "until_date": 0}, {"status": "member"}
        )

    def deactivate(self, user_id: int) -> None:
        """The user deletes their account: sends to them answer 403 "user is deactivated"."""
        self.user(user_id).deactivated = True
        self.touch()

    def _my_chat_member(
        self,
        user: SandboxUser,
        chat: SandboxChat,
        old: dict[str, Any],
        new: dict[str, Any],
    ) -> None:
        bot = self.bot.to_api()
        self.enqueue(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": user.to_api(),
                "date": self.now(),
                "old_chat_member": {**old, "user": bot},
                "new_chat_member": {**new, "user": bot},
            },
        )

    # -- reading -------------------------------------------------------------------------------
    def open_web_app(self, user_id: int, url: str) -> str:
        """The address a Telegram client opens for a Mini App button: `url` with
        Telegram's launch fragment (init data signed with this sandbox's token
        for the user, the version, a light theme)."""
        if self._token is None:
            raise SandboxError("the sandbox needs its token to sign init data")
        user = self.user(user_id)
        signed_at = datetime.fromtimestamp(self.now(), UTC)
        fields = fields_for(user.id, user.first_name, signed_at, user.language_code)
        launch = {
            "tgWebAppData": sign(self._token, fields),
            "tgWebAppVersion": "8.0",
            "tgWebAppPlatform": "sandbox",
            "tgWebAppThemeParams": json.dumps(SANDBOX_THEME, separators=(",", ":")),
        }
        return f"{url.split('#')[0]}#{urlencode(launch, quote_via=quote)}"

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        """The menu button a chat shows (setChatMenuButton), or the default one."""
        found = self.menu_buttons.get(chat_id)
        if found is None and chat_id is not None:
            found = self.menu_buttons.get(None)
        return found or {"type": "commands"}

    def messages(self, chat_id: int) -> list[SandboxMessage]:
        """The chat's messages in order (deleted ones left out)."""
        return [m for m in self.chat(chat_id).messages if not m.deleted]

    def bot_messages_for(self, user_id: int) -> list[SandboxMessage]:
        """What the bot sent to a user's private chat, in order."""
        return [m for m in self.messages(user_id) if m.from_bot]

    def last_bot_message(self, chat_id: int) -> SandboxMessage | None:
        sent = [m for m in self.messages(chat_id) if m.from_bot]
        return sent[-1] if sent else None

    def message(self, chat_id: int, message_id: int) -> SandboxMessage:
        found = self.chat(chat_id).find(message_id)
        if found is None:
            raise SandboxError(f"no message {message_id} in chat {chat_id}")
        return found

    def file_bytes(self, file_id: str) -> bytes:
        stored = self.files.get(file_id)
        if stored is None:
            raise SandboxError(f"no file {file_id}")
        return stored.data

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands the bot set for a scope (default scope when None)."""
        return list(self.commands.get(scope_key(scope, language_code), []))

    async def wait_for_bot_message(
        self,
        chat_id: int,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the bot, not for I/O
    ) -> SandboxMessage:
        """The first bot message in `chat_id` with a message_id above `after`."""

        def found() -> SandboxMessage | None:
            return next(
                (m for m in self.messages(chat_id) if m.from_bot and m.message_id > after), None
            )

        return await self.wait_for(found, timeout)


def _utf16_slice(text: str, offset: int, length: int) -> str:
    encoded = text.encode("utf-16-le")
    return encoded[offset * 2 : (offset + length) * 2].decode("utf-16-le")
