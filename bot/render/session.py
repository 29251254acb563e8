"""The daily session message, its buttons, and the end-of-program message."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton

from bot.catalog import Catalog
from bot.catalog.schema import Program
from bot.i18n import _, format_day, ngettext
from bot.render import callbacks
from bot.render.cards import render_program_day
from bot.render.message import Rendered, esc
from bot.render.progress import answered_rows, checkin_buttons, recorded_footer
from bot.services.answers import training_profile
from bot.services.checkins import CheckinResult
from bot.services.planner import SessionPlan


def render_session(catalog: Catalog, plan: SessionPlan, *, on_demand: bool = False) -> Rendered:
    """Today's (or a given date's) session for one member."""
    program = catalog.programs.get(plan.program_id or "")
    if plan.state == "not_onboarded" or program is None:
        return Rendered(_("You have no program yet. Send /start to pick one."))
    if plan.state == "paused":
        return Rendered(
            _("⏸ You are on a break: no session today. Send /resume when you are ready.")
        )
    if plan.state == "finished":
        return render_finished(catalog, program.id, plan.member.program_start)
    # The member's own version of the day: swaps for their equipment and conditions.
    profile = training_profile(plan.member)
    if plan.state == "not_started":
        first = program.days[0]
        preview = render_program_day(catalog, program, first, profile)
        assert plan.member.program_start is not None
        starts = format_day(plan.member.program_start, "long")
        preview.text = (
            _("Your program starts on {day}. A preview of day 1:").format(day=starts)
            + "\n\n"
            + preview.text
        )
        return preview
    day = program.days[plan.day - 1]
    rendered = render_program_day(catalog, program, day, profile)
    if plan.state == "training":
        if not on_demand:
            name = esc(plan.member.first_name.strip()[:40]) or _("there")
            greeting = _("👋 Hi {name}, here is today's session.").format(name=name)
            rendered.text = f"{greeting}\n\n{rendered.text}"
        rendered.rows.insert(0, checkin_buttons(plan.local_date))
    return rendered


def render_answered(
    catalog: Catalog, plan: SessionPlan, result: CheckinResult, today: date | None = None
) -> Rendered:
    """The session message once answered: the recorded state and the next buttons
    in place of ✅/⏭, the How-to buttons kept."""
    rendered = render_session(catalog, plan, on_demand=True)
    how_to = [
        row
        for row in rendered.rows
        if not any(str(b.callback_data).startswith(f"{callbacks.CHECKIN}:") for b in row)
    ]
    text = f"{rendered.text}\n\n{recorded_footer(result, today)}"
    return Rendered(text, answered_rows(result) + how_to)


def render_finished(catalog: Catalog, program_id: str, run: date | None) -> Rendered:
    """Congratulations, and what next: the next program of the series, the same
    one again, or a break. `run`: the start of the run that ended."""
    program = catalog.programs[program_id]
    text = (
        _("🎉 <b>You finished {program}!</b>").format(program=esc(program.name))
        + "\n\n"
        + ngettext(
            "{count} day of work for stronger, steadier hips: well done. What comes next?",
            "{count} days of work for stronger, steadier hips: well done. What comes next?",
            program.length,
        ).format(count=program.length)
    )
    return Rendered(text, _what_next(catalog, program, run))


def render_finished_reminder(catalog: Catalog, program_id: str, run: date | None) -> Rendered:
    """The one gentle reminder, a few days after the end, with the same choices."""
    program = catalog.programs[program_id]
    text = _(
        "👋 A few days have passed since you finished {program}. Your sessions "
        "wait until you choose what comes next; a week or two of rest is fine too. "
        "This is my only reminder."
    ).format(program=esc(program.name))
    return Rendered(text, _what_next(catalog, program, run))


def _what_next(
    catalog: Catalog, program: Program, run: date | None
) -> list[list[InlineKeyboardButton]]:
    rows = []
    following = catalog.next_program(program.id)
    if following is not None:
        rows.append(
            [_after(_("➡️ Next: {program}").format(program=following.name), following.id, run)]
        )
    rows.append([_after(_("🔁 Repeat {program}").format(program=program.name), "restart", run)])
    rows.append([_after(_("⏸ Take a break"), "pause", run)])
    return rows


def _after(label: str, choice: str, run: date | None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.AfterProgram(choice, run).encode())
