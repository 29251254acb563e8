"""A minimal Bot API over real HTTP on 127.0.0.1, for driving `bootcamp-bot run`
as a subprocess. It queues updates for getUpdates (long polling with offsets)
and records every call. The full sandbox (bot/sandbox) will supersede it."""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.kit.recording import BOT_ID, BOT_USERNAME, EPOCH


class StubBotAPI:
    """Start with `start()`, stop with `stop()`; `url` is the server root."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._updates: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def push_text(self, user_id: int, first_name: str, text: str) -> None:
        """Queue a private message from a user, as Telegram would deliver it."""
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": EPOCH,
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        with self._cond:
            self._updates.append({"update_id": next(self._ids), "message": message})
            self._cond.notify_all()

    def wait_for(self, method: str, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Block until `count` calls of `method` arrived; return their params."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [params for name, params in list(self.calls) if name == method]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"only {len(found)} {method} calls after {timeout}s: {self.calls}")

    # -- HTTP ------------------------------------------------------------------------
    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        self.calls.append((method, params))
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Defy Gravity",
                    "username": BOT_USERNAME}  # fmt: skip
        if method == "getUpdates":
            offset = int(params.get("offset", 0) or 0)
            wait = min(float(params.get("timeout", 0) or 0), 1.0)
            with self._cond:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if not self._updates and wait:
                    self._cond.wait(wait)
                return list(self._updates)
        if method == "sendMessage":
            return {"message_id": next(self._ids), "date": EPOCH, "text": params.get("text"),
                    "chat": {"id": int(params["chat_id"]), "type": "private"}}  # fmt: skip
        return True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            # httpx keeps connections alive; HTTP/1.0 framing would stall it.
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = dict(parse_qsl(body))
                method = self.path.rsplit("/", 1)[-1]
                payload = json.dumps({"ok": True, "result": api._answer(method, params)})
                data = payload.encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the bot went away mid-poll

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
