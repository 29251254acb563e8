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
from bot.i18n import N_, _, as_label, ngettext
from bot.render import callbacks
from bot.render.markdown import to_html
from bot.render.message import Rendered, esc
from bot.render.rules import visible_length

_STOP_ON_PAIN = N_(
    "⚠️ Stop if anything hurts (sharp, pinching or unusual pain) and check with a professional."
)
MAX_LINKS = 4
# Why a member gets another version of a card, as the card and the day say it.
REASON_LABELS = {
    "no_equipment": N_("No equipment"),
    "knee": N_("Knee pain"),
    "back": N_("Back pain"),
    "pregnancy": N_("Pregnant or postpartum"),
    "injury": N_("After a recent injury or surgery"),
}
NOTE_LABELS = {
    "no_equipment": N_("No equipment"),
    "knee": N_("Knee"),
    "back": N_("Back"),
    "pregnancy": N_("Pregnancy"),
    "injury": N_("Injury"),
}
LOAD_LABELS = {
    "hard": N_("💪 hard day"),
    "moderate": N_("🙂 moderate day"),
    "light": N_("🌿 light day"),
}
# The fixed words of the content (regions, areas, levels, equipment): the same
# in every language's files, shown in the member's language.
TERMS = {
    "glutes": N_("glutes"),
    "hip": N_("hip"),
    "thigh": N_("thigh"),
    "lower leg": N_("lower leg"),
    "back": N_("back"),
    "pelvis": N_("pelvis"),
    "hip flexors": N_("hip flexors"),
    "piriformis": N_("piriformis"),
    "hamstrings": N_("hamstrings"),
    "tfl-it-band": N_("TFL and IT band"),
    "adductors": N_("adductors"),
    "lower back": N_("lower back"),
    "quads": N_("quads"),
    "calves": N_("calves"),
    "whole body": N_("whole body"),
    "beginner": N_("beginner"),
    "intermediate": N_("intermediate"),
    "advanced": N_("advanced"),
    "mat": N_("mat"),
    "band": N_("band"),
    "dumbbell": N_("dumbbell"),
    "kettlebell": N_("kettlebell"),
    "bench": N_("bench"),
    "step": N_("step"),
    "chair": N_("chair"),
    "dowel": N_("dowel"),
    "strap": N_("strap"),
    "foam roller": N_("foam roller"),
    "massage ball": N_("massage ball"),
    "sliders": N_("sliders"),
}


def term(value: str) -> str:
    """A fixed content word in the current language (unknown words as they are)."""
    return _(TERMS[value]) if value in TERMS else value


def stop_on_pain() -> str:
    """The line that closes every session."""
    return _(_STOP_ON_PAIN)


# What a member who told us about a condition reads at the top of every session.
CONDITION_NOTES = {
    "pregnancy": N_(
        "🤰 <b>Pregnant or postpartum:</b> get clearance from your midwife or doctor first. "
        "After the first trimester: no lying flat on your back, no weight on the belly "
        "(swapped below); with pelvic girdle pain, no wide or one-leg stances. Stop and get "
        "advice for dizziness, bleeding, fluid loss, or pain in the pelvis, belly or chest."
    ),
    "injury": N_(
        "🩹 <b>Recent injury or surgery:</b> get clearance from your doctor or physio before "
        "you train. Until then the gentler versions below stand in for the hardest moves."
    ),
    "knee": N_(
        "🦵 <b>Knee pain:</b> bend the knees only as far as stays pain-free; a higher seat or a "
        "lower step is fine. Moves that twist or load the knee most are swapped below."
    ),
    "back": N_(
        "🔙 <b>Back pain:</b> keep the back long, the loads light and the ranges short. Pain "
        "that spreads down a leg, or numbness, needs a professional's check first."
    ),
}


def stale_card_button() -> str:
    return _(
        "That button has expired. Send /anatomy, /exercise, /stretch or /learn to start again."
    )


def format_dose(dose: Dose) -> str:
    """'3 × 12', '2 × 10 each side', '3 × 30 s each side', '2 × 8, hold 3 s'."""
    side = " " + _("each side") if dose.per_side else ""
    if dose.reps is not None:
        if dose.sets > 1:
            amount = f"{dose.sets} × {dose.reps}{side}"
        else:
            amount = ngettext("{count} rep", "{count} reps", dose.reps).format(count=dose.reps)
            amount += side
        if dose.seconds is not None:
            amount += ", " + _("hold {seconds} s").format(seconds=dose.seconds)
    else:
        seconds = dose.seconds or 0
        hold = f"{seconds // 60} min" if seconds >= 120 and seconds % 60 == 0 else f"{seconds} s"
        amount = f"{dose.sets} × {hold}{side}" if dose.sets > 1 else f"{hold}{side}"
    if dose.rest_s:
        amount += ", " + _("rest {seconds} s").format(seconds=dose.rest_s)
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
        "~an": ("an", _("⬅️ Back to Anatomy")),
        "~ex": ("ex", _("⬅️ Back to Exercises")),
        "~st": ("st", _("⬅️ Back to Stretches")),
    }
    if back in menus:
        menu, label = menus[back]
        return [[_button(label, callbacks.menu(menu))]]
    return [[_button(_("⬅️ Back: {card}").format(card=catalog.name(back)), callbacks.card(back))]]


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
    label = _("muscle") if card.kind == "muscle" else _("structure")
    parts = [
        f"🦴 <b>{esc(card.name)}</b> · {label} · {esc(term(card.region))}",
        f"<i>{esc(card.summary)}</i>",
    ]
    if card.kind == "muscle":
        parts.append(_("<b>Origin:</b> {text}").format(text=esc(card.origin or "")))
        parts.append(_("<b>Insertion:</b> {text}").format(text=esc(card.insertion or "")))
        parts.append(_("<b>Nerve supply:</b> {text}").format(text=esc(card.nerve or "")))
        parts.append(_("<b>What it does</b>") + "\n" + _bullets(card.actions))
        parts.append(_("<b>In daily life</b>") + "\n" + _bullets(card.everyday))
        parts.append(_("<b>When it is weak or tight</b>") + "\n" + _bullets(card.when_weak))
    parts.append(to_html(card.body))
    trained = catalog.trained_by.get(card.id, [])
    assisted = catalog.assisted_by.get(card.id, [])
    released = catalog.released_by.get(card.id, [])
    if trained:
        parts.append(_("<b>Main work:</b>") + " " + _names(catalog, trained))
    if assisted:
        parts.append(_("<b>Also works it:</b>") + " " + _names(catalog, assisted))
    if released:
        parts.append(_("<b>Stretch and release:</b>") + " " + _names(catalog, released))
    if card.related:
        parts.append(_("<b>See also:</b>") + " " + _names(catalog, card.related))

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
        _("<b>How to</b>") + "\n" + _numbered(card.steps),
        _("<b>Cues</b>") + "\n" + _bullets(card.cues),
        _("<b>Common mistakes</b>") + "\n" + _bullets(card.mistakes),
        _("<b>Safety</b>") + "\n" + _bullets(card.safety, "⚠️"),
        _adapt_it(catalog, card),
    ]


def swap_text(catalog: Catalog, swap: Swap) -> str:
    """'use Box squat. Note…', 'leave it out. Note…' or the note."""
    if swap.use is not None:
        head = _("use <b>{card}</b>").format(card=esc(catalog.name(swap.use)))
    elif swap.skip:
        head = _("leave it out")
    else:
        return esc(swap.note or "")
    return f"{head}. {esc(swap.note)}" if swap.note else head + "."


def _adapt_it(catalog: Catalog, card: ExerciseCard | StretchCard) -> str:
    """How to fit the card to no equipment and to each condition; clearance after injury."""
    lines = []
    for reason in ("no_equipment", "knee", "back", "pregnancy"):
        swap = card.swaps.get(reason)
        if swap is not None:
            lines.append(
                f"• <i>{as_label(_(REASON_LABELS[reason]))}</i> {swap_text(catalog, swap)}"
            )
    injury = card.swaps.injury
    if injury:
        advice = _("get clearance from your doctor or physio before this one; then {swap}").format(
            swap=swap_text(catalog, injury)
        )
    else:
        advice = _("get clearance from your doctor or physio before this one.")
    lines.append(f"• <i>{as_label(_(REASON_LABELS['injury']))}</i> {advice}")
    return _("🔧 <b>Adapt it</b>") + "\n" + "\n".join(lines)


def _swap_buttons(catalog: Catalog, card: ExerciseCard | StretchCard) -> list[InlineKeyboardButton]:
    targets = dict.fromkeys(swap.use for _reason, swap in card.swaps.items() if swap.use)
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
    return esc(", ".join(term(item) for item in items)) if items else _("none")


def _exercise(catalog: Catalog, card: ExerciseCard) -> Rendered:
    stage = _("basics") if card.part == 2 else _("advanced work")
    helpers = (
        " " + _("(helpers: {muscles})").format(muscles=_names(catalog, card.muscles.secondary))
        if card.muscles.secondary
        else ""
    )
    head = [
        f"🏋️ <b>{esc(card.name)}</b>",
        _("Part {number}").format(number=card.part) + f" · {stage} · {esc(term(card.level))}",
        _("🎯 <b>Works:</b> {muscles}").format(muscles=_names(catalog, card.muscles.primary))
        + helpers,
        _("🧰 <b>Equipment:</b> {items}").format(items=_equipment(card.equipment)),
        _("📋 <b>Dose:</b> {dose}").format(dose=format_dose(card.dose)),
    ]
    chain = []
    for arrow, label, side in (
        ("⬇️", _("Easier"), "regression"),
        ("⬆️", _("Harder"), "progression"),
    ):
        target: str | None = getattr(card, side)
        why: str | None = getattr(card, f"{side}_why")
        note: str | None = getattr(card, f"{side}_note")
        if target:
            line = f"{arrow} <b>{as_label(label)}</b> {esc(catalog.name(target))}"
            chain.append(line + (f" — {esc(why)}" if why else ""))
        elif note:
            chain.append(f"{arrow} <b>{as_label(label)}</b> {esc(note)}")
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
    label = _("release technique") if card.kind == "release" else _("stretch")
    head = [
        f"🧘 <b>{esc(card.name)}</b>",
        _("Part {number}").format(number=2) + f" · {label} · {esc(term(card.area))}",
        _("🎯 <b>Targets:</b> {muscles}").format(muscles=_names(catalog, card.targets)),
        _("🧰 <b>Equipment:</b> {items}").format(items=_equipment(card.equipment)),
        _("📋 <b>Dose:</b> {dose}").format(dose=format_dose(card.dose)),
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
    "an": N_(
        "🦴 <b>Anatomy</b>\nThe muscles and structures of the series. Tap one, or type "
        "<code>/anatomy glute med</code>."
    ),
    "ex": N_(
        "🏋️ <b>Exercises</b>\nPart 2 basics first, then part 3 advanced work. Tap one, or type "
        "<code>/exercise bridge</code>."
    ),
    "st": N_("🧘 <b>Stretches and release</b>\nTap one, or type <code>/stretch pigeon</code>."),
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
    return Rendered(_(MENU_TITLES[menu]), _pairs(buttons))


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
    text = _("Several cards match <b>{query}</b>. Which one do you mean?").format(
        query=esc(_short(query))
    )
    buttons = [_button(catalog.name(i), callbacks.card(i, f"~{menu}")) for i in ids]
    return Rendered(text, _pairs(buttons))


def render_suggestions(
    catalog: Catalog, query: str, ids: tuple[str, ...], menu: callbacks.Menu
) -> Rendered:
    """Nothing close: offer the nearest cards and the full list."""
    text = _("I found nothing called <b>{query}</b>.").format(query=esc(_short(query)))
    if ids:
        text += " " + _("The closest I have:")
    buttons = [_button(catalog.name(i), callbacks.card(i, f"~{menu}")) for i in ids]
    rows = [*_pairs(buttons), [_button(_("📚 Show the full list"), callbacks.menu(menu))]]
    return Rendered(text, rows)


def _short(query: str) -> str:
    query = " ".join(query.split())
    return query if len(query) <= 40 else query[:39] + "…"


# -- lessons ------------------------------------------------------------------------
def unknown_part(catalog: Catalog, wanted: str) -> str:
    """/learn with a part that does not exist (the start of part 1 follows)."""
    parts = ", ".join(str(lesson.part) for lesson in catalog.lessons)
    return _("There is no part <b>{wanted}</b>; the parts are {parts}. Here is the start:").format(
        wanted=esc(wanted[:12]), parts=parts
    )


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
        _("📖 <b>Part {number} · {title}</b>").format(number=lesson.part, title=esc(lesson.title))
        + "\n"
        + f"<i>{esc(section.title)}</i> · "
        + _("page {page} of {pages}").format(page=page + 1, pages=len(lesson.sections))
        + f"\n\n{to_html(section.text)}"
    )
    pages = lesson_pages(catalog)
    position = pages.index((lesson, page))
    nav = []
    if position > 0:
        prev_lesson, prev_page = pages[position - 1]
        nav.append(_button(_("◀️ Previous"), callbacks.lesson(prev_lesson.part, prev_page)))
    if position < len(pages) - 1:
        next_lesson, next_page = pages[position + 1]
        label = (
            _("Next ▶️")
            if next_lesson is lesson
            else _("Part {number} ▶️").format(number=next_lesson.part)
        )
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


def _personal_line(
    catalog: Catalog, item: PersonalItem, with_cue: bool, shared: set[str], *, again: bool = False
) -> str:
    """One item of a member's day; `again`: the same card came earlier in the day,
    with its adjustments, which are not said twice."""
    card = catalog.practice(item.id)
    line = f"• <b>{esc(catalog.name(item.id))}</b> — {format_dose(item.dose)}"
    if item.replaces:
        why = ", ".join(_(NOTE_LABELS[r]).lower() for r in dict.fromkeys(item.because))
        line += "\n  " + _("↔️ instead of {card} ({why})").format(
            card=esc(catalog.name(item.replaces)), why=why
        )
    own = [(reason, note) for reason, note in item.notes if note not in shared]
    if again and own:
        return line + "\n  🔧 <i>" + _("Adjust it as above.") + "</i>"
    for reason, note in own:
        line += f"\n  🔧 <i>{as_label(_(NOTE_LABELS[reason]))}</i> {esc(note)}"
    if with_cue and not own and card is not None and card.cues:
        line += f"\n  <i>{esc(card.cues[0])}</i>"
    return line


def _day_head(catalog: Catalog, program: Program, day: ProgramDay) -> list[str]:
    if program.rolling:
        head = _("📅 <b>{program}</b> · day {day} of the {length}-day cycle · {title}").format(
            program=esc(program.name), day=day.day, length=program.length, title=esc(day.title)
        )
    else:
        head = _("📅 <b>Day {day} of {program}</b> · {title}").format(
            day=day.day, program=esc(program.name), title=esc(day.title)
        )
    parts = [head]
    if not day.rest and day.focus:
        load = _(LOAD_LABELS[day_load(catalog, day).load])
        parts.append(
            _("🎯 Focus: <b>{muscle}</b> · {load}").format(
                muscle=esc(catalog.name(day.focus)), load=load
            )
        )
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
        parts.append(_("A rest day: no training, just a few minutes of easy mobility."))
        parts.append("\n".join(_item_line(catalog, item, True) for item in day.mobility))
        items = list(day.mobility)
    else:
        parts.append(
            _("<b>Warm up</b>")
            + "\n"
            + "\n".join(_item_line(catalog, i, False) for i in day.warmup)
        )
        parts.append(
            _("<b>Exercises</b>")
            + "\n"
            + "\n".join(_item_line(catalog, i, True) for i in day.exercises)
        )
        if day.cooldown:
            parts.append(
                _("<b>Cool down</b>")
                + "\n"
                + "\n".join(_item_line(catalog, i, False) for i in day.cooldown)
            )
        items = [*day.warmup, *day.exercises, *day.cooldown]
    parts.append(stop_on_pain())
    return Rendered("\n\n".join(parts), how_to_rows(catalog, [item.id for item in items]))


def _render_personal_day(catalog: Catalog, program: Program, personal: PersonalDay) -> Rendered:
    day = personal.day
    parts = _day_head(catalog, program, day)
    parts += [_(CONDITION_NOTES[c]) for c in CONDITION_NOTES if c in personal.profile.conditions]
    sections: list[tuple[str, Section, bool]] = (
        [("", "mobility", True)]
        if day.rest
        else [
            (_("<b>Warm up</b>") + "\n", "warmup", False),
            (_("<b>Exercises</b>") + "\n", "exercises", True),
            (_("<b>Cool down</b>") + "\n", "cooldown", False),
        ]
    )
    if day.rest:
        parts.append(_("A rest day: no training, just a few minutes of easy mobility."))
    # A note that several cards share is said once, above them.
    holders: dict[str, set[str]] = {}
    for item in personal.items:
        for _reason, note in item.notes:
            holders.setdefault(note, set()).add(item.id)
    shared = {note for note, cards in holders.items() if len(cards) > 1}
    if shared:
        said = dict.fromkeys(
            (reason, note) for item in personal.items for reason, note in item.notes
        )
        lines = [
            f"🔧 <i>{as_label(_(NOTE_LABELS[reason]))}</i> {esc(note)}"
            for reason, note in said
            if note in shared
        ]
        parts.append(_("<b>For this session</b>") + "\n" + "\n".join(lines))
    shown: set[str] = set()
    for title, name, with_cue in sections:
        items = personal.section(name)
        if items:
            lines = []
            for item in items:
                lines.append(
                    _personal_line(catalog, item, with_cue, shared, again=item.id in shown)
                )
                shown.add(item.id)
            parts.append(title + "\n".join(lines))
    if personal.left_out:
        lines = []
        for out in personal.left_out:
            why = ", ".join(_(NOTE_LABELS[r]).lower() for r in dict.fromkeys(out.because))
            where = (
                ", " + _("folded into {card}").format(card=esc(catalog.name(out.covered_by)))
                if out.covered_by
                else ""
            )
            lines.append(f"• {esc(catalog.name(out.id))} ({why}{where})")
        parts.append(_("<b>Left out today</b>") + "\n" + "\n".join(lines))
    parts.append(stop_on_pain())
    return Rendered("\n\n".join(parts), how_to_rows(catalog, [i.id for i in personal.items]))


def how_to_rows(catalog: Catalog, ids: list[str]) -> list[list[InlineKeyboardButton]]:
    unique = list(dict.fromkeys(ids))
    return _pairs([_button(f"ℹ️ {catalog.name(i)}", callbacks.card(i)) for i in unique])
