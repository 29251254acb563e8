"""Run the sandbox on its own: `python -m bot.sandbox [--port 8081] [--token T]`.

Point the bot at it with BOT_API_BASE_URL=http://127.0.0.1:8081 and drive the
users through the /sandbox/... JSON endpoints (see `bot.sandbox.control`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from bot.sandbox.server import Sandbox

log = logging.getLogger("bot.sandbox")


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGINT or SIGTERM."""
    sandbox = Sandbox(
        args.token,
        bot_username=args.bot_username,
        bot_first_name=args.bot_name,
        enforce_rate_limits=not args.no_rate_limits,
        latency=args.latency_ms / 1000,
        jitter=args.jitter_ms / 1000,
    )
    await sandbox.start(args.host, args.port)
    log.info("sandbox ready: BOT_API_BASE_URL=%s", sandbox.url)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stopping.set)
    try:
        await stopping.wait()
    finally:
        await sandbox.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", help="serve only this token (default: adopt the first seen)")
    parser.add_argument("--bot-username", default="sandbox_bot")
    parser.add_argument("--bot-name", default="Sandbox Bot")
    parser.add_argument("--no-rate-limits", action="store_true", help="switch flood control off")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="answer each call after this long"
    )
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="± this much at random")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
