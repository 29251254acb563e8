"""The weekly digests and `/digest` as messages."""

from __future__ import annotations

from datetime import date

from bot.catalog import Catalog
from bot.i18n import N_, _, as_label, format_day, lazy, ngettext
from bot.render.message import esc
from bot.services.digests import MemberDigest, TrainerDigest

DAY_MARKS = {"done": "✅", "skipped": "⏭", "rest": "🌿", None: "▫️"}
MAX_AT_RISK = 10

# Short answers, translated when read (the module's __getattr__).
_SHORT = {
    "DIGEST_OFF": N_("OK: no weekly digest from now on. /digest on brings it back."),
    "DIGEST_ON": N_(
        "🗓 You'll get a weekly digest on Sundays at your session time. /digest off stops it."
    ),
    "DIGEST_USAGE": N_("Send /digest on or /digest off."),
}


__getattr__ = lazy(_SHORT)


def digest_status(wanted: bool) -> str:
    if wanted:
        return _(
            "🗓 Your weekly digest comes on Sundays at your session time. /digest off stops it."
        )
    return _("Your weekly digest is off. /digest on brings it back.")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)} %"


def week_chart(digest: MemberDigest) -> str:
    """A one-line chart of the week: a mark under each day's initial."""
    heads = " ".join(format_day(day, "weekday")[:2] for day, _status in digest.days)
    marks = " ".join(DAY_MARKS.get(status, "▫️") for _day, status in digest.days)
    return f"<code>{heads}</code>\n{marks}"


def next_week_line(catalog: Catalog, day: date, program_id: str, number: int) -> str:
    """'Mon: Glute bridge day (Gluteus medius)' from the program in `catalog`."""
    program = catalog.programs.get(program_id)
    plan = next((d for d in program.days if d.day == number), None) if program else None
    if plan is None:
        return format_day(day, "weekday")
    focus = catalog.card(plan.focus) if plan.focus else None
    line = f"{as_label(format_day(day, 'weekday'))} {plan.title}"
    return line + (f" ({focus.name})" if focus else "")


def member_digest(digest: MemberDigest, catalog: Catalog) -> str:
    name = esc(digest.name[:40]) or _("there")
    sessions = ngettext("✅ {count} session", "✅ {count} sessions", digest.done).format(
        count=digest.done
    )
    lines = [
        _("🗓 <b>Your week, {name}</b> ({first} to {last})").format(
            name=name,
            first=format_day(digest.week, "day_month"),
            last=format_day(digest.days[-1][0], "day_month"),
        ),
        "",
        week_chart(digest),
        "",
        sessions
        + " · "
        + _("🔥 streak {count} · adherence {percent}").format(
            count=digest.current_streak, percent=_percent(digest.adherence_7)
        ),
    ]
    if digest.next_week:
        days = [esc(next_week_line(catalog, *entry)) for entry in digest.next_week]
        lines += ["", _("<b>Next week</b>"), *days]
    lines += ["", _("<i>/digest off stops these.</i>")]
    return "\n".join(lines)


def trainer_digest(digest: TrainerDigest) -> str:
    scope = (
        _("everyone")
        if digest.scope.cohort_ids is None
        else ", ".join(esc(n) for n in digest.scope.cohort_names)
    )
    lines = [
        _("🗓 <b>Your coaching week</b> from {day} · {scope}").format(
            day=format_day(digest.week, "day_month"), scope=scope
        ),
        "",
    ]
    lines.append(_("<b>Adherence (7 days)</b>"))
    if digest.cohorts:
        lines += [
            f"• {as_label(esc(line.name[:48]))} "
            + ngettext(
                "{percent} of {count} member", "{percent} of {count} members", line.members
            ).format(percent=_percent(line.adherence_7), count=line.members)
            for line in digest.cohorts
        ]
    else:
        lines.append("• " + _("no active members yet"))
    if digest.at_risk:
        names = ", ".join(esc(n[:40]) for n in digest.at_risk[:MAX_AT_RISK])
        lines += ["", _("⚠️ <b>At risk</b>: {names} (try /nudge)").format(names=names)]
    lines += [
        "",
        "🗒 "
        + ngettext("{count} note", "{count} notes", digest.notes).format(count=digest.notes)
        + ", 🚩 "
        + ngettext(
            "{count} pain alert (see /feed)", "{count} pain alerts (see /feed)", digest.alerts
        ).format(count=digest.alerts),
        "👋 "
        + ngettext("{count} new member", "{count} new members", digest.new_members).format(
            count=digest.new_members
        ),
    ]
    return "\n".join(lines)
