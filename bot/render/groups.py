"""Texts and buttons of the community groups: /group, the posts, the opt-ins.

Nothing here names a member unless the service says they opted in: the
leaderboard and shout-outs get only first names, escaped and kept short.
"""

from __future__ import annotations

from datetime import date, time

from telegram import InlineKeyboardButton

from bot import i18n
from bot.db.dto import GroupDTO
from bot.i18n import N_, _, format_day, lazy, ngettext, pgettext
from bot.render.callbacks import GroupPress
from bot.render.language import language_rows
from bot.render.message import Rendered, esc
from bot.render.texts import display_name
from bot.services.groups import BOARD_TIME, DailyPost, Leaderboard, OptIns

Button = InlineKeyboardButton
TIME_CHOICES = (time(6, 0), time(7, 0), time(8, 0), time(12, 0), time(18, 0), time(20, 0))

# One a day, picked by the date: the same line for the whole day, a new one tomorrow.
MOTIVATION = (
    N_("Ten minutes done beats an hour planned."),
    N_("Strong hips carry you through everything else: stairs, runs, long days at a desk."),
    N_("Show up, do the work, tap ✅. That is the whole secret."),
    N_("Small sessions, every day, add up to a body that feels capable."),
    N_("Move slowly, feel the muscle, keep the form honest."),
    N_("A streak is just today, repeated. Make today count."),
    N_("Glutes do not wake up overnight, but they do wake up. Keep going."),
    N_("Tired? Do the warm-up. Most days the rest follows."),
)

# Short answers, translated when read (the module's __getattr__): in a group,
# the language of the moment is the group's.
_SHORT = {
    "GROUP_USAGE": N_(
        "👥 <b>Community group</b>\n"
        "/group link — link this group to the bootcamp (admins)\n"
        "/group settings — the daily post, leaderboard and shout-outs\n"
        "/group time 07:00 · /group zone Europe/Berlin — when the daily post goes\n"
        "/group cohort &lt;name&gt; (or none) — tie the group to a cohort\n"
        "/language — the language I write in here\n"
        "/group unlink — stop posting here"
    ),
    "GROUP_IN_PRIVATE": N_(
        "That one works in a group: add me to the bootcamp's group, then send "
        "<code>/group link</code> there."
    ),
    "NOT_LINKED": N_("This group is not linked yet. An admin can send /group link here."),
    "NOT_LINKED_BUTTON": N_("This group is not linked any more. An admin can send /group link."),
    "UNLINKED": N_("👋 Unlinked. I will not post here any more; /group link brings me back."),
    "TIME_USAGE": N_("Send the time like this: <code>/group time 07:30</code>."),
    "ZONE_USAGE": N_("Send the zone like this: <code>/group zone Europe/Berlin</code>."),
    "COHORT_USAGE": N_(
        "Send the cohort like this: <code>/group cohort Spring 2026</code>, or none."
    ),
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
    """The state of a setting that is on or off, in the language of the moment."""
    return pgettext("a setting", "on ✅") if on else pgettext("a setting", "off")


def settings_panel(group: GroupDTO, cohort_name: str | None) -> Rendered:
    """The state of a linked group with a button for each setting."""
    scope = (
        _("the cohort <b>{cohort}</b>").format(cohort=esc(cohort_name))
        if cohort_name
        else _("everyone")
    )
    language = esc(i18n.name_of(group.language))
    text = _(
        "👥 <b>{title}</b> is linked.\n"
        "• Daily post: {daily}, at {time} ({zone})\n"
        "• Weekly leaderboard (Sunday {board_time}): {board}\n"
        "• Milestone shout-outs: {shouts}\n"
        "• Members: {scope}\n"
        "• Language: {language}\n\n"
        "Only members who opted in (/leaderboard on, /shoutouts on in my private chat) "
        "are ever named here."
    ).format(
        title=esc(group.title[:60]) or _("This group"),
        daily=_switch(group.daily_enabled),
        time=f"{group.daily_time:%H:%M}",
        zone=esc(group.timezone),
        board_time=f"{BOARD_TIME:%H:%M}",
        board=_switch(group.leaderboard_enabled),
        shouts=_switch(group.shoutouts_enabled),
        scope=scope,
        language=language,
    )
    times = [
        Button(
            f"{'• ' if at == group.daily_time else ''}{at:%H:%M}",
            callback_data=GroupPress("t", at).encode(),
        )
        for at in TIME_CHOICES
    ]
    cohort = cohort_name[:24] if cohort_name else _("everyone")
    rows = [
        [
            Button(
                _("Daily post: {state}").format(state=_switch(group.daily_enabled)),
                callback_data=GroupPress("d").encode(),
            )
        ],
        times[:3],
        times[3:],
        [
            Button(
                _("Leaderboard: {state}").format(state=_switch(group.leaderboard_enabled)),
                callback_data=GroupPress("l").encode(),
            ),
            Button(
                _("Shout-outs: {state}").format(state=_switch(group.shoutouts_enabled)),
                callback_data=GroupPress("s").encode(),
            ),
        ],
        [
            Button(
                _("Cohort: {cohort} ▸").format(cohort=cohort),
                callback_data=GroupPress("c").encode(),
            )
        ],
        [
            Button(
                _("🌐 Language: {language} ▸").format(language=i18n.name_of(group.language)),
                callback_data=GroupPress("g").encode(),
            )
        ],
    ]
    return Rendered(text, rows)


def linked(group: GroupDTO, created: bool, cohort_name: str | None) -> Rendered:
    panel = settings_panel(group, cohort_name)
    head = _("✅ Linked! ") if created else _("This group was linked already. ")
    return Rendered(head + panel.text, panel.rows)


def group_language_picker(current: str) -> Rendered:
    """/language in a linked group: the language of the group, one button per language."""
    text = _("🌐 I write in <b>{language}</b> in this group. Pick another language:").format(
        language=esc(i18n.name_of(current))
    )
    return Rendered(text, language_rows(current))


def group_language_set() -> Rendered:
    """The group's language changed (said in the new language)."""
    return Rendered(
        _(
            "🌐 Done: from now on I write in <b>{language}</b> in this group: the daily "
            "post, the leaderboard, the shout-outs and my answers. Each member keeps their "
            "own language in our private chat."
        ).format(language=esc(i18n.name_of(i18n.current())))
    )


def _today_button(bot_username: str | None) -> list[list[InlineKeyboardButton]]:
    if not bot_username:
        return []
    return [[Button(_("▶ Open today's session"), url=f"https://t.me/{bot_username}?start=today")]]


def motivation(day: date) -> str:
    return _(MOTIVATION[day.toordinal() % len(MOTIVATION)])


def daily_post(post: DailyPost, bot_username: str | None) -> Rendered:
    """The day's theme and focus, one motivating line, and the way to the session."""
    lines = []
    if post.day is not None and post.day_number is not None and post.program_name:
        title = _("Day {number} of {program}: {title}").format(
            number=post.day_number, program=esc(post.program_name), title=esc(post.day.title)
        )
        if post.day.rest:
            lines.append(f"🌿 <b>{title}</b>")
            lines.append(_("A lighter day: mobility and release work, no heavy lifting."))
        else:
            lines.append(f"☀️ <b>{title}</b>")
            if post.focus_name:
                lines.append(_("Focus muscle: <b>{muscle}</b>").format(muscle=esc(post.focus_name)))
    else:
        lines.append(
            _("☀️ <b>A new bootcamp day, {day}</b>").format(day=format_day(post.local_date, "long"))
        )
    lines += ["", f"<i>{esc(motivation(post.local_date))}</i>", ""]
    lines.append(_("Your own session, fitted to you, is one tap away in our private chat."))
    return Rendered("\n".join(lines), _today_button(bot_username))


def leaderboard(board: Leaderboard) -> str:
    """Only members who opted in appear; nobody is listed with nothing to show."""
    lines = [
        _("🏆 <b>This week at the bootcamp</b> ({first} to {last})").format(
            first=format_day(board.first, "day_month"), last=format_day(board.last, "day_month")
        )
    ]
    anyone = _("A member")
    if board.sessions:
        lines += ["", _("<b>Most sessions</b>")]
        lines += [
            f"{_place(i)} {display_name(name, anyone)} — {count}"
            for i, (name, count) in enumerate(board.sessions)
        ]
    if board.streaks:
        lines += ["", _("<b>Longest current streaks</b>")]
        lines += [
            f"{_place(i)} {display_name(name, anyone)} — "
            + ngettext("{count} day", "{count} days", days).format(count=days)
            for i, (name, days) in enumerate(board.streaks)
        ]
    if not board.sessions and not board.streaks:
        lines += ["", _("Nobody on the board yet this week.")]
    lines += [
        "",
        _("Want to be on it? Send /leaderboard on to me in private. It is off unless you say so."),
    ]
    return "\n".join(lines)


def _place(index: int) -> str:
    return ("🥇", "🥈", "🥉")[index] if index < 3 else f"{index + 1}."


def shoutout(first_name: str, days: int) -> str:
    name = display_name(first_name, _("A member"))
    return ngettext(
        "🎉 <b>{name}</b> just reached a {count}-day streak! Give them a cheer 👏",
        "🎉 <b>{name}</b> just reached a {count}-day streak! Give them a cheer 👏",
        days,
    ).format(name=name, count=days)


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
