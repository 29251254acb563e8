"""The weekly digests and `/digest` as messages."""

from __future__ import annotations

from bot.render.message import esc
from bot.services.digests import MemberDigest, TrainerDigest

DAY_MARKS = {"done": "✅", "skipped": "⏭", "rest": "🌿", None: "▫️"}
MAX_AT_RISK = 10

DIGEST_OFF = "OK: no weekly digest from now on. /digest on brings it back."
DIGEST_ON = "🗓 You'll get a weekly digest on Sundays at your session time. /digest off stops it."
DIGEST_USAGE = "Send /digest on or /digest off."


def digest_status(wanted: bool) -> str:
    if wanted:
        return "🗓 Your weekly digest comes on Sundays at your session time. /digest off stops it."
    return "Your weekly digest is off. /digest on brings it back."


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)} %"


def week_chart(digest: MemberDigest) -> str:
    """A one-line chart of the week: a mark under each day's initial."""
    heads = " ".join(f"{day:%a}"[:2] for day, _ in digest.days)
    marks = " ".join(DAY_MARKS.get(status, "▫️") for _, status in digest.days)
    return f"<code>{heads}</code>\n{marks}"


def member_digest(digest: MemberDigest) -> str:
    name = esc(digest.name[:40]) or "there"
    sessions = "session" if digest.done == 1 else "sessions"
    lines = [
        f"🗓 <b>Your week, {name}</b> ({digest.week:%d %b} to {digest.days[-1][0]:%d %b})",
        "",
        week_chart(digest),
        "",
        f"✅ {digest.done} {sessions} · 🔥 streak {digest.current_streak} · "
        f"adherence {_percent(digest.adherence_7)}",
    ]
    if digest.next_week:
        lines += ["", "<b>Next week</b>", *(esc(line) for line in digest.next_week)]
    lines += ["", "<i>/digest off stops these.</i>"]
    return "\n".join(lines)


def trainer_digest(digest: TrainerDigest) -> str:
    scope = (
        "everyone"
        if digest.scope.cohort_ids is None
        else ", ".join(esc(n) for n in digest.scope.cohort_names)
    )
    lines = [f"🗓 <b>Your coaching week</b> from {digest.week:%d %b} · {scope}", ""]
    lines.append("<b>Adherence (7 days)</b>")
    if digest.cohorts:
        lines += [
            f"• {esc(line.name[:48])}: {_percent(line.adherence_7)} of {line.members} members"
            for line in digest.cohorts
        ]
    else:
        lines.append("• no active members yet")
    if digest.at_risk:
        names = ", ".join(esc(n[:40]) for n in digest.at_risk[:MAX_AT_RISK])
        lines += ["", f"⚠️ <b>At risk</b>: {names} (try /nudge)"]
    lines += [
        "",
        f"🗒 {digest.notes} notes, 🚩 {digest.alerts} pain alerts (see /feed)",
        f"👋 {digest.new_members} new members",
    ]
    return "\n".join(lines)
