"""The privacy matrix: every command that shows member data, by who asks and where.

In a group, whoever asks, the bot answers with a button to the private chat
and posts nothing about anyone; in private, trainers and admins get the data
and members a short refusal.
"""

from __future__ import annotations

import pytest

from bot.render import texts
from tests.community.kit import CREW, CREW_ID, MEMBER, OTHER, TRAINER, community
from tests.conftest import ADMIN
from tests.kit.harness import Harness
from tests.kit.recording import BOT_USERNAME

# (command, its words): each shows members' names, figures or files.
DATA_COMMANDS = [
    ("roster", ""),
    ("roster", "Spring"),
    ("stats", ""),
    ("stats", "Spring"),
    ("cohort", "Spring"),
    ("cohort", "list"),
    ("feed", ""),
]
PEOPLE = {"member": MEMBER, "trainer": TRAINER, "admin": ADMIN}
MEMBER_TRACES = ("Max", "max_m", "Ivy", "ivy_i", str(MEMBER.id), str(OTHER.id))


@pytest.mark.parametrize("chat", ["private", "group"])
@pytest.mark.parametrize("who", list(PEOPLE))
@pytest.mark.parametrize(("command", "words"), DATA_COMMANDS)
async def test_privacy_matrix(bot: Harness, command: str, words: str, who: str, chat: str) -> None:
    await community(bot)
    user = PEOPLE[who]
    if chat == "group":
        await bot.command(user, command, words, chat=CREW, mention_bot=True)
        calls = bot.api.sent() + bot.api.sent("sendPhoto") + bot.api.sent("sendDocument")
        assert {call.chat_id for call in calls} == {CREW_ID}
        assert [call.method for call in calls] == ["sendMessage"]
        pointer = calls[0]
        assert pointer.text == texts.members_data_private(BOT_USERNAME).text
        assert [b.get("url") for b in pointer.buttons()] == [f"https://t.me/{BOT_USERNAME}"]
        for trace in MEMBER_TRACES:
            assert trace not in pointer.text
        return
    await bot.command(user, command, words)
    if who == "member":
        assert bot.api.last().text == texts.TRAINERS_ONLY
        assert not bot.api.sent("sendDocument")
        assert not bot.api.sent("sendPhoto")
        return
    if command == "roster":
        document = bot.api.last("sendDocument")
        assert document.chat_id == user.id
        assert b"Max" in document.uploads["document"]
    elif command == "stats":
        assert bot.api.last("sendPhoto").chat_id == user.id
    elif command == "feed":
        assert bot.api.last().chat_id == user.id  # the coaches' feed, in private
    else:
        reply = bot.api.last()
        assert reply.chat_id == user.id
        assert "Spring" in reply.text
        if words == "Spring":
            assert "Max" in reply.text


async def test_the_gate_says_nothing_of_roles_in_a_group(bot: Harness) -> None:
    """A member and an admin get the same answer in a group: no one learns who is staff."""
    await community(bot)
    await bot.command(MEMBER, "roster", chat=CREW, mention_bot=True)
    await bot.command(ADMIN, "roster", chat=CREW, mention_bot=True)
    first, second = bot.api.sent(chat_id=CREW_ID)
    assert first.text == second.text
    assert first.reply_markup == second.reply_markup
