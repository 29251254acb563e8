"""The daily session message, its buttons, and the end-of-program message."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton

from bot.catalog import Catalog
from bot.render import callbacks
from bot.render.cards import render_program_day
from bot.render.message import Rendered, esc
from bot.render.progress import answered_rows, checkin_buttons, recorded_footer
from bot.services.checkins import CheckinResult
from bot.services.planner import SessionPlan


def render_session(catalog: Catalog, plan: SessionPlan, *, on_demand: bool = False) -> Rendered:
    """Today's (or a given date's) session for one member."""
    program = catalog.programs.get(plan.program_id or "")
    if plan.state == "not_onboarded" or program is None:
        return Rendered("You have no program yet. Send /start to pick one.")
    if plan.state == "paused":
        return Rendered("⏸ You are on a break: no session today. Send /resume when you are ready.")
    if plan.state == "finished":
        return render_finished(catalog, program.id)
    if plan.state == "not_started":
        first = program.days[0]
        preview = render_program_day(catalog, program, first)
        preview.text = (
            f"Your program starts on {plan.member.program_start:%A %d %B}. A preview of day 1:\n\n"
            + preview.text
        )
        return preview
    day = program.days[plan.day - 1]
    rendered = render_program_day(catalog, program, day)
    if plan.state == "training":
        if not on_demand:
            name = esc(plan.member.first_name.strip()[:40]) or "there"
            rendered.text = f"👋 Hi {name}, here is today's session.\n\n{rendered.text}"
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


def render_finished(catalog: Catalog, program_id: str) -> Rendered:
    """Congratulations, and what next."""
    program = catalog.programs[program_id]
    text = (
        f"🎉 <b>You finished {esc(program.name)}!</b>\n\n"
        f"{program.length} days of work for stronger, steadier hips. What next?"
    )
    rows = [[_after(f"🔁 Start {program.name} again", "restart")]]
    for other in catalog.programs.values():
        if other.id != program_id:
            rows.append([_after(f"➡️ Switch to {other.name}", other.id)])
    rows.append([_after("🛑 Stop daily sessions", "stop")])
    return Rendered(text, rows)


def _after(label: str, choice: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.AfterProgram(choice).encode())
