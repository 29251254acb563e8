"""Answers to plain questions typed in the private chat: a card, a few cards to
choose from, or, when the message speaks of pain, the safety guidance."""

from __future__ import annotations

from bot.catalog import Catalog
from bot.catalog.personalise import CONDITION_ORDER
from bot.catalog.questions import Question
from bot.catalog.schema import ExerciseCard, StretchCard
from bot.i18n import N_, _, as_label
from bot.render.cards import (
    CONDITION_NOTES,
    REASON_LABELS,
    how_to_rows,
    render_card,
    stop_on_pain,
    swap_text,
)
from bot.render.message import Rendered, esc

# How many of the cards a message names get their swaps spelled out.
MAX_SAFETY_CARDS = 4

STOP_AND_CHECK = N_(
    "🛑 <b>If it hurts, stop that move.</b> Sharp, pinching or unusual pain is a "
    "signal to stop, not something to push through. Muscle soreness a day or two "
    "after a session is normal; pain during a move, in a joint, or pain that lingers "
    "is not.\n"
    "See a doctor or physiotherapist if it has not settled within a few days, and "
    "straight away after a fall or a pop, with swelling, numbness or tingling, or pain "
    "that spreads down a leg."
)


def stop_and_check() -> str:
    """Stop on pain, and when to see a professional."""
    return _(STOP_AND_CHECK)


TELL_ME = N_(
    "Tell me in /settings (🧰 About you) and every daily session makes these swaps for you."
)
WHICH_MOVE = N_(
    "Tell me which move it was (“my hip hurts on lunges”) and I will show you gentler "
    "ways to do it."
)


def render_answer(catalog: Catalog, question: Question) -> Rendered | None:
    """The reply to a typed question; None when it names nothing we have."""
    if question.about_safety:
        return render_safety(catalog, question)
    ids = question.match.ids
    if question.match.status == "found":
        card = catalog.card(ids[0])
        return render_card(catalog, card) if card is not None else None
    if question.match.status == "choices":
        return Rendered(
            _("Here is what I have on that. Which one?"), how_to_rows(catalog, list(ids))
        )
    return None


def render_safety(catalog: Catalog, question: Question) -> Rendered:
    """Stop on pain, when to see a professional, then what to do instead: the
    notes for the conditions named and the swaps of the moves named."""
    parts = [_(STOP_AND_CHECK) if question.pain else stop_on_pain()]
    parts += [_(CONDITION_NOTES[c]) for c in CONDITION_NOTES if c in question.conditions]
    practices = [
        card
        for card_id in question.match.ids
        if isinstance(card := catalog.practice(card_id), ExerciseCard | StretchCard)
    ][:MAX_SAFETY_CARDS]
    lines = [_instead(catalog, card, question.conditions) for card in practices]
    if lines:
        parts.append(_("<b>What to do instead</b>") + "\n" + "\n".join(lines))
    elif question.pain:
        parts.append(_(WHICH_MOVE))
    if question.conditions:
        parts.append(_(TELL_ME))
    targets = [card.id for card in practices]
    for card in practices:
        targets += [swap.use for _reason, swap in card.swaps.items() if swap.use]
        if card.regression:
            targets.append(card.regression)
    return Rendered("\n\n".join(parts), how_to_rows(catalog, targets[:8]))


def _instead(
    catalog: Catalog, card: ExerciseCard | StretchCard, conditions: tuple[str, ...]
) -> str:
    """One move's swap for the first condition it has one for, else its easier version."""
    name = f"<b>{esc(card.name)}</b>"
    for reason in (r for r in CONDITION_ORDER if r in conditions):  # safety first
        swap = card.swaps.get(reason)
        if swap is not None:
            why = as_label(f"{name}, {_(REASON_LABELS[reason]).lower()}")
            return f"• {why} {swap_text(catalog, swap)}"
    if card.regression:
        easier = esc(catalog.name(card.regression))
        return "• " + _(
            "{card}: try the easier <b>{easier}</b>, in a pain-free range only."
        ).format(card=name, easier=easier)
    return f"• {as_label(name)} {esc(card.safety[0])}"
