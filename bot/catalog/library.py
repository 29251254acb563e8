"""The catalog together with its search indexes: what handlers look things up in,
one per language."""

from __future__ import annotations

from collections.abc import Mapping

from bot import i18n
from bot.catalog.catalog import Catalog
from bot.catalog.schema import Card
from bot.catalog.search import CardIndex

FEATURED = ("gluteus-maximus", "gluteus-medius", "gluteus-minimus", "glute-bridge", "hip-thrust")


class Library:
    """Built once at start-up from a validated catalog. `fallback` is the
    English catalog for another language's: its names and aliases find the
    same cards too ("gluteus medius" typed by a French member)."""

    def __init__(self, catalog: Catalog, fallback: Catalog | None = None) -> None:
        self.catalog = catalog
        extra = _names_by_id(fallback) if fallback is not None else {}
        anatomy: list[Card] = list(catalog.anatomy.values())
        exercises: list[Card] = list(catalog.exercises.values())
        stretches: list[Card] = list(catalog.stretches.values())
        self._indexes = {
            "an": CardIndex(anatomy, extra),
            "ex": CardIndex(exercises, extra),
            "st": CardIndex(stretches, extra),
            "all": CardIndex(anatomy + exercises + stretches, extra),
        }
        self.featured = tuple(i for i in FEATURED if catalog.card(i)) or tuple(
            list(catalog.anatomy)[:5]
        )

    def index(self, name: str) -> CardIndex:
        """'an', 'ex', 'st' or 'all'."""
        return self._indexes[name]


def _names_by_id(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    cards: list[Card] = [
        *catalog.anatomy.values(),
        *catalog.exercises.values(),
        *catalog.stretches.values(),
    ]
    return {card.id: (card.name, *card.aliases) for card in cards}


class Libraries:
    """One Library per language; a language without content of its own reads
    the English one."""

    def __init__(self, catalogs: Mapping[str, Catalog]) -> None:
        english = catalogs[i18n.DEFAULT]
        self._by_language = {
            language: Library(catalog, None if language == i18n.DEFAULT else english)
            for language, catalog in catalogs.items()
        }

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages with content of their own."""
        return tuple(self._by_language)

    @property
    def catalogs(self) -> dict[str, Catalog]:
        """The content of each language with its own."""
        return {language: library.catalog for language, library in self._by_language.items()}

    def get(self, language: str) -> Library:
        """The library of `language`, else the English one."""
        return self._by_language.get(language) or self._by_language[i18n.DEFAULT]

    def current(self) -> Library:
        """The library in the language being spoken now."""
        return self.get(i18n.current())

    def catalog(self, language: str) -> Catalog:
        return self.get(language).catalog
