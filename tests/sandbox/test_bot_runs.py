"""Bots that poll: a plain PTB Application, and this project's bot, unchanged."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.app import build_application
from bot.catalog import Catalog
from bot.config import Settings
from bot.runner import serve
from bot.sandbox import Sandbox
from tests.sandbox.conftest import TOKEN


async def test_ptb_application_polls_the_sandbox(sandbox: Sandbox) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
        await update.effective_message.reply_text(
            "<b>Hi</b>", parse_mode="HTML", reply_markup=markup
        )

    async def go(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Going")
        await query.edit_message_text("Gone")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(sandbox.url + "/bot")
        .base_file_url(sandbox.url + "/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(go))
    robin = sandbox.add_user("Robin")
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            sandbox.send_text(robin.id, "/start")
            reply = await sandbox.wait_for_bot_message(robin.id, timeout=5)
            first_text, first_entities = reply.text, reply.entities
            query_id = sandbox.press_button(robin.id, robin.id, reply.message_id, "go")
            answer = await sandbox.wait_for_callback_answer(query_id, timeout=5)
            await sandbox.wait_for(lambda: reply.text == "Gone", timeout=5)
        finally:
            await app.updater.stop()
            await app.stop()

    assert first_text == "Hi"
    assert first_entities == [{"type": "bold", "offset": 0, "length": 2}]
    assert reply.text == "Gone"
    assert answer.text == "Going"
    assert sandbox.errors() == []
    assert {"deleteWebhook", "getUpdates", "sendMessage", "editMessageText"} <= {
        call.method for call in sandbox.calls()
    }


async def test_the_project_bot_runs_unchanged_against_the_sandbox(
    sandbox: Sandbox, db_url: str, catalog: Catalog, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,
        BOT_TOKEN=TOKEN,
        BOT_API_BASE_URL=sandbox.url,
        DATABASE_URL=db_url,
        BOT_DATA_DIR=str(tmp_path),
    )
    app = build_application(settings, catalog=catalog, workers=False)
    robin = sandbox.add_user("Robin")
    stop, ready = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(serve(app, stop, ready=ready, handle_signals=False))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        sandbox.send_text(robin.id, "/start")
        welcome = await sandbox.wait_for_bot_message(robin.id, timeout=10)
    finally:
        stop.set()
        await serving

    assert "Robin" in welcome.shown
    assert sandbox.errors() == []
