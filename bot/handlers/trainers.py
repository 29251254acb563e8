"""Trainer and admin commands: roles, cohorts, broadcasts, nudges, stats, roster."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext
from bot.db.dto import MemberDTO
from bot.render import trainers as views
from bot.render.cards import Rendered
from bot.render.charts import daily_checkins_chart
from bot.render.texts import COMMANDS, esc
from bot.services.broadcasts import NUDGE_TEXT, Audience, BroadcastError
from bot.services.staff import StaffError

log = logging.getLogger(__name__)

_AT = re.compile(r"^at\s+(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})\s*(.*)$", re.S | re.I)
_CALLBACK = re.compile(r"^bc:(a|go|x):(\d{1,12})(?::([a-z0-9]{1,8}))?$")


async def _reply(message: Message, rendered: Rendered) -> Message:
    return await message.reply_text(
        rendered.text, parse_mode=ParseMode.HTML, reply_markup=rendered.markup
    )


async def _staff(
    update: Update, context: BotContext, *, admin: bool = False, private: bool = True
) -> tuple[Message, MemberDTO | None] | None:
    """The message if its sender may use this command; otherwise a short refusal."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return None
    data = context.bot_data
    member = await data.members.get(user.id)
    role = data.services.staff.role_of(user.id, member)
    if role not in ("trainer", "admin") or (admin and role != "admin"):
        await message.reply_text(views.ADMIN_ONLY if admin and role == "trainer" else views.REFUSAL)
        return None
    if private and message.chat.type != ChatType.PRIVATE:
        await message.reply_text(
            "Let's do that in our private chat, so members don't see the drafts."
        )
        return None
    return message, member


# -- command menus -------------------------------------------------------------------
def commands_for(role: str) -> list[BotCommand]:
    """The command menu a role sees."""
    entries = list(COMMANDS)
    if role in ("trainer", "admin"):
        entries += views.TRAINER_COMMANDS
    if role == "admin":
        entries += views.ADMIN_COMMANDS
    return [BotCommand(name, description) for name, description in entries]


async def publish_menu(bot: Bot, chat_id: int, role: str) -> None:
    """Give one person the menu of their role (members get the default one)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if role == "member":
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(commands_for(role), scope=scope)
    except TelegramError as exc:  # e.g. they never opened a chat with the bot
        log.info("could not set the menu for %s: %s", chat_id, exc)


# -- roles ---------------------------------------------------------------------------
async def _target(message: Message, context: BotContext) -> MemberDTO | str:
    staff = context.bot_data.services.staff
    if context.args:
        found = await staff.find(context.args[0])
        return found or "I don't know that person yet: ask them to send me /start first."
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        found = await staff.find(str(replied.from_user.id))
        return found or "I don't know that person yet: ask them to send me /start first."
    return "Tell me who: /promote 123456789, /promote @username, or reply to their message."


async def promote_trainer(update: Update, context: BotContext) -> None:
    """Admin: make someone a trainer."""
    await _change_role(update, context, "trainer")


async def demote_trainer(update: Update, context: BotContext) -> None:
    """Admin: make a trainer a plain member again."""
    await _change_role(update, context, "member")


async def _change_role(update: Update, context: BotContext, role: str) -> None:
    allowed = await _staff(update, context, admin=True, private=False)
    if allowed is None:
        return
    message, _ = allowed
    target = await _target(message, context)
    if isinstance(target, str):
        await message.reply_text(target)
        return
    try:
        changed = await context.bot_data.services.staff.set_role(target.telegram_id, role)
    except StaffError as exc:
        await message.reply_text(str(exc))
        return
    await publish_menu(context.bot, changed.chat_id, role)
    name = esc(changed.first_name or str(changed.telegram_id))
    text = f"✅ {name} is now a trainer." if role == "trainer" else f"✅ {name} is a member again."
    await message.reply_text(text, parse_mode=ParseMode.HTML)


# -- cohorts -------------------------------------------------------------------------
async def manage_cohorts(update: Update, context: BotContext) -> None:
    """/cohort new <name>, /cohort list, /cohort <name>."""
    allowed = await _staff(update, context, private=False)
    if allowed is None:
        return
    message, _ = allowed
    staff = context.bot_data.services.staff
    args = context.args or []
    if not args or args[0].lower() == "list":
        cohorts = await staff.cohorts()
        await message.reply_text(
            views.cohort_list(cohorts, context.bot.username), parse_mode=ParseMode.HTML
        )
        return
    if args[0].lower() == "new":
        name = " ".join(args[1:])
        assert update.effective_user is not None
        try:
            created = await staff.create_cohort(name, update.effective_user.id)
        except StaffError as exc:
            await message.reply_text(str(exc))
            return
        await message.reply_text(
            views.cohort_created(created, context.bot.username), parse_mode=ParseMode.HTML
        )
        return
    cohort = await staff.cohort(" ".join(args))
    if cohort is None:
        await message.reply_text(
            f"There is no cohort called {' '.join(args)[:48]}. /cohort list shows them all."
        )
        return
    members = await staff.cohort_members(cohort.id)
    names = [m.first_name + (f" (@{m.username})" if m.username else "") for m in members]
    await message.reply_text(views.cohort_members(cohort, names), parse_mode=ParseMode.HTML)


# -- broadcasts ----------------------------------------------------------------------
async def start_broadcast(update: Update, context: BotContext) -> None:
    """Reply to any message with /broadcast, or /broadcast <text>; `at DATE TIME` schedules."""
    allowed = await _staff(update, context)
    if allowed is None:
        return
    message, member = allowed
    assert update.effective_user is not None
    zone = member.timezone if member else context.bot_data.config.default_timezone
    raw = (message.text or "").split(maxsplit=1)
    rest = raw[1].strip() if len(raw) > 1 else ""
    scheduled_at = None
    if match := _AT.match(rest):
        try:
            naive = datetime.strptime(f"{match[1]} {match[2]}", "%Y-%m-%d %H:%M")  # noqa: DTZ007
        except ValueError:
            await message.reply_text("Write the time as /broadcast at 2026-12-01 18:00 <text>.")
            return
        scheduled_at = naive.replace(tzinfo=ZoneInfo(zone))
        if scheduled_at <= context.bot_data.clock.now():
            await message.reply_text("That time has already passed. Pick a time in the future.")
            return
        rest = match[3].strip()
    replied = message.reply_to_message
    service = context.bot_data.services.broadcasts
    try:
        if replied is not None:
            broadcast_id = await service.draft(
                update.effective_user.id,
                message.chat.id,
                source=(replied.chat.id, replied.message_id),
                scheduled_at=scheduled_at,
            )
        else:
            broadcast_id = await service.draft(
                update.effective_user.id,
                message.chat.id,
                text=esc(rest) if rest else None,
                scheduled_at=scheduled_at,
            )
    except BroadcastError as exc:
        await message.reply_text(
            f"{exc} Photos, videos and documents work too: "
            "send them here, then reply with /broadcast."
        )
        return
    if not await _preview(message, context, broadcast_id):
        return
    staff = context.bot_data.services.staff
    cohorts = [(c.id, c.name) for c in await staff.cohorts()]
    counts = await service.counts(cohorts)
    await _reply(message, views.audience_question(broadcast_id, counts, cohorts))


async def _preview(message: Message, context: BotContext, broadcast_id: int) -> bool:
    view = await context.bot_data.services.broadcasts.view(broadcast_id)
    await message.reply_text("👀 Preview: members will get exactly this.")
    try:
        if view.text is not None:
            if len(view.text) > 4096:
                raise BadRequest("message is too long")
            await context.bot.send_message(message.chat.id, view.text, parse_mode=ParseMode.HTML)
        elif view.source_chat_id is not None and view.source_message_id is not None:
            await context.bot.copy_message(
                message.chat.id, view.source_chat_id, view.source_message_id
            )
    except BadRequest as exc:
        await context.bot_data.services.broadcasts.cancel(broadcast_id)
        await message.reply_text(
            f"Telegram refused that message ({exc.message}); nothing was sent."
        )
        return False
    return True


async def send_nudge(update: Update, context: BotContext) -> None:
    """/nudge [days]: a friendly reminder to members inactive for N days (default 3)."""
    allowed = await _staff(update, context)
    if allowed is None:
        return
    message, _ = allowed
    assert update.effective_user is not None
    arg = (context.args or ["3"])[0]
    if not arg.isdigit() or not 1 <= int(arg) <= 60:
        await message.reply_text(
            "Send /nudge, or /nudge followed by a number of days from 1 to 60."
        )
        return
    days = int(arg)
    service = context.bot_data.services.broadcasts
    broadcast_id = await service.draft(
        update.effective_user.id, message.chat.id, text=NUDGE_TEXT, nudge_days=days
    )
    if not await _preview(message, context, broadcast_id):
        return
    count = await service.choose(
        broadcast_id, update.effective_user.id, Audience("inactive", days=days)
    )
    await _reply(message, views.confirm(broadcast_id, count, None))
    if count == 0:
        await service.cancel(broadcast_id)


async def press_broadcast(update: Update, context: BotContext) -> None:
    """bc:a:<id>:<audience>, bc:go:<id>, bc:x:<id>."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    data = context.bot_data
    member = await data.members.get(query.from_user.id)
    if data.services.staff.role_of(query.from_user.id, member) not in ("trainer", "admin"):
        await query.answer(views.REFUSAL)
        return
    match = _CALLBACK.match(query.data or "")
    if match is None:
        await query.answer("That button has expired. Send /broadcasts to see what is running.")
        return
    action, broadcast_id = match[1], int(match[2])
    service = data.services.broadcasts
    zone = member.timezone if member else data.config.default_timezone
    try:
        if action == "a":
            audience = Audience.parse(match[3] or "")
            if audience is None:
                await query.answer("That button has expired.")
                return
            count = await service.choose(broadcast_id, query.from_user.id, audience)
            view = await service.view(broadcast_id)
            await query.answer()
            await _edit(
                query.message,
                views.confirm(broadcast_id, count, views.local_time(view.scheduled_at, zone)),
            )
        elif action == "go":
            await query.answer("On its way 📣")
            view = await service.confirm(broadcast_id, query.from_user.id)
            if view.status == "scheduled":
                when = views.local_time(view.scheduled_at, zone)
                await _edit(
                    query.message, Rendered(f"🗓 Scheduled for {when}. /broadcasts shows it.")
                )
                return
            await _edit(query.message, Rendered(f"📣 Broadcast #{view.id} is on its way."))
            progress = views.progress(view, data.config.broadcast_rate)
            sent = await _reply(query.message, progress)
            await service.attach_progress(view.id, sent.chat.id, sent.message_id)
            data.services.sender.wake.set()
        else:
            view = await service.cancel(broadcast_id, query.from_user.id)
            await query.answer("Cancelled")
            await _edit(query.message, views.progress(view, data.config.broadcast_rate))
            await data.services.monitor.show(view, force=True)
    except BroadcastError as exc:
        await query.answer(str(exc)[:200])


async def list_broadcasts(update: Update, context: BotContext) -> None:
    """Scheduled and running broadcasts, with cancel buttons."""
    allowed = await _staff(update, context)
    if allowed is None:
        return
    message, member = allowed
    zone = member.timezone if member else context.bot_data.config.default_timezone
    active = await context.bot_data.services.broadcasts.active()
    await _reply(message, views.active_list(active, zone))


async def _edit(message: Message, rendered: Rendered) -> None:
    try:
        await message.edit_text(
            rendered.text, parse_mode=ParseMode.HTML, reply_markup=rendered.markup
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


# -- stats ---------------------------------------------------------------------------
async def _scope(message: Message, context: BotContext) -> tuple[int | None, str] | None:
    """(cohort id, name) from the command's words, (None, "everyone") without any."""
    if not context.args:
        return None, "everyone"
    cohort = await context.bot_data.services.staff.cohort(" ".join(context.args))
    if cohort is None:
        await message.reply_text("There is no cohort by that name. /cohort list shows them all.")
        return None
    return cohort.id, cohort.name


async def show_stats(update: Update, context: BotContext) -> None:
    """/stats [cohort]: members, check-ins, adherence, top streaks, at risk, and a chart."""
    allowed = await _staff(update, context, private=False)
    if allowed is None:
        return
    message, _ = allowed
    scope = await _scope(message, context)
    if scope is None:
        return
    cohort_id, name = scope
    stats = await context.bot_data.services.stats.community(cohort_id, name)
    title = f"Check-ins per day · {name}"
    png = await asyncio.to_thread(daily_checkins_chart, stats.daily_done, title)
    await message.reply_photo(
        InputFile(png, filename="stats.png"),
        caption=views.stats_caption(stats),
        parse_mode=ParseMode.HTML,
    )


async def send_roster(update: Update, context: BotContext) -> None:
    """/roster [cohort]: everyone as CSV."""
    allowed = await _staff(update, context, private=False)
    if allowed is None:
        return
    message, _ = allowed
    scope = await _scope(message, context)
    if scope is None:
        return
    data = await context.bot_data.services.stats.roster_csv(scope[0])
    today = context.bot_data.clock.now().date()
    await message.reply_document(
        InputFile(data, filename=f"roster-{today.isoformat()}.csv"), caption="📋 Roster"
    )
