"""The loaded series: cards by id, programs, lessons, and the links between them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.catalog.schema import (
    AnatomyCard,
    Card,
    Dose,
    ExerciseCard,
    LessonCard,
    Program,
    ProgramItem,
    StretchCard,
)


@dataclass
class Catalog:
    """Everything in content/, indexed. Built once at start-up; read-only after."""

    anatomy: dict[str, AnatomyCard] = field(default_factory=dict)
    exercises: dict[str, ExerciseCard] = field(default_factory=dict)
    stretches: dict[str, StretchCard] = field(default_factory=dict)
    lessons: list[LessonCard] = field(default_factory=list)
    programs: dict[str, Program] = field(default_factory=dict)
    trained_by: dict[str, list[str]] = field(default_factory=dict)
    assisted_by: dict[str, list[str]] = field(default_factory=dict)
    released_by: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_models(cls, models: Iterable[Any]) -> Catalog:
        """Index validated models (cross-references are checked by the loader)."""
        catalog = cls()
        for model in models:
            if isinstance(model, AnatomyCard):
                catalog.anatomy[model.id] = model
            elif isinstance(model, ExerciseCard):
                catalog.exercises[model.id] = model
            elif isinstance(model, StretchCard):
                catalog.stretches[model.id] = model
            elif isinstance(model, LessonCard):
                catalog.lessons.append(model)
            elif isinstance(model, Program):
                catalog.programs[model.id] = model
        catalog.lessons.sort(key=lambda lesson: lesson.part)
        catalog.anatomy = dict(sorted(catalog.anatomy.items(), key=_anatomy_order))
        catalog.exercises = dict(
            sorted(catalog.exercises.items(), key=lambda kv: (kv[1].part, kv[1].name))
        )
        catalog.stretches = dict(
            sorted(catalog.stretches.items(), key=lambda kv: (kv[1].kind, kv[1].name))
        )
        catalog._link()
        return catalog

    def _link(self) -> None:
        # Exercises are already in teaching order (part 2 before part 3).
        for exercise in self.exercises.values():
            for muscle in exercise.muscles.primary:
                self.trained_by.setdefault(muscle, []).append(exercise.id)
            for muscle in exercise.muscles.secondary:
                self.assisted_by.setdefault(muscle, []).append(exercise.id)
        for stretch in self.stretches.values():
            for target in stretch.targets:
                self.released_by.setdefault(target, []).append(stretch.id)

    # -- look-ups ------------------------------------------------------------------
    def card(self, card_id: str) -> Card | None:
        """Any card by id (anatomy, exercise, stretch or release)."""
        return (
            self.anatomy.get(card_id) or self.exercises.get(card_id) or self.stretches.get(card_id)
        )

    def name(self, card_id: str) -> str:
        """The display name of a card id (the id itself if unknown)."""
        card = self.card(card_id)
        return card.name if card else card_id

    def practice(self, card_id: str) -> ExerciseCard | StretchCard | None:
        """An exercise, stretch or release card by id."""
        return self.exercises.get(card_id) or self.stretches.get(card_id)

    def next_program(self, program_id: str) -> Program | None:
        """The program to offer once `program_id` is finished (its `next:`), if any."""
        program = self.programs.get(program_id)
        if program is None or program.next is None:
            return None
        return self.programs.get(program.next)

    def lesson(self, part: int) -> LessonCard | None:
        return next((lesson for lesson in self.lessons if lesson.part == part), None)

    def dose_of(self, item: ProgramItem) -> Dose:
        """The card's default dose with the program item's overrides applied."""
        card = self.card(item.id)
        base = card.dose if isinstance(card, (ExerciseCard, StretchCard)) else Dose(seconds=30)
        overrides = {
            key: value
            for key, value in item.model_dump().items()
            if key != "id" and value is not None
        }
        if "reps" in overrides and "seconds" not in overrides and base.reps is None:
            overrides["seconds"] = None
        if "seconds" in overrides and "reps" not in overrides and base.seconds is None:
            overrides["reps"] = None
        return Dose.model_validate({**base.model_dump(), **overrides})

    def counts(self) -> dict[str, int]:
        """How many of each kind, for `content check`."""
        muscles = sum(1 for a in self.anatomy.values() if a.kind == "muscle")
        return {
            "muscles": muscles,
            "structures": len(self.anatomy) - muscles,
            "release techniques": sum(1 for s in self.stretches.values() if s.kind == "release"),
            "stretches": sum(1 for s in self.stretches.values() if s.kind == "stretch"),
            "basic exercises (part 2)": sum(1 for e in self.exercises.values() if e.part == 2),
            "advanced exercises (part 3)": sum(1 for e in self.exercises.values() if e.part == 3),
            "lessons": len(self.lessons),
            "programs": len(self.programs),
        }


_REGION_ORDER = {"glutes": 0, "hip": 1, "thigh": 2, "lower leg": 3, "back": 4, "pelvis": 5}
_GLUTES = {"gluteus-maximus": 0, "gluteus-medius": 1, "gluteus-minimus": 2}


def _anatomy_order(item: tuple[str, AnatomyCard]) -> tuple[int, int, int, str]:
    key, card = item
    return (
        0 if card.kind == "muscle" else 1,
        _REGION_ORDER[card.region],
        _GLUTES.get(key, 9),
        card.name,
    )
