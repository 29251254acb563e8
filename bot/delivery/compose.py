"""What each outbox row becomes at send time (the member's state then decides)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date

from bot import i18n
from bot.catalog import Catalog
from bot.db.dto import OutboxDTO
from bot.db.status import MemberStatus, OutboxKind
from bot.delivery.sender import AfterSend, Composer, Outgoing, SendResult
from bot.render import digests as digest_views
from bot.render import groups as group_views
from bot.render.feedback import relayed
from bot.render.progress import CELEBRATION_EFFECT, celebrate_program, celebrate_streak
from bot.render.session import render_finished_reminder, render_session
from bot.render.trainers import NUDGE_SOURCE, nudge_text
from bot.services.digests import DigestService
from bot.services.feedback import FeedbackService, relay_key
from bot.services.groups import GroupService
from bot.services.planner import SessionPlanner

log = logging.getLogger(__name__)

# Broadcasts and nudges only need to know the member still takes messages.
_BULK = frozenset({OutboxKind.BROADCAST, OutboxKind.NUDGE})
_REMEMBERED = 10_000


class OutboxComposer:
    """Composes outbox rows for the sender, bound to the services it needs.

    For a claimed batch, `prepare` reads in one query which of the bulk rows'
    members are still active; a row composed without it asks on its own. The
    answer is at most one batch old (a few seconds at the free rate).
    """

    def __init__(
        self,
        planner: SessionPlanner,
        catalog: Catalog,
        *,
        feedback: FeedbackService | None = None,
        digests: DigestService | None = None,
        groups: GroupService | None = None,
        bot_username: Callable[[], str | None] = lambda: None,
        catalogs: Callable[[str], Catalog] | None = None,
    ) -> None:
        self._planner = planner
        self._catalogs = catalogs or (lambda language: catalog)
        self._feedback = feedback
        self._digests = digests
        self._groups = groups
        self._bot_username = bot_username
        self._active: dict[int, bool] = {}  # outbox row id -> member active
        self._languages: dict[int, str] = {}  # member id -> language, for this batch
        self._group_languages: dict[int, str] = {}  # group id -> language, for this batch

    @property
    def _catalog(self) -> Catalog:
        """The content in the language of the message being composed."""
        return self._catalogs(i18n.current())

    async def prepare(self, rows: Sequence[OutboxDTO]) -> None:
        bulk = [row for row in rows if row.kind in _BULK and row.member_id is not None]
        active = await self._planner.active_among([row.member_id for row in bulk])  # type: ignore[misc]
        for row in bulk:
            self._active[row.id] = row.member_id in active
        while len(self._active) > _REMEMBERED:  # rows released before they were composed
            del self._active[next(iter(self._active))]
        personal = [
            row.member_id
            for row in rows
            if row.member_id is not None and row.kind != OutboxKind.BROADCAST
        ]
        self._languages = await self._planner.languages_among(personal)
        self._group_languages = await self._languages_of_groups(rows)

    async def _languages_of_groups(self, rows: Sequence[OutboxDTO]) -> dict[int, str]:
        posts = [row.group_id for row in rows if row.group_id is not None]
        if self._groups is None or not posts:
            return {}
        return await self._groups.languages_among(posts)

    async def __call__(self, row: OutboxDTO) -> Outgoing | None:
        """The message a row becomes, in its recipient's language."""
        language = i18n.DEFAULT
        # A broadcast goes as its trainer wrote it; a group post in the group's
        # language; everything else in the member's language.
        if row.group_id is not None:
            known = self._group_languages.get(row.group_id)
            if known is None:
                known = (await self._languages_of_groups([row])).get(row.group_id)
            language = known or i18n.DEFAULT
        elif row.member_id is not None and row.kind != OutboxKind.BROADCAST:
            known = self._languages.get(row.member_id)
            if known is None:
                known = (await self._planner.languages_among([row.member_id])).get(row.member_id)
            language = known or i18n.DEFAULT
        with i18n.speaking(language):
            return await self._compose(row)

    async def _compose(self, row: OutboxDTO) -> Outgoing | None:
        if row.kind == OutboxKind.GROUP:
            return await self._group_post(row)
        if row.member_id is None:
            return None
        if row.kind == OutboxKind.REMINDER:
            return await self._reminder(row)
        if row.kind == OutboxKind.NOTICE:
            if "program_followup" in row.payload:
                return await self._followup(row)
            if "relay" in row.payload:
                return await self._relay(row)
            if "digest" in row.payload:
                return await self._digest(row)
            return self._notice(row)
        active = self._active.pop(row.id, None)
        if active is None:
            active = await self._planner.is_active(row.member_id)
        if not active:
            return None  # stopped, paused or blocked since the broadcast was queued
        text = row.payload.get("text")
        if row.kind == OutboxKind.NUDGE and text == NUDGE_SOURCE:
            text = nudge_text()  # the bot's own words: in the member's language
        copy_from, copy_id = row.payload.get("copy_from_chat"), row.payload.get("copy_message_id")
        if copy_from is not None and copy_id is not None:
            return Outgoing(copy_from_chat=int(copy_from), copy_message_id=int(copy_id))
        return Outgoing(text=str(text)) if text else None

    async def _group_post(self, row: OutboxDTO) -> Outgoing | None:
        """A post to a linked group, if the group (and the member named) still want it."""
        what = row.payload.get("group_post")
        groups = self._groups
        if groups is None:
            return None
        if what == "daily":
            post = await groups.daily_post(
                row.group_id, date.fromisoformat(row.payload["local_date"]), self._catalog
            )
            if post is None:
                return None
            rendered = group_views.daily_post(post, self._bot_username())
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

    async def _reminder(self, row: OutboxDTO) -> Outgoing | None:
        assert row.member_id is not None
        plan = await self._planner.plan_for_member_id(
            row.member_id, date.fromisoformat(row.payload["local_date"])
        )
        if plan is None or plan.member.status != MemberStatus.ACTIVE:
            return None
        if plan.state not in ("training", "rest", "finished"):
            return None
        rendered = render_session(self._catalog, plan)
        if plan.state == "finished":
            await self._planner.finish(row.member_id, plan.local_date)
        return Outgoing(text=rendered.text, markup=rendered.markup)

    async def _followup(self, row: OutboxDTO) -> Outgoing | None:
        """The gentle reminder, only if the member has not chosen anything since."""
        assert row.member_id is not None
        program_id = str(row.payload["program_followup"])
        start = date.fromisoformat(str(row.payload["program_start"]))
        plan = await self._planner.still_finished(row.member_id, program_id, start)
        if plan is None or program_id not in self._catalog.programs:
            return None
        rendered = render_finished_reminder(self._catalog, program_id, start)
        return Outgoing(text=rendered.text, markup=rendered.markup)

    async def _relay(self, row: OutboxDTO) -> Outgoing | None:
        """A coach thread's message, unless its item is gone or its coach no
        longer coaches (then the member's answer waits in /feed for the others)."""
        feedback = self._feedback
        view = await feedback.view(int(row.payload["relay"])) if feedback else None
        if view is None:
            return None
        rendered = relayed(view)
        return Outgoing(text=rendered.text, markup=rendered.markup)

    async def _digest(self, row: OutboxDTO) -> Outgoing | None:
        digests = self._digests
        if digests is None or row.member_id is None:
            return None
        week = date.fromisoformat(str(row.payload["week"]))
        if row.payload["digest"] == "trainer":
            coach = await digests.trainer_digest(row.member_id, week)
            return Outgoing(text=digest_views.trainer_digest(coach)) if coach else None
        member = await digests.member_digest(row.member_id, week)
        if member is None:
            return None
        return Outgoing(text=digest_views.member_digest(member, self._catalog))

    def _notice(self, row: OutboxDTO) -> Outgoing | None:
        if "milestone" in row.payload:
            text = celebrate_streak(int(row.payload["milestone"]))
        elif "program_complete" in row.payload:
            program = self._catalog.programs.get(str(row.payload["program_complete"]))
            text = celebrate_program(program.name if program else i18n._("your program"))
        else:
            return None
        return Outgoing(text=text, effect_id=CELEBRATION_EFFECT)


def make_composer(
    planner: SessionPlanner,
    catalog: Catalog,
    *,
    feedback: FeedbackService | None = None,
    digests: DigestService | None = None,
    groups: GroupService | None = None,
    bot_username: Callable[[], str | None] = lambda: None,
    catalogs: Callable[[str], Catalog] | None = None,
) -> Composer:
    """A composer for the sender, bound to the services it needs; `catalogs`
    gives the content of each language (default: `catalog` for all)."""
    return OutboxComposer(
        planner, catalog, feedback=feedback, digests=digests, groups=groups,
        bot_username=bot_username, catalogs=catalogs,
    )  # fmt: skip


def make_relay_listener(feedback: FeedbackService) -> AfterSend:
    """After a send: a relay message remembers the Telegram message it became, so
    a reply to that message finds its thread."""

    async def listen(result: SendResult) -> None:
        row = result.row
        if result.status != "sent" or result.message_id is None or not relay_key(row.dedupe_key):
            return
        try:
            await feedback.delivered(row.dedupe_key, result.message_id)
        except Exception:  # the message went out; only the link back is missing
            log.exception("could not link relay message %s", row.dedupe_key)

    return listen
