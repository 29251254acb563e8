"""Looking things up: /anatomy, /exercise, /stretch, /learn, card buttons, inline mode,
and plain questions typed in the private chat."""

from __future__ import annotations

import logging

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)

from bot.catalog.questions import read_question
from bot.catalog.search import Match
from bot.context import BotContext
from bot.db.dto import MemberDTO
from bot.handlers.common import answer, edit, reply
from bot.handlers.feedback import draft_for_coach
from bot.render import callbacks, texts
from bot.render.cards import (
    render_card,
    render_choices,
    render_lesson,
    render_menu,
    render_suggestions,
    stale_card_button,
    unknown_part,
)
from bot.render.feedback import ask_coach_row
from bot.render.message import Rendered
from bot.render.questions import render_answer

log = logging.getLogger(__name__)

MAX_INLINE_RESULTS = 10


async def _reply(update: Update, rendered: Rendered) -> None:
    if update.effective_message is not None:
        await reply(update.effective_message, rendered)


async def _look_up(update: Update, context: BotContext, menu: callbacks.Menu) -> None:
    library = context.bot_data.library
    query = " ".join(context.args or [])
    if not query.strip():
        await _reply(update, render_menu(library.catalog, menu))
        return
    match: Match = library.index(menu).search(query)
    if match.status == "found":
        card = library.catalog.card(match.ids[0])
        assert card is not None
        await _reply(update, render_card(library.catalog, card, back=f"~{menu}"))
    elif match.status == "choices":
        await _reply(update, render_choices(library.catalog, query, match.ids, menu))
    else:
        await _reply(update, render_suggestions(library.catalog, query, match.ids, menu))


async def show_anatomy(update: Update, context: BotContext) -> None:
    """Show the anatomy card asked for, choices, or the list of muscles."""
    await _look_up(update, context, "an")


async def show_exercise(update: Update, context: BotContext) -> None:
    """Show the exercise card asked for, choices, or the list of exercises."""
    await _look_up(update, context, "ex")


async def show_stretch(update: Update, context: BotContext) -> None:
    """Show the stretch or release card asked for, choices, or the list."""
    await _look_up(update, context, "st")


async def show_lesson(update: Update, context: BotContext) -> None:
    """Open the series lessons at part 1, or at the part asked for."""
    catalog = context.bot_data.library.catalog
    wanted = (context.args or [""])[0]
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    part = int(wanted) if wanted.isdecimal() and catalog.lesson(int(wanted)) else None
    rendered = render_lesson(catalog, part or catalog.lessons[0].part, 0)
    assert rendered is not None  # the loader guarantees at least one lesson page
    if wanted and part is None:
        rendered.text = f"{unknown_part(catalog, wanted)}\n\n{rendered.text}"
    await _reply(update, rendered)


async def answer_question(
    message: Message, context: BotContext, member: MemberDTO | None = None
) -> None:
    """A question typed in the private chat: the card it names, a few to choose
    from, or the safety guidance when it speaks of pain; else where to look. A
    member whose question no card answers, or who speaks of pain, is offered to
    send it to a coach."""
    library = context.bot_data.library
    text = message.text or ""
    question = read_question(library.index("all"), text)
    rendered = render_answer(library.catalog, question)
    offered = member is not None and (question.about_safety or (rendered is None and "?" in text))
    answer_text = rendered or Rendered(texts.free_text())
    if offered and member is not None:
        item_id = await draft_for_coach(message, context, member, None)
        answer_text.rows.append(ask_coach_row(item_id))
    await reply(message, answer_text)


def _render_action(context: BotContext, data: str | None) -> Rendered | None:
    catalog = context.bot_data.library.catalog
    action = callbacks.parse(data)
    if isinstance(action, callbacks.OpenCard):
        card = catalog.card(action.card_id)
        back_ok = action.back is None or action.back.startswith("~") or catalog.card(action.back)
        if card is None or not back_ok:
            return None
        return render_card(catalog, card, back=action.back)
    if isinstance(action, callbacks.OpenMenu):
        return render_menu(catalog, action.menu)
    if isinstance(action, callbacks.OpenLesson):
        return render_lesson(catalog, action.part, action.page)
    return None


async def open_from_button(update: Update, context: BotContext) -> None:
    """Replace the message with the card, menu or lesson page the button points to."""
    query = update.callback_query
    if query is None:
        return
    rendered = _render_action(context, query.data)
    if rendered is None:
        await answer(query, stale_card_button())
        return
    await answer(query)
    await edit(query, rendered)


async def answer_inline(update: Update, context: BotContext) -> None:
    """Offer matching cards for `@bot words` in any chat."""
    inline = update.inline_query
    if inline is None:
        return
    library = context.bot_data.library
    catalog = library.catalog
    text = inline.query.strip()
    ids = library.index("all").ranked(text, MAX_INLINE_RESULTS) if text else list(library.featured)
    results = []
    for card_id in ids[:MAX_INLINE_RESULTS]:
        card = catalog.card(card_id)
        if card is None:
            continue
        rendered = render_card(catalog, card)
        description = getattr(card, "summary", None) or card.body.split("\n")[0]
        results.append(
            InlineQueryResultArticle(
                id=card_id,
                title=card.name,
                description=description[:120],
                input_message_content=InputTextMessageContent(rendered.text),
                reply_markup=rendered.markup,
            )
        )
    # Personal: the cards are in the asker's language, so Telegram must not hand
    # one person's cached answer to someone who reads another language.
    if not results:  # nothing matched: a hint above the empty list, and a way to the tips
        hint = InlineQueryResultsButton(
            text=texts.inline_no_match(text), start_parameter=texts.DEEP_LINK_HELP
        )
        await inline.answer([], cache_time=30, is_personal=True, button=hint)
        return
    await inline.answer(results, cache_time=300, is_personal=True)
