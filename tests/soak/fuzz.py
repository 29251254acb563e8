"""A seeded generator of what people (and broken or hostile clients) send a bot.

`Fuzzer.step()` makes one random person do one random thing through the
sandbox: type text of any Unicode up to 5,000 characters, send a command with
junk after it, press a real button or forge one, send media where text is
expected, make an inline query, edit an old message, reply to the bot, all in
private chats and in a group. Everything comes from one `random.Random`, so a
seed replays the same run (up to the bot's timing).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from bot.sandbox import Sandbox, SandboxError, SandboxMessage

# -- text -----------------------------------------------------------------------------
_POOLS: tuple[str, ...] = (
    string.ascii_letters + string.digits + " " * 10,
    string.punctuation + "<<>>&&;#",
    "😀🔥💪🏋️🍑✅⏭🇩🇪🇮🇱👩‍👩‍👧👍🏽🫠🧘‍♀️",  # emoji, with modifiers and ZWJ sequences
    "שלום עולם مرحبا بالعالم ۱۲۳",  # right-to-left scripts
    "\u202e\u202d\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u200e\u200f",  # direction marks
    "\u200b\u200c\u200d\u2060\ufeff\u00ad",  # zero-width and soft hyphen
    "".join(map(chr, range(0x00, 0x20))) + "\x7f" + "".join(map(chr, range(0x80, 0xA0))),
    "\u0301\u0308\u0336\u0489\u20dd",  # combining marks
    "漢字かなカナ한국어देवनागरी",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢𝟘𝟙𝟚²³½٣\uff10\uff17\uff1a",  # astral letters, odd digits
    "\n\r\t\u2028\u2029\u3000\u00a0",
)
_MARKUP = ("<b>", "</b>", "<i>x</i>", "<a href='tg://user?id=1'>", "&amp;", "&#0;", "<script>")


def junk(rng: random.Random, longest: int = 5000) -> str:
    """Random text that Telegram would deliver: never empty or only whitespace."""
    long = rng.random() < 0.08
    length = rng.randint(longest // 5, longest) if long else rng.randint(1, min(80, longest))
    parts: list[str] = []
    size = 0
    while size < length:
        if rng.random() < 0.05:
            piece = rng.choice(_MARKUP)
        else:
            pool = rng.choice(_POOLS)
            piece = "".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))
        parts.append(piece)
        size += len(piece)
    text = "".join(parts)[:length]
    return text if text.strip() else text + rng.choice(string.ascii_letters)


# -- commands -------------------------------------------------------------------------
COMMANDS = (
    "start", "settings", "time", "timezone", "tz", "zone", "program", "pause", "resume",
    "stop", "today", "checkin", "done", "progress", "history", "mydata", "forget",
    "promote", "demote", "cohort", "cohorts", "broadcast", "broadcasts", "nudge", "stats",
    "roster", "help", "anatomy", "exercise", "exercises", "stretch", "stretches", "release",
    "learn", "lesson",
)  # fmt: skip
# Commands whose answer is drawn (a chart): rarer, they cost seconds of CPU.
HEAVY = ("progress", "stats")
# Numbers as people (and keyboards) write them: some are digits to str.isdigit()
# that int() refuses (², ①), some are digits of other scripts that it takes (٣).
_NUMBERS = (
    "0", "-1", "1", "7", "61", "366", "9" * 30, "1e9", "NaN", "3.5", "½", "²", "³", "①",
    "٣", "\u06f7", "\uff10\uff17", "\U0001d7d5", "7 days",
)  # fmt: skip
_TIMES = (
    "99:99",
    "25:00",
    "24:00",
    "7:60",
    "-1:00",
    "12:30 pm pm",
    "\uff10\uff17:\uff13\uff10",
    "7am",
    "noon",
)
_ZONES = (
    "Europe/Nowhere", "../../etc/passwd", "UTC+99", "GMT-13", "Etc/GMT+99", "Europe/Berlin\x00",
    "America/", "/", "posix/Europe/Berlin", "São Paulo", "+5:45", "Asia/Kolkata", "berlin",
)  # fmt: skip
_WHEN = (
    "at 2026-99-99 99:99", "at 9999-12-31 23:59", "at 0001-01-01 00:00", "at 2026-02-30 10:00",
    "at 2026-03-10 07:00 hello", "at 2030-01-01 12:00",
)  # fmt: skip


def command_text(rng: random.Random, bot_username: str, *, heavy: bool) -> str:
    """A command, sometimes addressed (to us or another bot), with junk arguments."""
    names = COMMANDS if heavy else tuple(c for c in COMMANDS if c not in HEAVY)
    roll = rng.random()
    if roll < 0.05:
        name = "".join(rng.choice(string.ascii_lowercase + "_") for _ in range(rng.randint(1, 40)))
    else:
        name = rng.choice(names)
    if rng.random() < 0.1:
        name += rng.choice((f"@{bot_username}", "@some_other_bot", "@"))
    kind = rng.random()
    if kind < 0.2:
        args = ""
    elif kind < 0.4:
        args = rng.choice(_NUMBERS)
    elif kind < 0.5:
        args = rng.choice(_TIMES)
    elif kind < 0.58:
        args = rng.choice(_ZONES)
    elif kind < 0.64:
        args = rng.choice(_WHEN)
    elif kind < 0.7:
        args = "new " + junk(rng, 120)
    else:
        args = junk(rng, 4000)
    return f"/{name} {args}".rstrip() if args.strip() else f"/{name}"


# -- callback data --------------------------------------------------------------------
def _day(day: date) -> str:
    return f"{day:%Y%m%d}"


def forged_data(rng: random.Random, today: date) -> str:
    """Callback data no honest button of ours carries (or carries no more)."""
    stale = today - timedelta(days=rng.randint(2, 400))
    future = today + timedelta(days=rng.randint(1, 400))
    digits = "".join(rng.choice(string.digits) for _ in range(8))
    choices: tuple[Callable[[], str], ...] = (
        lambda: rng.randbytes(rng.randint(1, 64)).decode("utf-8", "replace"),
        lambda: junk(rng, 40),
        lambda: f"ci:d:{_day(stale)}",
        lambda: f"ci:s:{_day(future)}",
        lambda: f"ci:n:{_day(stale)}",
        lambda: f"ci:e:{_day(today)}:{rng.choice('0679x')}",
        lambda: f"ci:e:{_day(stale)}:3",
        lambda: f"ci:{rng.choice('dsnex')}:{digits}",
        lambda: f"ci:d:{_day(today)}",
        lambda: f"ci:d:{_day(today - timedelta(days=1))}",
        lambda: "ci:d:20260230",
        lambda: f"ob:p:{rng.choice(('no-such-program', 'defy-gravity', 'x' * 40))}",
        lambda: f"ob:z:{rng.choice(('Not/AZone', 'Etc/GMT+99', 'Europe/Berlin', 'UTC', '+'))}",
        lambda: f"ob:t:{rng.choice(('2399', '0760', '0000', '2359', '12'))}",
        lambda: f"set:{rng.choice(('program', 'zone', 'time', 'pause', 'resume', 'stop', 'x'))}",
        lambda: f"bc:{rng.choice(('go', 'x'))}:{rng.randint(0, 10**12)}",
        lambda: (
            f"bc:a:{rng.randint(0, 99)}:{rng.choice(('all', 'zzz', 'c999', 'i0', 't', 'i9999'))}"
        ),
        lambda: f"fg:{rng.choice(('yes', 'no', 'maybe'))}",
        lambda: f"pg:{rng.choice(('restart', 'stop', 'no-such', 'defy-gravity'))}",
        lambda: f"c:{rng.choice(('no-such-card', 'gluteus-maximus', 'piriformis'))}:~zz",
        lambda: f"c:gluteus-maximus:{rng.choice(('~an', 'no-such', 'piriformis'))}",
        lambda: f"m:{rng.choice(('an', 'ex', 'st', 'zz'))}",
        lambda: f"l:{rng.randint(0, 9)}:{rng.randint(0, 99)}",
        lambda: f"{rng.choice(('zz', '', 'ci', 'bc'))}:{junk(rng, 20)}",
    )
    data = rng.choice(choices)()
    while len(data.encode()) > 64:
        data = data[:-1]
    return data or "x"


# -- people ---------------------------------------------------------------------------
class Fuzzer:
    """Random people doing random things; `step()` is one of them."""

    def __init__(
        self,
        sandbox: Sandbox,
        rng: random.Random,
        people: Sequence[int],
        group_id: int,
        today: date,
        bot_username: str,
    ) -> None:
        self.sandbox = sandbox
        self.rng = rng
        self.people = list(people)
        self.group_id = group_id
        self.today = today
        self.bot_username = bot_username
        self.done: dict[str, int] = {}
        self.queries: list[str] = []
        # How often each thing happens, relative to the others. The group's share
        # is small: Telegram lets the bot answer there 20 times a minute.
        self._actions: list[tuple[float, Callable[[int], None]]] = [
            (16, self.text), (26, self.command), (16, self.forge), (12, self.press),
            (6, self.media), (4, self.inline), (1, self.choose), (3, self.edit), (4, self.reply),
            (1.2, self.group_command), (2, self.group_chatter), (1, self.group_press),
        ]  # fmt: skip

    @property
    def kinds(self) -> set[str]:
        """The names of the things people do here (the keys of `done`)."""
        return {action.__name__ for _, action in self._actions}

    def step(self) -> None:
        """One person does one thing; a thing that is impossible right now (no
        message to press yet) becomes a command instead."""
        weights = [weight for weight, _ in self._actions]
        [(_, action)] = self.rng.choices(self._actions, weights)
        user_id = self.rng.choice(self.people)
        try:
            action(user_id)
            name = action.__name__
        except _NothingThere:
            self.command(user_id)
            name = "command"
        self.done[name] = self.done.get(name, 0) + 1

    # Each action: one update (or none, when group privacy hides it from the bot).
    def text(self, user_id: int) -> None:
        self.sandbox.send_text(user_id, junk(self.rng))

    def command(self, user_id: int) -> None:
        heavy = self.rng.random() < 0.1
        self.sandbox.send_text(user_id, command_text(self.rng, self.bot_username, heavy=heavy))

    def forge(self, user_id: int) -> None:
        message = self._bot_message(user_id)
        data = forged_data(self.rng, self.today)
        self.queries.append(
            self.sandbox.forge_press(user_id, message.chat_id, message.message_id, data)
        )

    def press(self, user_id: int) -> None:
        message = self._bot_message(user_id, with_buttons=True)
        data = [b["callback_data"] for b in message.buttons if b.get("callback_data")]
        self.queries.append(
            self.sandbox.press_button(
                user_id, message.chat_id, message.message_id, self.rng.choice(data)
            )
        )

    def media(self, user_id: int) -> None:
        rng, box = self.rng, self.sandbox
        caption = junk(rng, 1024) if rng.random() < 0.5 else None
        kind = rng.randrange(4)
        if kind == 0:
            box.send_photo(user_id, b"\xff\xd8" + rng.randbytes(rng.randint(10, 2000)), caption)
        elif kind == 1:
            name = junk(rng, 60).replace("/", "_") + rng.choice((".pdf", ".csv", "", ".exe"))
            box.send_document(user_id, rng.randbytes(rng.randint(1, 5000)), name, caption)
        elif kind == 2:
            box.send_sticker(user_id, rng.choice(("👍", "🍑", "🔥", "\u200d")))
        else:
            box.send_location(user_id, rng.uniform(-90, 90), rng.uniform(-180, 180))

    def inline(self, user_id: int) -> None:
        self.sandbox.send_inline_query(
            user_id, junk(self.rng, 256) if self.rng.random() < 0.8 else ""
        )

    def choose(self, user_id: int) -> None:
        """Pick a result of one of this person's answered inline queries into their chat."""
        answered = [
            (query_id, record.results)
            for query_id, record in self.sandbox.inline_queries.items()
            if record.user_id == user_id and record.answered and record.results
        ]
        if not answered:
            raise _NothingThere
        query_id, results = self.rng.choice(answered)
        result = str(self.rng.choice(results)["id"])
        self.sandbox.choose_inline_result(user_id, user_id, result, query_id)

    def edit(self, user_id: int) -> None:
        mine = [
            m
            for m in self.sandbox.messages(user_id)
            if not m.from_bot and m.text is not None and m.via_bot is None
        ]
        if not mine:
            raise _NothingThere
        old = self.rng.choice(mine)
        new = (
            junk(self.rng)
            if self.rng.random() < 0.5
            else command_text(self.rng, self.bot_username, heavy=False)
        )
        self.sandbox.edit_text(user_id, user_id, old.message_id, new)

    def reply(self, user_id: int) -> None:
        message = self._bot_message(user_id)
        self.sandbox.send_text(user_id, junk(self.rng, 700), reply_to_message_id=message.message_id)

    def group_command(self, user_id: int) -> None:
        text = command_text(self.rng, self.bot_username, heavy=False)
        self.sandbox.send_text(self._in_group(user_id), text, self.group_id)

    def group_chatter(self, user_id: int) -> None:
        text = junk(self.rng, 300)
        if self.rng.random() < 0.3:
            text = f"@{self.bot_username} {text}"
        self.sandbox.send_text(self._in_group(user_id), text, self.group_id)

    def group_press(self, user_id: int) -> None:
        mine = self._in_group(user_id)
        found = [m for m in self.sandbox.messages(self.group_id) if m.from_bot]
        if not found:
            raise _NothingThere
        message = self.rng.choice(found)
        honest = [b["callback_data"] for b in message.buttons if b.get("callback_data")]
        if honest and self.rng.random() < 0.5:
            query = self.sandbox.press_button(
                mine, self.group_id, message.message_id, self.rng.choice(honest)
            )
        else:
            data = forged_data(self.rng, self.today)
            query = self.sandbox.forge_press(mine, self.group_id, message.message_id, data)
        self.queries.append(query)

    # -- helpers -----------------------------------------------------------------------
    def _bot_message(self, user_id: int, *, with_buttons: bool = False) -> SandboxMessage:
        """A recent message of the bot's in this person's chat (or one with buttons)."""
        found = [
            m
            for m in self.sandbox.messages(user_id)[-15:]
            if (m.from_bot or m.via_bot is not None) and (m.buttons or not with_buttons)
        ]
        if with_buttons:
            found = [m for m in found if any(b.get("callback_data") for b in m.buttons)]
        if not found:
            raise _NothingThere
        return self.rng.choice(found)

    def _in_group(self, user_id: int) -> int:
        """This person if they are in the group, else someone who is."""
        members = self.sandbox.chat(self.group_id).member_ids
        return user_id if user_id in members else self.rng.choice(sorted(members))


class _NothingThere(SandboxError):
    """The action needs something this chat does not have yet."""
