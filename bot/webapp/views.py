"""The JSON the Mini App's pages read: DTOs and content turned into plain data.

Card bodies are the content's small Markdown turned into Telegram HTML
(`render.markdown.to_html`: everything escaped, then <b> and <i> only), so the
page may show them as HTML; every other string is text the page escapes.
Labels and dates are in the language of the request (`bot.i18n`), content
comes from the library of that language; each date shown goes with an ISO
`date` for the page's own use and a `label` (`i18n.format_day`) to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot import i18n
from bot.catalog import Catalog
from bot.catalog.personalise import Profile, Section, personalise
from bot.catalog.schema import AnatomyCard, ExerciseCard, Program, ProgramDay, StretchCard
from bot.i18n import N_, _
from bot.render.cards import format_dose
from bot.render.markdown import to_html
from bot.services.dashboard import MemberPage, RosterPage

SECTIONS: tuple[tuple[Section, str], ...] = (
    ("warmup", N_("Warm-up")),
    ("exercises", N_("Exercises")),
    ("cooldown", N_("Cool-down")),
    ("mobility", N_("Mobility")),
)

# A card's kind as the library shows it (the chat's own words for them).
KINDS: dict[str, str] = {
    "muscle": N_("muscle"),
    "structure": N_("structure"),
    "exercise": N_("exercise"),
    "stretch": N_("stretch"),
    "release": N_("release technique"),
}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def labelled(day: date | None, style: str = "day_month") -> str | None:
    """A date as the page shows it, in the language of the request."""
    return i18n.format_day(day, style) if day is not None else None


def calendar_json(days: Any) -> list[dict[str, Any]]:
    """Calendar days: the ISO date, how it went, and the date to show."""
    return [
        {"date": d.day.isoformat(), "label": labelled(d.day, "short"), "mark": d.mark} for d in days
    ]


def roster_json(page: RosterPage) -> dict[str, Any]:
    return {
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "rows": [
            {
                "id": r.id,
                "name": r.name,
                "username": r.username,
                "cohort": r.cohort,
                "status": r.status,
                "program_day": r.program_day,
                "streak": r.current_streak,
                "adherence_7": r.adherence_7,
                "adherence_30": r.adherence_30,
                "last_checkin": _iso(r.last_checkin),
                "last_checkin_label": labelled(r.last_checkin),
            }
            for r in page.rows
        ],
    }


def member_page_json(
    page: MemberPage, programs: Mapping[str, Program], upcoming: datetime | None
) -> dict[str, Any]:
    member = page.member
    program = programs.get(member.program_id or "")
    progress = page.progress
    return {
        "id": member.id,
        "name": member.first_name,
        "username": member.username,
        "cohort": page.cohort,
        "status": member.status,
        "program": program.name if program else None,
        "timezone": member.timezone,
        "time": member.reminder_time.strftime("%H:%M"),
        "joined": member.created_at.date().isoformat(),
        "next_session": upcoming.isoformat() if upcoming else None,
        "streak": progress.current_streak,
        "longest": progress.longest_streak,
        "done": progress.total_done,
        "adherence_7": progress.adherence_7,
        "adherence_30": progress.adherence_30,
        "calendar": calendar_json(page.days),
        "notes": [
            {
                "date": n.day.isoformat(),
                "label": labelled(n.day),
                "effort": n.effort,
                "text": n.text,
            }
            for n in page.notes
        ],
    }


def day_json(
    catalog: Catalog, day: ProgramDay, profile: Profile | None, mark: str | None, today: bool
) -> dict[str, Any]:
    """One program day as the member does it (their swaps when they answered the
    quick questions), with how it went."""
    sections = []
    if not day.rest:
        personal = personalise(catalog, day, profile) if profile is not None else None
        for name, label in SECTIONS:
            if personal is not None:
                items = [(i.id, format_dose(i.dose)) for i in personal.section(name)]
            else:
                items = [(i.id, format_dose(catalog.dose_of(i))) for i in getattr(day, name)]
            if items:
                sections.append(
                    {
                        "label": _(label),
                        "items": [
                            {"id": card, "name": catalog.name(card), "dose": dose}
                            for card, dose in items
                        ],
                    }
                )
    return {
        "day": day.day,
        "title": day.title,
        "rest": day.rest,
        "focus": catalog.name(day.focus) if day.focus else None,
        "note": day.note,
        "today": today,
        "mark": mark,
        "sections": sections,
    }


def card_json(catalog: Catalog, card_id: str, *, brief: bool) -> dict[str, Any]:
    """A card of the library: its name and kind, and unless `brief` its whole text."""
    card = catalog.card(card_id)
    assert card is not None
    kind = card.kind if isinstance(card, (AnatomyCard, ExerciseCard, StretchCard)) else "card"
    out: dict[str, Any] = {"id": card.id, "name": card.name, "kind": kind}
    kind_label = KINDS.get(kind)
    out["kind_label"] = _(kind_label) if kind_label else ""
    if isinstance(card, AnatomyCard):
        out["summary"] = card.summary
    elif isinstance(card, (ExerciseCard, StretchCard)):
        out["summary"] = format_dose(card.dose)
    if brief:
        return out
    out["html"] = to_html(card.body) if card.body else ""
    if isinstance(card, AnatomyCard):
        out["lists"] = [
            (_("What it does"), list(card.actions)),
            (_("In everyday life"), list(card.everyday)),
            (_("When it is weak"), list(card.when_weak)),
        ]
    elif isinstance(card, (ExerciseCard, StretchCard)):
        out["lists"] = [
            (_("Steps"), list(card.steps)),
            (_("Cues"), list(card.cues)),
            (_("Common mistakes"), list(card.mistakes)),
            (_("Safety"), list(card.safety)),
        ]
    out["lists"] = [{"title": t, "items": items} for t, items in out["lists"] if items]
    return out
