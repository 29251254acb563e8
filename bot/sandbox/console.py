"""`bootcamp-bot chat`: talk to the real bot in a terminal, no Telegram needed.

The sandbox (a local Bot API) and the unchanged bot run in one process; the bot
polls the sandbox over HTTP exactly as it polls Telegram. You type as a member;
bot messages print with their buttons numbered (type the number to press one);
photos and documents are saved to files. Lines starting with `:` control the
session (see HELP). `--script FILE` plays a conversation and prints the
transcript.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import secrets
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from bot.app import build_application
from bot.config import Settings
from bot.context import BotApplication
from bot.db.migrate import upgrade
from bot.runner import serve
from bot.sandbox import Sandbox
from bot.sandbox.model import SandboxMessage
from bot.sandbox.webhook import free_port, local_webhook
from bot.services.schedule import next_occurrence

BOT_ID = 7_100_000_001
ADMIN_ID = 1
FIRST_MEMBER_ID = 1001
SETTLE_S = 0.4
WAIT_MAX_S = 8.0

HELP = """\
Type as a member: /start, /today, /anatomy glute med, or any text.
A number presses that button of the last message; after an inline query it picks a result.
  @ words          inline mode: the cards matching "words"
  :as NAME         become another user (created if new)
  :admin           become the admin (trainer and admin commands)
  :crowd N         add N simulated members who have sent /start
  :clock +1d       move the bot's clock (+30m, +2h, +1d; or HH:MM: the next time
                   the current user's clock reads HH:MM)
  :location LAT LON  share a location (the 📍 Send my location button)
  :block / :unblock  block or unblock the bot as the current user
  :users           who is here
  :app             the Mini App's address for the current user (open it in a browser)
  :help            this help
  :quit            leave"""


class ShiftedClock:
    """The wall clock plus an offset the console moves."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class _View:
    """What the console has already shown of a chat."""

    shown: dict[int, int] = field(default_factory=dict)  # message id -> edits shown


class Console:
    """One chat session: a sandbox, the bot, and you."""

    def __init__(
        self,
        settings: Settings,
        *,
        files_dir: Path,
        write: Callable[[str], None],
        color: bool = False,
        webhook: bool = False,
    ) -> None:
        self.settings = settings
        self.webhook = webhook
        self.files_dir = files_dir
        self.write = write
        self.color = color
        self.clock = ShiftedClock()
        token = f"{BOT_ID}:{secrets.token_urlsafe(26)[:35]}"
        self.token = token
        # Init data for the Mini App is signed at the bot's (movable) time.
        self.sandbox = Sandbox(
            token,
            bot_username="defy_gravity_bot",
            bot_first_name="Defy Gravity",
            now=lambda: self.clock.now().timestamp(),
        )
        self.app: BotApplication | None = None
        self.current = FIRST_MEMBER_ID
        self.names: dict[str, int] = {}
        self.views: dict[int, _View] = {}
        self.choices: list[tuple[str, Any]] = []  # (label, action) of the last numbered list
        self._next_user = FIRST_MEMBER_ID
        self._stop = asyncio.Event()
        self._serving: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        await self.sandbox.start()
        settings = self.settings.model_copy(
            update={
                "bot_token": _secret(self.token),
                "api_base_url": self.sandbox.url,
                "admin_ids": tuple(sorted({*self.settings.admin_ids, ADMIN_ID})),
                "tick_seconds": 2.0,
                # The Mini App on a local port, unless a listener is configured.
                **self._app_listener(),
                # Updates come as webhook posts from the sandbox, not getUpdates.
                **(local_webhook() if self.webhook else {}),
            }
        )
        self.settings = settings
        await asyncio.to_thread(upgrade, settings.effective_database_url)
        app = build_application(settings, clock=self.clock)
        ready = asyncio.Event()
        self._serving = asyncio.create_task(
            serve(app, self._stop, ready=ready, handle_signals=False), name="bot"
        )
        await _first(ready.wait(), self._serving)
        if self._serving.done():
            self._serving.result()  # the bot could not start: show why
        self.app = app
        self.sandbox.add_user("Coach", "coach", user_id=ADMIN_ID)
        self.names["coach"] = ADMIN_ID
        self._make_user("You")

    def _app_listener(self) -> dict[str, Any]:
        if self.webhook or self.settings.http_listen:
            return {}
        port = free_port()
        return {"http_listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}

    def _show_app(self, url: str) -> None:
        if not url:
            self.write("(the Mini App has no address: set BOT_PUBLIC_URL)")
            return
        self.write(f"(open in a browser: {self.sandbox.open_web_app(self.current, url)})")

    async def stop(self) -> None:
        self._stop.set()
        if self._serving is not None:
            await asyncio.gather(self._serving, return_exceptions=True)
        await self.sandbox.stop()

    def _make_user(self, name: str) -> int:
        user_id = self._next_user
        self._next_user += 1
        username = re.sub(r"\W+", "_", name.lower()).strip("_")[:32] or None
        self.sandbox.add_user(name[:64], username, user_id=user_id)
        self.names[name.lower()] = user_id
        self.current = user_id
        return user_id

    # -- input -----------------------------------------------------------------------
    async def handle(self, line: str) -> bool:
        """Act on one line; False when the session should end."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return await self._meta(line[1:].strip())
        if line.isdigit() and self.choices:
            await self._choose(int(line))
            return True
        if line.startswith("@"):
            await self._inline(line.split(maxsplit=1)[1] if " " in line else "")
            return True
        self.sandbox.send_text(self.current, line)
        await self._settle()
        return True

    async def _meta(self, command: str) -> bool:
        verb, _, rest = command.partition(" ")
        verb, rest = verb.lower(), rest.strip()
        if verb in ("quit", "q", "exit"):
            return False
        if verb == "help":
            self.write(HELP)
        elif verb == "as" and rest:
            user_id = self.names.get(rest.lower()) or self._make_user(rest)
            self.current = user_id
            self.write(f"(you are now {self.sandbox.user(user_id).first_name})")
        elif verb == "admin":
            self.current = ADMIN_ID
            self.write("(you are now Coach, an admin)")
        elif verb == "crowd" and rest.isdigit():
            await self._crowd(min(int(rest), 200))
        elif verb == "clock" and rest:
            await self._move_clock(rest)
        elif verb == "location":
            await self._share_location(rest)
        elif verb == "block":
            self.sandbox.block(self.current)
            self.write("(you blocked the bot)")
            await self._settle()
        elif verb == "unblock":
            self.sandbox.unblock(self.current)
            self.write("(you unblocked the bot)")
            await self._settle()
        elif verb == "app":
            button = self.sandbox.menu_button(self.current)
            self._show_app(button.get("web_app", {}).get("url", ""))
        elif verb == "users":
            for user in self.sandbox.users.values():
                mark = " ← you" if user.id == self.current else ""
                blocked = " (blocked the bot)" if user.blocked else ""
                self.write(f"  {user.id}: {user.first_name}{blocked}{mark}")
        else:
            self.write("(unknown console command; :help lists them)")
        return True

    async def _share_location(self, spec: str) -> None:
        parts = spec.replace(",", " ").split()
        after = max((m.message_id for m in self.sandbox.messages(self.current)), default=0)
        try:
            latitude, longitude = (float(part) for part in parts)
            self.sandbox.send_location(self.current, latitude, longitude)
        except ValueError:  # not two numbers, or off the globe (SandboxError)
            self.write("(use :location 38.72 -9.14: latitude, then longitude)")
            return
        # The first lookup loads the zone boundaries (a few seconds): wait for the answer.
        with contextlib.suppress(TimeoutError):
            await self.sandbox.wait_for_bot_message(self.current, after=after, timeout=WAIT_MAX_S)
        await self._settle()

    async def _crowd(self, count: int) -> None:
        current = self.current
        for _ in range(count):
            user_id = self._make_user(f"Member {self._next_user}")
            self.sandbox.send_text(user_id, "/start")
        self.current = current
        await self._settle(quiet=True)
        self.write(f"({count} members joined and sent /start)")

    async def _move_clock(self, spec: str) -> None:
        if match := re.fullmatch(r"\+(\d{1,4})([mhd])", spec):
            unit = {"m": "minutes", "h": "hours", "d": "days"}[match[2]]
            self.clock.offset += timedelta(**{unit: int(match[1])})
        elif match := re.fullmatch(r"(\d{1,2}):(\d{2})", spec):
            zone = ZoneInfo(await self._zone_of(self.current))
            target = next_occurrence(self.clock.now(), time(int(match[1]), int(match[2])), zone)
            self.clock.offset += target - self.clock.now() + timedelta(seconds=1)
        else:
            self.write("(use :clock +30m, +2h, +1d, or :clock 07:30)")
            return
        local = self.clock.now().astimezone(ZoneInfo(await self._zone_of(self.current)))
        self.write(f"(bot clock: {local:%a %d %b %Y %H:%M} {local.tzname()})")
        assert self.app is not None
        services = self.app.bot_data.services
        await services.ticker.tick()
        services.sender.wake.set()
        await self._settle()

    async def _zone_of(self, user_id: int) -> str:
        assert self.app is not None
        member = await self.app.bot_data.members.get(user_id)
        return member.timezone if member else self.settings.default_timezone

    async def _choose(self, number: int) -> None:
        if not 1 <= number <= len(self.choices):
            self.write(f"(pick 1 to {len(self.choices)})")
            return
        _, action = self.choices[number - 1]
        kind, *args = action
        if kind == "button":
            chat_id, message_id, data = args
            query_id = self.sandbox.press_button(self.current, chat_id, message_id, data)
            await self._settle()
            answer = self.sandbox.callback_answer(query_id)
            if answer.text:
                self.write(f"(bot: {answer.text})")
        elif kind == "url":
            self.write(f"(that button opens {args[0]})")
        elif kind == "app":
            self._show_app(args[0])
        elif kind == "inline":
            self.sandbox.choose_inline_result(self.current, self.current, args[0])
            await self._settle()

    async def _inline(self, query: str) -> None:
        results = await self.sandbox.inline_query(self.current, query)
        if not results:
            self.write("(no inline results)")
            return
        self.choices = []
        for result in results:
            title = str(result.get("title", result.get("id")))
            self.choices.append((title, ("inline", result["id"])))
        self.write("Inline results:")
        for number, (label, _) in enumerate(self.choices, start=1):
            self.write(f"  [{number}] {label}")

    # -- output ----------------------------------------------------------------------
    async def _settle(self, quiet: bool = False) -> None:
        """Wait until the bot stops sending for a moment, then show what is new."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_MAX_S
        last = self._fingerprint()
        quiet_since = loop.time()
        errors_before = len(self.sandbox.errors())
        while loop.time() < deadline:
            await asyncio.sleep(0.05)
            now_print = self._fingerprint()
            # A 429 means the bot is waiting out flood control: give it that long.
            floods = [e for e in self.sandbox.errors()[errors_before:] if e.code == 429]
            settle = SETTLE_S + (2.0 if floods else 0.0)
            if now_print != last:
                last, quiet_since = now_print, loop.time()
            elif loop.time() - quiet_since >= settle:
                break
        if not quiet:
            self.show_new()

    def _fingerprint(self) -> tuple[int, int]:
        messages = self.sandbox.messages(self.current) if self.current in self.sandbox.chats else []
        return len(messages), sum(m.edits for m in messages)

    def show_new(self) -> None:
        view = self.views.setdefault(self.current, _View())
        for message in self.sandbox.messages(self.current):
            if not message.from_bot:
                view.shown.setdefault(message.message_id, message.edits)
                continue
            seen = view.shown.get(message.message_id)
            if seen is not None and seen == message.edits:
                continue
            view.shown[message.message_id] = message.edits
            self._print(message, edited=seen is not None)

    def _print(self, message: SandboxMessage, *, edited: bool) -> None:
        label = "bot (edited)" if edited else "bot"
        body = self._terminal_text(message)
        if message.photo is not None or message.document is not None:
            stored = message.photo or message.document
            assert stored is not None
            self.files_dir.mkdir(parents=True, exist_ok=True)
            name = stored.file_name or ("photo.png" if message.photo else "file")
            path = self.files_dir / f"{message.message_id}-{name}"
            path.write_bytes(self.sandbox.file_bytes(stored.file_id))
            body = f"[{'photo' if message.photo else 'document'} saved to {path}]\n{body}".rstrip()
        self.write(f"── {label} ──\n{body}")
        buttons = [
            b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row
        ]
        keyboard = (message.reply_markup or {}).get("keyboard")
        if keyboard:
            labels = "   ".join(f"[{b.get('text', '')}]" for row in keyboard for b in row)
            self.write(f"   keyboard: {labels}  (:location LAT LON shares a location)")
        if buttons:
            self.choices = []
            for button in buttons:
                if "callback_data" in button:
                    action: tuple[Any, ...] = (
                        "button",
                        message.chat_id,
                        message.message_id,
                        button["callback_data"],
                    )
                elif "web_app" in button:
                    action = ("app", button["web_app"].get("url", ""))
                else:
                    action = ("url", button.get("url", ""))
                self.choices.append((str(button.get("text", "")), action))
            self.write(
                "   " + "   ".join(f"[{n}] {label}" for n, (label, _) in enumerate(self.choices, 1))
            )

    def _terminal_text(self, message: SandboxMessage) -> str:
        source = message.source or message.text or message.caption or ""
        if message.parse_mode == "HTML":
            bold_on, bold_off = ("\033[1m", "\033[0m") if self.color else ("", "")
            source = re.sub(r"<b>|<strong>", bold_on, source)
            source = re.sub(r"</b>|</strong>", bold_off, source)
            source = re.sub(r"</?[a-z][^>]*>", "", source)
            source = html.unescape(source)
        return source


def _secret(token: str) -> SecretStr:
    return SecretStr(token)


async def _lines_from_terminal() -> AsyncIterator[str]:
    while True:
        try:
            line = await asyncio.to_thread(input, "you> ")
        except EOFError:
            return
        yield line


async def run_console(
    settings: Settings, script: list[str] | None, files_dir: Path, *, webhook: bool = False
) -> int:
    """The `chat` command. Returns the exit code."""

    def write(text: str) -> None:
        print(text, flush=True)  # noqa: T201 - the console's output is the point

    color = script is None and sys.stdout.isatty()
    console = Console(settings, files_dir=files_dir, write=write, color=color, webhook=webhook)
    await console.start()
    try:
        write("Defy Gravity sandbox: you are chatting with the real bot, locally. :help for help.")
        if script is not None:
            for raw in script:
                if not raw.strip() or raw.lstrip().startswith("#"):
                    continue
                write(f"you> {raw}")
                if not await console.handle(raw):
                    break
        else:
            async for line in _lines_from_terminal():
                if not await console.handle(line):
                    break
    finally:
        await console.stop()
    return 0


__all__ = ["Console", "run_console"]


async def _first(*waits: Any) -> None:
    """Wait for the first of these awaitables (the others keep running)."""
    futures = [asyncio.ensure_future(w) for w in waits]
    await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
