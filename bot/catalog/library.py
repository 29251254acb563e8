"""The catalog together with its search indexes: what handlers look things up in."""

from __future__ import annotations

from bot.catalog.catalog import Catalog
from bot.catalog.schema import Card
from bot.catalog.search import CardIndex

FEATURED = ("gluteus-maximus", "gluteus-medius", "gluteus-minimus", "glute-bridge", "hip-thrust")


class Library:
    """Built once at start-up from a validated catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        anatomy: list[Card] = list(catalog.anatomy.values())
        exercises: list[Card] = list(catalog.exercises.values())
        stretches: list[Card] = list(catalog.stretches.values())
        self._indexes = {
            "an": CardIndex(anatomy),
            "ex": CardIndex(exercises),
            "st": CardIndex(stretches),
            "all": CardIndex(anatomy + exercises + stretches),
        }
        self.featured = tuple(i for i in FEATURED if catalog.card(i)) or tuple(
            list(catalog.anatomy)[:5]
        )

    def index(self, name: str) -> CardIndex:
        """'an', 'ex', 'st' or 'all'."""
        return self._indexes[name]
