"""A program day fitted to one member: their equipment and what they told us.

`personalise(catalog, day, profile)` is pure: it reads the swaps written on
the cards (content/FORMAT.md, "Swaps") and returns the day the member should
do. Nothing is guessed: a card that has no swap for a reason stays as it is.

For every item, the first of the member's reasons (pregnancy, a recent
injury, back pain, knee pain, then missing equipment) whose swap replaces the
card is followed, and the card reached is checked again for every reason, so
a swap never stops on a card the member should not do. If the only ways on
lead back to a card already passed, the card on the way that suits the most
important condition is kept. A swap's note travels with it, and the final
card's own notes are added for the member's other reasons. A replacement that is
already in the same part of the day is not given twice: the item there takes
its sets too, up to four.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from bot.catalog.catalog import Catalog
from bot.catalog.schema import (
    KIT_ITEMS,
    Dose,
    ExerciseCard,
    Kit,
    ProgramDay,
    ProgramItem,
    StretchCard,
    SwapReason,
)

Condition = Literal["knee", "back", "pregnancy", "injury"]
CONDITIONS: tuple[str, ...] = get_args(Condition)
KITS: tuple[str, ...] = get_args(Kit)
# Conditions first (safety before convenience), the most restrictive first.
CONDITION_ORDER: tuple[Condition, ...] = ("pregnancy", "injury", "back", "knee")
Section = Literal["warmup", "exercises", "cooldown", "mobility"]
# A replacement already in the day adds its sets to the item there, up to this many.
MERGED_SETS = 4
SECTIONS: tuple[Section, ...] = ("warmup", "exercises", "cooldown", "mobility")


@dataclass(frozen=True, slots=True)
class Profile:
    """What a member answered at /start: the kits at hand and their conditions.

    An empty `equipment` set means no equipment at all; "gym" means everything.
    """

    equipment: frozenset[str] = frozenset()
    conditions: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.equipment) - set(KITS))
        if unknown:
            raise ValueError(f"unknown equipment {unknown}; expected some of {list(KITS)}")
        unknown = sorted(set(self.conditions) - set(CONDITIONS))
        if unknown:
            raise ValueError(f"unknown conditions {unknown}; expected some of {list(CONDITIONS)}")

    @classmethod
    def of(cls, equipment: Iterable[str] = (), conditions: Iterable[str] = ()) -> Profile:
        """From /start answers; "none" among the equipment answers means nothing."""
        return cls(
            frozenset(kit for kit in equipment if kit != "none"),
            frozenset(conditions),
        )

    @property
    def available(self) -> frozenset[str]:
        """The equipment items the member has."""
        items: set[str] = set()
        for kit in self.equipment:
            items |= KIT_ITEMS[kit]
        return frozenset(items)

    def reasons(self, card: ExerciseCard | StretchCard) -> list[SwapReason]:
        """The reasons that apply to this member for this card, in swap order."""
        reasons: list[SwapReason] = [c for c in CONDITION_ORDER if c in self.conditions]
        if card.needs(self.available):
            reasons.append("no_equipment")
        return reasons


@dataclass(frozen=True, slots=True)
class PersonalItem:
    """One thing to do: the card, its dose, and why it differs from the program."""

    id: str
    dose: Dose
    replaces: str | None = None  # the program's card this one stands in for
    because: tuple[SwapReason, ...] = ()  # the swaps followed, in order
    notes: tuple[tuple[SwapReason, str], ...] = ()  # how to adapt it, per reason


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A program item the member does not do today, and why."""

    id: str
    section: Section
    because: tuple[SwapReason, ...]
    covered_by: str | None = None  # folded into this item, already in the day
    notes: tuple[tuple[SwapReason, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PersonalDay:
    """A program day as one member should do it."""

    day: ProgramDay
    profile: Profile
    warmup: tuple[PersonalItem, ...] = ()
    exercises: tuple[PersonalItem, ...] = ()
    cooldown: tuple[PersonalItem, ...] = ()
    mobility: tuple[PersonalItem, ...] = ()
    left_out: tuple[LeftOut, ...] = field(default=())

    def section(self, name: Section) -> tuple[PersonalItem, ...]:
        items: tuple[PersonalItem, ...] = getattr(self, name)
        return items

    @property
    def items(self) -> list[PersonalItem]:
        return [item for name in SECTIONS for item in self.section(name)]

    @property
    def changed(self) -> bool:
        """Whether anything differs from the program day."""
        return bool(self.left_out) or any(i.replaces or i.notes for i in self.items)


def personalise(catalog: Catalog, day: ProgramDay, profile: Profile) -> PersonalDay:
    """The day `day` as the member with `profile` should do it."""
    sections: dict[str, tuple[PersonalItem, ...]] = {}
    left_out: list[LeftOut] = []
    for name in SECTIONS:
        kept: list[PersonalItem] = []
        for item in getattr(day, name):
            outcome = _resolve(catalog, item, profile, name)
            if isinstance(outcome, LeftOut):
                left_out.append(outcome)
                continue
            twin = next((k for k in kept if k.id == outcome.id), None)
            if outcome.replaces and twin is not None:
                # Given once, with the sets of both (at most MERGED_SETS).
                sets = max(twin.dose.sets, min(MERGED_SETS, twin.dose.sets + outcome.dose.sets))
                dose = twin.dose.model_copy(update={"sets": sets})
                kept[kept.index(twin)] = replace(twin, dose=dose)
                left_out.append(LeftOut(item.id, name, outcome.because, outcome.id, outcome.notes))
            else:
                kept.append(outcome)
        sections[name] = tuple(kept)
    return PersonalDay(
        day,
        profile,
        warmup=sections["warmup"],
        exercises=sections["exercises"],
        cooldown=sections["cooldown"],
        mobility=sections["mobility"],
        left_out=tuple(left_out),
    )


def _resolve(
    catalog: Catalog, item: ProgramItem, profile: Profile, section: Section
) -> PersonalItem | LeftOut:
    path = [_Step(_practice(catalog, item.id), (), ())]
    seen = {item.id}
    stuck = False
    while True:
        here = path[-1]
        wanted = [
            (reason, swap)
            for reason in profile.reasons(here.card)
            if (swap := here.card.swaps.get(reason)) is not None and swap.replaces
        ]
        if not wanted:
            break
        step = next(((r, s) for r, s in wanted if s.skip or s.use not in seen), None)
        if step is None:  # every way on leads back: the most important condition wins
            stuck = True
            break
        reason, swap = step
        because = (*here.because, reason)
        notes = (*here.notes, (reason, swap.note)) if swap.note else here.notes
        if swap.use is None:
            return LeftOut(item.id, section, because, None, notes)
        path.append(_Step(_practice(catalog, swap.use), because, notes))
        seen.add(swap.use)
    final = path[-1]
    if stuck:  # the latest card among the fittest
        final = max(reversed(path), key=lambda step: _fitness(step.card, profile))
    notes = final.notes
    for reason in profile.reasons(final.card):
        swap = final.card.swaps.get(reason)
        said = any(r == reason for r, _ in notes)  # a swap's own note says it for this card
        if swap is not None and not swap.replaces and swap.note and not said:
            notes = (*notes, (reason, swap.note))
    if final.card.id == item.id:
        return PersonalItem(item.id, catalog.dose_of(item), notes=notes)
    return PersonalItem(
        final.card.id,
        _carried_dose(catalog.dose_of(item), final.card.dose),
        replaces=item.id,
        because=final.because,
        notes=notes,
    )


@dataclass(frozen=True, slots=True)
class _Step:
    card: ExerciseCard | StretchCard
    because: tuple[SwapReason, ...]
    notes: tuple[tuple[SwapReason, str], ...]


def _fitness(card: ExerciseCard | StretchCard, profile: Profile) -> tuple[bool, ...]:
    """Per reason, most important first: whether the card stays for that reason."""
    applicable = set(profile.reasons(card))
    return tuple(
        reason not in applicable or (swap := card.swaps.get(reason)) is None or not swap.replaces
        for reason in (*CONDITION_ORDER, "no_equipment")
    )


def _carried_dose(planned: Dose, default: Dose) -> Dose:
    """The replacement's own dose, with the planned sets and amount when they are alike
    (reps for reps, a hold for a hold); sides and rests are the replacement's."""
    if (planned.reps is None) != (default.reps is None):
        return default
    if planned.reps is not None:
        return default.model_copy(update={"sets": planned.sets, "reps": planned.reps})
    return default.model_copy(update={"sets": planned.sets, "seconds": planned.seconds})


def _practice(catalog: Catalog, card_id: str) -> ExerciseCard | StretchCard:
    card = catalog.practice(card_id)
    if card is None:  # the loader checks every program item and swap target
        raise KeyError(card_id)
    return card
