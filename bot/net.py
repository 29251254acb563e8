"""The HTTP client under PTB: aiohttp instead of PTB's default httpx.

Every reply and every outbox message is one Bot API request, so the client's
own CPU cost per request bounds how many updates one process can answer. In
the morning-rush benchmark (bench/rush.py) httpx spent more of the event loop
on each request than the handlers did; aiohttp, whose HTTP parser is in C and
which the sandbox already uses, does the same work for much less. PTB keeps
everything else: this class only moves bytes (`BaseRequest.do_request`), and
PTB parses the answers and raises its own errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB marks "not given, use the default" with instances of this class.
_Default = type(BaseRequest.DEFAULT_NONE)

# Set by the outbox sender, per send task: called as the request's bytes are
# handed to the socket, in the same step of the event loop (nothing else runs
# in between), so whoever records it afterwards knows the request went out.
ON_WIRE: ContextVar[Callable[[], None] | None] = ContextVar("on_wire", default=None)


def note_on_wire() -> None:
    """Tell the current send task's hook, if any, that its request is going out."""
    hook = ON_WIRE.get()
    if hook is not None:
        hook()


async def _chunk_sent(*_: Any) -> None:
    # aiohttp awaits this just before it writes each chunk of the request (the
    # first carries the headers); it must not suspend, or the write would wait.
    note_on_wire()


class AiohttpRequest(BaseRequest):
    """PTB request class on one aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            tracing = aiohttp.TraceConfig()
            tracing.on_request_chunk_sent.append(_chunk_sent)
            self._session = aiohttp.ClientSession(
                connector=connector,
                json_serialize=json.dumps,
                raise_for_status=False,
                trace_configs=[tracing],
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._read if isinstance(read_timeout, _Default) else read_timeout
        write = self._write if isinstance(write_timeout, _Default) else write_timeout
        connect = self._connect if isinstance(connect_timeout, _Default) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, _Default) else pool_timeout
        # aiohttp's `connect` covers waiting for a pooled connection and opening one;
        # `sock_read` is the longest silence while the answer arrives.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=None if read is None else read + (write or 0.0),
        )
        body: aiohttp.FormData | bytes | None = None
        headers = {"User-Agent": self.USER_AGENT}
        if request_data is not None:
            if request_data.contains_files:
                parameters = request_data.json_parameters
                form = aiohttp.FormData(quote_fields=False)
                for name, value in parameters.items():
                    form.add_field(name, value)
                for name, part in request_data.multipart_data.items():
                    if isinstance(part, tuple):
                        filename, content, mime = (*part, None)[:3]
                        form.add_field(name, content, filename=filename, content_type=mime)
                    else:
                        form.add_field(name, part)
                body = form
            else:
                # A JSON body, which Telegram accepts: a form would cost a FormData
                # and an encoding pass per message on the sender's hot path.
                body = request_data.json_payload
                headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
