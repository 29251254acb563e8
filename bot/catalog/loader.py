"""Load and validate the content directory, reporting problems as `file:line: message`.

All files are read and checked before anything is returned: a directory with
any problem raises `ContentError` carrying every problem, never a half catalog.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot import i18n
from bot.catalog.catalog import Catalog
from bot.catalog.schema import (
    AnatomyCard,
    ExerciseCard,
    LessonCard,
    LessonSection,
    Program,
    StretchCard,
)

CARD_FOLDERS: dict[str, tuple[type[BaseModel], tuple[str, ...]]] = {
    "anatomy": (AnatomyCard, ("muscle", "structure")),
    "exercises": (ExerciseCard, ("exercise",)),
    "stretches": (StretchCard, ("stretch",)),
    "release": (StretchCard, ("release",)),
    "lessons": (LessonCard, ("lesson",)),
}
PROGRAM_FOLDER = "programs"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, located in a file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content directory has problems; `problems` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(self.report())

    def report(self) -> str:
        """One line per problem, then a count."""
        lines = [str(problem) for problem in self.problems]
        lines.append(f"{len(self.problems)} problem(s) in the content")
        return "\n".join(lines)


@dataclass
class _Source:
    """A parsed file: its model, YAML node (for line numbers) and where it starts."""

    path: str
    model: Any
    node: yaml.Node | None
    first_line: int

    def line(self, *loc: str | int) -> int:
        """The file line of the value at `loc` (or of the nearest enclosing value)."""
        node = self.node
        line = self.first_line
        if node is not None:
            line = node.start_mark.line + self.first_line
        for key in loc:
            child = _child(node, key)
            if child is None:
                break
            node = child
            line = node.start_mark.line + self.first_line
        return line


@dataclass
class _Collector:
    problems: list[Problem] = field(default_factory=list)
    # Ids of files that failed validation: references to them are not reported
    # again as unknown (the file's own problem is the one to fix).
    broken_ids: set[str] = field(default_factory=set)

    def add(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, message))


def load_catalog(
    directory: Path, *, language: str = i18n.DEFAULT, base: Path | None = None
) -> Catalog:
    """Read every content file under `directory`; raise ContentError on any problem.

    `language` decides the words the safety notes are checked for; problems are
    located relative to `base` (the English root, for a language folder)."""
    found = _Collector()
    catalog, _sources = _load(directory, language, base or directory, found)
    if found.problems:
        raise ContentError(found.problems)
    return catalog


def load_catalogs(directory: Path) -> dict[str, Catalog]:
    """The English content at `directory` and each language's in `directory/<code>`
    (the same ids, kinds and structure, checked against the English). A language
    without a folder of its own reads the English content. Every problem of every
    language is raised together."""
    found = _Collector()
    english, english_sources = _load(directory, i18n.DEFAULT, directory, found)
    catalogs = {i18n.DEFAULT: english}
    for language in i18n.LANGUAGES:
        folder = directory / language
        if language == i18n.DEFAULT or not folder.is_dir():
            continue
        own = _Collector()
        catalog, sources = _load(folder, language, directory, own)
        _check_parity(language, english_sources, sources, own)
        found.problems += own.problems
        catalogs[language] = catalog
    if found.problems:
        raise ContentError(found.problems)
    return catalogs


def _load(
    directory: Path, language: str, base: Path, found: _Collector
) -> tuple[Catalog, list[_Source]]:
    if not directory.is_dir():
        raise ContentError([Problem(str(directory), 0, "content directory not found")])
    sources: list[_Source] = []
    for folder, (model, kinds) in CARD_FOLDERS.items():
        for path in sorted((directory / folder).glob("*.md")):
            source = _load_card(base, path, model, kinds, found, language)
            if source is not None:
                sources.append(source)
    for path in sorted((directory / PROGRAM_FOLDER).glob("*.y*ml")):
        source = _load_program(base, path, found, language)
        if source is not None:
            sources.append(source)
    for stray in _stray_files(directory):
        found.add(str((directory / stray).relative_to(base)), 1,
                  "not a content file (cards are .md, programs .yaml)")  # fmt: skip
    return _assemble(sources, found), sources


# -- languages ----------------------------------------------------------------------
# Words a translation writes its own way: only whether they are there must match.
# Every other value (ids, references, kinds, doses, days, flags) must be equal,
# and every list as long as the English one, except the aliases.
TEXT_FIELDS = frozenset({
    "name", "body", "summary", "origin", "insertion", "nerve", "title", "text", "note",
    "regression_note", "progression_note", "regression_why", "progression_why",
    "actions", "everyday", "when_weak", "steps", "cues", "mistakes", "safety",
})  # fmt: skip
FREE_LISTS = frozenset({"aliases"})
IGNORED = frozenset({"line"})  # where a lesson section starts in its file


def _check_parity(
    language: str, english: list[_Source], translated: list[_Source], found: _Collector
) -> None:
    """Report every id missing from either side and every structural difference."""
    theirs = {source.model.id: source for source in translated}
    ours = {source.model.id: source for source in english}
    for model_id, source in ours.items():
        other = theirs.get(model_id)
        folder = f"{language}/{source.path}"
        if other is None:
            if model_id not in found.broken_ids:  # else its own problem is reported
                found.add(folder, 1, f"missing: the {language} content has no {model_id!r}")
            continue
        if other.path != folder:
            found.add(other.path, 1, f"id {model_id!r}: expected at {folder}")
            continue
        difference = _first_difference(_dumped(source.model), _dumped(other.model), ())
        if difference is not None:
            loc, message = difference
            found.add(other.path, other.line(*loc), f"{_dotted(loc)}: {message}")
    for model_id, source in theirs.items():
        if model_id not in ours:
            found.add(
                source.path, source.line("id"), f"id: {model_id!r} is not in the English content"
            )


def _dumped(model: Any) -> Any:
    return model.model_dump(mode="python")


def _first_difference(
    ours: Any, theirs: Any, loc: tuple[str | int, ...]
) -> tuple[tuple[str | int, ...], str] | None:
    key = next((part for part in reversed(loc) if isinstance(part, str)), "")
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for name in ours:
            if name in IGNORED:
                continue
            found = _first_difference(ours[name], theirs.get(name), (*loc, name))
            if found is not None:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list):
        if key in FREE_LISTS:
            return None
        if len(ours) != len(theirs):
            return loc, f"{len(theirs)} entries where the English has {len(ours)}"
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            found = _first_difference(mine, other, (*loc, index))
            if found is not None:
                return found
        return None
    if key in TEXT_FIELDS and (isinstance(ours, str) or ours is None):
        if (ours is None) != (theirs is None):
            said = "missing" if theirs is None else "not in the English"
            return loc, f"{said} (the English {'has' if ours is not None else 'has no'} it)"
        return None
    if ours != theirs:
        return loc, f"{theirs!r} where the English has {ours!r}"
    return None


# -- reading ------------------------------------------------------------------------
def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line number where the body starts) or None."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return front, body, index + 2
    return None


def _parse_yaml(
    text: str, rel: str, first_line: int, found: _Collector
) -> tuple[Any, yaml.Node | None] | None:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line if mark else 0) + first_line
        found.add(rel, line, f"bad YAML: {exc.problem or exc.context}")
        return None
    except yaml.YAMLError as exc:
        found.add(rel, first_line, f"bad YAML: {exc}")
        return None
    if not isinstance(data, dict):
        found.add(rel, first_line, "expected a mapping of fields (key: value)")
        return None
    return data, node


def _load_card(
    root: Path,
    path: Path,
    model: type[BaseModel],
    kinds: tuple[str, ...],
    found: _Collector,
    language: str = i18n.DEFAULT,
) -> _Source | None:
    rel = str(path.relative_to(root))
    # Until the file validates, references to its id are not reported as unknown.
    found.broken_ids.add(path.stem)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        found.add(rel, 1, "not UTF-8 text")
        return None
    split = _split_front_matter(text)
    if split is None:
        found.add(rel, 1, "missing front matter: the file must start with a '---' block")
        return None
    front, body, body_line = split
    parsed = _parse_yaml(front, rel, 2, found)
    if parsed is None:
        return None
    data, node = parsed
    source = _Source(rel, None, node, 2)
    kind = data.get("kind")
    if kind not in kinds:
        expected = " or ".join(kinds)
        found.add(rel, source.line("kind"), f"kind: expected {expected} in this folder")
        return None
    if "body" in data:
        found.add(rel, source.line("body"), "body: write the body below the front matter")
        return None
    if model is LessonCard:
        data["sections"] = _lesson_sections(body, body_line, rel, found)
    else:
        data["body"] = body
    try:
        source.model = model.model_validate(data, context={"language": language})
    except ValidationError as exc:
        _report_validation(exc, source, found, body_line=body_line)
        found.broken_ids.add(str(data.get("id")))
        return None
    if path.stem != source.model.id:
        found.add(rel, source.line("id"), f"id: {source.model.id!r} must match the file name")
    else:
        found.broken_ids.discard(path.stem)
    return source


def _load_program(
    root: Path, path: Path, found: _Collector, language: str = i18n.DEFAULT
) -> _Source | None:
    rel = str(path.relative_to(root))
    parsed = _parse_yaml(path.read_text(encoding="utf-8"), rel, 1, found)
    if parsed is None:
        return None
    data, node = parsed
    source = _Source(rel, None, node, 1)
    try:
        source.model = Program.model_validate(data, context={"language": language})
    except ValidationError as exc:
        _report_validation(exc, source, found, body_line=1)
        found.broken_ids.add(str(data.get("id")))
        return None
    if path.stem != source.model.id:
        found.add(rel, source.line("id"), f"id: {source.model.id!r} must match the file name")
    return source


def _lesson_sections(body: str, body_line: int, rel: str, found: _Collector) -> list[Any]:
    sections: list[dict[str, Any]] = []
    for offset, line in enumerate(body.split("\n")):
        if line.startswith("## "):
            sections.append({"title": line[3:].strip(), "text": "", "line": body_line + offset})
        elif sections:
            sections[-1]["text"] += line + "\n"
        elif line.strip():
            found.add(rel, body_line + offset, "lesson text must start with a '## ' heading")
            return []
    for section in sections:
        section["text"] = section["text"].strip()
        if not section["text"]:
            found.add(rel, section["line"], f"section {section['title']!r} is empty")
        if len(section["text"]) > 1200:
            found.add(
                rel,
                section["line"],
                f"section {section['title']!r} is {len(section['text'])} characters; "
                "keep it under 1200",
            )
    return [LessonSection.model_validate(s) for s in sections if s["title"] and s["text"]]


def _report_validation(
    exc: ValidationError, source: _Source, found: _Collector, *, body_line: int
) -> None:
    for error in exc.errors():
        loc = tuple(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        where = ".".join(str(part) for part in loc)
        if error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "extra_forbidden":
            message = "unknown field (see content/FORMAT.md)"
        line = body_line if loc[:1] in (("body",), ("sections",)) else source.line(*loc)
        found.add(source.path, line, f"{where}: {message}" if where else message)


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    elif (
        isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value)
    ):
        return node.value[key]
    return None


def _stray_files(directory: Path) -> Iterable[str]:
    known = set(CARD_FOLDERS) | {PROGRAM_FOLDER}
    for folder in known:
        for path in sorted((directory / folder).glob("*")):
            if path.is_file() and not re.search(r"\.(md|ya?ml)$", path.name):
                yield str(path.relative_to(directory))


# -- cross-checks -------------------------------------------------------------------
def _assemble(sources: list[_Source], found: _Collector) -> Catalog:
    by_id: dict[str, _Source] = {}
    for source in sources:
        model_id = source.model.id
        if model_id in by_id:
            first = by_id[model_id]
            found.add(
                source.path,
                source.line("id"),
                f"id: duplicate id {model_id!r} (first used in {first.path}:{first.line('id')})",
            )
            continue
        by_id[model_id] = source

    models = {key: source.model for key, source in by_id.items()}
    catalog = Catalog.from_models(models.values())
    reached: set[str] = set()

    def check(source: _Source, loc: tuple[str | int, ...], ref: str, kinds: set[str]) -> None:
        target = models.get(ref)
        if target is None and ref in found.broken_ids:
            reached.add(ref)
            return
        if target is None:
            found.add(source.path, source.line(*loc), f"{_dotted(loc)}: unknown id {ref!r}")
            return
        kind = _kind_of(target)
        if kind not in kinds:
            wanted = " or ".join(sorted(kinds))
            found.add(
                source.path,
                source.line(*loc),
                f"{_dotted(loc)}: {ref!r} is a {kind}, expected a {wanted}",
            )
            return
        if ref != source.model.id:
            reached.add(ref)

    for source in by_id.values():
        model = source.model
        if isinstance(model, AnatomyCard):
            for i, ref in enumerate(model.related):
                check(source, ("related", i), ref, {"muscle", "structure"})
        elif isinstance(model, ExerciseCard):
            for group in ("primary", "secondary"):
                for i, ref in enumerate(getattr(model.muscles, group)):
                    check(source, ("muscles", group, i), ref, {"muscle"})
            for i, ref in enumerate(model.stretches):
                check(source, ("stretches", i), ref, {"stretch", "release"})
            for side in ("regression", "progression"):
                if getattr(model, side):
                    check(source, (side,), getattr(model, side), {"exercise"})
            _check_swaps(source, check, models, found, {"exercise"})
        elif isinstance(model, StretchCard):
            for i, ref in enumerate(model.targets):
                check(source, ("targets", i), ref, {"muscle", "structure"})
            for side in ("regression", "progression"):
                if getattr(model, side):
                    check(source, (side,), getattr(model, side), {"stretch", "release"})
            _check_swaps(source, check, models, found, {"stretch", "release"})
        elif isinstance(model, LessonCard):
            for i, ref in enumerate(model.mentions):
                check(source, ("mentions", i), ref, {"muscle", "structure", "exercise",
                                                      "stretch", "release"})  # fmt: skip
        elif isinstance(model, Program):
            _check_program(source, check, models, found)

    practice = {"exercise", "stretch", "release"}
    for key, source in by_id.items():
        kind = _kind_of(source.model)
        if kind in practice | {"muscle", "structure"} and key not in reached:
            found.add(
                source.path,
                source.line("id"),
                f"id: {key!r} is an orphan: no program, card or lesson links to it",
            )
    if not catalog.programs:
        found.add(PROGRAM_FOLDER, 0, "no program found")
    return catalog


def _check_swaps(
    source: _Source, check: Any, models: dict[str, Any], found: _Collector, kinds: set[str]
) -> None:
    """Swap targets exist, are of the same family, and are themselves fit for the reason."""
    card: ExerciseCard | StretchCard = source.model
    for reason, swap in card.swaps.items():
        if swap.use is None:
            continue
        loc = ("swaps", reason, "use")
        before = len(found.problems)
        check(source, loc, swap.use, kinds)
        target = models.get(swap.use)
        if len(found.problems) > before or not isinstance(target, (ExerciseCard, StretchCard)):
            continue
        onward = target.swaps.get(reason)
        if onward is not None and onward.replaces:
            found.add(
                source.path,
                source.line(*loc),
                f"{_dotted(loc)}: {swap.use!r} is itself swapped away for {reason}; "
                "point at the card that is fit for it",
            )


def _check_program(source: _Source, check: Any, models: dict[str, Any], found: _Collector) -> None:
    program: Program = source.model
    stretchy = {"stretch", "release"}
    if program.next is not None:
        check(source, ("next",), program.next, {"program"})
    for d, day in enumerate(program.days):
        if day.focus:
            check(source, ("days", d, "focus"), day.focus, {"muscle"})
        for section, kinds in (
            ("warmup", stretchy),
            ("exercises", {"exercise"}),
            ("cooldown", stretchy),
            ("mobility", stretchy),
        ):
            for i, item in enumerate(getattr(day, section)):
                check(source, ("days", d, section, i, "id"), item.id, kinds)
        for i, item in enumerate(day.warmup):
            card = models.get(item.id)
            if isinstance(card, StretchCard) and card.intense:
                loc = ("days", d, "warmup", i, "id")
                found.add(
                    source.path,
                    source.line(*loc),
                    f"{_dotted(loc)}: {item.id!r} is an intense stretch; "
                    "put it in a cool-down or a rest day, not a warm-up",
                )


def _kind_of(model: Any) -> str:
    if isinstance(model, Program):
        return "program"
    return str(model.kind)


def _dotted(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in loc)
