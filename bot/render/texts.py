"""Message texts in Telegram HTML. Anything from users or content goes through `esc`."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.i18n import N_, _, lazy
from bot.render.message import Rendered, esc


def display_name(first_name: str | None, fallback: str | None = None) -> str:
    """A member's first name, escaped and kept short, or a friendly fallback."""
    name = (first_name or "").strip()
    if not name:
        return fallback if fallback is not None else _("there")
    if len(name) > 40:
        name = name[:39] + "…"
    return esc(name)


COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Begin, or see your settings again")),
    ("today", N_("Today's session")),
    ("checkin", N_("Record today as done (/checkin yesterday to catch up)")),
    ("progress", N_("Your streak, adherence and a chart")),
    ("history", N_("Your last 14 days")),
    ("settings", N_("Program, time zone, session time, pause")),
    ("anatomy", N_("A muscle: where it is, what it does, what trains it")),
    ("exercise", N_("How to do an exercise, with easier and harder versions")),
    ("stretch", N_("Stretches and myofascial release")),
    ("learn", N_("Read the Defy Gravity series, part by part")),
    ("pause", N_("Take a break (/pause 7 for a week)")),
    ("resume", N_("Back from a break")),
    ("digest", N_("Your weekly digest on Sundays (/digest off stops it)")),
    ("leaderboard", N_("Appear on the group's weekly leaderboard (on or off)")),
    ("shoutouts", N_("Have your streak milestones cheered in the group (on or off)")),
    ("mydata", N_("Everything I store about you")),
    ("forget", N_("Delete all your data")),
    ("language", N_("Choose the language I speak to you")),
    ("help", N_("What I can do")),
)


def disclaimer() -> str:
    """The line that says the bot is no doctor."""
    return _(
        "<i>I am a training companion, not a doctor: if something hurts (sharp, pinching or "
        "unusual pain), stop and check with a health professional.</i>"
    )


def help_text() -> str:
    """The command list."""
    lines = [_("<b>What I can do</b>"), ""]
    lines += [f"/{name} — {esc(_(description))}" for name, description in COMMANDS]
    lines += [
        "",
        _(
            "Type a name after a command, typos welcome: <code>/anatomy glute med</code>, "
            "<code>/exercise hip thrust</code>. In any chat, type <code>@</code> and my "
            "username followed by a muscle or exercise to share its card."
        ),
        "",
        disclaimer(),
    ]
    return "\n".join(lines)


# /start's deep link from the inline hint: the tips, not a cohort's invite code.
DEEP_LINK_HELP = "help"


def inline_no_match(query: str) -> str:
    """The button above an empty inline answer (plain text, at most 64 characters)."""
    shown = query if len(query) <= 20 else query[:19] + "…"
    return _("No card for “{query}”: tap for tips").format(query=shown)[:64]


def unknown_command(command: str) -> str:
    """Reply to a command we do not know."""
    shown = command if len(command) <= 32 else command[:31] + "…"
    return _("I don't know <code>{command}</code>. Send /help to see what I can do.").format(
        command=esc(shown)
    )


def free_text() -> str:
    """Reply to free text in a private chat that is no question about the series."""
    return _(
        "Ask me about a muscle or a move, like “what does the gluteus medius do?” or "
        "“how do I do a hip thrust?”. Send /help for everything else."
    )


def something_went_wrong() -> str:
    """What the user sees when a handler failed; the details go to the log."""
    return _(
        "Sorry, something went wrong on my side. Nothing you did caused it; "
        "please try again in a moment."
    )


def stale_button() -> str:
    """A button from an old message, or data we do not recognise."""
    return _("That button has expired. Send /help to see what you can do now.")


# Short answers used in many places, translated when read (`texts.NOT_STARTED`
# is looked up through the module's __getattr__ in the language of the moment).
_SHORT: dict[str, str] = {
    "NOT_STARTED": N_("We have not met yet: send /start and I will set you up in a minute."),
    "NO_PROGRAM": N_("Send /start first and pick a program."),
    "START_FIRST": N_("Send /start first, then tap again."),
    "TRAINERS_ONLY": N_("That command is for trainers. Send /help to see yours."),
    "ADMINS_ONLY": N_("Only admins can do that."),
    "STAFF_IN_PRIVATE": N_("Let's do that in our private chat, so members don't see the drafts."),
    "START_AGAIN": N_("Send /start to begin again."),
    "INLINE_TIPS": N_(
        "💡 <b>Sharing a card</b>: in any chat type <code>@</code>, my username and a muscle, "
        "an exercise or a stretch, like <i>glute med</i>, <i>hip thrust</i> or <i>pigeon</i>. "
        "Typos are fine; /anatomy, /exercise and /stretch list them all."
    ),
}


__getattr__ = lazy(_SHORT)


def private_only(bot_username: str | None) -> Rendered:
    """In a group: personal things live in the private chat."""
    rows = []
    if bot_username:
        rows = [
            [
                InlineKeyboardButton(
                    _("💬 Open my private chat"), url=f"https://t.me/{bot_username}?start=settings"
                )
            ]
        ]
    return Rendered(_("That one is personal: let's do it in our private chat."), rows)


def members_data_private(bot_username: str | None) -> Rendered:
    """In a group: a command that shows member data answers only in private."""
    rows = []
    if bot_username:
        rows = [
            [InlineKeyboardButton(_("🔒 Open my private chat"), url=f"https://t.me/{bot_username}")]
        ]
    return Rendered(
        _(
            "That shows members' data, so I only answer it in our private chat. "
            "Send it to me there."
        ),
        rows,
    )
