"""/digest on|off: the member's weekly digest."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import known_member, reply
from bot.render import digests as views


async def set_digest(update: Update, context: BotContext) -> None:
    """`/digest on`, `/digest off`, or `/digest` to see whether it is on."""
    found = await known_member(update, context)
    if found is None:
        return
    message, member = found
    digests = context.bot_data.services.digests
    word = " ".join(context.args or []).strip().lower()
    if word in ("on", "yes", "start"):
        await digests.set_wanted(member.id, True)
        await reply(message, views.DIGEST_ON)
    elif word in ("off", "no", "stop"):
        await digests.set_wanted(member.id, False)
        await reply(message, views.DIGEST_OFF)
    elif not word:
        await reply(message, views.digest_status(await digests.wanted(member.id)))
    else:
        await reply(message, views.DIGEST_USAGE)
