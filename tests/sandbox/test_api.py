"""The sandbox's Bot API, driven by a real python-telegram-bot `Bot` over HTTP."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatMemberBanned,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.sandbox import Sandbox, SandboxError
from tests.sandbox.conftest import BOT_ID, BOT_USERNAME, TOKEN, FakeMonotonic

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x03\x08\x02\x00\x00\x00"
    + b"\x00" * 32
)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])


# -- bot and updates -------------------------------------------------------------------
async def test_get_me_answers_with_the_bot(tg: Bot, sandbox: Sandbox) -> None:
    me = await tg.get_me()

    assert (me.id, me.username, me.is_bot) == (BOT_ID, BOT_USERNAME, True)
    assert [call.method for call in sandbox.calls()][:2] == ["getMe", "getMe"]


async def test_long_poll_returns_as_soon_as_a_user_writes(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin", "robin")
    started = time.monotonic()
    poll = asyncio.create_task(tg.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()

    sandbox.send_text(robin.id, "/start hello")
    updates = await asyncio.wait_for(poll, 2)

    assert time.monotonic() - started < 2
    [update] = updates
    assert update.message is not None
    assert update.message.text == "/start hello"
    assert update.message.from_user is not None
    assert update.message.from_user.id == robin.id
    assert update.message.chat.id == robin.id
    assert update.message.parse_entities() == {update.message.entities[0]: "/start"}
    # Confirming with offset = last + 1 leaves nothing; an idle poll returns empty.
    assert await tg.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_offsets_confirm_updates(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    for text in ("one", "two", "three"):
        sandbox.send_text(robin.id, text)

    first = await tg.get_updates(limit=2)
    again = await tg.get_updates()
    later = await tg.get_updates(offset=first[1].update_id + 1)
    last_only = await tg.get_updates(offset=-1)

    assert [u.message.text for u in first if u.message] == ["one", "two"]
    assert len(again) == 3  # nothing confirmed yet
    assert [u.message.text for u in later if u.message] == ["three"]
    assert [u.message.text for u in last_only if u.message] == ["three"]


async def test_commands_get_utf16_bot_command_entities(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    message = sandbox.send_text(robin.id, f"💪 /checkin@{BOT_USERNAME} now /help")

    [update] = await tg.get_updates()

    assert update.message is not None
    commands = list(update.message.parse_entities(["bot_command"]).values())
    assert commands == [f"/checkin@{BOT_USERNAME}", "/help"]
    assert message.entities[0] == {"type": "bot_command", "offset": 3, "length": 30}


async def test_group_privacy_hides_chatter_but_not_commands(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    group = sandbox.add_group("Bootcamp", [robin.id])
    sandbox.send_text(robin.id, "just chatting", chat_id=group.id)
    sandbox.send_text(robin.id, "/stats@other_bot", chat_id=group.id)
    sandbox.send_text(robin.id, "/stats", chat_id=group.id)

    updates = await tg.get_updates()

    assert [u.message.text for u in updates if u.message] == ["/stats"]
    assert next(m.text for m in sandbox.messages(group.id)) == "just chatting"


async def test_my_chat_member_updates_for_block_and_unblock(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    sandbox.block(robin.id)
    raw = sandbox.pending_updates()
    sandbox.unblock(robin.id)

    kicked, member = await tg.get_updates()

    parsed = Update.de_json(raw[0], tg)
    assert parsed.my_chat_member is not None
    assert isinstance(parsed.my_chat_member.new_chat_member, ChatMemberBanned)
    assert kicked.my_chat_member is not None
    assert member.my_chat_member is not None
    assert kicked.my_chat_member.new_chat_member.status == "kicked"
    assert kicked.my_chat_member.new_chat_member.user.id == BOT_ID
    assert kicked.my_chat_member.from_user.id == robin.id
    assert isinstance(member.my_chat_member.new_chat_member, ChatMemberMember)
    assert member.my_chat_member.old_chat_member.status == "kicked"


async def test_delete_webhook_can_drop_pending_updates(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    sandbox.send_text(robin.id, "stale")

    assert await tg.delete_webhook(drop_pending_updates=True)
    assert await tg.get_updates() == ()
    with pytest.raises(BadRequest, match="Bad webhook"):
        await tg.set_webhook("https://example.invalid/hook")


async def test_commands_are_stored_per_scope(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    await tg.set_my_commands([BotCommand("start", "Begin"), BotCommand("help", "Help")])
    await tg.set_my_commands(
        [BotCommand("broadcast", "Send to all")], scope=BotCommandScopeChat(robin.id)
    )

    default = await tg.get_my_commands()
    scoped = await tg.get_my_commands(scope=BotCommandScopeChat(robin.id))
    await tg.delete_my_commands(scope=BotCommandScopeChat(robin.id))

    assert [c.command for c in default] == ["start", "help"]
    assert [c.command for c in scoped] == ["broadcast"]
    assert await tg.get_my_commands(scope=BotCommandScopeChat(robin.id)) == ()
    assert [c["command"] for c in sandbox.commands_for()] == ["start", "help"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await tg.set_my_commands([BotCommand("Start", "Begin")])


async def test_descriptions_are_stored_per_language(tg: Bot, sandbox: Sandbox) -> None:
    assert await tg.set_my_description("A coaching bot.")
    assert await tg.set_my_description("Un bot de coaching.", language_code="fr")
    assert await tg.set_my_short_description("Daily sessions.")
    assert await tg.set_my_short_description("Séances du jour.", language_code="fr")
    assert (await tg.get_my_description()).description == "A coaching bot."
    assert (await tg.get_my_description(language_code="fr")).description == "Un bot de coaching."
    assert (await tg.get_my_description(language_code="de")).description == "A coaching bot."
    short = await tg.get_my_short_description(language_code="fr")
    assert short.short_description == "Séances du jour."
    with pytest.raises(BadRequest, match="Short_description_invalid"):
        await tg.set_my_short_description("x" * 121)
    with pytest.raises(BadRequest, match="Language_code_invalid"):
        await tg.set_my_description("Hi", language_code="french")


async def test_commands_are_stored_per_language(tg: Bot, sandbox: Sandbox) -> None:
    await tg.set_my_commands([BotCommand("help", "What I can do")])
    await tg.set_my_commands([BotCommand("help", "Ce que je sais faire")], language_code="fr")
    assert [c["description"] for c in sandbox.commands_for(language_code="fr")] == [
        "Ce que je sais faire"
    ]
    assert [c["description"] for c in sandbox.commands_for()] == ["What I can do"]


# -- sending ---------------------------------------------------------------------------
async def test_send_message_keeps_html_markup_and_reply(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    question = sandbox.send_text(robin.id, "what is the gluteus medius?")

    sent = await tg.send_message(
        robin.id,
        "<b>Gluteus medius</b> &amp; minimus\n<i>side of the hip</i>",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard("done:1"),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        message_effect_id="5104841245755180586",
        reply_parameters=ReplyParameters(question.message_id),
    )

    assert sent.text == "Gluteus medius & minimus\nside of the hip"
    assert sent.parse_entities() == {
        sent.entities[0]: "Gluteus medius",
        sent.entities[1]: "side of the hip",
    }
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.message_id == question.message_id
    assert sent.reply_markup == keyboard("done:1")
    assert sent.effect_id == "5104841245755180586"
    [stored] = sandbox.bot_messages_for(robin.id)
    assert stored.source == "<b>Gluteus medius</b> &amp; minimus\n<i>side of the hip</i>"
    assert stored.parse_mode == "HTML"
    assert stored.buttons == [{"text": "done:1", "callback_data": "done:1"}]
    assert stored.message_id == sent.message_id == question.message_id + 1


TOO_MANY = InlineKeyboardMarkup(
    [[InlineKeyboardButton(str(i), callback_data=str(i))] for i in range(101)]
)
TEXT_ONLY = InlineKeyboardMarkup([[InlineKeyboardButton("no action", callback_data="")]])


@pytest.mark.parametrize(
    ("text", "markup", "description"),
    [
        ("x" * 4097, None, "Bad Request: message is too long"),
        ("<b>" + "x" * 4096 + "</b>", None, None),  # tags do not count
        ("  \n ", None, "Bad Request: message text is empty"),
        ("<foo>hi</foo>", None, 'Bad Request: can\'t parse entities: unsupported start tag "foo"'),
        ("<b>open", None, 'Bad Request: can\'t parse entities: unclosed tag "b"'),
        ("fish & chips", None, "Bad Request: can't parse entities: unescaped '&'"),
        ("ok", keyboard("x" * 65), "Bad Request: BUTTON_DATA_INVALID"),
        ("ok", keyboard("é" * 32), None),  # 64 bytes exactly
        ("ok", TOO_MANY, "Bad Request: reply markup is too long"),
        (
            "ok",
            TEXT_ONLY,
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
    ],
)
async def test_send_message_refuses_what_telegram_refuses(
    tg: Bot,
    sandbox: Sandbox,
    text: str,
    markup: InlineKeyboardMarkup | None,
    description: str | None,
) -> None:
    robin = sandbox.add_user("Robin")

    if description is None:
        await tg.send_message(robin.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        assert sandbox.errors() == []
        return
    with pytest.raises(BadRequest) as caught:
        await tg.send_message(robin.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)

    # PTB drops "Bad Request: " and capitalises; the sandbox log keeps Telegram's text.
    assert caught.value.message == description.removeprefix("Bad Request: ").capitalize()
    [error] = sandbox.errors()
    assert (error.method, error.code, error.description) == ("sendMessage", 400, description)
    assert sandbox.bot_messages_for(robin.id) == []


async def test_unknown_chat_and_blocked_or_deleted_users(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    sam = sandbox.add_user("Sam")
    sandbox.block(robin.id)
    sandbox.deactivate(sam.id)

    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await tg.send_message(424242, "hi")
    with pytest.raises(Forbidden) as blocked:
        await tg.send_message(robin.id, "hi")
    with pytest.raises(Forbidden) as deleted:
        await tg.send_photo(sam.id, PNG)

    assert blocked.value.message == "Forbidden: bot was blocked by the user"
    assert deleted.value.message == "Forbidden: user is deactivated"
    assert [(e.code, e.description) for e in sandbox.errors()] == [
        (400, "Bad Request: chat not found"),
        (403, "Forbidden: bot was blocked by the user"),
        (403, "Forbidden: user is deactivated"),
    ]
    sandbox.unblock(robin.id)
    await tg.send_message(robin.id, "welcome back")


async def test_caption_limit(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")

    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await tg.send_photo(robin.id, PNG, caption="c" * 1025)
    sent = await tg.send_photo(
        robin.id, PNG, caption="<b>" + "c" * 1024 + "</b>", parse_mode="HTML"
    )

    assert sent.caption == "c" * 1024
    assert (sent.photo[-1].width, sent.photo[-1].height) == (2, 3)
    assert sandbox.errors()[0].description == "Bad Request: message caption is too long"


async def test_send_document_upload_and_download(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    data = b"day,exercise\n1,glute bridge\n"

    sent = await tg.send_document(
        robin.id, data, filename="plan.csv", caption="<i>Your plan</i>", parse_mode="HTML"
    )
    assert sent.document is not None
    file = await tg.get_file(sent.document.file_id)
    downloaded = await file.download_as_bytearray()
    again = await tg.send_document(robin.id, sent.document.file_id)

    assert bytes(downloaded) == data
    assert sent.document.file_name == "plan.csv"
    assert sent.caption == "Your plan"
    stored = sandbox.bot_messages_for(robin.id)
    assert [m.data for m in stored] == [data, data]
    assert stored[0].has_document
    assert not stored[0].has_photo
    assert again.document is not None
    assert again.document.file_id == sent.document.file_id
    assert sandbox.file_bytes(sent.document.file_id) == data
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await tg.send_document(robin.id, "no-such-file-id")
    with pytest.raises(BadRequest, match="Type of file mismatch"):
        await tg.send_photo(robin.id, sent.document.file_id)


async def test_binary_uploads_arrive_byte_for_byte(tg: Bot, sandbox: Sandbox) -> None:
    """Every byte value, line breaks and a boundary look-alike survive the multipart parse,
    in a file large enough to cross many network chunks."""
    robin = sandbox.add_user("Robin")
    data = (bytes(range(256)) + b"\r\n--boundary\r\n\n\r") * 2000 + b"\r\n"

    sent = await tg.send_document(robin.id, data, filename="raw.bin", caption="é ✅ 🍑")

    assert sent.document is not None
    assert sandbox.file_bytes(sent.document.file_id) == data
    assert sent.caption == "é ✅ 🍑"


async def test_copy_message_of_a_users_photo(tg: Bot, sandbox: Sandbox) -> None:
    coach = sandbox.add_user("Dana", "coach_dana")
    robin = sandbox.add_user("Robin")
    original = sandbox.send_photo(coach.id, PNG, caption="Today: hip thrusts")

    copied = await tg.copy_message(robin.id, coach.id, original.message_id)
    recaptioned = await tg.copy_message(
        robin.id, coach.id, original.message_id, caption="<b>New</b> caption", parse_mode="HTML"
    )

    first, second = sandbox.bot_messages_for(robin.id)
    assert copied.message_id == first.message_id
    assert recaptioned.message_id == second.message_id
    assert first.has_photo
    assert first.data == PNG
    assert first.caption == "Today: hip thrusts"
    assert second.caption == "New caption"
    assert second.caption_entities == [{"type": "bold", "offset": 0, "length": 3}]
    with pytest.raises(BadRequest, match=r"^Message to copy not found$"):
        await tg.copy_message(robin.id, coach.id, 999)


async def test_stickers_and_locations_arrive_as_telegram_sends_them(
    tg: Bot, sandbox: Sandbox
) -> None:
    robin = sandbox.add_user("Robin")
    sandbox.send_sticker(robin.id, "🔥")
    shared = sandbox.send_location(robin.id, 52.52, 13.405)
    group = sandbox.add_group("Bootcamp", [robin.id])
    sandbox.send_sticker(robin.id, "🙂", chat_id=group.id)  # privacy mode: the bot misses it

    sticker, location = await tg.get_updates()
    copied = await tg.copy_message(robin.id, robin.id, shared.message_id)

    assert sticker.message is not None
    assert sticker.message.sticker is not None
    assert sticker.message.sticker.emoji == "🔥"
    assert sticker.message.text is None
    assert (await tg.get_file(sticker.message.sticker.file_id)).file_path
    assert location.message is not None
    assert location.message.location is not None
    assert (location.message.location.latitude, location.message.location.longitude) == (
        52.52,
        13.405,
    )
    assert sandbox.message(robin.id, copied.message_id).attachment == shared.attachment
    with pytest.raises(SandboxError, match="latitude"):
        sandbox.send_location(robin.id, 91.0, 0.0)


async def test_chat_action_get_chat_and_delete(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin", "robin")
    sent = await tg.send_message(robin.id, "temporary")

    assert await tg.send_chat_action(robin.id, "typing")
    chat = await tg.get_chat(robin.id)
    assert await tg.delete_message(robin.id, sent.message_id)

    assert sandbox.chat(robin.id).last_action == "typing"
    assert (chat.id, chat.type, chat.username) == (robin.id, "private", "robin")
    assert sandbox.bot_messages_for(robin.id) == []
    with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
        await tg.delete_message(robin.id, sent.message_id)


# -- editing ---------------------------------------------------------------------------
async def test_edit_text_markup_and_caption(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    sent = await tg.send_message(robin.id, "Day 1", reply_markup=keyboard("done"))

    edited = await tg.edit_message_text(
        "<b>Day 1</b> ✅",
        robin.id,
        sent.message_id,
        parse_mode="HTML",
        reply_markup=keyboard("undo"),
    )
    with pytest.raises(BadRequest) as same:
        await tg.edit_message_text(
            "<b>Day 1</b> ✅",
            robin.id,
            sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard("undo"),
        )
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await tg.edit_message_text("x", robin.id, 999)
    without_keyboard = await tg.edit_message_reply_markup(robin.id, sent.message_id)
    photo = await tg.send_photo(robin.id, PNG, caption="old")
    recaptioned = await tg.edit_message_caption(robin.id, photo.message_id, caption="new")

    assert isinstance(edited, type(sent))
    assert edited.text == "Day 1 ✅"
    assert edited.edit_date is not None
    assert same.value.message == (
        "Message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
    assert sandbox.errors()[0].description.startswith("Bad Request: message is not modified: ")
    assert not isinstance(without_keyboard, bool)
    assert without_keyboard.reply_markup is None
    assert not isinstance(recaptioned, bool)
    assert recaptioned.caption == "new"
    message = sandbox.message(robin.id, sent.message_id)
    assert (message.text, message.reply_markup, message.edits) == ("Day 1 ✅", None, 2)
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await tg.edit_message_text("x", robin.id, photo.message_id)


# -- callback and inline queries -------------------------------------------------------
async def test_press_button_then_answer_callback_query(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    sent = await tg.send_message(
        robin.id, "Done today?", reply_markup=keyboard("ci:done", "ci:skip")
    )

    query_id = sandbox.press_button(robin.id, robin.id, sent.message_id, "ci:done")
    [update] = await tg.get_updates()
    assert update.callback_query is not None
    assert update.callback_query.data == "ci:done"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    assert sandbox.callback_answer(query_id).answered is False

    with pytest.raises(BadRequest, match=r"^Message_too_long$"):
        await update.callback_query.answer("x" * 201)
    assert await update.callback_query.answer("Saved ✅", show_alert=True)
    answer = await sandbox.wait_for_callback_answer(query_id, timeout=1)

    assert (answer.text, answer.show_alert) == ("Saved ✅", True)
    with pytest.raises(BadRequest, match="Query is too old"):
        await update.callback_query.answer("twice")
    with pytest.raises(SandboxError, match="no button"):
        sandbox.press_button(robin.id, robin.id, sent.message_id, "ci:other")


async def test_a_forged_press_carries_data_no_button_has(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    sent = await tg.send_message(robin.id, "Done today?", reply_markup=keyboard("ci:done"))

    forged = sandbox.forge_press(robin.id, robin.id, sent.message_id, "ci:d:99999999")
    [update] = await tg.get_updates()
    assert update.callback_query is not None
    assert await update.callback_query.answer("Nope")

    assert update.callback_query.data == "ci:d:99999999"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    assert sandbox.callback_answer(forged).text == "Nope"
    with pytest.raises(SandboxError, match="1 to 64 bytes"):
        sandbox.forge_press(robin.id, robin.id, sent.message_id, "é" * 33)
    with pytest.raises(SandboxError, match="no message"):
        sandbox.forge_press(robin.id, robin.id, 999, "x")


async def test_inline_query_round_trip(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    asking = asyncio.create_task(sandbox.inline_query(robin.id, "glute"))
    [update] = await tg.get_updates(timeout=2)
    assert update.inline_query is not None
    assert update.inline_query.query == "glute"

    await update.inline_query.answer(
        [
            InlineQueryResultArticle(
                "gmax",
                "Gluteus maximus",
                InputTextMessageContent("<b>Gluteus maximus</b>: hip extension", parse_mode="HTML"),
                reply_markup=keyboard("more:gmax"),
            )
        ]
    )
    results = await asyncio.wait_for(asking, 2)
    message = sandbox.choose_inline_result(robin.id, robin.id, "gmax")
    sent_text = message.text
    chosen, delivered = await tg.get_updates(offset=update.update_id + 1)
    sandbox.press_button(robin.id, robin.id, message.message_id, "more:gmax")
    [pressed] = await tg.get_updates(offset=delivered.update_id + 1)
    assert message.inline_message_id is not None
    edited = await tg.edit_message_text(
        "Gluteus maximus (more)", inline_message_id=message.inline_message_id
    )

    assert [r["id"] for r in results] == ["gmax"]
    assert sent_text == "Gluteus maximus: hip extension"
    assert not message.from_bot
    assert chosen.chosen_inline_result is not None
    assert chosen.chosen_inline_result.inline_message_id == message.inline_message_id
    assert delivered.message is not None
    assert delivered.message.via_bot is not None
    assert delivered.message.via_bot.id == BOT_ID
    assert pressed.callback_query is not None
    assert pressed.callback_query.inline_message_id == message.inline_message_id
    assert edited is True
    assert sandbox.messages(robin.id)[-1].text == "Gluteus maximus (more)"
    with pytest.raises(BadRequest, match="Query is too old"):
        await update.inline_query.answer([])


# -- flood control ---------------------------------------------------------------------
async def test_private_chat_flood_control(
    tg: Bot, sandbox: Sandbox, monotonic: FakeMonotonic
) -> None:
    robin = sandbox.add_user("Robin")
    for n in range(3):  # the burst
        await tg.send_message(robin.id, f"burst {n}")

    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(robin.id, "one too many")
    monotonic.advance(1.0)
    await tg.send_message(robin.id, "after waiting")

    assert caught.value.retry_after == timedelta(seconds=1)
    error = sandbox.errors()[0]
    assert (error.code, error.description, error.retry_after) == (
        429,
        "Too Many Requests: retry after 1",
        1,
    )
    assert len(sandbox.bot_messages_for(robin.id)) == 4


async def test_global_and_group_flood_control(
    tg: Bot, sandbox: Sandbox, monotonic: FakeMonotonic
) -> None:
    users = [sandbox.add_user(f"User {n}") for n in range(31)]
    for user in users[:30]:
        await tg.send_message(user.id, "hello")
    with pytest.raises(RetryAfter):
        await tg.send_message(users[30].id, "hello")
    monotonic.advance(1.0)
    group = sandbox.add_group("Cohort A", [u.id for u in users])
    for n in range(20):
        await tg.send_message(group.id, f"news {n}")
        monotonic.advance(0.5)

    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(group.id, "news 20")

    assert caught.value.retry_after == timedelta(seconds=50)
    sandbox.enforce_rate_limits = False
    await tg.send_message(group.id, "limits off")
    assert [e.code for e in sandbox.errors()] == [429, 429]


async def test_rate_limits_can_be_off_from_the_start() -> None:
    async with Sandbox(TOKEN, enforce_rate_limits=False) as box:
        robin = box.add_user("Robin")
        async with Bot(TOKEN, base_url=box.url + "/bot") as tg:
            for n in range(10):
                await tg.send_message(robin.id, f"message {n}")
        assert len(box.bot_messages_for(robin.id)) == 10
        assert box.errors() == []


# -- HTTP details ----------------------------------------------------------------------
async def test_unknown_method_bad_token_and_encodings(sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    api = f"{sandbox.url}/bot{TOKEN}"
    markup = '{"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}'
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api}/fooBar") as response:
            unknown = (response.status, await response.json())
        async with http.post(f"{sandbox.url}/bot7000000001:wrong/getMe") as response:
            wrong_token = (response.status, await response.json())
        async with http.post(
            f"{api}/sendMessage",
            json={"chat_id": robin.id, "text": "json", "reply_markup": {"inline_keyboard": []}},
        ) as response:
            as_json = await response.json()
        async with http.post(
            f"{api}/sendMessage",
            data={"chat_id": str(robin.id), "text": "form", "reply_markup": markup},
        ) as response:
            as_form = await response.json()
        form = aiohttp.FormData()
        form.add_field("chat_id", str(robin.id))
        form.add_field("caption", "multipart")
        form.add_field("document", b"bytes!", filename="a.txt", content_type="text/plain")
        async with http.post(f"{api}/sendDocument", data=form) as response:
            as_multipart = await response.json()
        async with http.get(f"{api}/getMe") as response:
            by_get = await response.json()

    assert unknown == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    assert wrong_token == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert as_json["ok"]
    assert as_json["result"]["text"] == "json"
    assert as_form["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "go"
    assert as_multipart["result"]["document"]["file_name"] == "a.txt"
    assert sandbox.bot_messages_for(robin.id)[-1].data == b"bytes!"
    assert by_get["result"]["id"] == BOT_ID
    assert sandbox.calls("sendDocument")[0].params["document"] == "<upload a.txt: 6 bytes>"


async def test_a_second_poller_terminates_the_first(sandbox: Sandbox) -> None:
    api = f"{sandbox.url}/bot{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as http:

        async def poll() -> tuple[int, dict[str, object]]:
            async with http.post(api, json={"timeout": 3}) as response:
                return response.status, await response.json()

        first = asyncio.create_task(poll())
        await asyncio.sleep(0.2)
        second = asyncio.create_task(poll())
        status, body = await asyncio.wait_for(first, 2)
        robin = sandbox.add_user("Robin")
        sandbox.send_text(robin.id, "hi")
        second_status, second_body = await asyncio.wait_for(second, 2)

    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )
    assert second_status == 200
    assert second_body["result"] == [sandbox.pending_updates()[0]]


async def test_user_edits_reach_the_bot_as_edited_message(tg: Bot, sandbox: Sandbox) -> None:
    robin = sandbox.add_user("Robin")
    note = sandbox.send_text(robin.id, "felt easy")
    sandbox.edit_text(robin.id, robin.id, note.message_id, "felt easy, 3 sets")

    _, edited = await tg.get_updates()

    assert edited.edited_message is not None
    assert edited.edited_message.text == "felt easy, 3 sets"
    assert edited.edited_message.edit_date is not None


async def test_without_a_token_the_sandbox_adopts_the_first_bot() -> None:
    async with Sandbox() as box, Bot(TOKEN, base_url=box.url + "/bot") as tg:
        me = await tg.get_me()
        other = f"{BOT_ID + 1}:AAHq3x9Lk2vW8pZr4tYb6nMc1dFg7hJs5eQ"
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{box.url}/bot{other}/getMe") as response,
        ):
            refused = response.status

    assert me.id == BOT_ID
    assert refused == 401


async def test_an_answer_after_fifteen_seconds_is_refused(
    sandbox: Sandbox, tg: Bot, monotonic: FakeMonotonic
) -> None:
    robin = sandbox.add_user("Robin")
    sent = await tg.send_message(robin.id, "Pick", reply_markup=keyboard("go"))
    late = sandbox.press_button(robin.id, robin.id, sent.message_id, "go")
    monotonic.advance(15.5)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await tg.answer_callback_query(late)
    assert sandbox.callback_answer(late).expired
    in_time = sandbox.press_button(robin.id, robin.id, sent.message_id, "go")
    monotonic.advance(3)
    assert await tg.answer_callback_query(in_time, text="ok")
    record = sandbox.callback_answer(in_time)
    assert record.answered
    assert record.answered_at is not None
    assert record.answered_at - record.pressed_at == pytest.approx(3)


async def test_latency_delays_every_answer(sandbox: Sandbox, tg: Bot) -> None:
    sandbox.set_latency(0.2, 0.05, seed=7)
    loop = asyncio.get_running_loop()
    took = []
    for _ in range(5):
        started = loop.time()
        await tg.get_me()
        took.append(loop.time() - started)
    assert all(0.14 <= t <= 0.4 for t in took), took
    assert max(took) - min(took) > 0.005  # jitter, not a constant
    with pytest.raises(SandboxError):
        sandbox.set_latency(0.1, 0.2)
