"""The coach feedback loop as messages: the trainers' feed, alerts, relayed
answers, "Send this to a coach?" and what members are told.

Everything a member or coach typed is escaped here (`esc`) and cut to fit
Telegram's 4096 characters with room for the framing.
"""

from __future__ import annotations

from telegram import ForceReply, InlineKeyboardButton

from bot.i18n import N_, _, lazy
from bot.render.callbacks import FeedbackPress
from bot.render.message import Rendered, esc
from bot.render.questions import stop_and_check
from bot.services.feedback import FeedEntry, FeedPage, RelayView, Scope

SNIPPET = 300  # characters of a note in the feed
EFFORT_WORDS = {1: "very easy", 2: "easy", 3: "fair", 4: "hard", 5: "very hard"}
MEDIA_WORDS = {"photo": "📷 a photo", "video": "🎬 a video"}

FEED_BUTTON_EXPIRED = "That feed button has expired. Send /feed for the latest."
ITEM_GONE = "That note is no longer in the feed."
SEND_BUTTON_EXPIRED = "That button has expired."
REPLY_EMPTY = "Type your reply as text (a reply to my message), or send /feed to pick another."
MEMBER_UNREACHABLE = "They have stopped or blocked the bot, so your reply can't reach them."
# What members are told, translated when read (the module's __getattr__).
_SHORT = {
    "NO_COACH_YET": N_("No coach is available right now; I'll keep it in the feed for them."),
    "SENT_TO_COACH": N_("📨 Sent to a coach. Their answer will come here."),
    "KEPT_PRIVATE": N_("OK, I kept it to ourselves."),
    "ALREADY_SENT": N_("That one is already with the coaches."),
}


__getattr__ = lazy(_SHORT)


ORIGINAL_GONE = "(The member's photo or video can no longer be shown: they may have deleted it.)"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _what(entry: FeedEntry, limit: int = SNIPPET) -> str:
    """One item's content in a line or two: the note, the effort, the media."""
    parts = []
    if entry.media:
        parts.append(MEDIA_WORDS.get(entry.media, "📎 a file"))
    if entry.effort is not None:
        parts.append(f"effort {entry.effort}/5 ({EFFORT_WORDS.get(entry.effort, '?')})")
    if entry.text:
        parts.append(f"“{esc(_clip(entry.text, limit))}”")
    return " · ".join(parts) or "(no text)"


def _when(entry: FeedEntry) -> str:
    if entry.local_date is not None:
        return f"{entry.local_date:%a %d %b}"
    return f"{entry.at:%a %d %b}"


def _scope_title(scope: Scope) -> str:
    if scope.cohort_ids is None:
        return "everyone"
    return ", ".join(esc(n) for n in scope.cohort_names) or "your cohorts"


def feed_page(page: FeedPage, scope: Scope) -> Rendered:
    """One page of /feed, newest first, each with a 💬 Reply button."""
    title = f"🗒 <b>Feed</b> · {_scope_title(scope)}"
    if not page.entries:
        return Rendered(
            f"{title}\n\nNothing yet: notes, very easy or very hard efforts and "
            "questions members send you will show here."
        )
    lines = []
    rows: list[list[InlineKeyboardButton]] = []
    for number, entry in enumerate(page.entries, start=1):
        flag = "🚩 " if entry.alert else ""
        answered = f" · {entry.replies} answered" if entry.replies else ""
        lines.append(
            f"{number}. {flag}<b>{esc(_clip(entry.member_name, 40)) or 'A member'}</b>, "
            f"{_when(entry)}{answered}\n{_what(entry)}"
        )
        label = f"💬 Reply {number}: {_clip(entry.member_name, 20) or 'member'}"
        rows.append([InlineKeyboardButton(label, callback_data=_data("r", entry.id))])
    nav = []
    if page.page > 0:
        nav.append(InlineKeyboardButton("◀ Newer", callback_data=_data("p", page.page - 1)))
    if page.page + 1 < page.pages:
        nav.append(InlineKeyboardButton("Older ▶", callback_data=_data("p", page.page + 1)))
    if nav:
        rows.append(nav)
    heading = f"{title} · page {page.page + 1} of {page.pages}"
    return Rendered(heading + "\n\n" + "\n\n".join(lines), rows)


def _data(action: str, number: int) -> str:
    return FeedbackPress(action, number).encode()  # type: ignore[arg-type]


def reply_prompt(entry: FeedEntry) -> tuple[str, ForceReply]:
    """Asking a coach to type the answer, as a reply to this message."""
    text = (
        f"✍️ Your reply to <b>{esc(_clip(entry.member_name, 40)) or 'the member'}</b> about "
        f"{_when(entry)}: {_what(entry, 200)}\n\nType it as a reply to this message. "
        "They will see it as coming from “Coach” and your first name, never your account."
    )
    return text, ForceReply(selective=True, input_field_placeholder="Your reply")


def relayed(view: RelayView) -> Rendered:
    """A relay message as the bot sends it."""
    entry = view.item
    if view.direction == "to_member":
        coach = esc(_clip(view.coach_name, 40)) or _("your coach")
        return Rendered(
            _("💬 <b>Coach {coach}:</b> {text}").format(coach=coach, text=esc(view.text or ""))
            + "\n\n"
            + _("<i>Reply to this message to answer.</i>")
        )
    member = esc(_clip(view.member_name, 40)) or "A member"
    reply = [[InlineKeyboardButton("💬 Reply", callback_data=_data("r", entry.id))]]
    if view.text is None:  # an alert about the note itself
        return Rendered(
            f"🚩 <b>{member}</b> left a note that may be about pain or an injury "
            f"({_when(entry)}):\n{_what(entry, 1500)}\n\n"
            "Reply to this message (or tap 💬 Reply) to answer them.",
            reply,
        )
    return Rendered(
        f"💬 <b>{member}</b> answered about {_when(entry)}:\n{esc(view.text)}\n\n"
        "<i>Reply to this message to answer.</i>",
        reply,
    )


def note_alerted(coaches: int) -> str:
    """Told to a member whose note reads like pain, after the note is saved."""
    if coaches:
        said = _("A coach will see this note and can answer you here.")
    else:
        said = _("Your note is kept for the coaches, who can answer you here.")
    return f"{said}\n\n{stop_and_check()}"


def ask_send(item_id: int, media: str | None) -> Rendered:
    """ "Send this to a coach?" under a photo, video or question."""
    asked = {
        "photo": _("Send this photo to a coach? They can answer you here."),
        "video": _("Send this video to a coach? They can answer you here."),
    }.get(media or "", _("Send this question to a coach? They can answer you here."))
    return Rendered(
        asked,
        [
            [
                InlineKeyboardButton(_("📨 Yes, send it"), callback_data=_data("y", item_id)),
                InlineKeyboardButton(_("No"), callback_data=_data("n", item_id)),
            ]
        ],
    )


def relay_queued(recipients: int, rerouted: bool) -> str:
    if rerouted:
        return _("📨 Sent. That coach isn't coaching here any more, so I passed it to the team.")
    return _("📨 Sent to your coach.") if recipients == 1 else _("📨 Sent to the coaches.")


def reply_sent(member_name: str) -> str:
    return f"📨 Sent to {esc(_clip(member_name, 40)) or 'the member'}."


def trainer_added(name: str, cohort: str, added: bool) -> str:
    if not added:
        return f"{esc(name)} already coaches <b>{esc(cohort)}</b>."
    return (
        f"✅ {esc(name)} now coaches <b>{esc(cohort)}</b>: their notes, alerts, /stats, "
        "/feed and /nudge go to them."
    )


def coaches_line(names: list[str]) -> str:
    """Under a cohort's members: who coaches it."""
    if not names:
        return "\nCoached by every trainer (/cohort &lt;name&gt; trainer @user assigns one)."
    return "\nCoached by " + ", ".join(esc(_clip(n, 40)) for n in names) + "."


NOT_A_TRAINER = "Only trainers can coach a cohort: /promote them first."
TRAINER_USAGE = "Like this: /cohort Spring 2026 trainer @username"


def ask_coach_row(item_id: int) -> list[InlineKeyboardButton]:
    """Under an answer to a question: send the question itself to a coach."""
    return [InlineKeyboardButton(_("📨 Send this to a coach?"), callback_data=_data("y", item_id))]
