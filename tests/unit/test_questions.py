"""Reading plain questions: the cards they name and whether they speak of pain."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import Catalog
from bot.catalog.library import Library
from bot.catalog.questions import read_question


@pytest.fixture(scope="module")
def library(catalog: Catalog) -> Library:
    return Library(catalog)


@pytest.mark.parametrize(
    ("text", "status", "first", "safety", "conditions"),
    [
        ("what does the gluteus medius do?", "found", "gluteus-medius", False, ()),
        ("how do I do a hip thrust", "found", "hip-thrust", False, ()),
        ("Where is the PIRIFORMIS?", "found", "piriformis", False, ()),
        ("tell me about the tfl", "found", "tensor-fasciae-latae", False, ()),
        ("lunges?", "choices", "reverse-lunge", False, ()),
        ("my knee hurts on lunges", "choices", "reverse-lunge", True, ("knee",)),
        ("my lower back aches after deadlifts", "found", "kettlebell-deadlift", True, ("back",)),
        ("I'm pregnant, can I do hip thrusts?", "found", "hip-thrust", True, ("pregnancy",)),
        ("keep my back straight in a deadlift?", "found", "kettlebell-deadlift", False, ("back",)),
        ("my hip hurts", "empty", None, True, ()),
        ("Long walk with the dog today, felt great", "empty", None, False, ()),
        ("hello", "empty", None, False, ()),
        ("🍑🍑🍑", "empty", None, False, ()),
    ],
)  # fmt: skip
def test_questions_are_read(
    library: Library,
    text: str,
    status: str,
    first: str | None,
    safety: bool,
    conditions: tuple[str, ...],
) -> None:
    question = read_question(library.index("all"), text)
    assert question.match.status == status
    assert (question.match.ids[0] if question.match.ids else None) == first
    assert question.about_safety is safety
    assert question.conditions == conditions


@settings(deadline=None, max_examples=60)
@given(text=st.text(max_size=600))
def test_any_text_is_read_without_error(library: Library, text: str) -> None:
    question = read_question(library.index("all"), text)
    assert len(question.match.ids) <= 8
