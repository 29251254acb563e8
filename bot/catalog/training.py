"""How hard a program day is: the numbers the coach's program rules count.

Every exercise card names its movement pattern and its intensity at its usual
dose (light, moderate or heavy). From those a training day is:

- hard: two or more heavy exercises, or one heavy exercise with two or more
  moderate ones;
- moderate: one heavy exercise, or two or more moderate ones;
- light: no heavy exercise and at most one moderate one.

A day "trains a pattern heavily" when it holds a heavy exercise of that
pattern. The program rules (tests/content/test_program_rules.py) are written
against these numbers, and the daily message shows the day's load.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.catalog.catalog import Catalog
from bot.catalog.schema import ProgramDay

Load = Literal["rest", "light", "moderate", "hard"]
WEIGHT = {"light": 1, "moderate": 2, "heavy": 3}


@dataclass(frozen=True, slots=True)
class DayLoad:
    """The load of one program day."""

    load: Load
    heavy: int
    moderate: int
    sets: int
    weighted_sets: int
    heavy_patterns: frozenset[str]
    patterns: frozenset[str]


def day_load(catalog: Catalog, day: ProgramDay) -> DayLoad:
    """Count a day's exercises by intensity and pattern (cards must exist)."""
    if day.rest:
        return DayLoad("rest", 0, 0, 0, 0, frozenset(), frozenset())
    heavy = moderate = sets = weighted = 0
    heavy_patterns: set[str] = set()
    patterns: set[str] = set()
    for item in day.exercises:
        card = catalog.exercises[item.id]
        dose = catalog.dose_of(item)
        sets += dose.sets
        weighted += dose.sets * WEIGHT[card.intensity]
        patterns.add(card.pattern)
        if card.intensity == "heavy":
            heavy += 1
            heavy_patterns.add(card.pattern)
        elif card.intensity == "moderate":
            moderate += 1
    load: Load
    if heavy >= 2 or (heavy == 1 and moderate >= 2):
        load = "hard"
    elif heavy == 1 or moderate >= 2:
        load = "moderate"
    else:
        load = "light"
    return DayLoad(
        load, heavy, moderate, sets, weighted, frozenset(heavy_patterns), frozenset(patterns)
    )
