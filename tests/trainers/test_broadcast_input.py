"""What trainers type after /broadcast: formatting kept, texts over Telegram's
limit refused up front, and natural dates read in the trainer's zone and
confirmed before anything is scheduled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.db.models import Broadcast
from tests.kit.asserts import assert_all_valid
from tests.kit.harness import Harness
from tests.trainers.test_trainers import TRAINER, data_of, staff_ready


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def drafts(bot: Harness) -> int:
    async with bot.app.bot_data.database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Broadcast)) or 0)


async def test_formatting_typed_in_telegram_reaches_members(bot: Harness) -> None:
    await staff_ready(bot)
    text = "/broadcast 💪 Class at 6pm, bring a band & see details"
    start = text.index("6pm")
    link = text.index("details")
    entities = [
        {"type": "bold", "offset": utf16(text[:start]), "length": 3},
        {"type": "italic", "offset": utf16(text[: text.index("band")]), "length": 4},
        {"type": "text_link", "offset": utf16(text[:link]), "length": 7,
         "url": "https://example.org/class"},
    ]  # fmt: skip
    await bot.send(bot.updates.message(TRAINER, text, entities=entities))
    preview = bot.api.sent("sendMessage", TRAINER.id)[-2]
    assert preview.text == (
        "💪 Class at <b>6pm</b>, bring a <i>band</i> &amp; see "
        '<a href="https://example.org/class">details</a>'
    )
    assert_all_valid(bot.api.sent())


async def test_a_text_over_the_limit_is_refused_with_the_limit_named(bot: Harness) -> None:
    await staff_ready(bot)
    await bot.command(TRAINER, "broadcast", "x" * 5000)
    sent = bot.api.sent("sendMessage", TRAINER.id)
    assert len(sent) == 1
    assert "5,000 characters" in sent[0].text
    assert "4,096" in sent[0].text
    assert not any("Preview" in call.text for call in sent)
    assert await drafts(bot) == 0
    # Exactly at the limit is fine (emoji count twice, as Telegram counts them).
    await bot.command(TRAINER, "broadcast", "🍑" * 2048)
    assert "Preview" in bot.api.sent("sendMessage", TRAINER.id)[-3].text


@pytest.mark.parametrize(
    ("when", "read_as", "utc"),
    [
        ("tomorrow 18:00", "Wed 11 Mar 2026 18:00", datetime(2026, 3, 11, 17, 0, tzinfo=UTC)),
        ("fri 6pm", "Fri 13 Mar 2026 18:00", datetime(2026, 3, 13, 17, 0, tzinfo=UTC)),
        ("24/12 9:00", "Thu 24 Dec 2026 09:00", datetime(2026, 12, 24, 8, 0, tzinfo=UTC)),
        ("2026-03-10 18:30", "Tue 10 Mar 2026 18:30", datetime(2026, 3, 10, 17, 30, tzinfo=UTC)),
        # 02:30 does not exist in Berlin on 29 March (clocks jump to 03:00).
        ("2026-03-29 02:30", "Sun 29 Mar 2026 03:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    ],
)
async def test_natural_dates_are_read_in_the_trainers_zone_and_confirmed(
    bot: Harness, when: str, read_as: str, utc: datetime
) -> None:
    await staff_ready(bot)  # Tuesday 10 March, 10:00 in Berlin
    await bot.command(TRAINER, "broadcast", f"at {when} <b>Stretch</b> class")
    sent = bot.api.sent("sendMessage", TRAINER.id)
    read, header, preview, question = sent[-4:]
    assert f"I read the time as <b>{read_as} (Europe/Berlin)</b>" in read.text
    assert "Preview" in header.text
    assert preview.text == "&lt;b&gt;Stretch&lt;/b&gt; class"
    broadcast_id = int(data_of(question.buttons())[0].split(":")[2])
    await bot.send(bot.updates.callback(TRAINER, f"bc:a:{broadcast_id}:all"))
    confirm = bot.api.last("editMessageText")
    assert f"on {read_as} (Europe/Berlin)?" in confirm.text
    view = await bot.app.bot_data.services.broadcasts.view(broadcast_id)
    assert view.scheduled_at == utc
    assert view.status == "draft"  # nothing scheduled before the trainer confirms
    assert_all_valid(sent)


@pytest.mark.parametrize("when", ["tomorrow Yoga", "2026-02-30 08:00 no such day", "fri"])
async def test_a_time_that_cannot_be_read_is_explained(bot: Harness, when: str) -> None:
    await staff_ready(bot)
    await bot.command(TRAINER, "broadcast", f"at {when}")
    reply = bot.api.last("sendMessage").text
    assert "tomorrow 18:00" in reply
    assert await drafts(bot) == 0


async def test_at_in_plain_text_is_just_text(bot: Harness) -> None:
    await staff_ready(bot)
    await bot.command(TRAINER, "broadcast", "at last: the new program is here")
    assert bot.api.sent("sendMessage", TRAINER.id)[-2].text == "at last: the new program is here"
