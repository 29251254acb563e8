"""Forgiving look-up of cards by what members type: names, aliases, typos, accents."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from bot.catalog.schema import Card

# A single card wins when it scores this high and clearly beats the next card.
SURE = 88.0
MARGIN = 6.0
# Candidates at or above this are offered as choices.
CLOSE = 72.0
MAX_CHOICES = 8
MAX_QUERY = 80
# A sentence is searched by its runs of content words, at most this many words.
MAX_SENTENCE_WORDS = 8
# Runs of at most four words: longer names are found by four of their words.
MAX_SPAN = 4
# A lone word of a sentence names a card when it is this close to a whole term.
WHOLE_TERM = 80.0


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


@dataclass(frozen=True)
class Match:
    """The outcome of a search."""

    status: Literal["found", "choices", "suggestions", "empty"]
    ids: tuple[str, ...]


class CardIndex:
    """Search over a set of cards."""

    def __init__(
        self, cards: Iterable[Card], extra: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        """`extra`: more names per card id (another language's names and aliases)."""
        self._terms: list[tuple[str, str]] = []  # (normalised term, card id)
        self._order: dict[str, int] = {}
        more = extra or {}
        for position, card in enumerate(cards):
            self._order[card.id] = position
            names = (card.name, card.id.replace("-", " "), *card.aliases, *more.get(card.id, ()))
            for term in dict.fromkeys(names):
                normalised = normalise(term)
                if normalised:
                    self._terms.append((normalised, card.id))

    def search(self, query: str) -> Match:
        """The card meant by `query`, or choices, or the nearest suggestions."""
        text = normalise(query[:MAX_QUERY])
        if not text:
            return Match("empty", ())
        exact = sorted({cid for term, cid in self._terms if term == text}, key=self._rank)
        if len(exact) == 1:
            return Match("found", (exact[0],))
        if exact:
            return Match("choices", tuple(exact[:MAX_CHOICES]))

        scores = self._scores(text)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self._rank(kv[0])))
        if not ranked:
            return Match("empty", ())
        best_id, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if best >= SURE and best - runner_up >= MARGIN:
            return Match("found", (best_id,))
        close = [cid for cid, score in ranked if score >= CLOSE]
        if len(close) == 1:
            return Match("found", (close[0],))
        if close:
            return Match("choices", tuple(close[:MAX_CHOICES]))
        return Match("suggestions", tuple(cid for cid, _ in ranked[:3]))

    def find_in(self, words: Sequence[str]) -> Match:
        """The cards a sentence names, from its content words ("gluteus medius",
        "hip thrust" in "how do I do a hip thrust"): the longest run of words
        that finds a card or a close choice wins. A lone word counts only when it
        is (close to) a whole name or alias, so "walk" in "a long walk" is not
        the banded lateral walk."""
        words = list(words)[:MAX_SENTENCE_WORDS]
        for length in range(min(len(words), MAX_SPAN), 0, -1):
            found: list[str] = []
            close: list[str] = []
            for first in range(len(words) - length + 1):
                phrase = " ".join(words[first : first + length])
                match = self.search(phrase)
                if match.status not in ("found", "choices"):
                    continue
                if length == 1 and not self._names_a_card(phrase):
                    continue
                (found if match.status == "found" else close).extend(match.ids)
            ids = list(dict.fromkeys(found or close))[:MAX_CHOICES]
            if len(ids) == 1:
                return Match("found", (ids[0],))
            if ids:
                return Match("choices", tuple(ids))
        return Match("empty", ())

    def _names_a_card(self, word: str) -> bool:
        return any(fuzz.ratio(word, term) >= WHOLE_TERM for term, _ in self._terms)

    def ranked(self, query: str, limit: int) -> list[str]:
        """The best `limit` cards for `query`, best first (inline mode)."""
        match = self.search(query)
        text = normalise(query[:MAX_QUERY])
        ordered = list(match.ids)
        scores = self._scores(text) if text else {}
        for card_id, score in sorted(scores.items(), key=lambda kv: (-kv[1], self._rank(kv[0]))):
            if score >= CLOSE - 10 and card_id not in ordered:
                ordered.append(card_id)
        return ordered[:limit]

    def _scores(self, text: str) -> dict[str, float]:
        scores: dict[str, float] = {}
        words = text.split()
        for term, card_id in self._terms:
            score = fuzz.ratio(text, term)
            # A query word that is a whole word of the term ("medius", "thrust").
            if len(text) >= 3 and (f" {text} " in f" {term} "):
                score = max(score, 90.0)
            elif len(text) >= 4 and term.startswith(text):
                score = max(score, 84.0)
            # Every typed word close to some word of the term ("glute medus").
            term_words = term.split()
            if len(words) > 1 or len(term_words) > 1:
                per_word = [max((fuzz.ratio(w, t) for t in term_words), default=0.0) for w in words]
                if per_word and min(per_word) >= 75:
                    coverage = len(words) / max(len(term_words), len(words))
                    score = max(score, sum(per_word) / len(per_word) * (0.75 + 0.25 * coverage))
            if score > scores.get(card_id, 0.0):
                scores[card_id] = score
        return scores

    def _rank(self, card_id: str) -> int:
        return self._order.get(card_id, 1_000_000)
