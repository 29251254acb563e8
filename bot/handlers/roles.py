"""Admins and trainers: /promote, /demote and the cohorts (/cohort)."""

from __future__ import annotations

from telegram import Message, Update

from bot.context import BotContext
from bot.db.dto import MemberDTO
from bot.db.status import STAFF_ROLES, Role
from bot.delivery.menus import publish_member_menu
from bot.handlers.common import private_staff, reply, staff_member
from bot.render import feedback as feedback_views
from bot.render import trainers as trainer_views
from bot.render.message import esc
from bot.services.staff import StaffError


async def _target(message: Message, context: BotContext) -> MemberDTO | str:
    """Whom the command names: an id or @username after it, or the replied-to author."""
    staff = context.bot_data.services.staff
    if context.args:
        found = await staff.find(context.args[0])
        return found or trainer_views.UNKNOWN_PERSON
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        found = await staff.find(str(replied.from_user.id))
        return found or trainer_views.UNKNOWN_PERSON
    return trainer_views.PROMOTE_USAGE


async def promote_trainer(update: Update, context: BotContext) -> None:
    """Admin: make someone a trainer."""
    await _change_role(update, context, Role.TRAINER)


async def demote_trainer(update: Update, context: BotContext) -> None:
    """Admin: make a trainer a plain member again."""
    await _change_role(update, context, Role.MEMBER)


async def _change_role(update: Update, context: BotContext, role: Role) -> None:
    allowed = await staff_member(update, context, admin=True, private=False)
    if allowed is None:
        return
    message, _ = allowed
    target = await _target(message, context)
    if isinstance(target, str):
        await reply(message, target)
        return
    try:
        changed = await context.bot_data.services.staff.set_role(target.telegram_id, role)
    except StaffError as exc:
        await reply(message, esc(str(exc)))
        return
    await publish_member_menu(context.bot, changed, role, context.bot_data.config.app_url)
    name = changed.first_name or str(changed.telegram_id)
    await reply(message, trainer_views.role_changed(name, role))


async def manage_cohorts(update: Update, context: BotContext) -> None:
    """/cohort new <name>, /cohort list, /cohort <name>."""
    allowed = await private_staff(update, context)
    if allowed is None:
        return
    message, _ = allowed
    staff = context.bot_data.services.staff
    args = context.args or []
    username = context.bot.username
    if not args or args[0].lower() == "list":
        await reply(message, trainer_views.cohort_list(await staff.cohorts(), username))
        return
    if args[0].lower() == "new":
        assert update.effective_user is not None
        try:
            created = await staff.create_cohort(" ".join(args[1:]), update.effective_user.id)
        except StaffError as exc:
            await reply(message, esc(str(exc)))
            return
        await reply(message, trainer_views.cohort_created(created, username))
        return
    if (len(args) >= 2 and args[-2].lower() == "trainer") or args[-1].lower() == "trainer":
        await _assign_trainer(message, context, args)
        return
    cohort = await staff.cohort(" ".join(args))
    if cohort is None:
        await reply(message, trainer_views.no_cohort_called(" ".join(args)))
        return
    members = await staff.cohort_members(cohort.id)
    names = [m.first_name + (f" (@{m.username})" if m.username else "") for m in members]
    coaches = await context.bot_data.services.feedback.cohort_trainer_names(cohort.id)
    shown = trainer_views.cohort_members(cohort, names) + feedback_views.coaches_line(coaches)
    await reply(message, shown)


async def _assign_trainer(message: Message, context: BotContext, args: list[str]) -> None:
    """/cohort <name> trainer @user: that trainer coaches the cohort."""
    services = context.bot_data.services
    if len(args) < 3 or args[-1].lower() == "trainer":
        await reply(message, feedback_views.TRAINER_USAGE)
        return
    name = " ".join(args[:-2])
    cohort = await services.staff.cohort(name)
    if cohort is None:
        await reply(message, trainer_views.no_cohort_called(name))
        return
    trainer = await services.staff.find(args[-1])
    if trainer is None:
        await reply(message, trainer_views.UNKNOWN_PERSON)
        return
    if services.staff.role_of(trainer.telegram_id, trainer) not in STAFF_ROLES:
        await reply(message, feedback_views.NOT_A_TRAINER)
        return
    added = await services.feedback.assign_trainer(cohort.id, trainer)
    shown = trainer.first_name or str(trainer.telegram_id)
    await reply(message, feedback_views.trainer_added(shown, cohort.name, added))
