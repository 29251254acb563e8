"""Texts and buttons of the trainer tools."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton

from bot.db.status import BroadcastStatus, Role
from bot.i18n import N_, ngettext
from bot.render.callbacks import BroadcastPress
from bot.render.message import Rendered, esc
from bot.services.broadcasts import INACTIVE_CHOICES, BroadcastView
from bot.services.staff import CohortInfo
from bot.services.stats import CommunityStats

TRAINER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("broadcast", N_("Message all members or a cohort (reply to a message, or add text)")),
    ("broadcasts", N_("Scheduled and running broadcasts")),
    ("nudge", N_("Remind members inactive for N days (default 3)")),
    ("stats", N_("Adherence, streaks and members at risk")),
    ("feed", N_("Members' notes, hard efforts and questions, to answer")),
    ("roster", N_("Everyone as a CSV file")),
    ("cohort", N_("Cohorts with invite links; /cohort <name> trainer @user")),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("promote", N_("Make someone a trainer (id, @username or reply)")),
    ("demote", N_("Make a trainer a member again")),
    ("group", N_("Link the bootcamp's group: send /group link there")),
)


Button = InlineKeyboardButton


def members_count(count: int, *, bold: bool = False) -> str:
    """'1 member', '3 members', '<b>1</b> member'."""
    number = f"<b>{count}</b>" if bold else str(count)
    return ngettext("{number} member", "{number} members", count).format(number=number)


def roster_caption(count: int) -> str:
    return f"📋 Roster · {members_count(count)} (column onboarded: no means no program yet)"


def invite_link(bot_username: str | None, code: str) -> str:
    return f"https://t.me/{bot_username or 'your_bot'}?start={code}"


def cohort_created(cohort: CohortInfo, bot_username: str | None) -> str:
    return (
        f"👥 Cohort <b>{esc(cohort.name)}</b> created.\n"
        f"Invite link: {esc(invite_link(bot_username, cohort.code))}\n"
        "Everyone who starts the bot through it joins this cohort."
    )


def cohort_list(cohorts: list[CohortInfo], bot_username: str | None) -> str:
    if not cohorts:
        return "No cohorts yet. Create one: /cohort new Spring 2026"
    lines = ["👥 <b>Cohorts</b>"]
    for cohort in cohorts:
        lines.append(
            f"• <b>{esc(cohort.name)}</b>: {members_count(cohort.members)} · "
            f"{esc(invite_link(bot_username, cohort.code))}"
        )
    return "\n".join(lines)


def cohort_members(cohort: CohortInfo, names: list[str]) -> str:
    lines = [f"👥 <b>{esc(cohort.name)}</b> · {members_count(len(names))}"]
    shown = names[:60]
    lines += [f"• {esc(name)}" for name in shown]
    if len(names) > len(shown):
        lines.append(f"… and {len(names) - len(shown)} more (see /roster)")
    return "\n".join(lines)


def _press(label: str, action: str, broadcast_id: int, audience: str | None = None) -> Button:
    press = BroadcastPress(action, broadcast_id, audience)  # type: ignore[arg-type]
    return InlineKeyboardButton(label, callback_data=press.encode())


def audience_question(
    broadcast_id: int, counts: dict[str, int] | None, cohorts: list[tuple[int, str]]
) -> Rendered:
    """The audience buttons; `counts` None while they are still being counted."""

    def size(token: str) -> str:
        return COUNTING if counts is None else str(counts.get(token, 0))

    rows = [[_press(f"📣 Everyone active ({size('all')})", "a", broadcast_id, "all")]]
    for cohort_id, name in cohorts[:20]:
        token = f"c{cohort_id}"
        rows.append([_press(f"👥 {name[:30]} ({size(token)})", "a", broadcast_id, token)])
    rows.append(
        [
            _press(f"💤 {days}+ days ({size(f'i{days}')})", "a", broadcast_id, f"i{days}")
            for days in INACTIVE_CHOICES
        ]
    )
    rows.append([_press(f"⏳ Not checked in today ({size('t')})", "a", broadcast_id, "t")])
    rows.append([_press("✖️ Cancel", "x", broadcast_id)])
    return Rendered("👆 That is the exact copy members will get. Who should receive it?", rows)


# Telegram's price for allow_paid_broadcast, in Stars per message above the free limit.
PAID_STARS_PER_MESSAGE = 0.1
FREE_RATE = 30


def paid_note(count: int, paid_rate: float) -> str:
    """What a paid broadcast costs, said before the trainer confirms it."""
    stars = count * PAID_STARS_PER_MESSAGE
    return (
        f"\n\n⭐ <b>Paid broadcast</b>: it goes out at up to {paid_rate:g} messages/s. "
        f"Telegram charges {PAID_STARS_PER_MESSAGE:g} Stars for each message above the "
        f"free {FREE_RATE}/s, from the bot's Stars balance: at most about {stars:,.0f} Stars "
        f"for these {members_count(count)}."
    )


def confirm(broadcast_id: int, count: int, when: str | None, paid_rate: float = 0.0) -> Rendered:
    if count == 0:
        return Rendered("Nobody matches that audience right now. Pick another one, or cancel.")
    timing = f" on {when}" if when else " now"
    verb = "Schedule" if when else "Send"
    rows = [
        [_press(f"📣 {verb} to {count}", "go", broadcast_id), _press("✖️ Cancel", "x", broadcast_id)]
    ]
    text = f"Send this to {members_count(count, bold=True)}{timing}?"
    if paid_rate > 0:
        text += paid_note(count, paid_rate)
    return Rendered(text, rows)


def local_time(instant: datetime | None, zone: str) -> str | None:
    if instant is None:
        return None
    return f"{instant.astimezone(ZoneInfo(zone)):%a %d %b %Y %H:%M} ({zone})"


STATES: dict[str, str] = {
    BroadcastStatus.SENDING: "sending",
    BroadcastStatus.QUEUEING: "preparing",
    BroadcastStatus.DONE: "done ✅",
    BroadcastStatus.CANCELLED: "cancelled ✖️",
    BroadcastStatus.SCHEDULED: "scheduled",
}


def bar(done: int, total: int, width: int = 12) -> str:
    filled = round(width * done / total) if total else width
    return "▓" * filled + "░" * (width - filled)


def duration(seconds: float) -> str:
    """A short human duration: 40 s, 7 min, 2 h 5 min."""
    seconds = max(1, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def pace_line(view: BroadcastView, now: datetime, rate: float) -> str | None:
    """The real sending rate and the time left at it; the configured rate until
    there is enough to measure."""
    if view.finished or not view.remaining:
        return None
    handled = view.total - view.remaining
    elapsed = (now - view.started_at).total_seconds() if view.started_at else 0.0
    if handled >= 20 and elapsed >= 3:
        observed = handled / elapsed
        return f"sending {observed:.1f}/s · about {duration(view.remaining / observed)} left"
    return f"about {duration(view.remaining / rate)} left at up to {rate:g}/s"


def progress(view: BroadcastView, now: datetime, rate: float) -> Rendered:
    """The trainer's live progress message."""
    handled = view.total - view.remaining
    percent = round(100 * handled / view.total) if view.total else 100
    label = "Nudge" if view.kind == "nudge" else "Broadcast"
    state = STATES.get(view.status, view.status)
    lines = [
        f"📣 <b>{label} #{view.id}</b> · {state}",
        f"{bar(handled, view.total)} {percent}%",
        f"sent {view.sent} · failed {view.failed} · blocked {view.blocked}"
        f" · remaining {view.remaining}",
    ]
    if view.cancelled:
        lines[-1] += f" · cancelled {view.cancelled}"
    if view.uncertain:
        lines.append(f"{view.uncertain} timed out (Telegram may have delivered them)")
    if (pace := pace_line(view, now, rate)) is not None:
        lines.append(pace)
    if view.status == BroadcastStatus.DONE:
        lines.append(f"Reached {view.sent} of {members_count(view.total)}.")
    rows = []
    if not view.finished:
        rows = [[_press("✖️ Cancel the rest", "x", view.id)]]
    return Rendered("\n".join(lines), rows)


def active_list(views: list[BroadcastView], zone: str) -> Rendered:
    if not views:
        return Rendered("No broadcasts are scheduled or running.")
    lines = ["📣 <b>Broadcasts</b>"]
    rows = []
    for view in views:
        when = local_time(view.scheduled_at, zone) if view.status == "scheduled" else None
        detail = f"for {when}" if when else f"{view.sent}/{view.total} sent"
        lines.append(f"• #{view.id} · {view.status} · {esc(detail)}")
        rows.append([_press(f"✖️ Cancel #{view.id}", "x", view.id)])
    return Rendered("\n".join(lines), rows)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def stats_caption(stats: CommunityStats) -> str:
    status = stats.by_status
    lines = [
        f"📊 <b>Stats · {esc(stats.scope)}</b>",
        f"Members: {status.get('active', 0)} active · {status.get('paused', 0)} paused · "
        f"{status.get('blocked', 0)} blocked · {status.get('left', 0)} stopped",
        f"Checked in today: {stats.checked_in_today}",
        f"Adherence: 7 days {_percent(stats.adherence_7)} · 30 days {_percent(stats.adherence_30)}",
    ]
    if stats.top_streaks:
        top = ", ".join(f"{esc(name[:20])} {days}" for name, days in stats.top_streaks)
        lines.append(f"🔥 Top streaks: {top}")
    if stats.at_risk:
        risky = ", ".join(
            f"{esc(name[:20])} ({_percent(seven)} vs {_percent(thirty)})"
            for name, seven, thirty in stats.at_risk[:5]
        )
        more = f" and {len(stats.at_risk) - 5} more" if len(stats.at_risk) > 5 else ""
        lines.append(f"⚠️ At risk (7-day adherence dropping): {risky}{more}")
    return "\n".join(lines)[:1024]


# -- replies to trainer commands -----------------------------------------------------
PROMOTE_USAGE = "Tell me who: /promote 123456789, /promote @username, or reply to their message."
UNKNOWN_PERSON = "I don't know that person yet: ask them to send me /start first."
NO_SUCH_COHORT = "There is no cohort by that name. /cohort list shows them all."
BROADCAST_AT_USAGE = (
    "I could not read a date and a time after <code>at</code>. Write the time as "
    "<code>/broadcast at tomorrow 18:00 Your text</code>, <code>at fri 6pm …</code> or "
    "<code>at 24/12 9:00 …</code> (day before month), in your time zone."
)
IN_THE_PAST = "That time has already passed. Pick a time in the future."
MEDIA_TOO = "Photos, videos and documents work too: send them here, then reply with /broadcast."
PREVIEW_HEADER = "👀 Preview: members will get exactly this."
NUDGE_USAGE = "Send /nudge, or /nudge followed by a number of days from 1 to 60."
BROADCAST_BUTTON_EXPIRED = "That button has expired. Send /broadcasts to see what is running."
ON_ITS_WAY = "On its way 📣"
CANCELLED = "Cancelled"
BUILDING_STATS = "⏳ Working out the numbers…"
BUILDING_ROSTER = "⏳ Writing the roster…"
COUNTING = "…"
NUDGE_TEXT = (
    "👋 Hi! It has been a few days since your last session. Even ten minutes "
    "counts: send /today for today's session, or /pause if you need a break."
)


def role_changed(name: str, role: Role) -> str:
    if role == Role.TRAINER:
        return f"✅ {esc(name)} is now a trainer."
    return f"✅ {esc(name)} is a member again."


def no_cohort_called(name: str) -> str:
    return f"There is no cohort called {esc(name[:48])}. /cohort list shows them all."


def too_long(length: int, limit: int) -> str:
    """A broadcast text over Telegram's limit, refused before any preview."""
    return (
        f"That text is {length:,} characters long; Telegram takes at most {limit:,} in one "
        "message. Shorten it or split it in two; nothing was sent."
    )


def read_time(when: str | None) -> str:
    """How the time after `at` was read, for the trainer to check."""
    return (
        f"🗓 I read the time as <b>{esc(when or '')}</b>. If that is wrong, cancel below "
        "and send the command again."
    )


def refused_by_telegram(reason: str) -> str:
    return f"Telegram refused that message ({esc(reason)}); nothing was sent."


def scheduled(when: str | None) -> str:
    return f"🗓 Scheduled for {esc(when or '')}. /broadcasts shows it."


def on_its_way(broadcast_id: int) -> str:
    return f"📣 Broadcast #{broadcast_id} is on its way."
