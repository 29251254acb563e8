"""The content schema: what every card and program must contain (content/FORMAT.md)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot import i18n

# Ids travel in callback data ("c:<id>:<back id>" must fit 64 bytes), so they stay short.
MAX_ID = 30
Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=MAX_ID)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
Alias = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Sentence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=300)]

MAX_CARD_BODY = 700
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

Region = Literal["glutes", "hip", "thigh", "lower leg", "back", "pelvis"]

# What a card can ask the member to have. The /start answer "equipment at hand"
# is a set of kits; each kit makes some of these available (KIT_ITEMS).
Equipment = Literal[
    "mat", "band", "dumbbell", "kettlebell", "bench", "step", "chair", "dowel", "strap",
    "foam roller", "massage ball", "sliders",
]  # fmt: skip
EQUIPMENT: tuple[str, ...] = get_args(Equipment)
Kit = Literal["bands", "dumbbells", "gym"]
KIT_ITEMS: dict[str, frozenset[str]] = {
    "bands": frozenset({"band"}),
    "dumbbells": frozenset({"dumbbell", "kettlebell"}),
    "gym": frozenset(EQUIPMENT),
}

# The body position of a card: what the pregnancy rules look at.
Position = Literal[
    "supine", "prone", "side-lying", "quadruped", "kneeling", "seated", "standing", "incline",
]  # fmt: skip
FLAT_POSITIONS = frozenset({"supine", "prone"})

# The movement pattern of an exercise and how hard it is at its usual dose:
# what the program rules (bot/catalog/training.py) count.
Pattern = Literal[
    "bridge", "hinge", "squat", "single-leg", "abduction", "knee-flexion", "trunk", "balance",
]  # fmt: skip
Intensity = Literal["light", "moderate", "heavy"]

# Why a member gets another version of a card (the /start answers).
SwapReason = Literal["no_equipment", "knee", "back", "pregnancy", "injury"]
SWAP_REASONS: tuple[str, ...] = get_args(SwapReason)
SwapNote = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=160)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dose(_Strict):
    """Sets × reps, or a timed hold, optionally per side."""

    sets: int = Field(default=1, ge=1, le=10)
    reps: int | None = Field(default=None, ge=1, le=100)
    seconds: int | None = Field(default=None, ge=1, le=600)
    per_side: bool = False
    rest_s: int | None = Field(default=None, ge=0, le=600)

    @model_validator(mode="after")
    def _some_work(self) -> Dose:
        if self.reps is None and self.seconds is None:
            raise ValueError("a dose needs reps or seconds")
        return self


class _Card(_Strict):
    id: Id
    name: Name
    aliases: list[Alias] = Field(default_factory=list, max_length=12)
    body: str = ""

    @field_validator("body")
    @classmethod
    def _short_body(cls, value: str) -> str:
        value = value.strip()
        if len(value) > MAX_CARD_BODY:
            raise ValueError(f"body is {len(value)} characters; keep it under {MAX_CARD_BODY}")
        return value


class AnatomyCard(_Card):
    """A muscle, or a bone, ligament or band the series ties to the muscles."""

    kind: Literal["muscle", "structure"]
    region: Region
    summary: Sentence
    origin: Sentence | None = None
    insertion: Sentence | None = None
    nerve: Sentence | None = None
    actions: list[Line] = Field(default_factory=list, max_length=8)
    everyday: list[Line] = Field(default_factory=list, max_length=6)
    when_weak: list[Line] = Field(default_factory=list, max_length=6)
    related: list[Id] = Field(default_factory=list, max_length=12)

    @model_validator(mode="after")
    def _muscle_fields(self) -> AnatomyCard:
        if self.kind == "muscle":
            missing = [
                name
                for name in ("origin", "insertion", "nerve", "actions", "everyday", "when_weak")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"a muscle needs {', '.join(missing)}")
        else:
            extra = [
                name
                for name in ("origin", "insertion", "nerve", "actions", "everyday", "when_weak")
                if getattr(self, name)
            ]
            if extra:
                raise ValueError(f"a structure has no {', '.join(extra)}")
            if not self.related:
                raise ValueError("a structure needs related muscles")
        if not self.body:
            raise ValueError("the card needs a body text")
        return self


class MuscleRefs(_Strict):
    primary: list[Id] = Field(min_length=1, max_length=4)
    secondary: list[Id] = Field(default_factory=list, max_length=6)


class Swap(_Strict):
    """Another version of a card for one reason: another card (`use`), a short
    note on how to adapt this one, both, or `skip` (leave it out that day).

    In YAML a plain string is enough: an id (`box-squat`) means `use`, any
    other text is a note.
    """

    use: Id | None = None
    note: SwapNote | None = None
    skip: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            return {"use": text} if ID_PATTERN.match(text) else {"note": text}
        return value

    @model_validator(mode="after")
    def _something(self) -> Swap:
        if self.use is None and self.note is None and not self.skip:
            raise ValueError("a swap needs use (a card id), a note, or skip")
        if self.use is not None and self.skip:
            raise ValueError("a swap either uses another card or skips this one, not both")
        return self

    @property
    def replaces(self) -> bool:
        """Whether the card itself goes (another card, or nothing, takes its place)."""
        return self.use is not None or self.skip


class Swaps(_Strict):
    """What a member does instead, per /start answer (content/FORMAT.md)."""

    no_equipment: Swap | None = None
    knee: Swap | None = None
    back: Swap | None = None
    pregnancy: Swap | None = None
    injury: Swap | None = None

    def get(self, reason: str) -> Swap | None:
        swap = getattr(self, reason)
        return swap if isinstance(swap, Swap) else None

    def items(self) -> list[tuple[str, Swap]]:
        return [(reason, swap) for reason in SWAP_REASONS if (swap := self.get(reason))]


def safety_words(language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words a safety note of `language` says "pain" and "stop" with, from
    the interface catalog: "pain / stop", or the translation of that line."""
    with i18n.speaking(language):
        # Translators: the words for pain, then for stop, that a content safety note
        # must contain (forms separated by commas), like "douleur / arrête, arrêter, stop".
        line = i18n._("pain / stop")
    pain, _sep, stop = line.partition("/")
    return _forms(pain), _forms(stop)


def _forms(text: str) -> tuple[str, ...]:
    return tuple(form.strip().lower() for form in text.split(",") if form.strip())


def _has_any(text: str, forms: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(form in lowered for form in forms)


class _Practice(_Card):
    """What exercises and stretches share: equipment, dose and instructions."""

    equipment: list[Equipment] = Field(default_factory=list, max_length=6)
    position: Position
    dose: Dose
    steps: list[Line] = Field(min_length=3, max_length=8)
    cues: list[Line] = Field(min_length=2, max_length=5)
    mistakes: list[Line] = Field(min_length=1, max_length=5)
    safety: list[Line] = Field(min_length=1, max_length=4)
    swaps: Swaps = Field(default_factory=Swaps)

    @field_validator("safety")
    @classmethod
    def _says_stop_on_pain(cls, value: list[str], info: ValidationInfo) -> list[str]:
        language = (info.context or {}).get("language", i18n.DEFAULT)
        pain, stop = safety_words(language)
        if not any(_has_any(item, pain) and _has_any(item, stop) for item in value):
            words = ""
            if language != i18n.DEFAULT:
                words = f" (one note with {' or '.join(pain)} and {' or '.join(stop)})"
            raise ValueError(f"the safety notes must tell the member to stop on pain{words}")
        return value

    @model_validator(mode="after")
    def _swaps_cover_the_needs(self) -> _Practice:
        if self.equipment and self.swaps.no_equipment is None:
            raise ValueError(
                "swaps.no_equipment is required: the card needs equipment, so say what "
                "a member without it does (another card id, a note, or skip)"
            )
        pregnancy = self.swaps.pregnancy
        if self.position in FLAT_POSITIONS and (pregnancy is None or not pregnancy.replaces):
            raise ValueError(
                f"swaps.pregnancy must use another card (or skip): a {self.position} "
                "position is not for pregnancy after the first trimester"
            )
        for reason, swap in self.swaps.items():
            if swap.use == self.id:
                raise ValueError(f"swaps.{reason}: a card cannot be its own swap")
        return self

    def needs(self, available: frozenset[str]) -> list[str]:
        """The equipment this card asks for that is not in `available`."""
        return [item for item in self.equipment if item not in available]


class ExerciseCard(_Practice):
    """An exercise of part 2 (basics) or part 3 (advanced)."""

    kind: Literal["exercise"]
    part: Literal[2, 3]
    level: Literal["beginner", "intermediate", "advanced"]
    pattern: Pattern
    intensity: Intensity
    # The load rests on the hips or belly (a weight on the hip crease).
    abdominal_load: bool = False
    muscles: MuscleRefs
    mistakes: list[Line] = Field(min_length=2, max_length=5)
    stretches: list[Id] = Field(min_length=1, max_length=3)
    regression: Id | None = None
    progression: Id | None = None
    regression_note: Line | None = None
    progression_note: Line | None = None
    # How the linked easier or harder card differs, when the name does not say it.
    regression_why: Line | None = None
    progression_why: Line | None = None

    @model_validator(mode="after")
    def _chain(self) -> ExerciseCard:
        for side in ("regression", "progression"):
            has_id = getattr(self, side) is not None
            has_note = getattr(self, f"{side}_note") is not None
            if has_id == has_note:
                raise ValueError(f"give either {side} (an id) or {side}_note, exactly one")
            if getattr(self, f"{side}_why") is not None and not has_id:
                raise ValueError(f"{side}_why explains a {side} id; put the text in {side}_note")
        if self.part == 3 and self.regression is None:
            raise ValueError("a part 3 exercise needs a regression by id")
        if self.id in (self.regression, self.progression):
            raise ValueError("an exercise cannot be its own regression or progression")
        return self

    @model_validator(mode="after")
    def _condition_swaps(self) -> ExerciseCard:
        needed = []
        if self.pattern in ("squat", "single-leg") or self.position == "kneeling":
            needed.append(("knee", "it bends or kneels on the knee"))
        if self.pattern == "hinge":
            needed.append(("back", "it is a hinge"))
        if self.abdominal_load:
            needed.append(("pregnancy", "its load rests on the hips or belly"))
        if self.part == 3:
            needed.append(("injury", "it is a part 3 exercise"))
        for reason, why in needed:
            if self.swaps.get(reason) is None:
                raise ValueError(f"swaps.{reason} is required: {why}")
        return self


class StretchCard(_Practice):
    """A stretch or mobility drill, or a myofascial release technique."""

    kind: Literal["stretch", "release"]
    area: Literal[
        "glutes", "hip flexors", "piriformis", "hamstrings", "tfl-it-band", "adductors",
        "lower back", "quads", "calves", "whole body",
    ]  # fmt: skip
    targets: list[Id] = Field(min_length=1, max_length=5)
    regression: Id | None = None
    progression: Id | None = None
    # A strong stretch: for cool-downs and rest days, never a warm-up.
    intense: bool = False

    @model_validator(mode="after")
    def _kneeling_needs_a_knee_swap(self) -> StretchCard:
        if self.position == "kneeling" and self.swaps.knee is None:
            raise ValueError("swaps.knee is required: the stretch kneels on the knee")
        return self


class LessonSection(_Strict):
    title: Name
    text: str
    line: int


class LessonCard(_Strict):
    """One part of the series as a short read, split into pages at `## ` headings."""

    id: Id
    kind: Literal["lesson"]
    part: Literal[1, 2, 3]
    title: Name
    mentions: list[Id] = Field(default_factory=list, max_length=16)
    sections: list[LessonSection] = Field(min_length=1, max_length=8)


class ProgramItem(_Strict):
    """A card in a program day, with an optional dose that overrides the card's."""

    id: Id
    sets: int | None = Field(default=None, ge=1, le=10)
    reps: int | None = Field(default=None, ge=1, le=100)
    seconds: int | None = Field(default=None, ge=1, le=600)
    per_side: bool | None = None


DayNote = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=500)]


class ProgramDay(_Strict):
    day: int = Field(ge=1)
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
    rest: bool = False
    focus: Id | None = None
    # Shown under the title: what the day is for, what to do if it goes badly.
    note: DayNote | None = None
    warmup: list[ProgramItem] = Field(default_factory=list, max_length=3)
    exercises: list[ProgramItem] = Field(default_factory=list, max_length=6)
    cooldown: list[ProgramItem] = Field(default_factory=list, max_length=2)
    mobility: list[ProgramItem] = Field(default_factory=list, max_length=4)

    @model_validator(mode="after")
    def _shape(self) -> ProgramDay:
        if self.rest:
            if self.exercises or self.warmup:
                raise ValueError("a rest day has mobility items, not warmup or exercises")
            if not self.mobility:
                raise ValueError("a rest day needs 1 to 4 mobility items")
        else:
            if not 2 <= len(self.exercises) <= 6:
                raise ValueError("a training day needs 2 to 6 exercises")
            if not self.warmup:
                raise ValueError("a training day needs 1 to 3 warmup items")
            if self.focus is None:
                raise ValueError("a training day needs a focus muscle")
        return self


class Program(_Strict):
    """A multi-week plan: one entry per day. A rolling program repeats its days
    for as long as the member stays on it and never finishes."""

    id: Id
    name: Name
    summary: Sentence
    level: Literal["beginner", "intermediate", "advanced"]
    rolling: bool = False
    # The program to offer when this one is finished.
    next: Id | None = None
    days: list[ProgramDay] = Field(min_length=7, max_length=120)

    @model_validator(mode="after")
    def _consecutive(self) -> Program:
        for expected, day in enumerate(self.days, start=1):
            if day.day != expected:
                raise ValueError(f"days must run 1, 2, 3 … in order; day {expected} is missing")
        if self.rolling and self.next is not None:
            raise ValueError("next: a rolling program never finishes, so it has no next program")
        if self.next == self.id:
            raise ValueError("next: a program cannot follow itself")
        return self

    @property
    def length(self) -> int:
        """Days in the program (in one cycle, for a rolling program)."""
        return len(self.days)

    def day(self, number: int) -> ProgramDay | None:
        """The day to train on the `number`-th program day (1 = the first).

        None before the start, and after the last day of a program that
        finishes; a rolling program starts over after its last day (with 7
        days, day 8 is day 1 again).
        """
        if number < 1:
            return None
        if self.rolling:
            return self.days[(number - 1) % self.length]
        return self.days[number - 1] if number <= self.length else None

    def finished(self, number: int) -> bool:
        """Whether the `number`-th program day lies past the end (never, if rolling)."""
        return not self.rolling and number > self.length


Card = AnatomyCard | ExerciseCard | StretchCard
