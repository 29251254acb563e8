"""The coach feedback loop: pain alerts, the relay both ways, /feed, "Send this
to a coach?", cohort trainers and the scope of trainers' views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.catalog.questions import reads_like_pain
from bot.db.models import FeedItem, Member, Outbox, RelayMessage
from bot.render.questions import STOP_AND_CHECK
from tests.conftest import ADMIN
from tests.kit.asserts import assert_telegram_valid
from tests.kit.harness import Harness
from tests.kit.members import onboard
from tests.kit.recording import BOT_ID, FORBIDDEN_BLOCKED, Failure
from tests.kit.updates import TgUser, group_chat, private_chat

TRAINER = TgUser(id=810_001, first_name="Tess", username="coach_tess")
MEMBER = TgUser(id=810_002, first_name="Max", username="max_m")
OTHER = TgUser(id=810_003, first_name="Ola", username="ola_o")
STRANGER = TgUser(id=810_099, first_name="Sam")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # Tuesday, 10:00 in Berlin
TODAY = "20260310"
TRAINERS_ONLY = "That command is for trainers. Send /help to see yours."
ITEM_GONE = "That note is no longer in the feed."


@pytest.mark.parametrize(
    ("note", "alert"),
    [
        ("felt a pinch in my left hip", True),
        ("Sharp pain in the knee on lunges", True),
        ("my back HURTS", True),
        ("I can't walk properly today", True),
        ("got dizzy on the bridges", True),
        ("numb toes and tingling in the foot", True),
        ("some swelling around the ankle", True),
        ("tweaked my shoulder 🤕", True),
        ("Schmerzen im Knie", True),
        ("me duele la rodilla", True),
        ("no pain today, felt strong", False),
        ("legs are sore after yesterday", False),
        ("did it without pain", False),
        ("kein Schmerz mehr", False),
        ("sin dolor", False),
        ("great session 💪🔥", False),
        ("", False),
        ("a " * 2500, False),
    ],
)
def test_which_notes_read_like_pain(note: str, alert: bool) -> None:
    assert reads_like_pain(note) is alert


async def ready(bot: Harness, *, cohort: bool = True) -> None:
    """An admin, a trainer and two members; with `cohort`, both members in the
    cohort Spring whose coach is the trainer."""
    bot.clock.set(NOW - timedelta(days=8))
    for user in (ADMIN, TRAINER, MEMBER, OTHER):
        await onboard(bot.app, user)
    bot.clock.set(NOW)
    services = bot.services
    await services.staff.set_role(TRAINER.id, "trainer")
    if cohort:
        created = await services.staff.create_cohort("Spring", ADMIN.id)
        await services.preferences.join_cohort(MEMBER.id, created.code)
        await services.preferences.join_cohort(OTHER.id, created.code)
        await bot.command(ADMIN, "cohort", "Spring trainer @coach_tess")
        assert "now coaches <b>Spring</b>" in bot.api.last().text
    bot.api.clear()


async def someone_outside(bot: Harness) -> TgUser:
    """A member in no cohort, onboarded a week ago."""
    outsider = TgUser(id=812_000, first_name="Uli")
    bot.clock.set(NOW - timedelta(days=8))
    await onboard(bot.app, outsider)
    bot.clock.set(NOW)
    return outsider


async def note(bot: Harness, user: TgUser, text: str, day: str = TODAY) -> str:
    await bot.send(bot.updates.callback(user, f"ci:d:{day}"))
    await bot.send(bot.updates.callback(user, f"ci:n:{day}"))
    await bot.text(user, text)
    return bot.api.last().text


async def drain(bot: Harness) -> int:
    return int(await bot.services.sender.drain())


def bot_message(user: TgUser, message_id: int, text: str = "…") -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": 1,
        "chat": private_chat(user),
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Defy Gravity"},
        "text": text,
    }


async def relay_ids(bot: Harness, chat_id: int) -> list[int]:
    """The Telegram message ids of the relay messages sent into a chat, in order."""
    async with bot.app.bot_data.database.sessions() as session:
        rows = await session.scalars(
            select(RelayMessage.telegram_message_id)
            .where(RelayMessage.chat_id == chat_id, RelayMessage.telegram_message_id.is_not(None))
            .order_by(RelayMessage.id)
        )
        return [int(r) for r in rows]


async def item_ids(bot: Harness) -> list[int]:
    async with bot.app.bot_data.database.sessions() as session:
        return list(await session.scalars(select(FeedItem.id).order_by(FeedItem.id)))


async def outbox_count(bot: Harness) -> int:
    async with bot.app.bot_data.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Outbox)) or 0)


# -- alerts --------------------------------------------------------------------------
async def test_a_pain_note_alerts_the_cohorts_coach_at_once(bot: Harness) -> None:
    await ready(bot)
    reply = await note(bot, MEMBER, "felt a pinch in my left hip")
    assert reply.startswith("📝 Note saved")
    assert "A coach will see this note" in reply
    assert STOP_AND_CHECK in reply
    assert await drain(bot) == 1
    alert = bot.api.sent(chat_id=TRAINER.id)[-1]
    assert "🚩 <b>Max</b> left a note that may be about pain" in alert.text
    assert "“felt a pinch in my left hip”" in alert.text
    assert alert.buttons()[0]["text"] == "💬 Reply"
    assert not bot.api.sent(chat_id=ADMIN.id)  # the cohort has its own coach
    # Said again (the same note, the same update handled twice): no second alert.
    await note(bot, MEMBER, "felt a pinch in my left hip, sharp")
    assert await drain(bot) == 0
    # The coach answers by replying to the alert itself.
    (alert_id,) = await relay_ids(bot, TRAINER.id)
    await bot.text(TRAINER, "Stop the lunges for now.", reply_to=bot_message(TRAINER, alert_id))
    assert await drain(bot) == 1
    assert bot.api.sent(chat_id=MEMBER.id)[-1].text.startswith(
        "💬 <b>Coach Tess:</b> Stop the lunges for now."
    )


async def test_without_cohort_coaches_every_trainer_hears_and_calm_notes_stay_in_the_feed(
    bot: Harness,
) -> None:
    await ready(bot, cohort=False)
    reply = await note(bot, MEMBER, "great session, felt strong 💪")
    assert "coach" not in reply
    assert await drain(bot) == 0
    await note(bot, OTHER, "my knee hurts on the lunges")
    assert await drain(bot) == 2  # the trainer and the admin
    assert "🚩 <b>Ola</b>" in bot.api.sent(chat_id=TRAINER.id)[-1].text
    assert "🚩 <b>Ola</b>" in bot.api.sent(chat_id=ADMIN.id)[-1].text
    await bot.command(TRAINER, "feed")
    feed = bot.api.last().text
    assert feed.index("Ola") < feed.index("Max")  # newest first
    assert "🚩 <b>Ola</b>" in feed
    assert "great session" in feed


async def test_very_hard_and_very_easy_efforts_show_in_the_feed(bot: Harness) -> None:
    await ready(bot)
    await bot.send(bot.updates.callback(MEMBER, f"ci:d:{TODAY}"))
    await bot.send(bot.updates.callback(MEMBER, f"ci:e:{TODAY}:5"))
    await bot.send(bot.updates.callback(OTHER, f"ci:d:{TODAY}"))
    await bot.send(bot.updates.callback(OTHER, f"ci:e:{TODAY}:3"))
    await bot.command(TRAINER, "feed")
    feed = bot.api.last().text
    assert "effort 5/5 (very hard)" in feed
    assert "Ola" not in feed


# -- the relay -----------------------------------------------------------------------
async def _coach_replies(bot: Harness, text: str) -> None:
    """The trainer taps 💬 Reply on the newest feed item and types `text`."""
    item = (await item_ids(bot))[-1]
    await bot.send(bot.updates.callback(TRAINER, f"fb:r:{item}"))
    prompt = bot.api.last()
    assert prompt.reply_markup["force_reply"] is True
    async with bot.app.bot_data.database.sessions() as session:
        prompt_id = await session.scalar(
            select(RelayMessage.telegram_message_id).where(RelayMessage.direction == "prompt")
        )
    assert prompt_id is not None
    await bot.text(TRAINER, text, reply_to=bot_message(TRAINER, int(prompt_id)))


async def test_the_relay_both_ways_never_shows_the_coachs_account(bot: Harness) -> None:
    await ready(bot)
    await note(bot, MEMBER, "felt a pinch in my left hip")
    await drain(bot)
    await _coach_replies(bot, "Skip the lunges for two days & tell me how it feels <3")
    assert bot.api.last().text == "📨 Sent to Max."
    assert await drain(bot) == 1
    to_member = bot.api.sent(chat_id=MEMBER.id)[-1]
    assert to_member.text.startswith(
        "💬 <b>Coach Tess:</b> Skip the lunges for two days &amp; tell me how it feels &lt;3"
    )
    everything = str(to_member.params)
    assert "coach_tess" not in everything
    assert str(TRAINER.id) not in everything
    # The member answers by replying to the coach's message: it reaches that coach.
    (coach_message,) = await relay_ids(bot, MEMBER.id)
    await bot.text(MEMBER, "Thanks, will do", reply_to=bot_message(MEMBER, coach_message))
    assert bot.api.last().text == "📨 Sent to your coach."
    assert await drain(bot) == 1
    answer = bot.api.sent(chat_id=TRAINER.id)[-1]
    assert "💬 <b>Max</b> answered about Tue 10 Mar:\nThanks, will do" in answer.text
    # The coach replies straight to that answer: the thread goes on.
    member_answer = (await relay_ids(bot, TRAINER.id))[-1]
    await bot.text(TRAINER, "Great 👍", reply_to=bot_message(TRAINER, member_answer))
    await drain(bot)
    assert bot.api.sent(chat_id=MEMBER.id)[-1].text.startswith("💬 <b>Coach Tess:</b> Great 👍")
    # /feed counts the answers.
    await bot.command(TRAINER, "feed")
    assert "2 answered" in bot.api.last().text


async def test_long_empty_and_emoji_replies(bot: Harness) -> None:
    await ready(bot)
    await note(bot, MEMBER, "numb toes 🦶" + " very" * 80)
    await drain(bot)
    assert_telegram_valid(bot.api.sent(chat_id=TRAINER.id)[-1])
    await _coach_replies(bot, "🙂" * 5000)
    await drain(bot)
    relayed = bot.api.sent(chat_id=MEMBER.id)[-1]
    assert relayed.text.startswith("💬 <b>Coach Tess:</b> 🙂")
    assert_telegram_valid(relayed)
    (coach_message,) = await relay_ids(bot, MEMBER.id)
    await bot.text(MEMBER, "<b>x</b> & " * 600, reply_to=bot_message(MEMBER, coach_message))
    await drain(bot)
    answer = bot.api.sent(chat_id=TRAINER.id)[-1]
    assert "&lt;b&gt;x&lt;/b&gt; &amp;" in answer.text
    assert_telegram_valid(answer)


async def test_a_coach_demoted_meanwhile(bot: Harness) -> None:
    await ready(bot, cohort=False)
    await note(bot, MEMBER, "sharp pain in my knee")
    await drain(bot)
    await _coach_replies(bot, "Rest it today.")
    await drain(bot)
    (coach_message,) = await relay_ids(bot, MEMBER.id)
    await bot.command(ADMIN, "demote", "@coach_tess")
    bot.api.clear()
    # The member's answer goes to the coaches there are now, and they are told.
    await bot.text(MEMBER, "ok, still sore", reply_to=bot_message(MEMBER, coach_message))
    assert "passed it to the team" in bot.api.last().text
    assert await drain(bot) == 1
    assert "💬 <b>Max</b> answered" in bot.api.sent(chat_id=ADMIN.id)[-1].text
    assert not bot.api.sent(chat_id=TRAINER.id)
    # The former coach can no longer answer, by reply or by button.
    alert = (await relay_ids(bot, TRAINER.id))[0]
    await bot.text(TRAINER, "me again", reply_to=bot_message(TRAINER, alert))
    assert bot.api.last().text == TRAINERS_ONLY
    await bot.send(bot.updates.callback(TRAINER, f"fb:r:{(await item_ids(bot))[-1]}"))
    assert bot.api.last("answerCallbackQuery").params["text"] == TRAINERS_ONLY
    assert await drain(bot) == 0


async def test_a_message_queued_for_a_coach_demoted_before_it_went_is_not_sent(
    bot: Harness,
) -> None:
    await ready(bot)
    await note(bot, MEMBER, "my ankle is swollen")
    await bot.command(ADMIN, "demote", "@coach_tess")
    bot.api.clear()
    await drain(bot)
    assert not bot.api.sent(chat_id=TRAINER.id)


async def test_a_member_who_blocked_the_bot(bot: Harness) -> None:
    await ready(bot)
    await note(bot, MEMBER, "felt a pinch in my left hip")
    await drain(bot)
    # Blocked after the note: Telegram refuses the coach's answer.
    bot.api.fail_when(lambda call: call.chat_id == MEMBER.id, FORBIDDEN_BLOCKED)
    await _coach_replies(bot, "How is it now?")
    assert await drain(bot) == 1
    member = await bot.app.bot_data.members.get(MEMBER.id)
    assert member is not None
    assert member.status == "blocked"
    async with bot.app.bot_data.database.sessions() as session:
        failed = await session.scalar(
            select(Outbox.status).where(Outbox.chat_id == MEMBER.id).order_by(Outbox.id.desc())
        )
    assert failed == "failed"
    # Known to be blocked: the coach is told at once and nothing is queued.
    before = await outbox_count(bot)
    await _coach_replies(bot, "Anyone there?")
    assert "can't reach them" in bot.api.last().text
    assert await outbox_count(bot) == before


async def test_replies_to_other_bot_messages_are_not_relayed(bot: Harness) -> None:
    await ready(bot)
    await bot.text(MEMBER, "what does the gluteus medius do?", reply_to=bot_message(MEMBER, 4242))
    assert "Gluteus medius" in bot.api.last().text
    assert await outbox_count(bot) == 0


# -- /feed ---------------------------------------------------------------------------
async def test_feed_pages_stale_buttons_and_strangers(bot: Harness) -> None:
    await ready(bot, cohort=False)
    people = [TgUser(id=811_000 + n, first_name=f"P{n:02d}") for n in range(12)]
    for person in people:
        bot.clock.set(NOW - timedelta(days=8))
        await onboard(bot.app, person)
        bot.clock.set(NOW + timedelta(minutes=people.index(person)))
        await note(bot, person, f"note of {person.first_name}")
    bot.api.clear()
    await bot.command(TRAINER, "feed")
    first = bot.api.last()
    assert "page 1 of 3" in first.text
    assert "P11" in first.text
    assert "P06" not in first.text
    assert [b["text"] for b in first.buttons()][-1] == "Older ▶"
    assert len(first.buttons()) == 6
    await bot.send(bot.updates.callback(TRAINER, "fb:p:1"))
    second = bot.api.last("editMessageText")
    assert "page 2 of 3" in second.params["text"]
    assert "P06" in second.params["text"]
    await bot.send(bot.updates.callback(TRAINER, "fb:p:99"))
    assert "page 3 of 3" in bot.api.last("editMessageText").params["text"]
    await bot.command(TRAINER, "feed", "abc")
    assert "page 1 of 3" in bot.api.last().text
    # Stale, forged and strangers' presses.
    await bot.send(bot.updates.callback(TRAINER, "fb:r:999999"))
    assert (
        bot.api.last("answerCallbackQuery").params["text"] == "That note is no longer in the feed."
    )
    await bot.send(bot.updates.callback(TRAINER, "fb:zz:1"))
    assert "expired" in bot.api.last("answerCallbackQuery").params["text"]
    for who in (MEMBER, STRANGER):
        await bot.send(bot.updates.callback(who, "fb:p:0"))
        assert bot.api.last("answerCallbackQuery").params["text"] == TRAINERS_ONLY
        await bot.send(bot.updates.callback(who, f"fb:r:{(await item_ids(bot))[0]}"))
        assert bot.api.last("answerCallbackQuery").params["text"] == TRAINERS_ONLY
    # A member pressing yes on someone else's item: nothing happens to it.
    await bot.send(bot.updates.callback(MEMBER, f"fb:y:{(await item_ids(bot))[0]}"))
    assert bot.api.last("answerCallbackQuery").params["text"] == "That button has expired."
    # Members and groups.
    await bot.command(MEMBER, "feed")
    assert bot.api.last().text == TRAINERS_ONLY
    await bot.command(TRAINER, "feed", chat=group_chat(), mention_bot=True)
    assert "private chat" in bot.api.last().text
    assert "P11" not in bot.api.last().text


async def test_an_empty_feed(bot: Harness) -> None:
    await ready(bot)
    await bot.command(TRAINER, "feed")
    assert "Nothing yet" in bot.api.last().text
    assert "Spring" in bot.api.last().text  # the trainer's own cohort


async def test_a_trainers_feed_shows_their_cohorts_and_admins_see_all(bot: Harness) -> None:
    await ready(bot)
    outsider = await someone_outside(bot)
    await note(bot, outsider, "outside note")
    await note(bot, MEMBER, "inside note")
    await bot.command(TRAINER, "feed")
    assert "inside note" in bot.api.last().text
    assert "outside note" not in bot.api.last().text
    await bot.command(ADMIN, "feed")
    assert "inside note" in bot.api.last().text
    assert "outside note" in bot.api.last().text
    outside_item = (await item_ids(bot))[0]
    await bot.send(bot.updates.callback(TRAINER, f"fb:r:{outside_item}"))
    assert (
        bot.api.last("answerCallbackQuery").params["text"] == "That note is no longer in the feed."
    )


# -- Send this to a coach? -----------------------------------------------------------
def photo_update(bot: Harness, user: TgUser, message_id: int) -> Any:
    message = {
        "message_id": message_id,
        "date": 1,
        "chat": private_chat(user),
        "from": user.as_dict(),
        "photo": [{"file_id": "PH-1", "file_unique_id": "ph1", "width": 9, "height": 9}],
        "caption": "is my knee right here?",
    }
    return bot.updates._wrap({"message": message})


async def test_a_photo_goes_to_the_coaches_only_if_the_member_says_yes(bot: Harness) -> None:
    await ready(bot)
    await bot.send(photo_update(bot, MEMBER, 501))
    asked = bot.api.last()
    assert asked.text == "Send this photo to a coach? They can answer you here."
    yes, no = (b["callback_data"] for b in asked.buttons())
    await bot.command(TRAINER, "feed")
    assert "Nothing yet" in bot.api.last().text  # a draft is not in the feed
    await bot.send(bot.updates.callback(MEMBER, yes))
    assert "Sent to a coach" in bot.api.last("editMessageText").params["text"]
    await bot.send(bot.updates.callback(MEMBER, yes))  # a double tap
    assert "already with the coaches" in bot.api.last("editMessageText").params["text"]
    await bot.send(bot.updates.callback(MEMBER, no))  # too late to take back
    await bot.command(TRAINER, "feed")
    assert "📷 a photo · “is my knee right here?”" in bot.api.last().text
    await bot.send(bot.updates.callback(TRAINER, f"fb:r:{(await item_ids(bot))[-1]}"))
    copy = bot.api.last("copyMessage")
    assert copy.params["chat_id"] == TRAINER.id
    assert copy.params["message_id"] == 501
    # The same relay as a note's.
    async with bot.app.bot_data.database.sessions() as session:
        prompt_id = await session.scalar(select(RelayMessage.telegram_message_id))
    await bot.text(TRAINER, "Looks fine!", reply_to=bot_message(TRAINER, int(prompt_id or 0)))
    await drain(bot)
    assert bot.api.sent(chat_id=MEMBER.id)[-1].text.startswith("💬 <b>Coach Tess:</b> Looks fine!")


async def test_a_photo_the_member_deleted_meanwhile(bot: Harness) -> None:
    await ready(bot)
    await bot.send(photo_update(bot, MEMBER, 504))
    await bot.send(bot.updates.callback(MEMBER, bot.api.last().buttons()[0]["callback_data"]))
    bot.api.fail_next("copyMessage", Failure(400, "Bad Request: message to copy not found"))
    await bot.send(bot.updates.callback(TRAINER, f"fb:r:{(await item_ids(bot))[-1]}"))
    gone, prompt = bot.api.sent(chat_id=TRAINER.id)[-2:]
    assert "can no longer be shown" in gone.text
    assert prompt.text.startswith("✍️ Your reply to <b>Max</b>")


async def test_a_photo_kept_private_and_a_stranger_sending_one(bot: Harness) -> None:
    await ready(bot)
    await bot.send(photo_update(bot, MEMBER, 502))
    no = bot.api.last().buttons()[1]["callback_data"]
    await bot.send(bot.updates.callback(MEMBER, no))
    assert "kept it to ourselves" in bot.api.last("editMessageText").params["text"]
    await bot.send(bot.updates.callback(MEMBER, no))
    assert bot.api.last("answerCallbackQuery").params["text"] == "That button has expired."
    assert await item_ids(bot) == []
    await bot.send(photo_update(bot, STRANGER, 503))
    assert "send /start" in bot.api.last().text


async def test_a_question_no_card_answers_can_go_to_a_coach(bot: Harness) -> None:
    await ready(bot)
    await bot.text(MEMBER, "is it fine to train the evening after a long flight?")
    answer = bot.api.last()
    assert answer.buttons()[-1]["text"] == "📨 Send this to a coach?"
    await bot.send(bot.updates.callback(MEMBER, str(answer.buttons()[-1]["callback_data"])))
    await bot.command(TRAINER, "feed")
    assert "after a long flight" in bot.api.last().text
    # A look-up the cards answer offers nothing.
    await bot.text(MEMBER, "what does the gluteus medius do?")
    assert all("coach" not in b["text"] for b in bot.api.last().buttons())


# -- cohort trainers and scopes --------------------------------------------------------
async def test_assigning_trainers_to_cohorts(bot: Harness) -> None:
    await ready(bot)
    await bot.command(ADMIN, "cohort", "Spring trainer @coach_tess")
    assert "already coaches" in bot.api.last().text
    await bot.command(ADMIN, "cohort", "Spring")
    assert bot.api.last().text.endswith("\nCoached by Tess.")
    await bot.command(ADMIN, "cohort", "Spring trainer @max_m")
    assert "Only trainers can coach" in bot.api.last().text
    await bot.command(ADMIN, "cohort", "Nope trainer @coach_tess")
    assert "Nope" in bot.api.last().text
    await bot.command(ADMIN, "cohort", "Spring trainer")
    assert "Like this" in bot.api.last().text
    await bot.command(ADMIN, "cohort", "Spring trainer @nobody")
    assert "send me /start first" in bot.api.last().text
    await bot.command(MEMBER, "cohort", "Spring trainer @max_m")
    assert bot.api.last().text == TRAINERS_ONLY
    async with bot.app.bot_data.database.sessions() as session:
        assert await session.scalar(select(Member.role).where(Member.telegram_id == MEMBER.id)) == (
            "member"
        )


async def test_stats_and_nudge_default_to_the_trainers_cohorts(bot: Harness) -> None:
    await ready(bot)
    await someone_outside(bot)
    await bot.command(TRAINER, "stats")
    caption = bot.api.last("sendPhoto").params["caption"]
    assert "Spring" in caption
    await bot.command(ADMIN, "stats")
    assert "everyone" in bot.api.last("sendPhoto").params["caption"].lower()
    # Nobody checked in for 3 days: the trainer's nudge covers their cohort only.
    await bot.command(TRAINER, "nudge")
    assert bot.api.last().text == "Send this to <b>2</b> members now?"
    await bot.command(ADMIN, "nudge")
    assert bot.api.last().text == "Send this to <b>5</b> members now?"
