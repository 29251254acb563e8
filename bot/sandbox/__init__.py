"""A local stand-in for the Telegram Bot API, for trying the bot without Telegram.

`Sandbox` is an HTTP server on 127.0.0.1 that answers the Bot API the way
Telegram does: the same JSON shapes, the same limits (text 4096, caption 1024,
callback data 64 bytes, 100 buttons, Telegram HTML), the same error texts, 403
for a user who blocked the bot and 429 flood control. The bot runs unchanged:
point its `base_url` at `sandbox.url + "/bot"` (BOT_API_BASE_URL=sandbox.url)
and it polls getUpdates from the sandbox instead of Telegram.

The sandbox also plays the people on the other side: add users and groups, send
text and files as them, press inline buttons, make inline queries and pick a
result, block and unblock the bot, then read back every message, API call and
error. It does so as Python methods (end-to-end tests drive the real bot over
real HTTP) and as JSON endpoints under `/sandbox/` (a console or another
process can do the same; see `bot.sandbox.control`).

For load and fault tests: `set_latency` answers every call after a network's
delay, `slow_down` / `slow_chat` answer some calls late (the message still goes
out), and `flood` counts what was accepted: `peak_per_second()` (the most in
any one second), `paid_messages` (sent with `allow_paid_broadcast`, which has
its own overall limit of 1000/s) and `stars` (what Telegram would bill).

    async with Sandbox(token) as sandbox:
        robin = sandbox.add_user("Robin")
        ...  # start the bot with base_url=sandbox.url + "/bot"
        sandbox.send_text(robin.id, "/start")
        reply = await sandbox.wait_for_bot_message(robin.id)
"""

from bot.sandbox.errors import ApiError
from bot.sandbox.limits import FloodControl
from bot.sandbox.model import (
    ApiCall,
    ApiErrorRecord,
    CallbackQueryRecord,
    SandboxChat,
    SandboxMessage,
    SandboxUser,
    StoredFile,
)
from bot.sandbox.server import Sandbox
from bot.sandbox.state import SandboxError

__all__ = [
    "ApiCall",
    "ApiError",
    "ApiErrorRecord",
    "CallbackQueryRecord",
    "FloodControl",
    "Sandbox",
    "SandboxChat",
    "SandboxError",
    "SandboxMessage",
    "SandboxUser",
    "StoredFile",
]
