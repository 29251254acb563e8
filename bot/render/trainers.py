"""Texts and buttons of the trainer tools."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton

from bot.db.status import BroadcastStatus, Role
from bot.i18n import N_, _, as_label, format_day, lazy, ngettext
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
    return _("📋 Roster · {members} (column onboarded: no means no program yet)").format(
        members=members_count(count)
    )


def invite_link(bot_username: str | None, code: str) -> str:
    return f"https://t.me/{bot_username or 'your_bot'}?start={code}"


def cohort_created(cohort: CohortInfo, bot_username: str | None) -> str:
    return _(
        "👥 Cohort <b>{cohort}</b> created.\n"
        "Invite link: {link}\n"
        "Everyone who starts the bot through it joins this cohort."
    ).format(cohort=esc(cohort.name), link=esc(invite_link(bot_username, cohort.code)))


def cohort_list(cohorts: list[CohortInfo], bot_username: str | None) -> str:
    if not cohorts:
        return _("No cohorts yet. Create one: /cohort new Spring 2026")
    lines = [_("👥 <b>Cohorts</b>")]
    for cohort in cohorts:
        lines.append(
            f"• {as_label(f'<b>{esc(cohort.name)}</b>')} {members_count(cohort.members)} · "
            f"{esc(invite_link(bot_username, cohort.code))}"
        )
    return "\n".join(lines)


def cohort_members(cohort: CohortInfo, names: list[str]) -> str:
    lines = [f"👥 <b>{esc(cohort.name)}</b> · {members_count(len(names))}"]
    shown = names[:60]
    lines += [f"• {esc(name)}" for name in shown]
    if len(names) > len(shown):
        more = len(names) - len(shown)
        lines.append(_("… and {count} more (see /roster)").format(count=more))
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

    rows = [
        [
            _press(
                _("📣 Everyone active ({count})").format(count=size("all")),
                "a",
                broadcast_id,
                "all",
            )
        ]
    ]
    for cohort_id, name in cohorts[:20]:
        token = f"c{cohort_id}"
        rows.append([_press(f"👥 {name[:30]} ({size(token)})", "a", broadcast_id, token)])
    rows.append(
        [
            _press(
                _("💤 {days}+ days ({count})").format(days=days, count=size(f"i{days}")),
                "a",
                broadcast_id,
                f"i{days}",
            )
            for days in INACTIVE_CHOICES
        ]
    )
    not_today = _("⏳ Not checked in today ({count})").format(count=size("t"))
    rows.append([_press(not_today, "a", broadcast_id, "t")])
    rows.append([_press(_("✖️ Cancel"), "x", broadcast_id)])
    return Rendered(_("👆 That is the exact copy members will get. Who should receive it?"), rows)


# Telegram's price for allow_paid_broadcast, in Stars per message above the free limit.
PAID_STARS_PER_MESSAGE = 0.1
FREE_RATE = 30


def paid_note(count: int, paid_rate: float) -> str:
    """What a paid broadcast costs, said before the trainer confirms it."""
    stars = count * PAID_STARS_PER_MESSAGE
    return "\n\n" + _(
        "⭐ <b>Paid broadcast</b>: it goes out at up to {rate} messages/s. "
        "Telegram charges {price} Stars for each message above the "
        "free {free}/s, from the bot's Stars balance: at most about {stars} Stars "
        "for these {members}."
    ).format(
        rate=f"{paid_rate:g}",
        price=f"{PAID_STARS_PER_MESSAGE:g}",
        free=FREE_RATE,
        stars=f"{stars:,.0f}",
        members=members_count(count),
    )


def confirm(broadcast_id: int, count: int, when: str | None, paid_rate: float = 0.0) -> Rendered:
    if count == 0:
        return Rendered(_("Nobody matches that audience right now. Pick another one, or cancel."))
    label = (_("📣 Schedule for {count}") if when else _("📣 Send to {count}")).format(count=count)
    rows = [[_press(label, "go", broadcast_id), _press(_("✖️ Cancel"), "x", broadcast_id)]]
    members = members_count(count, bold=True)
    if when:
        text = _("Send this to {members} on {when}?").format(members=members, when=when)
    else:
        text = _("Send this to {members} now?").format(members=members)
    if paid_rate > 0:
        text += paid_note(count, paid_rate)
    return Rendered(text, rows)


def local_time(instant: datetime | None, zone: str) -> str | None:
    if instant is None:
        return None
    local = instant.astimezone(ZoneInfo(zone))
    return f"{format_day(local.date(), 'short')} {local:%Y %H:%M} ({zone})"


STATES: dict[str, str] = {
    BroadcastStatus.SENDING: N_("sending"),
    BroadcastStatus.QUEUEING: N_("preparing"),
    BroadcastStatus.DONE: N_("done ✅"),
    BroadcastStatus.CANCELLED: N_("cancelled ✖️"),
    BroadcastStatus.SCHEDULED: N_("scheduled"),
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
        return _("sending {rate}/s · about {left} left").format(
            rate=f"{observed:.1f}", left=duration(view.remaining / observed)
        )
    return _("about {left} left at up to {rate}/s").format(
        left=duration(view.remaining / rate), rate=f"{rate:g}"
    )


def progress(view: BroadcastView, now: datetime, rate: float) -> Rendered:
    """The trainer's live progress message."""
    handled = view.total - view.remaining
    percent = round(100 * handled / view.total) if view.total else 100
    head = (
        _("📣 <b>Nudge #{number}</b>")
        if view.kind == "nudge"
        else _("📣 <b>Broadcast #{number}</b>")
    )
    state = _(STATES[view.status]) if view.status in STATES else view.status
    lines = [
        f"{head.format(number=view.id)} · {state}",
        f"{bar(handled, view.total)} {percent}%",
        _("sent {sent} · failed {failed} · blocked {blocked} · remaining {remaining}").format(
            sent=view.sent, failed=view.failed, blocked=view.blocked, remaining=view.remaining
        ),
    ]
    if view.cancelled:
        lines[-1] += " · " + _("cancelled {count}").format(count=view.cancelled)
    if view.uncertain:
        lines.append(
            _("{count} timed out (Telegram may have delivered them)").format(count=view.uncertain)
        )
    if (pace := pace_line(view, now, rate)) is not None:
        lines.append(pace)
    if view.status == BroadcastStatus.DONE:
        lines.append(
            _("Reached {sent} of {members}.").format(
                sent=view.sent, members=members_count(view.total)
            )
        )
    rows = []
    if not view.finished:
        rows = [[_press(_("✖️ Cancel the rest"), "x", view.id)]]
    return Rendered("\n".join(lines), rows)


def active_list(views: list[BroadcastView], zone: str) -> Rendered:
    if not views:
        return Rendered(_("No broadcasts are scheduled or running."))
    lines = [_("📣 <b>Broadcasts</b>")]
    rows = []
    for view in views:
        when = local_time(view.scheduled_at, zone) if view.status == "scheduled" else None
        detail = (
            _("for {when}").format(when=when)
            if when
            else _("{sent}/{total} sent").format(sent=view.sent, total=view.total)
        )
        state = _(STATES[view.status]) if view.status in STATES else view.status
        lines.append(f"• #{view.id} · {state} · {esc(detail)}")
        rows.append([_press(_("✖️ Cancel #{number}").format(number=view.id), "x", view.id)])
    return Rendered("\n".join(lines), rows)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def stats_caption(stats: CommunityStats) -> str:
    status = stats.by_status
    lines = [
        _("📊 <b>Stats · {scope}</b>").format(scope=esc(stats.scope)),
        _("Members: {active} active · {paused} paused · {blocked} blocked · {left} stopped").format(
            active=status.get("active", 0),
            paused=status.get("paused", 0),
            blocked=status.get("blocked", 0),
            left=status.get("left", 0),
        ),
        _("Checked in today: {count}").format(count=stats.checked_in_today),
        _("Adherence: 7 days {week} · 30 days {month}").format(
            week=_percent(stats.adherence_7), month=_percent(stats.adherence_30)
        ),
    ]
    if stats.top_streaks:
        top = ", ".join(f"{esc(name[:20])} {days}" for name, days in stats.top_streaks)
        lines.append(_("🔥 Top streaks: {names}").format(names=top))
    if stats.at_risk:
        risky = ", ".join(
            f"{esc(name[:20])} ({_percent(seven)} vs {_percent(thirty)})"
            for name, seven, thirty in stats.at_risk[:5]
        )
        if len(stats.at_risk) > 5:
            risky += " " + _("and {count} more").format(count=len(stats.at_risk) - 5)
        lines.append(_("⚠️ At risk (7-day adherence dropping): {names}").format(names=risky))
    return "\n".join(lines)[:1024]


# -- replies to trainer commands -----------------------------------------------------
# Short answers, translated when read (the module's __getattr__).
_SHORT = {
    "PROMOTE_USAGE": N_(
        "Tell me who: /promote 123456789, /promote @username, or reply to their message."
    ),
    "UNKNOWN_PERSON": N_("I don't know that person yet: ask them to send me /start first."),
    "NO_SUCH_COHORT": N_("There is no cohort by that name. /cohort list shows them all."),
    "BROADCAST_AT_USAGE": N_(
        "I could not read a date and a time after <code>at</code>. Write the time as "
        "<code>/broadcast at tomorrow 18:00 Your text</code>, <code>at fri 6pm …</code> or "
        "<code>at 24/12 9:00 …</code> (day before month), in your time zone."
    ),
    "IN_THE_PAST": N_("That time has already passed. Pick a time in the future."),
    "MEDIA_TOO": N_(
        "Photos, videos and documents work too: send them here, then reply with /broadcast."
    ),
    "PREVIEW_HEADER": N_("👀 Preview: members will get exactly this."),
    "NUDGE_USAGE": N_("Send /nudge, or /nudge followed by a number of days from 1 to 60."),
    "BROADCAST_BUTTON_EXPIRED": N_(
        "That button has expired. Send /broadcasts to see what is running."
    ),
    "ON_ITS_WAY": N_("On its way 📣"),
    "CANCELLED": N_("Cancelled"),
    "BUILDING_STATS": N_("⏳ Working out the numbers…"),
    "BUILDING_ROSTER": N_("⏳ Writing the roster…"),
}
__getattr__ = lazy(_SHORT)
COUNTING = "…"
# The nudge as stored with the broadcast (English); each member gets it in
# their own language when the sender composes it (delivery/compose.py).
NUDGE_SOURCE = N_(
    "👋 Hi! It has been a few days since your last session. Even ten minutes "
    "counts: send /today for today's session, or /pause if you need a break."
)


def nudge_text() -> str:
    """The nudge a member gets, in the language of the moment (each member's own
    when the sender composes it)."""
    return _(NUDGE_SOURCE)


def role_changed(name: str, role: Role) -> str:
    if role == Role.TRAINER:
        return _("✅ {name} is now a trainer.").format(name=esc(name))
    return _("✅ {name} is a member again.").format(name=esc(name))


def no_cohort_called(name: str) -> str:
    return _("There is no cohort called {name}. /cohort list shows them all.").format(
        name=esc(name[:48])
    )


def too_long(length: int, limit: int) -> str:
    """A broadcast text over Telegram's limit, refused before any preview."""
    return _(
        "That text is {length} characters long; Telegram takes at most {limit} in one "
        "message. Shorten it or split it in two; nothing was sent."
    ).format(length=f"{length:,}", limit=f"{limit:,}")


def read_time(when: str | None) -> str:
    """How the time after `at` was read, for the trainer to check."""
    return _(
        "🗓 I read the time as <b>{when}</b>. If that is wrong, cancel below "
        "and send the command again."
    ).format(when=esc(when or ""))


def refused_by_telegram(reason: str) -> str:
    return _("Telegram refused that message ({reason}); nothing was sent.").format(
        reason=esc(reason)
    )


def scheduled(when: str | None) -> str:
    return _("🗓 Scheduled for {when}. /broadcasts shows it.").format(when=esc(when or ""))


def on_its_way(broadcast_id: int) -> str:
    return _("📣 Broadcast #{number} is on its way.").format(number=broadcast_id)
