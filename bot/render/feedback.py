"""The coach feedback loop as messages: the trainers' feed, alerts, relayed
answers, "Send this to a coach?" and what members are told.

Everything a member or coach typed is escaped here (`esc`) and cut to fit
Telegram's 4096 characters with room for the framing.
"""

from __future__ import annotations

from telegram import ForceReply, InlineKeyboardButton

from bot.i18n import N_, _, format_day, lazy, ngettext
from bot.render.callbacks import FeedbackPress
from bot.render.message import Rendered, esc
from bot.render.questions import stop_and_check
from bot.services.feedback import FeedEntry, FeedPage, RelayView, Scope

SNIPPET = 300  # characters of a note in the feed
EFFORT_WORDS = {
    1: N_("very easy"),
    2: N_("easy"),
    3: N_("fair"),
    4: N_("hard"),
    5: N_("very hard"),
}
MEDIA_WORDS = {"photo": N_("📷 a photo"), "video": N_("🎬 a video")}
# What members are told, translated when read (the module's __getattr__).
_SHORT = {
    "NO_COACH_YET": N_("No coach is available right now; I'll keep it in the feed for them."),
    "SENT_TO_COACH": N_("📨 Sent to a coach. Their answer will come here."),
    "KEPT_PRIVATE": N_("OK, I kept it to ourselves."),
    "ALREADY_SENT": N_("That one is already with the coaches."),
    "FEED_BUTTON_EXPIRED": N_("That feed button has expired. Send /feed for the latest."),
    "ITEM_GONE": N_("That note is no longer in the feed."),
    "SEND_BUTTON_EXPIRED": N_("That button has expired."),
    "REPLY_EMPTY": N_(
        "Type your reply as text (a reply to my message), or send /feed to pick another."
    ),
    "MEMBER_UNREACHABLE": N_(
        "They have stopped or blocked the bot, so your reply can't reach them."
    ),
    "NOT_A_TRAINER": N_("Only trainers can coach a cohort: /promote them first."),
    "TRAINER_USAGE": N_("Like this: /cohort Spring 2026 trainer @username"),
    "ORIGINAL_GONE": N_(
        "(The member's photo or video can no longer be shown: they may have deleted it.)"
    ),
}


__getattr__ = lazy(_SHORT)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _what(entry: FeedEntry, limit: int = SNIPPET) -> str:
    """One item's content in a line or two: the note, the effort, the media."""
    parts = []
    if entry.media:
        parts.append(_(MEDIA_WORDS[entry.media]) if entry.media in MEDIA_WORDS else _("📎 a file"))
    if entry.effort is not None:
        words = _(EFFORT_WORDS[entry.effort]) if entry.effort in EFFORT_WORDS else "?"
        parts.append(_("effort {effort}/5 ({words})").format(effort=entry.effort, words=words))
    if entry.text:
        parts.append(_("“{text}”").format(text=esc(_clip(entry.text, limit))))
    return " · ".join(parts) or _("(no text)")


def _when(entry: FeedEntry) -> str:
    if entry.local_date is not None:
        return format_day(entry.local_date, "short")
    return format_day(entry.at.date(), "short")


def _scope_title(scope: Scope) -> str:
    if scope.cohort_ids is None:
        return _("everyone")
    return ", ".join(esc(n) for n in scope.cohort_names) or _("your cohorts")


def feed_page(page: FeedPage, scope: Scope) -> Rendered:
    """One page of /feed, newest first, each with a 💬 Reply button."""
    title = _("🗒 <b>Feed</b> · {scope}").format(scope=_scope_title(scope))
    if not page.entries:
        return Rendered(
            title
            + "\n\n"
            + _(
                "Nothing yet: notes, very easy or very hard efforts and "
                "questions members send you will show here."
            )
        )
    lines = []
    rows: list[list[InlineKeyboardButton]] = []
    for number, entry in enumerate(page.entries, start=1):
        flag = "🚩 " if entry.alert else ""
        answered = ""
        if entry.replies:
            answered = " · " + ngettext(
                "{count} answered", "{count} answered", entry.replies
            ).format(count=entry.replies)
        name = esc(_clip(entry.member_name, 40)) or _("A member")
        lines.append(f"{number}. {flag}<b>{name}</b>, {_when(entry)}{answered}\n{_what(entry)}")
        label = _("💬 Reply {number}: {name}").format(
            number=number, name=_clip(entry.member_name, 20) or _("member")
        )
        rows.append([InlineKeyboardButton(label, callback_data=_data("r", entry.id))])
    nav = []
    if page.page > 0:
        nav.append(InlineKeyboardButton(_("◀ Newer"), callback_data=_data("p", page.page - 1)))
    if page.page + 1 < page.pages:
        nav.append(InlineKeyboardButton(_("Older ▶"), callback_data=_data("p", page.page + 1)))
    if nav:
        rows.append(nav)
    heading = f"{title} · " + _("page {page} of {pages}").format(
        page=page.page + 1, pages=page.pages
    )
    return Rendered(heading + "\n\n" + "\n\n".join(lines), rows)


def _data(action: str, number: int) -> str:
    return FeedbackPress(action, number).encode()  # type: ignore[arg-type]


def reply_prompt(entry: FeedEntry) -> tuple[str, ForceReply]:
    """Asking a coach to type the answer, as a reply to this message."""
    text = _(
        "✍️ Your reply to <b>{name}</b> about {day}: {what}\n\nType it as a reply to this "
        "message. They will see it as coming from “Coach” and your first name, never your "
        "account."
    ).format(
        name=esc(_clip(entry.member_name, 40)) or _("the member"),
        day=_when(entry),
        what=_what(entry, 200),
    )
    return text, ForceReply(selective=True, input_field_placeholder=_("Your reply"))


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
    member = esc(_clip(view.member_name, 40)) or _("A member")
    reply = [[InlineKeyboardButton(_("💬 Reply"), callback_data=_data("r", entry.id))]]
    if view.text is None:  # an alert about the note itself
        return Rendered(
            _(
                "🚩 <b>{name}</b> left a note that may be about pain or an injury ({day}):\n"
                "{what}\n\nReply to this message (or tap 💬 Reply) to answer them."
            ).format(name=member, day=_when(entry), what=_what(entry, 1500)),
            reply,
        )
    return Rendered(
        _("💬 <b>{name}</b> answered about {day}:").format(name=member, day=_when(entry))
        + f"\n{esc(view.text)}\n\n"
        + _("<i>Reply to this message to answer.</i>"),
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
    return _("📨 Sent to {name}.").format(name=esc(_clip(member_name, 40)) or _("the member"))


def trainer_added(name: str, cohort: str, added: bool) -> str:
    if not added:
        return _("{name} already coaches <b>{cohort}</b>.").format(
            name=esc(name), cohort=esc(cohort)
        )
    return _(
        "✅ {name} now coaches <b>{cohort}</b>: their notes, alerts, /stats, "
        "/feed and /nudge go to them."
    ).format(name=esc(name), cohort=esc(cohort))


def coaches_line(names: list[str]) -> str:
    """Under a cohort's members: who coaches it."""
    if not names:
        return "\n" + _(
            "Coached by every trainer (/cohort &lt;name&gt; trainer @user assigns one)."
        )
    return "\n" + _("Coached by {names}.").format(names=", ".join(esc(_clip(n, 40)) for n in names))


def ask_coach_row(item_id: int) -> list[InlineKeyboardButton]:
    """Under an answer to a question: send the question itself to a coach."""
    return [InlineKeyboardButton(_("📨 Send this to a coach?"), callback_data=_data("y", item_id))]
