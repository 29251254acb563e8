"""Texts and buttons of the community groups: /group, the posts, the opt-ins.

Nothing here names a member unless the service says they opted in: the
leaderboard and shout-outs get only first names, escaped and kept short.
"""

from __future__ import annotations

from datetime import date, time

from telegram import InlineKeyboardButton

from bot.db.dto import GroupDTO
from bot.i18n import N_, _, lazy
from bot.render.callbacks import GroupPress
from bot.render.message import Rendered, esc
from bot.render.texts import display_name
from bot.services.groups import DailyPost, Leaderboard, OptIns

Button = InlineKeyboardButton
TIME_CHOICES = (time(6, 0), time(7, 0), time(8, 0), time(12, 0), time(18, 0), time(20, 0))

# One a day, picked by the date: the same line for the whole day, a new one tomorrow.
MOTIVATION = (
    "Ten minutes done beats an hour planned.",
    "Strong hips carry you through everything else: stairs, runs, long days at a desk.",
    "Show up, do the work, tap ✅. That is the whole secret.",
    "Small sessions, every day, add up to a body that feels capable.",
    "Move slowly, feel the muscle, keep the form honest.",
    "A streak is just today, repeated. Make today count.",
    "Glutes do not wake up overnight, but they do wake up. Keep going.",
    "Tired? Do the warm-up. Most days the rest follows.",
)

GROUP_USAGE = (
    "👥 <b>Community group</b>\n"
    "/group link — link this group to the bootcamp (admins)\n"
    "/group settings — the daily post, leaderboard and shout-outs\n"
    "/group time 07:00 · /group zone Europe/Berlin — when the daily post goes\n"
    "/group cohort &lt;name&gt; (or none) — tie the group to a cohort\n"
    "/group unlink — stop posting here"
)
GROUP_IN_PRIVATE = (
    "That one works in a group: add me to the bootcamp's group, then send "
    "<code>/group link</code> there."
)
NOT_LINKED = "This group is not linked yet. An admin can send /group link here."
NOT_LINKED_BUTTON = "This group is not linked any more. An admin can send /group link."
UNLINKED = "👋 Unlinked. I will not post here any more; /group link brings me back."
TIME_USAGE = "Send the time like this: <code>/group time 07:30</code>."
ZONE_USAGE = "Send the zone like this: <code>/group zone Europe/Berlin</code>."
COHORT_USAGE = "Send the cohort like this: <code>/group cohort Spring 2026</code>, or none."
# What members are told, translated when read (the module's __getattr__).
_SHORT = {
    "LEADERBOARD_USAGE": N_(
        "Send <code>/leaderboard on</code> to appear on the weekly leaderboard of the "
        "bootcamp's group, or <code>/leaderboard off</code>."
    ),
    "SHOUTOUTS_USAGE": N_(
        "Send <code>/shoutouts on</code> to have your streak milestones cheered in the "
        "bootcamp's group, or <code>/shoutouts off</code>."
    ),
}


__getattr__ = lazy(_SHORT)


def _switch(on: bool) -> str:
    return "on ✅" if on else "off"


def settings_panel(group: GroupDTO, cohort_name: str | None) -> Rendered:
    """The state of a linked group with a button for each setting."""
    scope = f"the cohort <b>{esc(cohort_name)}</b>" if cohort_name else "everyone"
    text = (
        f"👥 <b>{esc(group.title[:60]) or 'This group'}</b> is linked.\n"
        f"• Daily post: {_switch(group.daily_enabled)}, at {group.daily_time:%H:%M} "
        f"({esc(group.timezone)})\n"
        f"• Weekly leaderboard (Sunday {18:02d}:00): {_switch(group.leaderboard_enabled)}\n"
        f"• Milestone shout-outs: {_switch(group.shoutouts_enabled)}\n"
        f"• Members: {scope}\n\n"
        "Only members who opted in (/leaderboard on, /shoutouts on in my private chat) "
        "are ever named here."
    )
    times = [
        Button(
            f"{'• ' if at == group.daily_time else ''}{at:%H:%M}",
            callback_data=GroupPress("t", at).encode(),
        )
        for at in TIME_CHOICES
    ]
    rows = [
        [
            Button(
                f"Daily post: {_switch(group.daily_enabled)}",
                callback_data=GroupPress("d").encode(),
            )
        ],
        times[:3],
        times[3:],
        [
            Button(
                f"Leaderboard: {_switch(group.leaderboard_enabled)}",
                callback_data=GroupPress("l").encode(),
            ),
            Button(
                f"Shout-outs: {_switch(group.shoutouts_enabled)}",
                callback_data=GroupPress("s").encode(),
            ),
        ],
        [
            Button(
                f"Cohort: {cohort_name[:24] if cohort_name else 'everyone'} ▸",
                callback_data=GroupPress("c").encode(),
            )
        ],
    ]
    return Rendered(text, rows)


def linked(group: GroupDTO, created: bool, cohort_name: str | None) -> Rendered:
    panel = settings_panel(group, cohort_name)
    head = "✅ Linked! " if created else "This group was linked already. "
    return Rendered(head + panel.text, panel.rows)


def _today_button(bot_username: str | None) -> list[list[InlineKeyboardButton]]:
    if not bot_username:
        return []
    return [[Button("▶ Open today's session", url=f"https://t.me/{bot_username}?start=today")]]


def motivation(day: date) -> str:
    return MOTIVATION[day.toordinal() % len(MOTIVATION)]


def daily_post(post: DailyPost, bot_username: str | None) -> Rendered:
    """The day's theme and focus, one motivating line, and the way to the session."""
    lines = []
    if post.day is not None and post.day_number is not None and post.program_name:
        where = f"Day {post.day_number} of {esc(post.program_name)}"
        if post.day.rest:
            lines.append(f"🌿 <b>{where}: {esc(post.day.title)}</b>")
            lines.append("A lighter day: mobility and release work, no heavy lifting.")
        else:
            lines.append(f"☀️ <b>{where}: {esc(post.day.title)}</b>")
            if post.focus_name:
                lines.append(f"Focus muscle: <b>{esc(post.focus_name)}</b>")
    else:
        lines.append(f"☀️ <b>A new bootcamp day, {post.local_date:%A %d %B}</b>")
    lines += ["", f"<i>{esc(motivation(post.local_date))}</i>", ""]
    lines.append("Your own session, fitted to you, is one tap away in our private chat.")
    return Rendered("\n".join(lines), _today_button(bot_username))


def leaderboard(board: Leaderboard) -> str:
    """Only members who opted in appear; nobody is listed with nothing to show."""
    lines = [f"🏆 <b>This week at the bootcamp</b> ({board.first:%d %b} to {board.last:%d %b})"]
    if board.sessions:
        lines += ["", "<b>Most sessions</b>"]
        lines += [
            f"{_place(i)} {display_name(name, 'A member')} — {count}"
            for i, (name, count) in enumerate(board.sessions)
        ]
    if board.streaks:
        lines += ["", "<b>Longest current streaks</b>"]
        lines += [
            f"{_place(i)} {display_name(name, 'A member')} — {days} days"
            for i, (name, days) in enumerate(board.streaks)
        ]
    if not board.sessions and not board.streaks:
        lines += ["", "Nobody on the board yet this week."]
    lines += [
        "",
        "Want to be on it? Send /leaderboard on to me in private. It is off unless you say so.",
    ]
    return "\n".join(lines)


def _place(index: int) -> str:
    return ("🥇", "🥈", "🥉")[index] if index < 3 else f"{index + 1}."


def shoutout(first_name: str, days: int) -> str:
    name = display_name(first_name, "A member")
    return f"🎉 <b>{name}</b> just reached a {days}-day streak! Give them a cheer 👏"


def opt_ins(choices: OptIns) -> str:
    return _(
        "<b>The bootcamp's group</b>\n"
        "• Weekly leaderboard: {board} (/leaderboard {board_switch})\n"
        "• Milestone shout-outs: {shouts} (/shoutouts {shouts_switch})\n"
        "Nothing else about you is ever posted there."
    ).format(
        board=_switch(choices.leaderboard),
        board_switch="off" if choices.leaderboard else "on",
        shouts=_switch(choices.shoutouts),
        shouts_switch="off" if choices.shoutouts else "on",
    )


def leaderboard_changed(on: bool) -> str:
    if on:
        return _(
            "🏆 You are on the weekly leaderboard from now on: your first name, sessions "
            "this week and current streak. /leaderboard off takes you off."
        )
    return _("Done: you are off the leaderboard. Nothing about you appears on it.")


def shoutouts_changed(on: bool) -> str:
    if on:
        return _(
            "🎉 Your streak milestones (3, 7, 14, 21, 28 days) will be cheered in the "
            "group, with your first name. /shoutouts off stops it."
        )
    return _("Done: no shout-outs for you in the group.")
