"""The quick questions of /start: what the answers are, how they are stored, and
what they change (the program suggested, the swaps in every session).

Three questions, each one tap or a few: training experience; the equipment at
hand (nothing, bands, dumbbells, a gym); knee or back pain, pregnancy or
postpartum, a recent injury. A member who never answered (NULL) gets the
sessions as the program has them.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.catalog import Catalog
from bot.catalog.personalise import CONDITIONS, KITS, Profile
from bot.db.dto import MemberDTO
from bot.db.status import Experience

NONE = "none"
# What a member can tick, in the order the buttons show them.
EQUIPMENT_CHOICES: tuple[str, ...] = KITS  # bands, dumbbells, gym
CONDITION_CHOICES: tuple[str, ...] = CONDITIONS  # knee, back, pregnancy, injury


class AnswerError(ValueError):
    """An answer that is not one of the choices (a forged button)."""


def stored(chosen: Iterable[str], allowed: tuple[str, ...]) -> str:
    """A list answer as stored: the choices in their order, or "none"."""
    picked = set(chosen)
    unknown = picked - set(allowed)
    if unknown:
        raise AnswerError(f"unknown answers {sorted(unknown)}")
    return ",".join(choice for choice in allowed if choice in picked) or NONE


def parsed(value: str | None) -> frozenset[str] | None:
    """A stored list answer as a set (empty for "none"; None: not answered)."""
    if value is None:
        return None
    return frozenset(item for item in value.split(",") if item and item != NONE)


def training_profile(member: MemberDTO) -> Profile | None:
    """What `personalise` needs, from the member's answers; None if they gave
    none (the program as written). Equipment not answered counts as everything,
    so only the conditions they told us about change the day."""
    equipment, conditions = parsed(member.equipment), parsed(member.conditions)
    if equipment is None and conditions is None:
        return None
    kits = equipment if equipment is not None else frozenset({"gym"})
    known = set(KITS)
    return Profile.of(
        equipment=(k for k in kits if k in known),
        conditions=(c for c in conditions or () if c in CONDITIONS),
    )


def answered(member: MemberDTO) -> bool:
    """Whether the member answered all three questions."""
    return None not in (member.experience, member.equipment, member.conditions)


def recommended_program(catalog: Catalog, member: MemberDTO) -> str | None:
    """The program to suggest from the answers (the member may pick any), or None
    without an experience answer.

    The series' first program (a beginner one that finishes) for anyone new or
    returning, and for anyone pregnant or after an injury; the program that
    follows it for those who train regularly.
    """
    if member.experience is None:
        return None
    first = next(
        (p for p in catalog.programs.values() if p.level == "beginner" and not p.rolling), None
    )
    if first is None:
        return None
    careful = (parsed(member.conditions) or frozenset()) & {"pregnancy", "injury"}
    if member.experience == Experience.REGULAR and not careful:
        following = catalog.next_program(first.id)
        return following.id if following is not None else first.id
    return first.id
