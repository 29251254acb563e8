"""Render every card, menu, lesson page and program day and check Telegram's rules.

Program days are rendered as the program has them and as a few representative
members would get them (PROFILES), so that swaps and notes are checked too.
Used by `bootcamp-bot content check` and by the tests, so that content that
would be refused by Telegram never ships.
"""

from __future__ import annotations

from bot import i18n
from bot.catalog import Catalog, Problem
from bot.catalog.personalise import CONDITIONS, Profile
from bot.render.cards import (
    Rendered,
    render_card,
    render_lesson,
    render_menu,
    render_program_day,
)
from bot.render.rules import problems

# Members whose sessions differ most: nothing at hand and every condition (the
# most notes), each kit, each condition.
PROFILES: tuple[Profile, ...] = (
    Profile(),
    Profile(conditions=frozenset(CONDITIONS)),
    Profile(frozenset({"gym"}), frozenset({"pregnancy"})),
    Profile(frozenset({"bands"}), frozenset({"knee"})),
    Profile(frozenset({"dumbbells"}), frozenset({"back", "injury"})),
    Profile(frozenset({"bands", "dumbbells"}), frozenset({"pregnancy", "knee"})),
)


def profile_label(profile: Profile) -> str:
    """'no equipment; knee, pregnancy' — where a personalised message comes from."""
    kit = ", ".join(sorted(profile.equipment)) or "no equipment"
    conditions = ", ".join(sorted(profile.conditions)) or "no conditions"
    return f"{kit}; {conditions}"


def every_message(catalog: Catalog) -> list[tuple[str, Rendered]]:
    """(where, message) for everything the content can be rendered into."""
    out: list[tuple[str, Rendered]] = []
    for card_id in [*catalog.anatomy, *catalog.exercises, *catalog.stretches]:
        card = catalog.card(card_id)
        assert card is not None
        folder = {"muscle": "anatomy", "structure": "anatomy", "exercise": "exercises",
                  "stretch": "stretches", "release": "release"}[card.kind]  # fmt: skip
        # The longest back label a card can carry.
        out.append((f"{folder}/{card_id}.md", render_card(catalog, card, back="~an")))
    for menu in ("an", "ex", "st"):
        out.append((f"menu {menu}", render_menu(catalog, menu)))
    for lesson in catalog.lessons:
        for page in range(len(lesson.sections)):
            rendered = render_lesson(catalog, lesson.part, page)
            assert rendered is not None
            out.append((f"lessons/{lesson.id}.md page {page + 1}", rendered))
    for program in catalog.programs.values():
        for day in program.days:
            where = f"programs/{program.id}.yaml day {day.day}"
            out.append((where, render_program_day(catalog, program, day)))
            for profile in PROFILES:
                out.append(
                    (
                        f"{where} ({profile_label(profile)})",
                        render_program_day(catalog, program, day, profile),
                    )
                )
    return out


def render_problems(catalog: Catalog, language: str = i18n.DEFAULT) -> list[Problem]:
    """Every Telegram rule any rendered content message breaks, rendered in
    `language` (the places of another language's files start with its folder)."""
    found = []
    prefix = "" if language == i18n.DEFAULT else f"{language}/"
    with i18n.speaking(language):
        for where, rendered in every_message(catalog):
            markup = rendered.markup.to_dict() if rendered.markup else None
            for message in problems(rendered.text, reply_markup=markup):
                found.append(Problem(prefix + where, 1, f"rendered message: {message}"))
    return found
