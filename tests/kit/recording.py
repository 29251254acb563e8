"""A Bot API stand-in that records every call and answers like Telegram.

No network is touched. Tests read `calls` (method, params) and can script
failures per method and chat with `fail_next` / `fail_when`; `TIMED_OUT` makes
a call time out after Telegram carried it out (the answer never came back), and
`HANGS` makes it wait for an answer forever (the sender died meanwhile).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.net import note_on_wire

BOT_ID = 7_000_000_001
BOT_USERNAME = "defy_gravity_test_bot"
TOKEN = f"{BOT_ID}:AAHq3x9Lk2vW8pZr4tYb6nMc1dFg7hJs5eQ"
EPOCH = 1_764_000_000


@dataclass
class Call:
    """One Bot API request as the bot made it."""

    method: str
    params: dict[str, Any]
    files: list[str] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    at: float = 0.0
    refused: Failure | None = None  # the scripted error Telegram answered, if any

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            return dict(json.loads(markup))
        return markup

    def buttons(self) -> list[dict[str, Any]]:
        """Every inline button of the call, row by row."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass
class Failure:
    """A scripted Telegram error: HTTP status, description, optional retry_after
    (429) or migrate_to_chat_id (a group that became a supergroup)."""

    status: int
    description: str
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None

    def body(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        parameters = {
            name: value
            for name, value in (
                ("retry_after", self.retry_after),
                ("migrate_to_chat_id", self.migrate_to_chat_id),
            )
            if value is not None
        }
        if parameters:
            payload["parameters"] = parameters
        return payload


FORBIDDEN_BLOCKED = Failure(403, "Forbidden: bot was blocked by the user")
TOO_MANY = Failure(429, "Too Many Requests: retry after 3", retry_after=3)
BAD_GATEWAY = Failure(502, "Bad Gateway")
# Not an answer: the call went through (a message is delivered) but its answer
# never arrived, so the client raises TimedOut.
TIMED_OUT = Failure(0, "Timed out")
# The request goes out and no answer ever comes (the sending process died).
HANGS = Failure(0, "No answer")

Predicate = Callable[[Call], bool]


class RecordingRequest(BaseRequest):
    """PTB request class that never opens a socket."""

    def __init__(self, monotonic: Callable[[], float] | None = None) -> None:
        self.monotonic = monotonic or (lambda: 0.0)
        self.calls: list[Call] = []
        self._message_ids = itertools.count(1000)
        self._rules: list[tuple[Predicate, Failure, int | None]] = []

    # -- BaseRequest ---------------------------------------------------------------
    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files: list[str] = []
        uploads: dict[str, bytes] = {}
        if request_data is not None and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                files.append(name)
                content = part[1] if isinstance(part, tuple) else part
                uploads[name] = (
                    content if isinstance(content, bytes) else bytes(str(content), "utf-8")
                )
        call = Call(api_method, params, files, uploads, self.monotonic())
        self.calls.append(call)
        note_on_wire()  # the request has gone out, as aiohttp tells the sender
        failure = self._scripted_failure(call)
        if failure is not None:
            call.refused = failure
            if failure is TIMED_OUT:
                raise TimedOut("Timed out (scripted)")
            if failure is HANGS:
                await asyncio.Event().wait()  # no answer, ever: the process is gone
            return failure.status, json.dumps(failure.body()).encode()
        result = self._result(call)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- scripting -----------------------------------------------------------------
    def fail_when(self, predicate: Predicate, failure: Failure, times: int | None = None) -> None:
        """Answer calls matching `predicate` with `failure` (`times` times, or always)."""
        self._rules.append((predicate, failure, times))

    def fail_next(self, method: str, failure: Failure, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with `failure`."""
        self.fail_when(lambda call: call.method == method, failure, times)

    def _scripted_failure(self, call: Call) -> Failure | None:
        for index, (predicate, failure, times) in enumerate(self._rules):
            if predicate(call):
                if times is not None:
                    if times <= 1:
                        self._rules.pop(index)
                    else:
                        self._rules[index] = (predicate, failure, times - 1)
                return failure
        return None

    # -- reading -------------------------------------------------------------------
    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        """Calls of `method` (default: every message-producing call), optionally to one chat."""
        methods = (
            {method}
            if method
            else {"sendMessage", "sendPhoto", "sendDocument", "copyMessage", "editMessageText"}
        )
        return [
            call
            for call in self.calls
            if call.method in methods and (chat_id is None or call.chat_id == chat_id)
        ]

    def last(self, method: str | None = None) -> Call:
        """The newest message-producing call (or of `method`)."""
        calls = self.sent(method)
        assert calls, f"no {method or 'message'} call was made; calls: {self.methods()}"
        return calls[-1]

    def methods(self) -> list[str]:
        """The method names called, in order."""
        return [call.method for call in self.calls]

    def clear(self) -> None:
        self.calls.clear()

    # -- Telegram-shaped results --------------------------------------------------
    def _result(self, call: Call) -> Any:
        method, params = call.method, call.params
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Defy Gravity",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if method == "getUpdates":
            return []
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            return self._message(call)
        if method == "copyMessage":
            return {"message_id": next(self._message_ids)}
        if method in ("editMessageText", "editMessageReplyMarkup", "editMessageCaption"):
            if "inline_message_id" in params:
                return True
            message = self._message(call)
            message["message_id"] = int(params.get("message_id", 0))
            return message
        return True

    def _message(self, call: Call) -> dict[str, Any]:
        chat_id = int(call.params.get("chat_id", 0))
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": EPOCH,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Defy Gravity"},
        }
        if call.method == "sendMessage" or call.method.startswith("edit"):
            message["text"] = call.params.get("text", "")
        if call.method == "sendPhoto":
            message["photo"] = [
                {"file_id": "photo-1", "file_unique_id": "p1", "width": 800, "height": 600}
            ]
            if "caption" in call.params:
                message["caption"] = call.params["caption"]
        if call.method == "sendDocument":
            message["document"] = {"file_id": "doc-1", "file_unique_id": "d1"}
        return message
