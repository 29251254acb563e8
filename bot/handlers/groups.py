"""The community group: /group and /language (admins, in the group), their
buttons, the bot being removed or the group becoming a supergroup, and members'
opt-ins (/leaderboard, /shoutouts, in private).

In a linked group the language of the moment is the group's (the handler
wrapper sets it), so every answer here is in the group's language."""

from __future__ import annotations

import logging
from typing import TypeVar

from telegram import CallbackQuery, ChatMemberUpdated, Message, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot import i18n
from bot.context import BotContext
from bot.db.dto import GroupDTO
from bot.db.status import Role
from bot.handlers.common import answer, edit, known_member, reply
from bot.i18n import _
from bot.render import callbacks, texts
from bot.render import groups as group_views
from bot.render import language as language_views
from bot.render.message import Rendered, esc
from bot.services.inputs import InputError, parse_time, parse_zone

log = logging.getLogger(__name__)

GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
Pressed = TypeVar("Pressed")


async def _is_admin(context: BotContext, user_id: int) -> bool:
    """Whether `user_id` may manage a group (/group, /language there): an admin."""
    data = context.bot_data
    member = await data.members.get(user_id)
    return data.services.staff.role_of(user_id, member) == Role.ADMIN


async def _panel(context: BotContext, group: GroupDTO) -> Rendered:
    name = await context.bot_data.services.groups.cohort_name(group.cohort_id)
    return group_views.settings_panel(group, name)


async def manage_group(update: Update, context: BotContext) -> None:
    """/group link|unlink|settings|time|zone|cohort, sent by an admin in the group."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if message.chat.type == ChatType.PRIVATE:
        await reply(message, group_views.GROUP_IN_PRIVATE)
        return
    if not await _is_admin(context, user.id):
        await reply(message, texts.ADMINS_ONLY)
        return
    args = context.args or []
    action = args[0].lower() if args else "settings"
    rest = " ".join(args[1:])
    groups = context.bot_data.services.groups
    chat_id = message.chat.id
    if action == "link":
        # Not linked yet, so the language of the moment is the admin's own.
        linked = await groups.link(chat_id, message.chat.title or "", user.id, i18n.current())
        name = await groups.cohort_name(linked.group.cohort_id)
        await reply(message, group_views.linked(linked.group, linked.created, name))
        return
    if action not in ("unlink", "settings", "time", "zone", "cohort"):
        await reply(message, group_views.GROUP_USAGE)
        return
    if await groups.get(chat_id) is None:
        await reply(message, group_views.NOT_LINKED)
        return
    if action == "unlink":
        await groups.unlink(chat_id)
        await reply(message, group_views.UNLINKED)
        return
    changed = await _change_from_words(message, context, action, rest)
    if changed is not None:
        await reply(message, await _panel(context, changed))


async def _change_from_words(
    message: Message, context: BotContext, action: str, words: str
) -> GroupDTO | None:
    """Apply `/group time|zone|cohort <words>` (or show the settings); None after a
    reply that explains what was wrong."""
    groups = context.bot_data.services.groups
    chat_id = message.chat.id
    if action == "settings":
        return await groups.get(chat_id)
    if not words.strip():
        usage = {"time": group_views.TIME_USAGE, "zone": group_views.ZONE_USAGE}
        await reply(message, usage.get(action, group_views.COHORT_USAGE))
        return None
    try:
        if action == "time":
            return await groups.set_time(chat_id, parse_time(words))
        if action == "zone":
            return await groups.set_zone(chat_id, parse_zone(words))
    except InputError as exc:
        await reply(message, esc(str(exc)))
        return None
    if words.strip().lower() in ("none", "everyone", "all", "-"):
        return await groups.set_cohort(chat_id, None)
    cohort = await context.bot_data.services.staff.cohort(words)
    if cohort is None:
        await reply(
            message,
            _("I know no cohort called <b>{name}</b>. /cohort list").format(name=esc(words[:64])),
        )
        return None
    return await groups.set_cohort(chat_id, cohort.id)


async def _admin_press(
    update: Update, context: BotContext, kind: type[Pressed]
) -> tuple[CallbackQuery, Pressed, Message] | None:
    """A press on one of the bot's messages in a group: the press, its action and
    the message, if the data is a `kind` and an admin pressed it (anything else
    is answered here: a stale button, or only admins)."""
    query = update.callback_query
    if query is None:
        return None
    action = callbacks.parse(query.data)
    message = query.message
    if not isinstance(action, kind) or not isinstance(message, Message):
        await answer(query, texts.stale_button())
        return None
    if not await _is_admin(context, query.from_user.id):
        await answer(query, texts.ADMINS_ONLY, alert=True)
        return None
    return query, action, message


async def press_group(update: Update, context: BotContext) -> None:
    """A button of /group settings: only an admin may change them."""
    pressed = await _admin_press(update, context, callbacks.GroupPress)
    if pressed is None:
        return
    query, action, message = pressed
    groups = context.bot_data.services.groups
    chat_id = message.chat.id
    if action.action == "t" and action.at is not None:
        changed = await groups.set_time(chat_id, action.at)
    elif action.action == "c":
        changed = await groups.next_cohort(chat_id)
    elif action.action == "g":
        changed = await groups.next_language(chat_id)
    else:
        which = {"d": "daily", "l": "leaderboard", "s": "shoutouts"}[action.action]
        changed = await groups.toggle(chat_id, which)  # type: ignore[arg-type]
    if changed is None:
        await answer(query, group_views.NOT_LINKED_BUTTON, alert=True)
        return
    i18n.activate(changed.language)  # the panel redrawn in a language just picked
    await answer(query)
    await edit(message, await _panel(context, changed))


async def set_group_language(update: Update, context: BotContext) -> None:
    """/language in a group: show or set the language of a linked group (admins).

    In a group that is not linked, a member is pointed to the private chat,
    where their own language is chosen."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    groups = context.bot_data.services.groups
    group = await groups.get(message.chat.id)
    allowed = await _is_admin(context, user.id)
    if group is None:
        await reply(
            message, group_views.NOT_LINKED if allowed else texts.private_only(context.bot.username)
        )
        return
    if not allowed:
        await reply(message, texts.ADMINS_ONLY)
        return
    typed = " ".join(context.args or [])
    if not typed:
        await reply(message, group_views.group_language_picker(group.language))
        return
    code = i18n.parse_language(typed)
    if code is None:
        await reply(message, language_views.unknown_language(typed))
        return
    await groups.set_language(message.chat.id, code)
    i18n.activate(code)
    await reply(message, group_views.group_language_set())


async def press_group_language(update: Update, context: BotContext) -> None:
    """A language button in a group: the group's language (admins only)."""
    pressed = await _admin_press(update, context, callbacks.PickLanguage)
    if pressed is None:
        return
    query, action, message = pressed
    if action.code not in i18n.LANGUAGES:  # a language this version no longer speaks
        await answer(query, texts.stale_button())
        return
    changed = await context.bot_data.services.groups.set_language(message.chat.id, action.code)
    if changed is None:
        await answer(query, group_views.NOT_LINKED_BUTTON, alert=True)
        return
    i18n.activate(changed.language)
    await answer(query)
    await edit(message, group_views.group_language_set())


async def track_group_membership(update: Update, context: BotContext) -> None:
    """The bot was removed from a group (or the group deleted): unlink it."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == ChatType.PRIVATE:
        return
    if change.new_chat_member.status in GONE:
        removed = await context.bot_data.services.groups.unlink(change.chat.id)
        log.info("removed from group %s (was linked: %s)", change.chat.id, removed)


async def follow_migration(update: Update, context: BotContext) -> None:
    """A group became a supergroup: the link follows it to its new chat id."""
    message = update.effective_message
    if message is None:
        return
    groups = context.bot_data.services.groups
    if message.migrate_to_chat_id is not None:
        await groups.migrate(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id is not None:
        await groups.migrate(message.migrate_from_chat_id, message.chat.id)


async def set_leaderboard(update: Update, context: BotContext) -> None:
    """/leaderboard on|off: appear on the group's weekly leaderboard, or not."""
    await _opt(update, context, "leaderboard")


async def set_shoutouts(update: Update, context: BotContext) -> None:
    """/shoutouts on|off: have milestones cheered in the group, or not."""
    await _opt(update, context, "shoutouts")


ON_WORDS = ("on", "yes", "join", "in", "1", "true")
OFF_WORDS = ("off", "no", "leave", "out", "0", "false", "stop")


async def _opt(update: Update, context: BotContext, which: str) -> None:
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    groups = context.bot_data.services.groups
    word = (context.args or [""])[0].lower()
    if not word:
        await reply(message, group_views.opt_ins(await groups.opt_ins(member.id)))
        return
    board = which == "leaderboard"
    if word not in ON_WORDS + OFF_WORDS:
        await reply(
            message, group_views.LEADERBOARD_USAGE if board else group_views.SHOUTOUTS_USAGE
        )
        return
    on = word in ON_WORDS
    await groups.set_opt_ins(member.id, **{which: on})
    changed = group_views.leaderboard_changed if board else group_views.shoutouts_changed
    await reply(message, changed(on))
