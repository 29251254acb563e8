"""The daily session message, its buttons, and the end-of-program message."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton

from bot.catalog import Catalog
from bot.render.cards import Rendered, render_program_day
from bot.render.texts import esc
from bot.services.sessions import SessionPlan


def checkin_data(action: str, day: date) -> str:
    """`ci:d:20260302` (done) / `ci:s:20260302` (skip): the date travels with the button."""
    return f"ci:{action}:{day:%Y%m%d}"


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
        rendered.rows.insert(
            0,
            [
                InlineKeyboardButton("✅ Done", callback_data=checkin_data("d", plan.local_date)),
                InlineKeyboardButton("⏭ Skip", callback_data=checkin_data("s", plan.local_date)),
            ],
        )
    return rendered


def render_finished(catalog: Catalog, program_id: str) -> Rendered:
    """Congratulations, and what next."""
    program = catalog.programs[program_id]
    text = (
        f"🎉 <b>You finished {esc(program.name)}!</b>\n\n"
        f"{program.length} days of work for stronger, steadier hips. What next?"
    )
    rows = [[InlineKeyboardButton(f"🔁 Start {program.name} again", callback_data="pg:restart")]]
    for other in catalog.programs.values():
        if other.id != program_id:
            rows.append(
                [InlineKeyboardButton(f"➡️ Switch to {other.name}", callback_data=f"pg:{other.id}")]
            )
    rows.append([InlineKeyboardButton("🛑 Stop daily sessions", callback_data="pg:stop")])
    return Rendered(text, rows)
