"""The network between a bot and the sandbox: what a client sent arrives, even if the client dies.

When a process is killed right after writing a request, its kernel still
sends the bytes, and Telegram carries the request out; only the answer has
nobody to go to. aiohttp's server does not behave like that: a request that
has arrived but is not yet being handled when the connection closes is
dropped. The sandbox's Bot API therefore listens behind this small TCP relay.
It passes bytes both ways, and when the client's side closes (or breaks), it
keeps the server's side open for `linger_s` more, so a request that arrived
is handled as Telegram would handle it, and its answer is read and
discarded. A long poll (getUpdates) is the exception: it ends with its
client at once, as before, so the next poll is not taken for a rival one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


class Wire:
    """A TCP relay from `listen` to the server at `upstream` (host, port)."""

    def __init__(self, upstream: tuple[str, int], *, linger_s: float = 1.0) -> None:
        self._upstream = upstream
        self._linger_s = linger_s
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.address: tuple[str, int] | None = None

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on host:port (0: a free port); the address it listens on."""
        self._server = await asyncio.start_server(self._relay, host, port)
        sockname = self._server.sockets[0].getsockname()
        self.address = (str(sockname[0]), int(sockname[1]))
        return self.address

    async def stop(self) -> None:
        """Stop listening and end every relayed connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if server is not None:
            with contextlib.suppress(Exception):
                await server.wait_closed()

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            try:
                server_r, server_w = await asyncio.open_connection(*self._upstream)
            except OSError:
                log.warning("sandbox wire: the Bot API server does not answer")
                return
            answers = asyncio.create_task(_answers(server_r, client_w))
            try:
                polling = await _requests(client_r, server_w)
                # The client is gone or done: what it sent is with the server,
                # which answers it (to nobody) before its side closes too.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        asyncio.shield(answers), 0.0 if polling else self._linger_s
                    )
            finally:
                answers.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await answers
                _close(server_w)
        finally:
            _close(client_w)
            self._connections.discard(task)


async def _requests(client_r: asyncio.StreamReader, server_w: asyncio.StreamWriter) -> bool:
    """Client to server, until the client closes or breaks; whether the last
    request was a long poll."""
    polling = False
    with contextlib.suppress(ConnectionError, OSError):
        while data := await client_r.read(CHUNK):
            if data.startswith((b"POST ", b"GET ")):  # a request line: which method
                polling = b"/getUpdates" in data.split(b"\r\n", 1)[0]
            server_w.write(data)
            await server_w.drain()
    return polling


async def _answers(server_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
    """Server to client, until the server closes; with the client gone, read and dropped."""
    client_alive = True
    with contextlib.suppress(ConnectionError, OSError):
        while data := await server_r.read(CHUNK):
            if not client_alive or client_w.is_closing():
                continue
            try:
                client_w.write(data)
                await client_w.drain()
            except (ConnectionError, OSError):
                client_alive = False
    if client_alive and not client_w.is_closing():
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            client_w.write_eof()


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()
