"""What members type for a reminder time or a time zone, understood generously.

Each parser returns the value, or raises `InputError` whose message is a short,
friendly sentence saying what was expected (plain text, no HTML).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from bot.config import is_valid_zone
from bot.i18n import _
from bot.services.places import Place, find_city, plain, similar_cities


class InputError(ValueError):
    """The text could not be understood; str() is what to tell the member."""


class DidYouMean(InputError):
    """A place name close to some cities' (a typo): offer them to choose from."""

    def __init__(self, places: list[Place]) -> None:
        super().__init__(
            _(
                "I don't know that place. Did you mean one of these? If not, send a bigger city "
                "near you, a zone like Europe/Berlin, or an offset like UTC+2."
            )
        )
        self.places = places


_TIME_24 = re.compile(r"^([01]?\d|2[0-3])\s*[:.h]\s*([0-5]\d)$")
_TIME_12 = re.compile(r"^(1[0-2]|0?[1-9])(?:\s*[:.]\s*([0-5]\d))?\s*([ap])\.?\s*m?\.?$")
_TIME_DIGITS = re.compile(r"^([01]?\d|2[0-3])([0-5]\d)$")


def parse_time(text: str) -> time:
    """'07:30', '7:30', '7.30', '19h30', '7h', '7am', '7:30 pm', '0730', 'noon', 'midi'."""
    raw = " ".join(text.strip().lower().split())[:20]
    if raw in ("noon", "midday", "midi"):
        return time(12, 0)
    if match := _TIME_24.match(raw):
        return time(int(match[1]), int(match[2]))
    if match := _TIME_12.match(raw):
        hour = int(match[1]) % 12 + (12 if match[3] == "p" else 0)
        return time(hour, int(match[2] or 0))
    if match := _TIME_DIGITS.match(raw):
        return time(int(match[1]), int(match[2]))
    if hour_only := re.fullmatch(r"([01]?\d|2[0-3])\s*h?", raw):
        return time(int(hour_only[1]), 0)
    raise InputError(_what_was_wrong(raw))


def _example() -> str:
    return _("Try 07:30, 7am or 6:45 pm.")


def _what_was_wrong(raw: str) -> str:
    """The one thing wrong with a time that did not parse, said plainly."""
    raw = re.sub(r"^(\d{1,2})\s*h$", r"\1", raw)  # "25h" is an hour too
    clock = re.fullmatch(r"(\d{1,2})(?:\s*[:.h]\s*(\d{1,2}))?(?:\s*[:.]\s*\d{1,2})?", raw)
    twelve = re.fullmatch(r"(\d{1,2})(?:\s*[:.]\s*\d{2})?\s*[ap]\.?\s*m?\.?", raw)
    if clock and raw.count(":") + raw.count(".") > 1:
        return _("Leave out the seconds: hours and minutes are enough.") + " " + _example()
    if clock and int(clock[1]) > 23:
        said = _("{hour} isn't an hour of the day: hours run from 0 to 23.")
        return said.format(hour=int(clock[1])) + " " + _example()
    if clock and clock[2] is not None and int(clock[2]) > 59:
        said = _("{minute} isn't a minute: minutes run from 00 to 59.")
        return said.format(minute=int(clock[2])) + " " + _example()
    if clock and clock[2] is not None and len(clock[2]) == 1:
        hour, minute = int(clock[1]), clock[2]
        said = _("Minutes take two digits: {padded} or {tens}?")
        return said.format(padded=f"{hour}:0{minute}", tens=f"{hour}:{minute}0") + " " + _example()
    if twelve and not 1 <= int(twelve[1]) <= 12:
        said = _("With am or pm, hours run from 1 to 12 ({hour} isn't one of them).")
        return said.format(hour=int(twelve[1])) + " " + _example()
    if re.search(r"[a-z]{3}", raw) and not re.search(r"\d", raw):
        return _("Write the time in digits, please.") + " " + _example()
    return _(
        "I could not read that as a time. Try 07:30, 7:30, 7am or 6:45 pm "
        "(hours 0 to 23, minutes 00 to 59)."
    )


# Offsets that are not whole hours map to the place that uses them.
_FRACTIONAL = {
    (3, 30): "Asia/Tehran",
    (4, 30): "Asia/Kabul",
    (5, 30): "Asia/Kolkata",
    (5, 45): "Asia/Kathmandu",
    (6, 30): "Asia/Yangon",
    (9, 30): "Australia/Darwin",
    (-3, -30): "America/St_Johns",
    (-9, -30): "Pacific/Marquesas",
}
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:\s*:?\s*(\d{2}))?$")
# Names that are not cities (abbreviations, regions) and the few short forms
# people use for a city; every other city comes from the gazetteer (places.py).
_ALIASES = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC", "zulu": "UTC",
    "nyc": "America/New_York", "la": "America/Los_Angeles", "sf": "America/Los_Angeles",
    "dc": "America/New_York", "washington dc": "America/New_York",
    "eastern": "America/New_York", "central": "America/Chicago", "mountain": "America/Denver",
    "pacific": "America/Los_Angeles", "est": "America/New_York", "cet": "Europe/Berlin",
    "pst": "America/Los_Angeles", "cst": "America/Chicago", "bst": "Europe/London",
    "rio": "America/Sao_Paulo",
}  # fmt: skip
_ZERO_OFFSET_ZONES = {
    "etc/gmt", "etc/gmt0", "etc/gmt+0", "etc/gmt-0", "etc/utc", "etc/uct", "etc/zulu",
    "etc/greenwich", "etc/universal", "gmt", "utc", "uct", "zulu",
}  # fmt: skip


@lru_cache(maxsize=1)
def _zone_index() -> tuple[dict[str, str], dict[str, str]]:
    """(lower-case IANA name → name, city → name) for every loadable zone."""
    by_name: dict[str, str] = {}
    by_city: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/")) or "/" not in name:
            continue
        by_name[name.lower()] = name
        city = plain(name.rsplit("/", 1)[-1])
        # Prefer the canonical continent zones over legacy aliases of the same city.
        by_city.setdefault(city, name)
    return by_name, by_city


def parse_zone(text: str) -> str:
    """An IANA name ('Europe/Berlin'), a city ('berlin', 'São Paulo'), or an
    offset ('UTC+2', '-5', 'GMT+5:30'). Returns the IANA zone name."""
    # Typographic minus and dashes people paste from documents.
    raw = re.sub("[\u2212\u2012\u2013\u2014]", "-", text.strip()[:64])
    if not raw:
        raise InputError(
            _("Send a city like Berlin, a zone like Europe/Berlin, or an offset like UTC+2.")
        )
    by_name, by_city = _zone_index()
    if raw.lower() in by_name:
        return by_name[raw.lower()]
    if raw.lower() in _ZERO_OFFSET_ZONES:
        return "UTC"
    if etc := re.fullmatch(r"etc/gmt([+-])(\d{1,2})", raw.lower()):
        # Etc/GMT-2 is two hours ahead of UTC: read it as the offset it stands for.
        return _zone_for_offset("+" if etc[1] == "-" else "-", int(etc[2]), 0)
    compact = raw.lower().replace(" ", "")
    if match := _OFFSET.match(compact):
        return _zone_for_offset(match[1], int(match[2]), int(match[3] or 0))
    key = plain(raw)
    if key in _ALIASES:
        return _ALIASES[key]
    if key in by_city:
        return by_city[key]
    if "/" not in raw and (place := _city(raw)) is not None:
        return place.zone
    if (
        "/" in raw
        and not raw.lower().startswith(("etc/", "right/", "posix/"))
        and is_valid_zone(raw)
    ):
        return raw
    if "/" not in raw and (close := similar_cities(raw)):
        raise DidYouMean(close)
    raise InputError(
        _(
            "I don't know that place. Send a big city near you (Berlin, New York, Tokyo), "
            "a zone like Europe/Berlin, or an offset like UTC+2."
        )
    )


def _city(raw: str) -> Place | None:
    """A city by any of its names; 'Berlin, Germany' by the part before the comma."""
    return find_city(raw) or (find_city(raw.split(",")[0]) if "," in raw else None)


def _zone_for_offset(sign: str, hours: int, minutes: int) -> str:
    if hours > 14 or minutes not in (0, 30, 45):
        raise InputError(_("Offsets run from UTC-12 to UTC+14, like UTC+2 or UTC-5:30."))
    if minutes:
        factor = 1 if sign == "+" else -1
        zone = _FRACTIONAL.get((factor * hours, factor * minutes))
        if zone is None:
            raise InputError(
                _("I don't know a place with that offset. Send a city near you instead.")
            )
        return zone
    if hours == 0:
        return "UTC"
    if hours > 12 and sign == "-":
        raise InputError(_("Offsets run from UTC-12 to UTC+14, like UTC+2 or UTC-5."))
    # The Etc zones count the other way round: Etc/GMT-2 is two hours AHEAD of UTC.
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


def describe_zone(name: str) -> str:
    """How to name a zone to a member ('Europe/Berlin', 'UTC+2 (no daylight saving)')."""
    match = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", name)
    if match and int(match[2]) != 0:
        sign = "+" if match[1] == "-" else "-"
        return _("UTC{offset} (fixed, no daylight saving)").format(offset=f"{sign}{int(match[2])}")
    if name.startswith("Etc/"):
        return "UTC"
    return name


_GREETING = re.compile(
    r"(hi+|hello+|hey+|hiya|howdy|yo|hallo|hola|ciao|salut|bonjour|ola|start|begin|"
    r"good (morning|afternoon|evening|day)|👋)( there| bot| coach)?[\s!.,?👋🙂😊]*",
)


def is_greeting(text: str) -> bool:
    """'hello', 'Hi there!', 'good morning 👋': a hello, not a question."""
    return bool(_GREETING.fullmatch(plain(text[:80]) if text.isascii() else text.strip().lower()))


# -- when a broadcast should go ------------------------------------------------------
# A date and time to read after `/broadcast at`: at most this many words.
_WHEN_WORDS = 5
_HAS_TIME = re.compile(
    r"\d{1,2}\s*(?::\s*\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)"
    r"|\d{1,2}\s*[:h.]\s*\d{2}|noon|midnight|tonight",
    re.I,
)
_WHEN_START = re.compile(
    r"\S*(\d|today|tonight|tomorrow|mon|tue|wed|thu|fri|sat|sun|next|in\b)", re.I
)


def looks_like_when(text: str) -> bool:
    """Whether the words after `/broadcast at` try to name a time (else: plain text)."""
    return bool(_WHEN_START.match(text.strip()))


def parse_when(
    text: str, zone: str, now: datetime, language: str | None = None
) -> tuple[datetime, str]:
    """A date and time at the start of `text` ('tomorrow 18:00', 'fri 6pm',
    '24/12 9:00', '2026-12-24 18:00'), read in `zone` relative to `now`, and the
    words after it. Raises InputError when no time can be read there."""
    import dateparser

    words = text.split()
    base = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    languages = ["en"] if not language or language == "en" else [language, "en"]
    for count in range(min(_WHEN_WORDS, len(words)), 0, -1):
        candidate = " ".join(words[:count])
        if not _HAS_TIME.search(candidate):
            continue
        try:
            found = dateparser.parse(candidate, languages=languages, settings=settings)
        except ValueError:  # a language dateparser does not know
            found = dateparser.parse(candidate, languages=["en"], settings=settings)
        if found is not None:
            # Local wall time in the zone; a time skipped by DST moves past the gap.
            local = found.replace(second=0, microsecond=0, tzinfo=ZoneInfo(zone))
            instant = local.astimezone(UTC)
            head = re.match(r"\s*" + r"\S+\s+" * (count - 1) + r"\S+", text)
            assert head is not None  # the words were split from this text
            return instant, text[head.end() :].strip()
    raise InputError(_("I could not read a date and a time there."))
