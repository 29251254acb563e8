"""What each outbox row becomes at send time (the member's state then decides)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.catalog import Catalog
from bot.db.dto import OutboxDTO
from bot.db.status import MemberStatus, OutboxKind
from bot.delivery.sender import Composer, Outgoing
from bot.render import groups as group_views
from bot.render.progress import CELEBRATION_EFFECT, celebrate_program, celebrate_streak
from bot.render.session import render_finished_reminder, render_session
from bot.services.groups import GroupService
from bot.services.planner import SessionPlanner


def make_composer(
    planner: SessionPlanner,
    catalog: Catalog,
    groups: GroupService | None = None,
    bot_username: Callable[[], str | None] = lambda: None,
) -> Composer:
    """A composer for the sender, bound to the services it needs."""

    async def compose(row: OutboxDTO) -> Outgoing | None:
        if row.kind == OutboxKind.GROUP:
            return await _group_post(row)
        if row.member_id is None:
            return None
        if row.kind == OutboxKind.REMINDER:
            return await _reminder(row)
        if row.kind == OutboxKind.NOTICE:
            if "program_followup" in row.payload:
                return await _followup(row)
            return _notice(row)
        if not await planner.is_active(row.member_id):
            return None  # stopped, paused or blocked since the broadcast was queued
        text = row.payload.get("text")
        copy_from, copy_id = row.payload.get("copy_from_chat"), row.payload.get("copy_message_id")
        if copy_from is not None and copy_id is not None:
            return Outgoing(copy_from_chat=int(copy_from), copy_message_id=int(copy_id))
        return Outgoing(text=str(text)) if text else None

    async def _group_post(row: OutboxDTO) -> Outgoing | None:
        """A post to a linked group, if the group (and the member named) still want it."""
        what = row.payload.get("group_post")
        if groups is None:
            return None
        if what == "daily":
            post = await groups.daily_post(
                row.group_id, date.fromisoformat(row.payload["local_date"])
            )
            if post is None:
                return None
            rendered = group_views.daily_post(post, bot_username())
            return Outgoing(text=rendered.text, markup=rendered.markup)
        if what == "leaderboard":
            board = await groups.leaderboard(
                row.group_id, date.fromisoformat(row.payload["sunday"])
            )
            return Outgoing(text=group_views.leaderboard(board)) if board is not None else None
        if what == "shoutout":
            name = await groups.shoutout(row.group_id, int(row.payload["member_id"]))
            days = int(row.payload["days"])
            return Outgoing(text=group_views.shoutout(name, days)) if name is not None else None
        return None

    async def _reminder(row: OutboxDTO) -> Outgoing | None:
        assert row.member_id is not None
        plan = await planner.plan_for_member_id(
            row.member_id, date.fromisoformat(row.payload["local_date"])
        )
        if plan is None or plan.member.status != MemberStatus.ACTIVE:
            return None
        if plan.state not in ("training", "rest", "finished"):
            return None
        rendered = render_session(catalog, plan)
        if plan.state == "finished":
            await planner.finish(row.member_id, plan.local_date)
        return Outgoing(text=rendered.text, markup=rendered.markup)

    async def _followup(row: OutboxDTO) -> Outgoing | None:
        """The gentle reminder, only if the member has not chosen anything since."""
        assert row.member_id is not None
        program_id = str(row.payload["program_followup"])
        start = date.fromisoformat(str(row.payload["program_start"]))
        plan = await planner.still_finished(row.member_id, program_id, start)
        if plan is None or program_id not in catalog.programs:
            return None
        rendered = render_finished_reminder(catalog, program_id, start)
        return Outgoing(text=rendered.text, markup=rendered.markup)

    def _notice(row: OutboxDTO) -> Outgoing | None:
        if "milestone" in row.payload:
            text = celebrate_streak(int(row.payload["milestone"]))
        elif "program_complete" in row.payload:
            program = catalog.programs.get(str(row.payload["program_complete"]))
            text = celebrate_program(program.name if program else "your program")
        else:
            return None
        return Outgoing(text=text, effect_id=CELEBRATION_EFFECT)

    return compose
