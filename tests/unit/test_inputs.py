"""What members type for a reminder time or a time zone (bot.services.inputs)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import is_valid_zone
from bot.services.inputs import (
    DidYouMean,
    InputError,
    describe_zone,
    is_greeting,
    parse_time,
    parse_when,
    parse_zone,
)
from bot.services.places import zone_at

# -- parse_time -----------------------------------------------------------------------------
VALID_TIMES = [
    ("07:30", time(7, 30)),
    ("7:30", time(7, 30)),
    ("7.30", time(7, 30)),
    ("19h30", time(19, 30)),
    ("07h05", time(7, 5)),
    ("7 : 30", time(7, 30)),
    ("7am", time(7, 0)),
    ("7 AM", time(7, 0)),
    ("7 a.m.", time(7, 0)),
    ("7p", time(19, 0)),
    ("7:30pm", time(19, 30)),
    ("7:30 pm", time(19, 30)),
    ("7:30 P.M.", time(19, 30)),
    ("6:45 pm", time(18, 45)),
    ("12am", time(0, 0)),
    ("12pm", time(12, 0)),
    ("12:30am", time(0, 30)),
    ("12:30pm", time(12, 30)),
    ("0730", time(7, 30)),
    ("1930", time(19, 30)),
    ("930", time(9, 30)),
    ("noon", time(12, 0)),
    ("NOON", time(12, 0)),
    ("midday", time(12, 0)),
    (" 6:05 ", time(6, 5)),
    ("\t6:05\n", time(6, 5)),
    ("23:59", time(23, 59)),
    ("0:00", time(0, 0)),
    ("00:00", time(0, 0)),
    ("7", time(7, 0)),
    ("0", time(0, 0)),
    ("23", time(23, 0)),
]


@pytest.mark.parametrize(("text", "expected"), VALID_TIMES)
def test_parse_time_accepts(text: str, expected: time) -> None:
    got = parse_time(text)
    assert got == expected
    assert got.tzinfo is None
    assert (got.second, got.microsecond) == (0, 0)


INVALID_TIMES = [
    "25:00",
    "24:00",
    "24",
    "7:60",
    "7:3",
    "13pm",
    "0am",
    "0pm",
    "seven",
    "",
    "   ",
    "12:00:00",
    "7:30:00",
    "-1",
    "99",
    "12345",
    "am",
    "7:30am pm",
    "7 mp",
    "🍑",
    "x" * 5000,
    "07:30 " + "x" * 40,
    "7:30\x00",
]


@pytest.mark.parametrize("text", INVALID_TIMES, ids=lambda text: repr(text[:20]))
def test_parse_time_rejects_with_an_example(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_time(text)
    message = str(caught.value)
    assert "07:30" in message
    assert len(message) < 200
    assert "<" not in message  # plain text, no HTML


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parse_time_returns_a_time_or_raises_input_error(text: str) -> None:
    try:
        got = parse_time(text)
    except InputError as exc:
        message = str(exc)
    else:
        assert isinstance(got, time)
        assert (got.second, got.microsecond) == (0, 0)
        assert got.tzinfo is None
        return
    assert "07:30" in message


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 23), st.integers(0, 59))
def test_parse_time_reads_back_every_clock_reading(hour: int, minute: int) -> None:
    expected = time(hour, minute)
    assert parse_time(f"{hour:02d}:{minute:02d}") == expected
    assert parse_time(f"{hour}:{minute:02d}") == expected
    assert parse_time(f"{hour}h{minute:02d}") == expected
    assert parse_time(f"{hour:02d}{minute:02d}") == expected
    twelve = hour % 12 or 12
    suffix = "am" if hour < 12 else "pm"
    assert parse_time(f"{twelve}:{minute:02d} {suffix}") == expected
    assert parse_time(f"{twelve}:{minute:02d}{suffix.upper()}") == expected


TIME_MISTAKES = [
    ("25:00", "25 isn't an hour of the day"),
    ("25", "25 isn't an hour of the day"),
    ("7:60", "60 isn't a minute"),
    ("7:3", "7:03 or 7:30?"),
    ("13pm", "With am or pm, hours run from 1 to 12"),
    ("12:00:00", "Leave out the seconds"),
    ("half past six", "in digits"),
    ("seven", "in digits"),
]


@pytest.mark.parametrize(("text", "said"), TIME_MISTAKES)
def test_parse_time_says_what_was_wrong(text: str, said: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_time(text)
    assert said in str(caught.value)
    assert "07:30" in str(caught.value)


# -- parse_zone -----------------------------------------------------------------------------
VALID_ZONES = [
    # IANA names, any case
    ("Europe/Berlin", "Europe/Berlin"),
    ("europe/berlin", "Europe/Berlin"),
    ("EUROPE/BERLIN", "Europe/Berlin"),
    ("  Asia/Tokyo  ", "Asia/Tokyo"),
    ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("Etc/GMT-2", "Etc/GMT-2"),
    ("US/Eastern", "US/Eastern"),
    # cities
    ("berlin", "Europe/Berlin"),
    ("Berlin", "Europe/Berlin"),
    ("São Paulo", "America/Sao_Paulo"),
    ("sao paulo", "America/Sao_Paulo"),
    ("Sao_Paulo", "America/Sao_Paulo"),
    ("new york", "America/New_York"),
    ("New York", "America/New_York"),
    ("NYC", "America/New_York"),
    ("tokyo", "Asia/Tokyo"),
    ("los angeles", "America/Los_Angeles"),
    ("LA", "America/Los_Angeles"),
    ("San Francisco", "America/Los_Angeles"),
    ("kolkata", "Asia/Kolkata"),
    ("mumbai", "Asia/Kolkata"),
    ("Delhi", "Asia/Kolkata"),
    ("London", "Europe/London"),
    ("Sydney", "Australia/Sydney"),
    ("Zürich", "Europe/Zurich"),
    ("Bogotá", "America/Bogota"),
    ("Montréal", "America/Montreal"),  # a link to America/Toronto: the same rules
    ("Munich", "Europe/Berlin"),
    ("Beijing", "Asia/Shanghai"),
    ("buenos aires", "America/Argentina/Buenos_Aires"),
    ("Lord Howe", "Australia/Lord_Howe"),
    ("kyiv", "Europe/Kyiv"),
    # offsets
    ("UTC+2", "Etc/GMT-2"),
    ("+2", "Etc/GMT-2"),
    ("UTC +2", "Etc/GMT-2"),
    ("utc+02:00", "Etc/GMT-2"),
    ("GMT+1", "Etc/GMT-1"),
    ("-5", "Etc/GMT+5"),
    ("UTC-12", "Etc/GMT+12"),
    ("UTC+14", "Etc/GMT-14"),
    ("GMT+5:30", "Asia/Kolkata"),
    ("+0530", "Asia/Kolkata"),
    ("UTC+5:45", "Asia/Kathmandu"),
    ("UTC-3:30", "America/St_Johns"),
    ("UTC-9:30", "Pacific/Marquesas"),
    ("utc", "UTC"),
    ("UTC", "UTC"),
    ("GMT", "UTC"),
    ("UTC+0", "UTC"),
    ("UTC-0", "UTC"),
    ("Z", "UTC"),
    # big cities that are not (the last part of) an IANA name
    ("Osaka", "Asia/Tokyo"),
    ("Chennai", "Asia/Kolkata"),
    ("Bengaluru", "Asia/Kolkata"),
    ("Hyderabad", "Asia/Kolkata"),
    ("Philadelphia", "America/New_York"),
    ("Atlanta", "America/New_York"),
    ("Washington DC", "America/New_York"),
    ("Calgary", "America/Edmonton"),
    ("Ottawa", "America/Toronto"),
    ("München", "Europe/Berlin"),
    ("Krakow", "Europe/Warsaw"),
    ("UTC\u22125", "Etc/GMT+5"),
    ("etc/gmt-2", "Etc/GMT-2"),
    # from the gazetteer: other names, smaller cities, "city, country"
    ("Cluj", "Europe/Bucharest"),
    ("Cluj-Napoca", "Europe/Bucharest"),
    ("Kolozsvár", "Europe/Bucharest"),
    ("Lisboa", "Europe/Lisbon"),
    ("Lisbon", "Europe/Lisbon"),
    ("Tokio", "Asia/Tokyo"),
    ("Köln", "Europe/Berlin"),
    ("Lyon", "Europe/Paris"),
    ("Porto", "Europe/Lisbon"),
    ("Berlin, Germany", "Europe/Berlin"),
    ("Paris", "Europe/Paris"),  # not Paris, Texas: the most populous wins
    ("東京", "Asia/Tokyo"),
]


@pytest.mark.parametrize(("text", "expected"), VALID_ZONES)
def test_parse_zone_accepts(text: str, expected: str) -> None:
    got = parse_zone(text)
    assert got == expected
    assert is_valid_zone(got)
    ZoneInfo(got)


@pytest.mark.parametrize(
    ("typo", "first"),
    [("Berlni", "Berlin"), ("Tokyio", "Tokyo"), ("nwe york", "New York City"), ("Lisbn", "Lisbon")],
)
def test_a_typo_gets_the_likely_cities_to_choose_from(typo: str, first: str) -> None:
    with pytest.raises(DidYouMean) as caught:
        parse_zone(typo)
    places = caught.value.places
    assert places[0].name == first
    assert 1 <= len(places) <= 3
    assert len({(p.name, p.country) for p in places}) == len(places)
    assert all(is_valid_zone(p.zone) for p in places)
    assert "Did you mean" in str(caught.value)


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [
        (46.77, 23.59, "Europe/Bucharest"),  # Cluj
        (38.72, -9.14, "Europe/Lisbon"),
        (-33.87, 151.21, "Australia/Sydney"),
        (40.71, -74.0, "America/New_York"),
    ],
)
def test_a_shared_location_resolves_to_its_zone_offline(
    latitude: float, longitude: float, zone: str
) -> None:
    assert zone_at(latitude, longitude) == zone


def test_a_location_at_sea_or_off_the_globe() -> None:
    at_sea = zone_at(0.0, -30.0)
    assert at_sea is not None
    assert at_sea.startswith("Etc/GMT")
    assert zone_at(91.0, 0.0) is None
    assert zone_at(0.0, 181.0) is None


def test_parse_zone_offsets_have_the_right_sign() -> None:
    """Etc/GMT-2 is two hours AHEAD of UTC: the sign is the other way round."""
    noon = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    for text, hours in (("UTC+2", 2), ("-5", -5), ("UTC+14", 14), ("UTC-12", -12)):
        assert noon.astimezone(ZoneInfo(parse_zone(text))).utcoffset() == timedelta(hours=hours)


INVALID_ZONES = [
    "Mars/Olympus",
    "atlantis/lost",
    "UTC+15",
    "UTC-13",
    "UTC+99",
    "+123",
    "+5:15",
    "utc+2:60",
    "UTC+2:30",
    "UTC-12:30",
    "",
    "   ",
    "+",
    "utc+",
    "../../etc/passwd",
    "/etc/localtime",
    "Europe/../Europe/Berlin",
    "Europe/",
    "Europe//Berlin",
    "Europe",
    "localtime",
    "Factory",
    "Europe/Berlin\x00",
    "x" * 5000,
    "🍑",
    "DROP TABLE members",
    "'; DROP TABLE members; --",
]


@pytest.mark.parametrize("text", INVALID_ZONES, ids=lambda text: repr(text[:20]))
def test_parse_zone_rejects_with_a_friendly_message(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_zone(text)
    message = str(caught.value)
    assert message
    assert message[0].isupper()
    assert message.endswith(".")
    assert len(message) < 200
    assert "<" not in message  # plain text, no HTML
    assert "Traceback" not in message
    assert "UTC" in message or "city" in message


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=70),
        st.from_regex(r"(?:UTC|GMT|utc)?\s?[+-]\s?\d{1,3}(?::?\d{2})?", fullmatch=True),
        st.sampled_from(["Europe/", "America/", "Asia/", "Etc/", "right/", "posix/"]).flatmap(
            lambda prefix: st.text(max_size=20).map(lambda rest: prefix + rest)
        ),
    )
)
def test_parse_zone_returns_a_loadable_zone_or_raises_input_error(text: str) -> None:
    try:
        got = parse_zone(text)
    except InputError as exc:
        message = str(exc)
    else:
        assert is_valid_zone(got)
        ZoneInfo(got)
        return
    assert message.endswith(".")


# -- describe_zone --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Etc/GMT-2", "UTC+2 (fixed, no daylight saving)"),
        ("Etc/GMT+5", "UTC-5 (fixed, no daylight saving)"),
        ("Etc/GMT-14", "UTC+14 (fixed, no daylight saving)"),
        ("Etc/GMT+12", "UTC-12 (fixed, no daylight saving)"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("America/St_Johns", "America/St_Johns"),
        ("UTC", "UTC"),
    ],
)
def test_describe_zone(name: str, expected: str) -> None:
    assert describe_zone(name) == expected


@pytest.mark.parametrize("text", ["UTC+2", "-5", "UTC+14", "UTC-12", "+9", "berlin", "utc"])
def test_describe_zone_of_a_parsed_offset_reads_like_the_input(text: str) -> None:
    described = describe_zone(parse_zone(text))
    if text.lower() in ("berlin", "utc"):
        assert "fixed" not in described
    else:
        sign, hours = ("-", text.split("-")[-1]) if "-" in text else ("+", text.split("+")[-1])
        assert described == f"UTC{sign}{hours} (fixed, no daylight saving)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Etc/GMT", "UTC"),
        ("Etc/GMT0", "UTC"),
        ("Etc/GMT+0", "UTC"),
    ],
)
def test_every_accepted_zone_can_be_described(text: str, expected: str) -> None:
    """parse_zone accepts these (they load), so the settings reply must be able to name them."""
    name = parse_zone(text)
    assert is_valid_zone(name)
    described = describe_zone(name)
    assert described.startswith(expected)
    assert not any(bad in described for bad in ("UTC- ", "UTC-0", "UTC+ ", "UTC+0"))


# -- greetings and broadcast times --------------------------------------------------------
@pytest.mark.parametrize("text", ["hello", "Hi!", "hey there", "Good morning 👋", "👋", "Bonjour"])
def test_a_hello_is_a_greeting(text: str) -> None:
    assert is_greeting(text)


@pytest.mark.parametrize(
    "text", ["hello, what does the glute med do?", "hip thrust", "", "x" * 5000, "hi" * 50]
)
def test_a_question_is_no_greeting(text: str) -> None:
    assert not is_greeting(text)


BERLIN_MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, a Monday


@pytest.mark.parametrize(
    ("text", "language", "at", "rest"),
    [
        ("tomorrow 18:00 Class!", None, datetime(2026, 3, 3, 17, 0, tzinfo=UTC), "Class!"),
        ("fri 6pm  Yoga\non the roof", "en", datetime(2026, 3, 6, 17, 0, tzinfo=UTC),
         "Yoga\non the roof"),
        ("demain 18:00 Cours", "fr", datetime(2026, 3, 3, 17, 0, tzinfo=UTC), "Cours"),
        ("tomorrow 18:00 x", "xx", datetime(2026, 3, 3, 17, 0, tzinfo=UTC), "x"),
        ("9:00", None, datetime(2026, 3, 3, 8, 0, tzinfo=UTC), ""),  # today's 9:00 is past
    ],
)  # fmt: skip
def test_parse_when_reads_the_time_in_the_zone(
    text: str, language: str | None, at: datetime, rest: str
) -> None:
    assert parse_when(text, "Europe/Berlin", BERLIN_MORNING, language) == (at, rest)


@pytest.mark.parametrize("text", ["tomorrow", "fri Yoga", "banana 18:99", "", "🍑 " * 10])
def test_parse_when_refuses_what_names_no_time(text: str) -> None:
    with pytest.raises(InputError):
        parse_when(text, "Europe/Berlin", BERLIN_MORNING)
