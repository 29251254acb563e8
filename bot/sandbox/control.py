"""The control interface over HTTP, so another process can play the users.

Every endpoint lives under `/sandbox/`, takes JSON (POST body) or a query
string (GET), and answers `{"ok": true, "result": ...}` or, when the action
cannot happen, 400 `{"ok": false, "error": "..."}`. Messages are returned in
the sandbox's own view (`SandboxMessage.to_view()`); file bytes travel as
base64 in requests and raw from `GET /sandbox/files/{file_id}`.

    GET  /sandbox/state                      bot, users, chats, pending update count, version
    POST /sandbox/users                      {first_name, username?, user_id?, language_code?}
    POST /sandbox/groups                     {title, member_ids?, chat_id?, supergroup?, added_by?}
    POST /sandbox/send_text                  {user_id, text, chat_id?, reply_to_message_id?}
    POST /sandbox/edit_text                  {user_id, chat_id, message_id, text}
    POST /sandbox/send_photo                 {user_id, data_base64, caption?, chat_id?}
    POST /sandbox/send_document              {user_id, data_base64, file_name, caption?, chat_id?}
    POST /sandbox/send_sticker               {user_id, emoji?, chat_id?}
    POST /sandbox/send_location              {user_id, latitude, longitude, chat_id?}
    POST /sandbox/press_button               {user_id, chat_id, message_id, callback_data, wait?,
                                              forged?: data no button carries}
    GET  /sandbox/callback_queries/{id}      the press and the bot's answer
    POST /sandbox/inline_query               {user_id, query, offset?, timeout?}
    POST /sandbox/choose_inline_result       {user_id, chat_id, result_id, inline_query_id?}
    POST /sandbox/block | unblock | deactivate   {user_id}
    GET  /sandbox/messages?chat_id=&after=   messages of a chat (after a message id)
    POST /sandbox/wait                       {chat_id, after?, timeout?}: new bot messages
    GET  /sandbox/files/{file_id}            the file's bytes
    GET  /sandbox/errors | /sandbox/calls?method=
    POST /sandbox/rate_limits                {enabled}
    POST /sandbox/latency                    {latency_ms, jitter_ms}
    GET  /sandbox/counters                   messages, paid_messages, stars, peak_per_second,
                                             peak_paid_per_second
    POST /sandbox/slow_chat                  {chat_id, delay_ms, times?}: answer its calls late
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.errors import ApiError
from bot.sandbox.state import SandboxError

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

Args = dict[str, Any]
Endpoint = Callable[[Args], Awaitable[Any]]


class _BadArgument(ValueError):
    pass


def _int(args: Args, name: str) -> int:
    value = _opt_int(args, name)
    if value is None:
        raise _BadArgument(f"{name} is required")
    return value


def _opt_int(args: Args, name: str) -> int | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _BadArgument(f"{name} must be an integer") from None


def _str(args: Args, name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str):
        raise _BadArgument(f"{name} is required (a string)")
    return value


def _opt_str(args: Args, name: str) -> str | None:
    value = args.get(name)
    return None if value is None else str(value)


def _float(args: Args, name: str, default: float) -> float:
    value = args.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _BadArgument(f"{name} must be a number") from None


def _bytes(args: Args) -> bytes:
    try:
        return base64.b64decode(_str(args, "data_base64"), validate=True)
    except binascii.Error:
        raise _BadArgument("data_base64 is not valid base64") from None


def control_routes(sandbox: Sandbox) -> list[web.RouteDef]:
    """The /sandbox/... routes acting on `sandbox`."""

    def endpoint(function: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(function)
        async def handle(request: web.Request) -> web.StreamResponse:
            args: Args = dict(request.query)
            args.update(request.match_info)
            if request.method == "POST" and request.can_read_body:
                try:
                    body = await request.json()
                except ValueError:
                    return _refuse("the body is not JSON")
                if not isinstance(body, dict):
                    return _refuse("the body must be a JSON object")
                args.update(body)
            try:
                result = await function(args)
            except ApiError as error:
                return _refuse(error.description)
            except (SandboxError, _BadArgument, TimeoutError) as error:
                return _refuse(str(error) or type(error).__name__)
            if isinstance(result, web.StreamResponse):
                return result
            return web.json_response({"ok": True, "result": result}, dumps=_dumps)

        return handle

    async def state(args: Args) -> Any:
        return {
            "bot": sandbox.bot.to_api(),
            "users": [user.to_view() for user in sandbox.users.values()],
            "chats": [
                {
                    **chat.to_api(),
                    "member_ids": sorted(chat.member_ids),
                    "message_count": len(sandbox.messages(chat.id)),
                    "keyboard": chat.keyboard,
                    "last_action": chat.last_action,
                }
                for chat in sandbox.chats.values()
            ],
            "pending_updates": len(sandbox.pending_updates()),
            "enforce_rate_limits": sandbox.enforce_rate_limits,
            "version": sandbox.version,
        }

    async def add_user(args: Args) -> Any:
        user = sandbox.add_user(
            _str(args, "first_name"),
            _opt_str(args, "username"),
            _opt_int(args, "user_id"),
            last_name=_opt_str(args, "last_name"),
            language_code=_opt_str(args, "language_code") or "en",
        )
        return user.to_view()

    async def add_group(args: Args) -> Any:
        members = args.get("member_ids") or []
        if not isinstance(members, list):
            raise _BadArgument("member_ids must be a list")
        chat = sandbox.add_group(
            _str(args, "title"),
            [int(member) for member in members],
            chat_id=_opt_int(args, "chat_id"),
            supergroup=bool(args.get("supergroup")),
            added_by=_opt_int(args, "added_by"),
        )
        return {**chat.to_api(), "member_ids": sorted(chat.member_ids)}

    async def send_text(args: Args) -> Any:
        message = sandbox.send_text(
            _int(args, "user_id"),
            _str(args, "text"),
            _opt_int(args, "chat_id"),
            _opt_int(args, "reply_to_message_id"),
        )
        return message.to_view()

    async def edit_text(args: Args) -> Any:
        message = sandbox.edit_text(
            _int(args, "user_id"),
            _int(args, "chat_id"),
            _int(args, "message_id"),
            _str(args, "text"),
        )
        return message.to_view()

    async def send_photo(args: Args) -> Any:
        message = sandbox.send_photo(
            _int(args, "user_id"),
            _bytes(args),
            _opt_str(args, "caption"),
            _opt_int(args, "chat_id"),
            file_name=_opt_str(args, "file_name") or "photo.jpg",
        )
        return message.to_view()

    async def send_document(args: Args) -> Any:
        message = sandbox.send_document(
            _int(args, "user_id"),
            _bytes(args),
            _str(args, "file_name"),
            _opt_str(args, "caption"),
            _opt_int(args, "chat_id"),
            mime_type=_opt_str(args, "mime_type"),
        )
        return message.to_view()

    async def send_sticker(args: Args) -> Any:
        message = sandbox.send_sticker(
            _int(args, "user_id"), _opt_str(args, "emoji") or "👍", _opt_int(args, "chat_id")
        )
        return message.to_view()

    async def send_location(args: Args) -> Any:
        message = sandbox.send_location(
            _int(args, "user_id"),
            _float(args, "latitude", float("nan")),
            _float(args, "longitude", float("nan")),
            _opt_int(args, "chat_id"),
        )
        return message.to_view()

    async def press_button(args: Args) -> Any:
        press = sandbox.forge_press if args.get("forged") else sandbox.press_button
        query_id = press(
            _int(args, "user_id"),
            _int(args, "chat_id"),
            _int(args, "message_id"),
            _str(args, "callback_data"),
        )
        wait = _float(args, "wait", 0.0)
        record = sandbox.callback_answer(query_id)
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                record = await sandbox.wait_for_callback_answer(query_id, wait)
        return {"callback_query_id": query_id, "answer": record.to_view()}

    async def callback_query(args: Args) -> Any:
        return sandbox.callback_answer(_str(args, "query_id")).to_view()

    async def inline_query(args: Args) -> Any:
        user_id = _int(args, "user_id")
        query_id = sandbox.send_inline_query(
            user_id, _str(args, "query"), _opt_str(args, "offset") or ""
        )
        record = sandbox.inline_queries[query_id]
        await sandbox.wait_for(lambda: record.answered, _float(args, "timeout", 5.0))
        return {
            "inline_query_id": query_id,
            "results": record.results,
            "next_offset": record.next_offset,
        }

    async def choose_inline_result(args: Args) -> Any:
        message = sandbox.choose_inline_result(
            _int(args, "user_id"),
            _int(args, "chat_id"),
            _str(args, "result_id"),
            _opt_str(args, "inline_query_id"),
        )
        return message.to_view()

    async def block(args: Args) -> Any:
        sandbox.block(_int(args, "user_id"))
        return sandbox.user(_int(args, "user_id")).to_view()

    async def unblock(args: Args) -> Any:
        sandbox.unblock(_int(args, "user_id"))
        return sandbox.user(_int(args, "user_id")).to_view()

    async def deactivate(args: Args) -> Any:
        sandbox.deactivate(_int(args, "user_id"))
        return sandbox.user(_int(args, "user_id")).to_view()

    async def messages(args: Args) -> Any:
        after = _opt_int(args, "after") or 0
        chat_messages = sandbox.messages(_int(args, "chat_id"))
        return [m.to_view() for m in chat_messages if m.message_id > after]

    async def wait(args: Args) -> Any:
        chat_id, after = _int(args, "chat_id"), _opt_int(args, "after") or 0

        def new() -> list[Any]:
            return [
                m.to_view()
                for m in sandbox.messages(chat_id)
                if m.from_bot and m.message_id > after
            ]

        try:
            return await sandbox.wait_for(new, _float(args, "timeout", 10.0))
        except TimeoutError:
            return []

    async def file(args: Args) -> Any:
        stored = sandbox.files.get(_str(args, "file_id"))
        if stored is None:
            raise SandboxError("no such file")
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def errors(args: Args) -> Any:
        return [error.to_view() for error in sandbox.errors()]

    async def calls(args: Args) -> Any:
        return [call.to_view() for call in sandbox.calls(_opt_str(args, "method"))]

    async def rate_limits(args: Args) -> Any:
        sandbox.enforce_rate_limits = bool(args.get("enabled", True))
        return {"enforce_rate_limits": sandbox.enforce_rate_limits}

    async def counters(args: Args) -> Any:
        flood = sandbox.flood
        return {
            "messages": flood.messages,
            "paid_messages": flood.paid_messages,
            "stars": flood.stars,
            "peak_per_second": flood.peak_per_second(),
            "peak_paid_per_second": flood.peak_per_second(paid=True),
        }

    async def slow_chat(args: Args) -> Any:
        rule = sandbox.slow_chat(
            _int(args, "chat_id"), _float(args, "delay_ms", 0.0) / 1000, _opt_int(args, "times")
        )
        return {"delay_ms": rule.seconds * 1000, "times": rule.times}

    async def latency(args: Args) -> Any:
        sandbox.set_latency(
            _float(args, "latency_ms", 0.0) / 1000, _float(args, "jitter_ms", 0.0) / 1000
        )
        return {"latency_ms": sandbox.latency * 1000, "jitter_ms": sandbox.jitter * 1000}

    return [
        web.get("/sandbox/state", endpoint(state)),
        web.post("/sandbox/users", endpoint(add_user)),
        web.post("/sandbox/groups", endpoint(add_group)),
        web.post("/sandbox/send_text", endpoint(send_text)),
        web.post("/sandbox/edit_text", endpoint(edit_text)),
        web.post("/sandbox/send_photo", endpoint(send_photo)),
        web.post("/sandbox/send_document", endpoint(send_document)),
        web.post("/sandbox/send_sticker", endpoint(send_sticker)),
        web.post("/sandbox/send_location", endpoint(send_location)),
        web.post("/sandbox/press_button", endpoint(press_button)),
        web.get("/sandbox/callback_queries/{query_id}", endpoint(callback_query)),
        web.post("/sandbox/inline_query", endpoint(inline_query)),
        web.post("/sandbox/choose_inline_result", endpoint(choose_inline_result)),
        web.post("/sandbox/block", endpoint(block)),
        web.post("/sandbox/unblock", endpoint(unblock)),
        web.post("/sandbox/deactivate", endpoint(deactivate)),
        web.get("/sandbox/messages", endpoint(messages)),
        web.post("/sandbox/wait", endpoint(wait)),
        web.get("/sandbox/files/{file_id}", endpoint(file)),
        web.get("/sandbox/errors", endpoint(errors)),
        web.get("/sandbox/calls", endpoint(calls)),
        web.post("/sandbox/rate_limits", endpoint(rate_limits)),
        web.post("/sandbox/latency", endpoint(latency)),
        web.get("/sandbox/counters", endpoint(counters)),
        web.post("/sandbox/slow_chat", endpoint(slow_chat)),
    ]


def _refuse(reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=400)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
