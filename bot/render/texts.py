"""Message texts in Telegram HTML. Anything from users or content goes through `esc`."""

from __future__ import annotations

import html

from bot.db.dto import MemberDTO


def esc(text: str) -> str:
    """Escape `<`, `>` and `&` for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def display_name(first_name: str | None, fallback: str = "there") -> str:
    """A member's first name, escaped and kept short, or a friendly fallback."""
    name = (first_name or "").strip()
    if not name:
        return fallback
    if len(name) > 40:
        name = name[:39] + "…"
    return esc(name)


COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Begin, or see your settings again"),
    ("today", "Today's session"),
    ("checkin", "Record today as done (/checkin yesterday to catch up)"),
    ("progress", "Your streak, adherence and a chart"),
    ("history", "Your last 14 days"),
    ("settings", "Program, time zone, session time, pause"),
    ("anatomy", "A muscle: where it is, what it does, what trains it"),
    ("exercise", "How to do an exercise, with easier and harder versions"),
    ("stretch", "Stretches and myofascial release"),
    ("learn", "Read the Defy Gravity series, part by part"),
    ("pause", "Take a break (/pause 7 for a week)"),
    ("resume", "Back from a break"),
    ("mydata", "Everything I store about you"),
    ("forget", "Delete all your data"),
    ("help", "What I can do"),
)

DISCLAIMER = (
    "<i>I am a training companion, not a doctor: if something hurts (sharp, pinching or "
    "unusual pain), stop and check with a health professional.</i>"
)


def welcome(member: MemberDTO, *, first_time: bool) -> str:
    """The greeting for /start."""
    name = display_name(member.first_name)
    if first_time:
        return (
            f"👋 Welcome to <b>Defy Gravity</b>, {name}!\n\n"
            "I coach the Best Body Bootcamp glute series: a short daily session of "
            "release work, stretches and exercises, sent at your own local time. "
            "Tap ✅ when you're done and watch your streak grow.\n\n"
            f"{DISCLAIMER}\n\n"
            "Send /help to see everything I can do."
        )
    return (
        f"👋 Welcome back, {name}! Your data is safe and nothing changed.\n\n"
        "Send /help to see everything I can do."
    )


def help_text() -> str:
    """The command list."""
    lines = ["<b>What I can do</b>", ""]
    lines += [f"/{name} — {esc(description)}" for name, description in COMMANDS]
    lines += [
        "",
        "Type a name after a command, typos welcome: <code>/anatomy glute med</code>, "
        "<code>/exercise hip thrust</code>. In any chat, type <code>@</code> and my "
        "username followed by a muscle or exercise to share its card.",
        "",
        DISCLAIMER,
    ]
    return "\n".join(lines)


def unknown_command(command: str) -> str:
    """Reply to a command we do not know."""
    shown = command if len(command) <= 32 else command[:31] + "…"
    return f"I don't know <code>{esc(shown)}</code>. Send /help to see what I can do."


def not_a_command() -> str:
    """Reply to free text in a private chat when nothing is waiting for an answer."""
    return "I work with commands. Send /help to see them."


def something_went_wrong() -> str:
    """What the user sees when a handler failed; the details go to the log."""
    return (
        "Sorry, something went wrong on my side. Nothing you did caused it; "
        "please try again in a moment."
    )


def stale_button() -> str:
    """A button from an old message, or data we do not recognise."""
    return "That button has expired. Send /help to see what you can do now."
