"""Content cards, lesson pages, menus and program days as Telegram messages."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton

from bot.catalog import Catalog
from bot.catalog.personalise import PersonalDay, PersonalItem, Profile, Section, personalise
from bot.catalog.schema import (
    AnatomyCard,
    Card,
    Dose,
    ExerciseCard,
    LessonCard,
    Program,
    ProgramDay,
    ProgramItem,
    StretchCard,
    Swap,
)
from bot.catalog.training import day_load
from bot.render import callbacks
from bot.render.markdown import to_html
from bot.render.message import Rendered, esc
from bot.render.rules import visible_length

STOP_ON_PAIN = (
    "⚠️ Stop if anything hurts (sharp, pinching or unusual pain) and check with a professional."
)
MAX_LINKS = 4
# Why a member gets another version of a card, as the card and the day say it.
REASON_LABELS = {
    "no_equipment": "No equipment",
    "knee": "Knee pain",
    "back": "Back pain",
    "pregnancy": "Pregnant or postpartum",
    "injury": "After a recent injury or surgery",
}
NOTE_LABELS = {
    "no_equipment": "No equipment",
    "knee": "Knee",
    "back": "Back",
    "pregnancy": "Pregnancy",
    "injury": "Injury",
}
CLEARANCE = "get clearance from your doctor or physio before this one"
LOAD_LABELS = {"hard": "💪 hard day", "moderate": "🙂 moderate day", "light": "🌿 light day"}
# What a member who told us about a condition reads at the top of every session.
CONDITION_NOTES = {
    "pregnancy": (
        "🤰 <b>Pregnant or postpartum:</b> get clearance from your midwife or doctor first. "
        "After the first trimester: no lying flat on your back, no weight on the belly "
        "(swapped below); with pelvic girdle pain, no wide or one-leg stances. Stop and get "
        "advice for dizziness, bleeding, fluid loss, or pain in the pelvis, belly or chest."
    ),
    "injury": (
        "🩹 <b>Recent injury or surgery:</b> get clearance from your doctor or physio before "
        "you train. Until then the gentler versions below stand in for the hardest moves."
    ),
    "knee": (
        "🦵 <b>Knee pain:</b> bend the knees only as far as stays pain-free; a higher seat or a "
        "lower step is fine. Moves that twist or load the knee most are swapped below."
    ),
    "back": (
        "🔙 <b>Back pain:</b> keep the back long, the loads light and the ranges short. Pain "
        "that spreads down a leg, or numbness, needs a professional's check first."
    ),
}
STALE_CARD_BUTTON = (
    "That button has expired. Send /anatomy, /exercise, /stretch or /learn to start again."
)


def format_dose(dose: Dose) -> str:
    """'3 × 12', '2 × 10 each side', '3 × 30 s each side', '2 × 8, hold 3 s'."""
    side = " each side" if dose.per_side else ""
    if dose.reps is not None:
        amount = f"{dose.sets} × {dose.reps}{side}" if dose.sets > 1 else f"{dose.reps} reps{side}"
        if dose.seconds is not None:
            amount += f", hold {dose.seconds} s"
    else:
        seconds = dose.seconds or 0
        hold = f"{seconds // 60} min" if seconds >= 120 and seconds % 60 == 0 else f"{seconds} s"
        amount = f"{dose.sets} × {hold}{side}" if dose.sets > 1 else f"{hold}{side}"
    if dose.rest_s:
        amount += f", rest {dose.rest_s} s"
    return amount


def _bullets(items: list[str], mark: str = "•") -> str:
    return "\n".join(f"{mark} {esc(item)}" for item in items)


def _numbered(items: list[str]) -> str:
    return "\n".join(f"{n}. {esc(item)}" for n, item in enumerate(items, start=1))


def _names(catalog: Catalog, ids: list[str]) -> str:
    return ", ".join(esc(catalog.name(i)) for i in ids)


def _button(text: str, data: str) -> InlineKeyboardButton:
    label = text if len(text) <= 40 else text[:39] + "…"
    return InlineKeyboardButton(label, callback_data=data)


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _back_row(back: str | None, catalog: Catalog) -> list[list[InlineKeyboardButton]]:
    if not back:
        return []
    menus: dict[str, tuple[callbacks.Menu, str]] = {
        "~an": ("an", "Anatomy"),
        "~ex": ("ex", "Exercises"),
        "~st": ("st", "Stretches"),
    }
    if back in menus:
        menu, label = menus[back]
        return [[_button(f"⬅️ Back to {label}", callbacks.menu(menu))]]
    return [[_button(f"⬅️ Back: {catalog.name(back)}", callbacks.card(back))]]


# A card longer than this (characters as Telegram counts them) shows its first
# SUMMARY_PARTS paragraphs, and the rest folded in an expandable blockquote.
LONG_CARD = 1200
SUMMARY_PARTS = 2


def render_card(catalog: Catalog, card: Card, back: str | None = None) -> Rendered:
    """Any card, with buttons to the cards it links to and a Back button."""
    if isinstance(card, AnatomyCard):
        rendered = _anatomy(catalog, card)
    elif isinstance(card, ExerciseCard):
        rendered = _exercise(catalog, card)
    else:
        rendered = _stretch(catalog, card)
    rendered.text = fold_details(rendered.text)
    rendered.rows += _back_row(back, catalog)
    return rendered


def fold_details(text: str) -> str:
    """A long card: the head and summary first, the details in a blockquote the
    reader taps to open (Telegram's expandable quote); a short card as it is."""
    parts = text.split("\n\n")
    if visible_length(text) <= LONG_CARD or len(parts) <= SUMMARY_PARTS or "<blockquote" in text:
        return text
    head, details = parts[:SUMMARY_PARTS], parts[SUMMARY_PARTS:]
    folded = "<blockquote expandable>" + "\n\n".join(details) + "</blockquote>"
    return "\n\n".join([*head, folded])


def _anatomy(catalog: Catalog, card: AnatomyCard) -> Rendered:
    label = "muscle" if card.kind == "muscle" else "structure"
    parts = [
        f"🦴 <b>{esc(card.name)}</b> · {label} · {esc(card.region)}",
        f"<i>{esc(card.summary)}</i>",
    ]
    if card.kind == "muscle":
        parts.append(f"<b>Origin:</b> {esc(card.origin or '')}")
        parts.append(f"<b>Insertion:</b> {esc(card.insertion or '')}")
        parts.append(f"<b>Nerve supply:</b> {esc(card.nerve or '')}")
        parts.append("<b>What it does</b>\n" + _bullets(card.actions))
        parts.append("<b>In daily life</b>\n" + _bullets(card.everyday))
        parts.append("<b>When it is weak or tight</b>\n" + _bullets(card.when_weak))
    parts.append(to_html(card.body))
    trained = catalog.trained_by.get(card.id, [])
    assisted = catalog.assisted_by.get(card.id, [])
    released = catalog.released_by.get(card.id, [])
    if trained:
        parts.append("<b>Main work:</b> " + _names(catalog, trained))
    if assisted:
        parts.append("<b>Also works it:</b> " + _names(catalog, assisted))
    if released:
        parts.append("<b>Stretch and release:</b> " + _names(catalog, released))
    if card.related:
        parts.append("<b>See also:</b> " + _names(catalog, card.related))

    buttons = [
        _button(f"🏋️ {catalog.name(i)}", callbacks.card(i, card.id))
        for i in (trained or assisted)[:MAX_LINKS]
    ]
    buttons += [_button(f"🧘 {catalog.name(i)}", callbacks.card(i, card.id)) for i in released[:3]]
    buttons += [
        _button(f"🦴 {catalog.name(i)}", callbacks.card(i, card.id))
        for i in card.related[:MAX_LINKS]
    ]
    return Rendered("\n\n".join(parts), _pairs(buttons))


def _practice_sections(catalog: Catalog, card: ExerciseCard | StretchCard) -> list[str]:
    return [
        "<b>How to</b>\n" + _numbered(card.steps),
        "<b>Cues</b>\n" + _bullets(card.cues),
        "<b>Common mistakes</b>\n" + _bullets(card.mistakes),
        "<b>Safety</b>\n" + _bullets(card.safety, "⚠️"),
        _adapt_it(catalog, card),
    ]


def swap_text(catalog: Catalog, swap: Swap) -> str:
    """'use Box squat. Note…', 'leave it out. Note…' or the note."""
    if swap.use is not None:
        head = f"use <b>{esc(catalog.name(swap.use))}</b>"
    elif swap.skip:
        head = "leave it out"
    else:
        return esc(swap.note or "")
    return f"{head}. {esc(swap.note)}" if swap.note else head + "."


def _adapt_it(catalog: Catalog, card: ExerciseCard | StretchCard) -> str:
    """How to fit the card to no equipment and to each condition; clearance after injury."""
    lines = []
    for reason in ("no_equipment", "knee", "back", "pregnancy"):
        swap = card.swaps.get(reason)
        if swap is not None:
            lines.append(f"• <i>{REASON_LABELS[reason]}:</i> {swap_text(catalog, swap)}")
    injury = card.swaps.injury
    advice = CLEARANCE + (f"; then {swap_text(catalog, injury)}" if injury else ".")
    lines.append(f"• <i>{REASON_LABELS['injury']}:</i> {advice}")
    return "🔧 <b>Adapt it</b>\n" + "\n".join(lines)


def _swap_buttons(catalog: Catalog, card: ExerciseCard | StretchCard) -> list[InlineKeyboardButton]:
    targets = dict.fromkeys(swap.use for _, swap in card.swaps.items() if swap.use)
    chain = {card.regression, card.progression}
    return [
        _button(f"↔️ {catalog.name(i)}", callbacks.card(i, card.id))
        for i in targets
        if i is not None and i not in chain
    ][:MAX_LINKS]


def _chain_buttons(
    catalog: Catalog, card: ExerciseCard | StretchCard
) -> list[InlineKeyboardButton]:
    """Buttons to the easier and the harder version, where they are cards."""
    buttons = []
    for arrow, target in (("⬇️", card.regression), ("⬆️", card.progression)):
        if target:
            buttons.append(
                _button(f"{arrow} {catalog.name(target)}", callbacks.card(target, card.id))
            )
    return buttons


def _equipment(items: Sequence[str]) -> str:
    return esc(", ".join(items)) if items else "none"


def _exercise(catalog: Catalog, card: ExerciseCard) -> Rendered:
    stage = "basics" if card.part == 2 else "advanced work"
    head = [
        f"🏋️ <b>{esc(card.name)}</b>",
        f"Part {card.part} · {stage} · {esc(card.level)}",
        f"🎯 <b>Works:</b> {_names(catalog, card.muscles.primary)}"
        + (
            f" (helpers: {_names(catalog, card.muscles.secondary)})"
            if card.muscles.secondary
            else ""
        ),
        f"🧰 <b>Equipment:</b> {_equipment(card.equipment)}",
        f"📋 <b>Dose:</b> {format_dose(card.dose)}",
    ]
    chain = []
    for arrow, label, side in (("⬇️", "Easier", "regression"), ("⬆️", "Harder", "progression")):
        target: str | None = getattr(card, side)
        why: str | None = getattr(card, f"{side}_why")
        note: str | None = getattr(card, f"{side}_note")
        if target:
            line = f"{arrow} <b>{label}:</b> {esc(catalog.name(target))}"
            chain.append(line + (f" — {esc(why)}" if why else ""))
        elif note:
            chain.append(f"{arrow} <b>{label}:</b> {esc(note)}")
    parts = [
        "\n".join(head),
        to_html(card.body),
        *_practice_sections(catalog, card),
        "\n".join(chain),
    ]

    buttons = _chain_buttons(catalog, card) + _swap_buttons(catalog, card)
    buttons += [
        _button(f"🦴 {catalog.name(i)}", callbacks.card(i, card.id)) for i in card.muscles.primary
    ]
    buttons += [
        _button(f"🧘 {catalog.name(i)}", callbacks.card(i, card.id)) for i in card.stretches
    ]
    return Rendered("\n\n".join(p for p in parts if p), _pairs(buttons))


def _stretch(catalog: Catalog, card: StretchCard) -> Rendered:
    label = "release technique" if card.kind == "release" else "stretch"
    head = [
        f"🧘 <b>{esc(card.name)}</b>",
        f"Part 2 · {label} · {esc(card.area)}",
        f"🎯 <b>Targets:</b> {_names(catalog, card.targets)}",
        f"🧰 <b>Equipment:</b> {_equipment(card.equipment)}",
        f"📋 <b>Dose:</b> {format_dose(card.dose)}",
    ]
    parts = ["\n".join(head), to_html(card.body), *_practice_sections(catalog, card)]
    buttons = _chain_buttons(catalog, card) + _swap_buttons(catalog, card)
    buttons += [
        _button(f"🦴 {catalog.name(i)}", callbacks.card(i, card.id))
        for i in card.targets[:MAX_LINKS]
    ]
    return Rendered("\n\n".join(p for p in parts if p), _pairs(buttons))


# -- menus and choices --------------------------------------------------------------
MENU_TITLES = {
    "an": "🦴 <b>Anatomy</b>\nThe muscles and structures of the series. Tap one, or type "
    "<code>/anatomy glute med</code>.",
    "ex": "🏋️ <b>Exercises</b>\nPart 2 basics first, then part 3 advanced work. Tap one, or type "
    "<code>/exercise bridge</code>.",
    "st": "🧘 <b>Stretches and release</b>\nTap one, or type <code>/stretch pigeon</code>.",
}


def render_menu(catalog: Catalog, menu: callbacks.Menu) -> Rendered:
    """Every card of one kind as buttons."""
    if menu == "an":
        cards: list[Card] = list(catalog.anatomy.values())
    elif menu == "ex":
        cards = list(catalog.exercises.values())
    else:
        cards = list(catalog.stretches.values())
    buttons = [_button(_menu_label(card), callbacks.card(card.id, f"~{menu}")) for card in cards]
    return Rendered(MENU_TITLES[menu], _pairs(buttons))


def _menu_label(card: Card) -> str:
    if isinstance(card, ExerciseCard):
        return f"{'②' if card.part == 2 else '③'} {card.name}"
    if isinstance(card, StretchCard):
        return f"{'🎾' if card.kind == 'release' else '🧘'} {card.name}"
    return card.name


def render_choices(
    catalog: Catalog, query: str, ids: tuple[str, ...], menu: callbacks.Menu
) -> Rendered:
    """Several cards match: let the member pick."""
    text = f"Several cards match <b>{esc(_short(query))}</b>. Which one do you mean?"
    buttons = [_button(catalog.name(i), callbacks.card(i, f"~{menu}")) for i in ids]
    return Rendered(text, _pairs(buttons))


def render_suggestions(
    catalog: Catalog, query: str, ids: tuple[str, ...], menu: callbacks.Menu
) -> Rendered:
    """Nothing close: offer the nearest cards and the full list."""
    text = f"I found nothing called <b>{esc(_short(query))}</b>."
    if ids:
        text += " The closest I have:"
    buttons = [_button(catalog.name(i), callbacks.card(i, f"~{menu}")) for i in ids]
    rows = [*_pairs(buttons), [_button("📚 Show the full list", callbacks.menu(menu))]]
    return Rendered(text, rows)


def _short(query: str) -> str:
    query = " ".join(query.split())
    return query if len(query) <= 40 else query[:39] + "…"


# -- lessons ------------------------------------------------------------------------
def unknown_part(catalog: Catalog, wanted: str) -> str:
    """/learn with a part that does not exist (the start of part 1 follows)."""
    parts = ", ".join(str(lesson.part) for lesson in catalog.lessons)
    return f"There is no part <b>{esc(wanted[:12])}</b>; the parts are {parts}. Here is the start:"


def lesson_pages(catalog: Catalog) -> list[tuple[LessonCard, int]]:
    """Every (lesson, page index) in reading order."""
    return [(lesson, i) for lesson in catalog.lessons for i in range(len(lesson.sections))]


def render_lesson(catalog: Catalog, part: int, page: int) -> Rendered | None:
    """One page of the series, with previous/next across lessons."""
    lesson = catalog.lesson(part)
    if lesson is None or not 0 <= page < len(lesson.sections):
        return None
    section = lesson.sections[page]
    text = (
        f"📖 <b>Part {lesson.part} · {esc(lesson.title)}</b>\n"
        f"<i>{esc(section.title)}</i> · page {page + 1} of {len(lesson.sections)}\n\n"
        f"{to_html(section.text)}"
    )
    pages = lesson_pages(catalog)
    position = pages.index((lesson, page))
    nav = []
    if position > 0:
        prev_lesson, prev_page = pages[position - 1]
        nav.append(_button("◀️ Previous", callbacks.lesson(prev_lesson.part, prev_page)))
    if position < len(pages) - 1:
        next_lesson, next_page = pages[position + 1]
        label = "Next ▶️" if next_lesson is lesson else f"Part {next_lesson.part} ▶️"
        nav.append(_button(label, callbacks.lesson(next_lesson.part, next_page)))
    rows = [nav] if nav else []
    if page == len(lesson.sections) - 1 and lesson.mentions:
        rows += _pairs([_button(catalog.name(i), callbacks.card(i)) for i in lesson.mentions[:8]])
    return Rendered(text, rows)


# -- program days -------------------------------------------------------------------
def _item_line(catalog: Catalog, item: ProgramItem, with_cue: bool) -> str:
    card = catalog.card(item.id)
    line = f"• <b>{esc(catalog.name(item.id))}</b> — {format_dose(catalog.dose_of(item))}"
    if with_cue and isinstance(card, (ExerciseCard, StretchCard)) and card.cues:
        line += f"\n  <i>{esc(card.cues[0])}</i>"
    return line


def _personal_line(catalog: Catalog, item: PersonalItem, with_cue: bool, shared: set[str]) -> str:
    card = catalog.practice(item.id)
    line = f"• <b>{esc(catalog.name(item.id))}</b> — {format_dose(item.dose)}"
    if item.replaces:
        why = ", ".join(NOTE_LABELS[r].lower() for r in dict.fromkeys(item.because))
        line += f"\n  ↔️ instead of {esc(catalog.name(item.replaces))} ({why})"
    own = [(reason, note) for reason, note in item.notes if note not in shared]
    for reason, note in own:
        line += f"\n  🔧 <i>{NOTE_LABELS[reason]}:</i> {esc(note)}"
    if with_cue and not own and card is not None and card.cues:
        line += f"\n  <i>{esc(card.cues[0])}</i>"
    return line


def _day_head(catalog: Catalog, program: Program, day: ProgramDay) -> list[str]:
    if program.rolling:
        head = (
            f"📅 <b>{esc(program.name)}</b> · day {day.day} of the {program.length}-day cycle"
            f" · {esc(day.title)}"
        )
    else:
        head = f"📅 <b>Day {day.day} of {esc(program.name)}</b> · {esc(day.title)}"
    parts = [head]
    if not day.rest and day.focus:
        load = LOAD_LABELS[day_load(catalog, day).load]
        parts.append(f"🎯 Focus: <b>{esc(catalog.name(day.focus))}</b> · {load}")
    if day.note:
        parts.append(f"📝 {esc(day.note)}")
    return parts


def render_program_day(
    catalog: Catalog, program: Program, day: ProgramDay, profile: Profile | None = None
) -> Rendered:
    """The session of one program day, with a How-to button per item.

    With a `profile` the day is the member's own (`personalise`): swapped items
    say what they stand in for and why, notes say how to adapt, and each of
    the member's conditions gets its short reminder on top. Without one, the
    day is rendered as the program has it.
    """
    if profile is not None:
        return _render_personal_day(catalog, program, personalise(catalog, day, profile))
    parts = _day_head(catalog, program, day)
    if day.rest:
        parts.append("A rest day: no training, just a few minutes of easy mobility.")
        parts.append("\n".join(_item_line(catalog, item, True) for item in day.mobility))
        items = list(day.mobility)
    else:
        parts.append(
            "<b>Warm up</b>\n" + "\n".join(_item_line(catalog, i, False) for i in day.warmup)
        )
        parts.append(
            "<b>Exercises</b>\n" + "\n".join(_item_line(catalog, i, True) for i in day.exercises)
        )
        if day.cooldown:
            parts.append(
                "<b>Cool down</b>\n"
                + "\n".join(_item_line(catalog, i, False) for i in day.cooldown)
            )
        items = [*day.warmup, *day.exercises, *day.cooldown]
    parts.append(STOP_ON_PAIN)
    return Rendered("\n\n".join(parts), how_to_rows(catalog, [item.id for item in items]))


def _render_personal_day(catalog: Catalog, program: Program, personal: PersonalDay) -> Rendered:
    day = personal.day
    parts = _day_head(catalog, program, day)
    parts += [CONDITION_NOTES[c] for c in CONDITION_NOTES if c in personal.profile.conditions]
    sections: list[tuple[str, Section, bool]] = (
        [("", "mobility", True)]
        if day.rest
        else [
            ("<b>Warm up</b>\n", "warmup", False),
            ("<b>Exercises</b>\n", "exercises", True),
            ("<b>Cool down</b>\n", "cooldown", False),
        ]
    )
    if day.rest:
        parts.append("A rest day: no training, just a few minutes of easy mobility.")
    # A note that several cards share is said once, above them.
    holders: dict[str, set[str]] = {}
    for item in personal.items:
        for _, note in item.notes:
            holders.setdefault(note, set()).add(item.id)
    shared = {note for note, cards in holders.items() if len(cards) > 1}
    if shared:
        said = dict.fromkeys(
            (reason, note) for item in personal.items for reason, note in item.notes
        )
        lines = [
            f"🔧 <i>{NOTE_LABELS[reason]}:</i> {esc(note)}"
            for reason, note in said
            if note in shared
        ]
        parts.append("<b>For this session</b>\n" + "\n".join(lines))
    for title, name, with_cue in sections:
        items = personal.section(name)
        if items:
            lines = [_personal_line(catalog, item, with_cue, shared) for item in items]
            parts.append(title + "\n".join(lines))
    if personal.left_out:
        lines = []
        for out in personal.left_out:
            why = ", ".join(NOTE_LABELS[r].lower() for r in dict.fromkeys(out.because))
            where = f", folded into {esc(catalog.name(out.covered_by))}" if out.covered_by else ""
            lines.append(f"• {esc(catalog.name(out.id))} ({why}{where})")
        parts.append("<b>Left out today</b>\n" + "\n".join(lines))
    parts.append(STOP_ON_PAIN)
    return Rendered("\n\n".join(parts), how_to_rows(catalog, [i.id for i in personal.items]))


def how_to_rows(catalog: Catalog, ids: list[str]) -> list[list[InlineKeyboardButton]]:
    unique = list(dict.fromkeys(ids))
    return _pairs([_button(f"ℹ️ {catalog.name(i)}", callbacks.card(i)) for i in unique])
