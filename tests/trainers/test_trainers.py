"""Trainer tools: who may use them, cohorts, broadcasts at Telegram's limit, stats."""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import Broadcast, Member, Outbox
from bot.delivery.sender import Pacer
from tests.conftest import ADMIN
from tests.kit.harness import Harness, second_instance
from tests.kit.members import bulk_members, onboard
from tests.kit.recording import FORBIDDEN_BLOCKED, TOO_MANY, RecordingRequest
from tests.kit.updates import TgUser, group_chat
from tests.kit.virtual_time import FloodRule, VirtualTime

TRAINER = TgUser(id=800_001, first_name="Tess", username="coach_tess")
MEMBER = TgUser(id=800_002, first_name="Max", username="max_m")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

TRAINER_COMMANDS = ["broadcast", "broadcasts", "nudge", "stats", "roster", "cohort"]
ADMIN_COMMANDS = ["promote", "demote"]
MEMBER_DATA_COMMANDS = ["stats", "roster", "cohort"]


async def staff_ready(bot: Harness) -> None:
    bot.clock.set(NOW - timedelta(days=8))
    for user in (ADMIN, TRAINER, MEMBER):
        await onboard(bot.app, user)
    bot.clock.set(NOW)
    await bot.app.bot_data.services.staff.set_role(TRAINER.id, "trainer")
    bot.api.clear()


def data_of(buttons: list[dict[str, object]]) -> list[str]:
    return [str(b.get("callback_data")) for b in buttons]


# -- authorization matrix ------------------------------------------------------------
@pytest.mark.parametrize("chat", ["private", "group"])
@pytest.mark.parametrize("who", ["member", "trainer", "admin"])
@pytest.mark.parametrize("command", TRAINER_COMMANDS + ADMIN_COMMANDS)
async def test_authorization_matrix(bot: Harness, command: str, who: str, chat: str) -> None:
    await staff_ready(bot)
    user = {"member": MEMBER, "trainer": TRAINER, "admin": ADMIN}[who]
    kwargs = {"chat": group_chat(), "mention_bot": True} if chat == "group" else {}
    async with bot.app.bot_data.database.sessions() as session:
        before = await session.scalar(select(func.count()).select_from(Broadcast))
        roles = dict((await session.execute(select(Member.telegram_id, Member.role))).all())
    await bot.command(user, command, **kwargs)
    reply = bot.api.last().text
    allowed = who == "admin" or (who == "trainer" and command in TRAINER_COMMANDS)
    if chat == "group" and command in MEMBER_DATA_COMMANDS:
        # The privacy gate answers everyone alike in a group (tests/community).
        assert reply.startswith("That shows members' data")
    elif not allowed:
        assert reply in (
            "That command is for trainers. Send /help to see yours.",
            "Only admins can do that.",
        )
        async with bot.app.bot_data.database.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Broadcast)) == before
            after = dict((await session.execute(select(Member.telegram_id, Member.role))).all())
        assert after == roles
    else:
        assert "for trainers" not in reply
        assert "Only admins" not in reply


# -- roles and menus -----------------------------------------------------------------
async def test_promote_and_demote_by_id_username_and_reply(bot: Harness) -> None:
    await staff_ready(bot)
    await bot.command(ADMIN, "promote", "@max_m")
    assert "is now a trainer" in bot.api.last().text
    menu = next(c for c in bot.api.calls if c.method == "setMyCommands")
    assert menu.params["scope"] == {"type": "chat", "chat_id": MEMBER.id}
    assert "broadcast" in [c["command"] for c in menu.params["commands"]]
    await bot.command(ADMIN, "demote", str(MEMBER.id))
    assert "member again" in bot.api.last().text
    assert bot.api.calls[-2].method == "deleteMyCommands"
    member_message = {"message_id": 5, "date": 1, "chat": group_chat(), "text": "hi",
                      "from": {"id": MEMBER.id, "is_bot": False, "first_name": "Max"}}  # fmt: skip
    await bot.text(ADMIN, "/promote", chat=group_chat(), reply_to=member_message)
    assert "is now a trainer" in bot.api.last().text
    await bot.command(ADMIN, "promote", "@nobody_here")
    assert "send me /start first" in bot.api.last().text
    await bot.command(ADMIN, "demote", str(ADMIN.id))
    assert "BOT_ADMIN_IDS" in bot.api.last().text


async def test_admins_come_from_configuration_at_every_start(bot: Harness) -> None:
    await staff_ready(bot)
    async with bot.app.bot_data.database.sessions.begin() as session:
        row = await session.scalar(select(Member).where(Member.telegram_id == MEMBER.id))
        assert row is not None
        row.role = "admin"  # not in BOT_ADMIN_IDS
    await bot.app.bot_data.services.staff.sync_admins()
    assert (await bot.app.bot_data.members.get(MEMBER.id)).role == "member"  # type: ignore[union-attr]
    assert (await bot.app.bot_data.members.get(ADMIN.id)).role == "admin"  # type: ignore[union-attr]


# -- cohorts -------------------------------------------------------------------------
async def test_cohorts_invite_link_join_list_and_show(bot: Harness) -> None:
    await staff_ready(bot)
    await bot.command(TRAINER, "cohort", "new Spring 2026")
    text = bot.api.last().text
    assert "Cohort <b>Spring 2026</b> created" in text
    code = text.split("?start=")[1].split()[0]
    newcomer = TgUser(id=800_010, first_name="Nia")
    await bot.command(newcomer, "start", code)
    assert any("joined the cohort <b>Spring 2026</b>" in t for t in bot.replies(newcomer.id))
    await bot.command(ADMIN, "cohort", "new spring 2026")
    assert "already a cohort" in bot.api.last().text
    await bot.command(TRAINER, "cohort", "new <script>")
    assert "A cohort name is" in bot.api.last().text
    await bot.command(TRAINER, "cohort", "list")
    assert "Spring 2026</b>: 1 member ·" in bot.api.last().text
    await bot.command(TRAINER, "cohort", "Spring 2026")
    assert "• Nia" in bot.api.last().text
    await bot.command(TRAINER, "cohort", "Winter")
    assert "no cohort called Winter" in bot.api.last().text


async def test_a_cohort_asked_for_again_by_its_trainer_is_the_same_cohort(bot: Harness) -> None:
    """The same /cohort new handled twice (a crash before it was marked done) or
    typed twice: one cohort, the same invite link, no 'already taken'."""
    await staff_ready(bot)
    asked = bot.updates.command(TRAINER, "cohort", "new Spring 2026")
    await bot.send(asked)
    first = bot.api.last().text
    await bot.handle_again(asked)
    assert bot.api.last().text == first
    await bot.command(TRAINER, "cohort", "new  spring 2026")
    assert "?start=" + first.split("?start=")[1].split()[0] in bot.api.last().text
    assert len(await bot.services.staff.cohorts()) == 1


async def test_a_broadcast_or_nudge_handled_again_makes_no_second_draft(bot: Harness) -> None:
    """Drafts carry the update that made them: handling it again after a crash
    shows the same draft again instead of starting another."""
    await staff_ready(bot)
    for command, args in (("broadcast", "Class at 6pm"), ("nudge", "3")):
        asked = bot.updates.command(TRAINER, command, args)
        await bot.send(asked)
        shown = [c.text for c in bot.api.sent(chat_id=TRAINER.id)][-1]
        await bot.handle_again(asked)
        assert [c.text for c in bot.api.sent(chat_id=TRAINER.id)][-1] == shown
    async with bot.app.bot_data.database.sessions() as session:
        drafts = (await session.execute(select(Broadcast.request_key))).scalars().all()
    assert len(drafts) == 2
    assert len(set(drafts)) == 2
    # A nudge nobody needed was cancelled at once; handled again, it says so.
    await bot.services.broadcasts.cancel(max(await _broadcast_ids(bot)))
    await bot.handle_again(asked)
    assert "already on its way or cancelled" in bot.api.last().text


async def _broadcast_ids(bot: Harness) -> list[int]:
    async with bot.app.bot_data.database.sessions() as session:
        return list((await session.execute(select(Broadcast.id))).scalars())


# -- broadcasts ----------------------------------------------------------------------
async def queue_in_background(bot: Harness) -> None:
    """What the background task started after Send (or the monitor job) does:
    Send itself no longer writes the outbox rows."""
    await bot.app.bot_data.services.broadcasts.resume_due()


async def broadcast_text(bot: Harness, text: str, audience: str = "all") -> int:
    await bot.command(TRAINER, "broadcast", text)
    question = bot.api.last()
    choices = data_of(question.buttons())
    broadcast_id = int(choices[0].split(":")[2])
    await bot.send(bot.updates.callback(TRAINER, f"bc:a:{broadcast_id}:{audience}"))
    await bot.send(bot.updates.callback(TRAINER, f"bc:go:{broadcast_id}"))
    await queue_in_background(bot)
    return broadcast_id


async def test_text_broadcast_preview_audience_and_delivery(bot: Harness) -> None:
    await staff_ready(bot)
    await bot.command(TRAINER, "broadcast", "Class moves to <b>6pm</b> & bring a band!")
    preview = bot.api.sent("sendMessage", TRAINER.id)
    assert "Preview" in preview[-3].text
    assert preview[-2].text == "Class moves to &lt;b&gt;6pm&lt;/b&gt; &amp; bring a band!"
    question = preview[-1]
    assert "Everyone active (…)" in str(question.buttons())  # sent before counting
    counted = bot.api.last("editMessageText")  # then the counts fill in
    assert "Everyone active (3)" in str(counted.buttons())
    broadcast_id = int(data_of(question.buttons())[0].split(":")[2])
    await bot.send(bot.updates.callback(TRAINER, f"bc:a:{broadcast_id}:all"))
    assert "Send this to <b>3</b> members now?" in bot.api.last("editMessageText").text
    await bot.send(bot.updates.callback(TRAINER, f"bc:go:{broadcast_id}"))
    await queue_in_background(bot)
    progress = bot.api.last("sendMessage")
    assert f"Broadcast #{broadcast_id}" in progress.text
    services = bot.app.bot_data.services
    assert await services.sender.drain() == 3
    delivered = [c.chat_id for c in bot.api.sent("sendMessage") if "bring a band" in c.text]
    assert sorted(delivered) == sorted([ADMIN.id, TRAINER.id, MEMBER.id, TRAINER.id])  # + preview
    views = await services.monitor.step()
    assert views[0].status == "done"
    assert "done ✅" in bot.api.last("editMessageText").text


async def test_broadcast_of_a_photo_and_a_document_uses_copy_message(bot: Harness) -> None:
    await staff_ready(bot)
    for kind in ("photo", "document"):
        source = {"message_id": 4242, "date": 1, "chat": {"id": TRAINER.id, "type": "private"},
                  "from": {"id": TRAINER.id, "is_bot": False, "first_name": "Tess"}}  # fmt: skip
        source[kind] = (
            [{"file_id": "p", "file_unique_id": "p", "width": 10, "height": 10}]
            if kind == "photo"
            else {"file_id": "d", "file_unique_id": "d"}
        )
        bot.api.clear()
        await bot.text(TRAINER, "/broadcast", reply_to=source)
        preview = bot.api.sent("copyMessage")[-1]
        assert preview.params["from_chat_id"] == TRAINER.id
        assert preview.params["message_id"] == 4242
        broadcast_id = int(data_of(bot.api.last("sendMessage").buttons())[0].split(":")[2])
        await bot.send(bot.updates.callback(TRAINER, f"bc:a:{broadcast_id}:all"))
        await bot.send(bot.updates.callback(TRAINER, f"bc:go:{broadcast_id}"))
        await queue_in_background(bot)
        await bot.app.bot_data.services.sender.drain()
        copies = [c for c in bot.api.sent("copyMessage") if c.params["message_id"] == 4242]
        assert sorted(c.chat_id for c in copies[1:]) == sorted([ADMIN.id, TRAINER.id, MEMBER.id])


async def test_cohort_audience_and_cancel(bot: Harness) -> None:
    await staff_ready(bot)
    await bot.command(TRAINER, "cohort", "new Evening")
    code = bot.api.last().text.split("?start=")[1].split()[0]
    await bot.command(MEMBER, "start", code)
    cohort_id = (await bot.app.bot_data.services.staff.cohort("Evening")).id  # type: ignore[union-attr]
    broadcast_id = await broadcast_text(bot, "Evening crew only", audience=f"c{cohort_id}")
    await bot.app.bot_data.services.sender.drain()
    got = [c.chat_id for c in bot.api.sent("sendMessage") if c.text == "Evening crew only"]
    assert got.count(MEMBER.id) == 1
    assert ADMIN.id not in got
    # A second broadcast cancelled before the sender runs sends nothing.
    second = await broadcast_text(bot, "Oops, wrong text")
    await bot.send(bot.updates.callback(TRAINER, f"bc:x:{second}"))
    assert await bot.app.bot_data.services.sender.drain() == 0
    assert broadcast_id != second


async def test_scheduled_broadcast_goes_out_at_its_time(bot: Harness) -> None:
    await staff_ready(bot)  # trainer in Europe/Berlin; 09:00 UTC is 10:00 there
    await bot.command(TRAINER, "broadcast", "at 2026-03-10 18:30 Stretch class tonight")
    broadcast_id = int(data_of(bot.api.last("sendMessage").buttons())[0].split(":")[2])
    await bot.send(bot.updates.callback(TRAINER, f"bc:a:{broadcast_id}:all"))
    assert "on Tue 10 Mar 2026 18:30 (Europe/Berlin)" in bot.api.last("editMessageText").text
    await bot.send(bot.updates.callback(TRAINER, f"bc:go:{broadcast_id}"))
    assert "Scheduled for" in bot.api.last("editMessageText").text
    await bot.command(TRAINER, "broadcasts")
    assert f"bc:x:{broadcast_id}" in data_of(bot.api.last().buttons())
    services = bot.app.bot_data.services
    await services.monitor.step()
    assert await services.sender.drain() == 0
    bot.clock.set(datetime(2026, 3, 10, 17, 30, tzinfo=UTC))
    await services.monitor.step()
    assert await services.sender.drain() == 3
    await bot.command(TRAINER, "broadcast", "at 2026-03-01 08:00 too late")
    assert "already passed" in bot.api.last().text
    await bot.command(TRAINER, "broadcast", "at 2026-02-30 08:00 no such day")
    assert "Write the time as" in bot.api.last().text


async def test_broadcast_without_text_explains(bot: Harness) -> None:
    await staff_ready(bot)
    await bot.command(TRAINER, "broadcast")
    assert "reply to a message" in bot.api.last().text


async def test_stale_and_foreign_broadcast_buttons(bot: Harness) -> None:
    await staff_ready(bot)
    broadcast_id = await broadcast_text(bot, "Hello")
    await bot.send(bot.updates.callback(TRAINER, f"bc:go:{broadcast_id}"))  # second tap
    assert "already on its way" in bot.api.calls[-1].params["text"]
    await bot.send(bot.updates.callback(ADMIN, f"bc:x:{broadcast_id}"))  # not the author
    assert "not yours" in bot.api.calls[-1].params["text"]
    await bot.send(bot.updates.callback(MEMBER, f"bc:x:{broadcast_id}"))
    assert "for trainers" in bot.api.calls[-1].params["text"]
    await bot.send(bot.updates.callback(TRAINER, "bc:a:999999:all"))
    assert "no longer exists" in bot.api.calls[-1].params["text"]


async def test_nudge_reaches_only_the_inactive(bot: Harness) -> None:
    await staff_ready(bot)
    await bot.app.bot_data.services.checkins.record(MEMBER.id, None, "done")
    await bot.command(TRAINER, "nudge", "3")
    confirm = bot.api.last("sendMessage")
    assert "Send this to <b>2</b> members now?" in confirm.text
    nudge_id = int(data_of(confirm.buttons())[0].split(":")[2])
    await bot.send(bot.updates.callback(TRAINER, f"bc:go:{nudge_id}"))
    await queue_in_background(bot)
    await bot.app.bot_data.services.sender.drain()
    nudged = [c.chat_id for c in bot.api.sent("sendMessage") if "since your last session" in c.text]
    assert sorted(nudged) == sorted([TRAINER.id, ADMIN.id, TRAINER.id])  # preview + 2
    for days in ("many", "²"):
        await bot.command(TRAINER, "nudge", days)
        assert "from 1 to 60" in bot.api.last().text


async def test_broadcast_to_a_thousand_at_telegrams_limit(bot: Harness) -> None:
    """429 above 30/s, 403 for 5 %, a progress message edited at most every 3 s, and a
    restart half-way: everyone else gets exactly one copy."""
    await staff_ready(bot)
    ids = await bulk_members(bot.app, 1000)
    blocked = set(ids[::20])  # 50 members, 5 %
    vt = VirtualTime(bot.clock)
    flood = FloodRule(30)
    bot.api.monotonic = vt.monotonic
    bot.api.fail_when(lambda call: call.chat_id in blocked, FORBIDDEN_BLOCKED)
    bot.api.fail_when(
        flood, TOO_MANY.__class__(429, "Too Many Requests: retry after 1", retry_after=1)
    )
    services = bot.app.bot_data.services
    # Configured faster than Telegram allows, so flood control really kicks in.
    services.sender.pacer = Pacer(40, monotonic=vt.monotonic, sleep=vt.sleep)
    edits: list[datetime] = []

    looked: list[datetime] = []

    async def watch(_: object) -> None:
        # As the monitor job would: now and then (here at most once a virtual
        # second), not after every single outcome.
        now = bot.clock.now()
        if looked and now - looked[-1] < timedelta(seconds=1):
            return
        looked.append(now)
        before = len(bot.api.sent("editMessageText"))
        await services.monitor.step()
        if len(bot.api.sent("editMessageText")) > before:
            edits.append(bot.clock.now())

    services.sender.listeners.append(watch)
    broadcast_id = await broadcast_text(bot, "Big announcement")
    await services.sender.drain(limit=500)

    # Restart: a second application on the same database finishes the job.
    request = RecordingRequest(vt.monotonic)
    request.fail_when(lambda call: call.chat_id in blocked, FORBIDDEN_BLOCKED)
    request.fail_when(
        flood, TOO_MANY.__class__(429, "Too Many Requests: retry after 1", retry_after=1)
    )
    async with second_instance(bot, request) as second:
        other = second.services
        other.sender.pacer = Pacer(40, monotonic=vt.monotonic, sleep=vt.sleep)
        await other.monitor.step()
        while await other.sender.drain():
            pass
        view = (await other.monitor.step())[0]

    accepted = Counter(
        c.chat_id
        for api in (bot.api, request)
        for c in api.calls
        if c.method == "sendMessage" and c.text == "Big announcement" and c.refused is None
    )
    assert flood.refused > 0, "flood control was never exercised"
    community = set(ids) | {ADMIN.id, TRAINER.id, MEMBER.id}
    accepted[TRAINER.id] -= 1  # the trainer's preview
    # Every member who did not block the bot got exactly one copy; the blocked got none.
    assert {chat for chat, n in accepted.items() if n > 0} == community - blocked
    assert set(accepted.values()) == {0, 1} or set(accepted.values()) == {1}
    assert view.status == "done"
    assert view.sent == len(community) - len(blocked)
    assert view.blocked == len(blocked)
    async with bot.app.bot_data.database.sessions() as session:
        statuses = dict(
            (
                await session.execute(select(Member.status, func.count()).group_by(Member.status))
            ).all()
        )
        assert statuses["blocked"] == len(blocked)
        rows = await session.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.broadcast_id == broadcast_id)
        )
        assert rows == len(community)
    for earlier, later in itertools.pairwise(edits):
        assert later - earlier >= timedelta(seconds=3)
    assert len(edits) >= 3


# -- stats and roster ----------------------------------------------------------------
async def test_stats_and_roster(bot: Harness) -> None:
    await staff_ready(bot)
    checkins = bot.app.bot_data.services.checkins
    for offset in range(8):
        bot.clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC) + timedelta(days=offset))
        await checkins.record(MEMBER.id, None, "done")
    bot.clock.set(NOW)
    await bot.command(TRAINER, "stats")
    photo = bot.api.last("sendPhoto")
    assert "Stats · everyone" in photo.text
    assert "3 active" in photo.text
    assert "Top streaks: Max" in photo.text
    assert photo.uploads["photo"].startswith(b"\x89PNG")
    await bot.command(TRAINER, "roster")
    document = bot.api.last("sendDocument")
    rows = list(csv.DictReader(io.StringIO(document.uploads["document"].decode("utf-8-sig"))))
    assert {r["name"] for r in rows} == {"Dana", "Tess", "Max"}
    max_row = next(r for r in rows if r["name"] == "Max")
    assert max_row["program"] == "Defy Gravity"
    assert max_row["last_checkin"] == date(2026, 3, 9).isoformat()
    assert int(max_row["current_streak"]) >= 5
    await bot.command(TRAINER, "stats", "No Such Cohort")
    assert "no cohort by that name" in bot.api.last().text
