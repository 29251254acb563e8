"""Callback data: every button's data is built and read here, and only here.

Each kind of button has a prefix (the constants below, which `register()` also
uses to route presses) and a dataclass that encodes itself; `parse` turns data
back into one of them. The forms, all under Telegram's 64 bytes:

  c:<id>[:<back>]          open a card; <back> is a card id or a menu (~an, ~ex, ~st)
  m:<an|ex|st>             open a menu of cards
  l:<part>:<page>          a page of a lesson
  ob:p:<program>           onboarding: pick a program
  ob:z:<zone>              onboarding: pick a time zone (IANA name)
  ob:t:<HHMM>              onboarding: pick a session time
  ob:s:<YYYYMMDD>          after onboarding: day 1 on that date (today, or the planned day)
  ob:x:<new|some|regular>  quick question 1: training experience
  ob:k:<letters|0>[:ok]    quick question 2: equipment ticked so far (b bands, d dumbbells,
                           g gym; 0 nothing); with :ok, the answer
  ob:h:<letters|0>[:ok]    quick question 3: k knee pain, b back pain, p pregnant or
                           postpartum, i recent injury; 0 none; with :ok, the answer
  set:<action>             a settings button (program, zone, time, about, pause, resume, stop)
  ci:<d|s|n>:<YYYYMMDD>    check-in: done, skip, add a note, for that local date
  ci:e:<YYYYMMDD>:<1-5>    check-in: effort
  bc:a:<id>:<audience>     broadcast: choose the audience (all, c<cohort>, i<days>, t)
  bc:go:<id>, bc:x:<id>    broadcast: send, cancel
  fg:yes, fg:no            /forget: confirm or keep
  fb:p:<page>              /feed: a page of the trainers' feed
  fb:r:<item>              /feed: reply to that feed item
  fb:y:<item>, fb:n:<item> "Send this to a coach?": yes, no
  pg:<restart|pause|stop|program>[:<YYYYMMDD>]   after the last program day: what
                           next; the date is the start of the run that ended
  gr:<d|l|s|c>             /group settings: switch the daily post, leaderboard or
                           shout-outs; the next cohort
  gr:t:<HHMM>              /group settings: the daily post's time
  lg:<code>                /language: speak that language (en, fr, …)
Anything else, or anything malformed, parses to None (a stale or forged button).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

MAX_BYTES = 64

CARD = "c"
MENU = "m"
LESSON = "l"
ONBOARD = "ob"
SETTINGS = "set"
CHECKIN = "ci"
BROADCAST = "bc"
FORGET = "fg"
AFTER_PROGRAM = "pg"
FEEDBACK = "fb"
GROUP = "gr"
LANGUAGE = "lg"

CATALOG = (CARD, MENU, LESSON)
PREFIXES = (
    *CATALOG, ONBOARD, SETTINGS, CHECKIN, BROADCAST, FORGET, AFTER_PROGRAM, FEEDBACK, GROUP,
    LANGUAGE,
)  # fmt: skip

Menu = Literal["an", "ex", "st"]
SettingsChoice = Literal["program", "zone", "time", "about", "pause", "resume", "stop"]
# The letters of the ticked answers of quick questions 2 and 3.
KIT_LETTERS = {"bands": "b", "dumbbells": "d", "gym": "g"}
HEALTH_LETTERS = {"knee": "k", "back": "b", "pregnancy": "p", "injury": "i"}
TickQuestion = Literal["k", "h"]
TICK_LETTERS: dict[str, dict[str, str]] = {"k": KIT_LETTERS, "h": HEALTH_LETTERS}
CheckinChoice = Literal["d", "s", "n", "e"]
BroadcastChoice = Literal["a", "go", "x"]
FeedbackChoice = Literal["p", "r", "y", "n"]
GroupChoice = Literal["d", "l", "s", "c", "g", "t"]

_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_FORMS: dict[str, re.Pattern[str]] = {
    CARD: re.compile(rf"^({_ID})(?::({_ID}|~(?:an|ex|st)))?$"),
    MENU: re.compile(r"^(an|ex|st)$"),
    LESSON: re.compile(r"^([1-9]):(\d{1,2})$"),
    ONBOARD: re.compile(
        rf"^(?:p:({_ID})|z:([A-Za-z0-9_+\-/]{{1,48}})|t:([01]\d|2[0-3])([0-5]\d)|s:(\d{{8}})"
        r"|x:(new|some|regular)|([kh]):([a-z]{1,4}|0)(:ok)?)$"
    ),
    SETTINGS: re.compile(r"^(program|zone|time|about|pause|resume|stop)$"),
    CHECKIN: re.compile(r"^(?:([dsn]):(\d{8})|e:(\d{8}):([1-5]))$"),
    BROADCAST: re.compile(r"^(?:a:(\d{1,12}):([a-z0-9]{1,8})|(go|x):(\d{1,12}))$"),
    FORGET: re.compile(r"^(yes|no)$"),
    FEEDBACK: re.compile(r"^([pryn]):(\d{1,12})$"),
    AFTER_PROGRAM: re.compile(rf"^(restart|pause|stop|{_ID})(?::(\d{{8}}))?$"),
    GROUP: re.compile(r"^(?:([dlscg])|t:([01]\d|2[0-3])([0-5]\d))$"),
    LANGUAGE: re.compile(r"^([a-z]{2,3})$"),
}


def pattern(*prefixes: str) -> str:
    """The regex that routes presses with these prefixes to one handler."""
    return rf"^(?:{'|'.join(re.escape(p) for p in prefixes)}):"


@dataclass(frozen=True)
class OpenCard:
    card_id: str
    back: str | None = None

    def encode(self) -> str:
        return f"{CARD}:{self.card_id}:{self.back}" if self.back else f"{CARD}:{self.card_id}"


@dataclass(frozen=True)
class OpenMenu:
    menu: Menu

    def encode(self) -> str:
        return f"{MENU}:{self.menu}"


@dataclass(frozen=True)
class OpenLesson:
    part: int
    page: int

    def encode(self) -> str:
        return f"{LESSON}:{self.part}:{self.page}"


@dataclass(frozen=True)
class PickProgram:
    program_id: str

    def encode(self) -> str:
        return f"{ONBOARD}:p:{self.program_id}"


@dataclass(frozen=True)
class PickZone:
    zone: str

    def encode(self) -> str:
        return f"{ONBOARD}:z:{self.zone}"


@dataclass(frozen=True)
class PickTime:
    at: time

    def encode(self) -> str:
        return f"{ONBOARD}:t:{self.at:%H%M}"


@dataclass(frozen=True)
class StartOn:
    """Make `day` day 1: today (▶ Start today), or the day already planned."""

    day: date

    def encode(self) -> str:
        return f"{ONBOARD}:s:{self.day:%Y%m%d}"


@dataclass(frozen=True)
class PickExperience:
    level: str

    def encode(self) -> str:
        return f"{ONBOARD}:x:{self.level}"


def _letters(chosen: frozenset[str], letters: dict[str, str]) -> str:
    return "".join(letter for name, letter in letters.items() if name in chosen) or "0"


def _names(text: str, letters: dict[str, str]) -> frozenset[str] | None:
    if text == "0":
        return frozenset()
    names = {letter: name for name, letter in letters.items()}
    if len(set(text)) != len(text) or not set(text) <= set(names):
        return None
    return frozenset(names[letter] for letter in text)


@dataclass(frozen=True)
class TickAnswer:
    """Quick question 2 ("k": equipment) or 3 ("h": conditions): the choices
    ticked so far; `done`: that is the answer."""

    question: TickQuestion
    chosen: frozenset[str]
    done: bool = False

    def encode(self) -> str:
        tail = ":ok" if self.done else ""
        return (
            f"{ONBOARD}:{self.question}:{_letters(self.chosen, TICK_LETTERS[self.question])}{tail}"
        )


@dataclass(frozen=True)
class ChangeSetting:
    what: SettingsChoice

    def encode(self) -> str:
        return f"{SETTINGS}:{self.what}"


@dataclass(frozen=True)
class CheckinPress:
    """d: done, s: skip, n: add a note, e: effort (with `effort`)."""

    action: CheckinChoice
    day: date
    effort: int | None = None

    def encode(self) -> str:
        tail = f":{self.effort}" if self.action == "e" else ""
        return f"{CHECKIN}:{self.action}:{self.day:%Y%m%d}{tail}"


@dataclass(frozen=True)
class BroadcastPress:
    """a: choose the audience (`audience` token), go: send, x: cancel."""

    action: BroadcastChoice
    broadcast_id: int
    audience: str | None = None

    def encode(self) -> str:
        if self.action == "a":
            return f"{BROADCAST}:a:{self.broadcast_id}:{self.audience}"
        return f"{BROADCAST}:{self.action}:{self.broadcast_id}"


@dataclass(frozen=True)
class ConfirmForget:
    confirmed: bool

    def encode(self) -> str:
        return f"{FORGET}:{'yes' if self.confirmed else 'no'}"


@dataclass(frozen=True)
class AfterProgram:
    """restart, pause, stop, or the id of the program to switch to; `run` is the
    start of the program run that ended (None on buttons made before it was kept)."""

    choice: str
    run: date | None = None

    def encode(self) -> str:
        tail = f":{self.run:%Y%m%d}" if self.run else ""
        return f"{AFTER_PROGRAM}:{self.choice}{tail}"


@dataclass(frozen=True)
class FeedbackPress:
    """p: a page of /feed (`number` the page), r: reply to a feed item, y/n: send
    a photo, video or question to a coach, or not (`number` the item)."""

    action: FeedbackChoice
    number: int

    def encode(self) -> str:
        return f"{FEEDBACK}:{self.action}:{self.number}"


@dataclass(frozen=True)
class PickLanguage:
    """/language: speak this language from now on."""

    code: str

    def encode(self) -> str:
        return f"{LANGUAGE}:{self.code}"


@dataclass(frozen=True)
class GroupPress:
    """d, l, s: switch the daily post, leaderboard, shout-outs; c: the next cohort;
    g: the next language; t: the daily post at `at`."""

    action: GroupChoice
    at: time | None = None

    def encode(self) -> str:
        if self.action == "t" and self.at is not None:
            return f"{GROUP}:t:{self.at:%H%M}"
        return f"{GROUP}:{self.action}"


Action = (
    OpenCard
    | OpenMenu
    | OpenLesson
    | PickProgram
    | PickZone
    | PickTime
    | StartOn
    | PickExperience
    | TickAnswer
    | ChangeSetting
    | CheckinPress
    | BroadcastPress
    | ConfirmForget
    | AfterProgram
    | FeedbackPress
    | GroupPress
    | PickLanguage
)


# Row ids are 32-bit integer keys: a bigger number in a button is none of ours
# (a forged or garbled press), and PostgreSQL would refuse it as a parameter.
MAX_ROW_ID = 2**31 - 1


def _row_id(text: str) -> int | None:
    value = int(text)
    return value if value <= MAX_ROW_ID else None


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        return None


def parse(data: str | None) -> Action | None:
    """The action a button stands for, or None when the data is not ours."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    prefix, _, rest = data.partition(":")
    form = _FORMS.get(prefix)
    match = form.match(rest) if form else None
    if match is None:
        return None
    groups = match.groups()
    if prefix == CARD:
        return OpenCard(groups[0], groups[1])
    if prefix == MENU:
        return OpenMenu(groups[0])  # type: ignore[arg-type]
    if prefix == LESSON:
        return OpenLesson(int(groups[0]), int(groups[1]))
    if prefix == ONBOARD:
        program, zone, hour, minute, start, level, question, ticked, ok = groups
        if level:
            return PickExperience(level)
        if question:
            chosen = _names(ticked, TICK_LETTERS[question])
            if chosen is None:
                return None
            return TickAnswer("k" if question == "k" else "h", chosen, ok is not None)
        if program:
            return PickProgram(program)
        if zone:
            return PickZone(zone)
        if start:
            day = _day(start)
            return StartOn(day) if day is not None else None
        return PickTime(time(int(hour), int(minute)))
    if prefix == SETTINGS:
        return ChangeSetting(groups[0])  # type: ignore[arg-type]
    if prefix == CHECKIN:
        action, day_text, effort_day, effort = groups
        day = _day(day_text or effort_day)
        if day is None:
            return None
        if action:
            return CheckinPress(action, day)  # type: ignore[arg-type]
        return CheckinPress("e", day, int(effort))
    if prefix == BROADCAST:
        chosen_id, audience, action, other_id = groups
        row = _row_id(chosen_id or other_id)
        if row is None:
            return None
        if chosen_id:
            return BroadcastPress("a", row, audience)
        return BroadcastPress(action, row)  # type: ignore[arg-type]
    if prefix == FORGET:
        return ConfirmForget(groups[0] == "yes")
    if prefix == FEEDBACK:
        item = _row_id(groups[1])
        return FeedbackPress(groups[0], item) if item is not None else None  # type: ignore[arg-type]
    if prefix == LANGUAGE:
        return PickLanguage(groups[0])
    if prefix == GROUP:
        switch, hour, minute = groups
        if switch:
            return GroupPress(switch)  # type: ignore[arg-type]
        return GroupPress("t", time(int(hour), int(minute)))
    choice, run_text = groups
    if run_text is None:
        return AfterProgram(choice)
    run = _day(run_text)
    return AfterProgram(choice, run) if run is not None else None


# Short spellings for the card links rendered everywhere.
def card(card_id: str, back: str | None = None) -> str:
    return OpenCard(card_id, back).encode()


def menu(name: Menu) -> str:
    return OpenMenu(name).encode()


def lesson(part: int, page: int) -> str:
    return OpenLesson(part, page).encode()
