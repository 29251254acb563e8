"""The Bot API methods the sandbox answers, with Telegram's shapes and errors.

Each method takes the request's `Params` and returns the `result` of a
successful answer, or raises `ApiError`. Message content is checked with
`bot.render.rules` (the same checker the bot's own tests use) and its problems
are answered with Telegram's error texts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from bot.render import rules
from bot.sandbox import errors as E
from bot.sandbox.entities import Entity, html_to_entities, strip_text, utf16_len
from bot.sandbox.errors import ApiError, bad_request, too_many_requests
from bot.sandbox.model import SandboxChat, SandboxMessage, StoredFile
from bot.sandbox.params import Params, Upload
from bot.sandbox.state import SandboxState
from bot.sandbox.webhook import DEFAULT_MAX_CONNECTIONS, Webhook, WebhookPusher, check_url

log = logging.getLogger(__name__)

Method = Callable[[Params], Awaitable[Any]]

MAX_CALLBACK_ANSWER = 200
CALLBACK_ANSWER_WINDOW_S = 15.0  # how long Telegram waits for the answer to a button press
MAX_INLINE_RESULTS = 50
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_INLINE_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
_CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip
_DELETE_WINDOW = 48 * 3600


def render_content(
    text: str, parse_mode: str | None, entities: list[Any] | None
) -> tuple[str, list[Entity]]:
    """Plain text and entities Telegram would store for `text` (no checks)."""
    if parse_mode is not None and parse_mode.upper() == "HTML":
        plain, found = html_to_entities(text)
    else:
        plain, found = text, [e for e in entities or [] if isinstance(e, dict)]
    return strip_text(plain, found)


def scope_key(scope: dict[str, Any] | None, language_code: str) -> tuple[str, str]:
    """How bot commands are filed: by scope (default when None) and language."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code


def rule_error(problem: str) -> ApiError:
    """The Bot API error for one `bot.render.rules` problem."""
    if problem.startswith("can't parse entities"):
        return bad_request(problem)
    mapping = {
        "message text is empty": E.TEXT_EMPTY,
        "message is too long": E.TEXT_TOO_LONG,
        "caption is too long": E.CAPTION_TOO_LONG,
        "too many buttons": E.MARKUP_TOO_LONG,
        "BUTTON_DATA_INVALID": E.BUTTON_DATA_INVALID,
        "button text is empty": E.BUTTON_TEXT_EMPTY,
    }
    for start, description in mapping.items():
        if problem.startswith(start):
            return ApiError(400, description)
    return bad_request(problem)


def check_content(
    text: str, parse_mode: str | None, entities: list[Any] | None, *, caption: bool
) -> tuple[str, list[Entity]]:
    """Refuse what Telegram refuses; return the plain text and entities it would keep."""
    html = parse_mode is not None and parse_mode.upper() == "HTML"
    if parse_mode and not html and parse_mode not in ("Markdown", "MarkdownV2"):
        raise bad_request("unsupported parse_mode")
    if parse_mode and not html:
        log.warning("sandbox: %s is not parsed; the text is kept as sent", parse_mode)
    for problem in rules.problems(text, caption=caption, html=html):
        raise rule_error(problem)
    plain, found = render_content(text, parse_mode, entities)
    if not plain and not caption:
        raise ApiError(400, E.TEXT_EMPTY)
    return plain, found


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Refuse a malformed or oversized reply markup; return it as a dict."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for button in (button for row in rows for button in row):
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            if "web_app" in button:
                check_web_app_url((button.get("web_app") or {}).get("url"))
            if not any(
                button.get(key) not in (None, "")
                or (key.startswith("switch_inline") and key in button)
                for key in _INLINE_ACTIONS
            ):
                raise ApiError(400, E.TEXT_BUTTON_IN_INLINE)
    elif not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
        raise bad_request("can't parse reply keyboard markup JSON object")
    for problem in rules.markup_problems(markup):
        raise rule_error(problem)
    return markup


def check_web_app_url(url: Any) -> None:
    """Telegram opens Mini Apps over HTTPS only (http:// on this machine: the sandbox's own)."""
    parts = urlsplit(url) if isinstance(url, str) else None
    local = parts is not None and parts.scheme == "http" and parts.hostname in _LOOPBACK
    if parts is None or not parts.hostname or (parts.scheme != "https" and not local):
        raise bad_request(
            f"inline keyboard button Web App URL {url!r} is invalid: Only HTTPS links are allowed"
        )


def _paid(params: Params) -> bool:
    """Sent with allow_paid_broadcast: the paid overall limit, billed in Stars."""
    return params.get_bool("allow_paid_broadcast")


def _inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup and "inline_keyboard" in markup else None


class BotApi:
    """Telegram's Bot API methods over a `SandboxState`."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._poll_generation = 0
        self.webhook = WebhookPusher(state)
        self.methods: dict[str, Method] = {
            name.lower(): method
            for name, method in {
                "getMe": self.get_me,
                "logOut": self.ok,
                "close": self.ok,
                "getUpdates": self.get_updates,
                "setWebhook": self.set_webhook,
                "deleteWebhook": self.delete_webhook,
                "getWebhookInfo": self.get_webhook_info,
                "setMyCommands": self.set_my_commands,
                "deleteMyCommands": self.delete_my_commands,
                "getMyCommands": self.get_my_commands,
                "setMyDescription": self.set_my_description,
                "getMyDescription": self.get_my_description,
                "setMyShortDescription": self.set_my_short_description,
                "getMyShortDescription": self.get_my_short_description,
                "setChatMenuButton": self.set_chat_menu_button,
                "getChatMenuButton": self.get_chat_menu_button,
                "sendMessage": self.send_message,
                "sendPhoto": self.send_photo,
                "sendDocument": self.send_document,
                "copyMessage": self.copy_message,
                "editMessageText": self.edit_message_text,
                "editMessageReplyMarkup": self.edit_message_reply_markup,
                "editMessageCaption": self.edit_message_caption,
                "deleteMessage": self.delete_message,
                "answerCallbackQuery": self.answer_callback_query,
                "answerInlineQuery": self.answer_inline_query,
                "sendChatAction": self.send_chat_action,
                "getChat": self.get_chat,
                "getFile": self.get_file,
            }.items()
        }

    def method(self, name: str) -> Method | None:
        """The implementation of a method (names are case-insensitive, as in Telegram)."""
        return self.methods.get(name.lower())

    # -- shared checks --------------------------------------------------------------------
    def target(self, params: Params, name: str = "chat_id") -> SandboxChat:
        """The chat a message goes to; a blocked or deleted user answers 403."""
        chat = self.state.chat_for(params.chat_id(name))
        if chat.user is not None:
            if chat.user.deactivated:
                raise ApiError(403, E.DEACTIVATED)
            if chat.user.blocked:
                raise ApiError(403, E.BLOCKED)
        return chat

    def flood_check(self, chat: SandboxChat, params: Params) -> None:
        if not self.state.enforce_rate_limits:
            return
        wait = self.state.flood.retry_after(chat.id, group=chat.is_group, paid=_paid(params))
        if wait is not None:
            raise too_many_requests(wait)

    def reply_to(self, chat: SandboxChat, params: Params) -> SandboxMessage | None:
        reply = params.opt_obj("reply_parameters")
        allow = params.get_bool("allow_sending_without_reply")
        if reply is not None:
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply", allow))
            if reply.get("chat_id") not in (None, chat.id):
                chat = self.state.chat_for(reply["chat_id"])
        else:
            message_id = params.opt_int("reply_to_message_id")
        if message_id is None:
            return None
        found = chat.find(int(message_id))
        if found is None and not allow:
            raise ApiError(400, E.REPLY_NOT_FOUND)
        return found

    def caption(self, params: Params) -> tuple[str | None, list[Entity]]:
        caption = params.opt_str("caption")
        if not caption:
            return None, []
        plain, found = check_content(
            caption, params.opt_str("parse_mode"), params.opt_list("caption_entities"), caption=True
        )
        return plain or None, found

    def input_file(self, params: Params, kind: str) -> StoredFile:
        value = params.file(kind)
        if value is None:
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, Upload):
            if not value.data:
                raise bad_request("file must be non-empty")
            return self.state.store_file(
                kind, value.data, file_name=value.filename, mime_type=value.content_type
            )
        if value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or None
            return self.state.store_file(kind, b"", file_name=name, url=value)
        stored = self.state.files.get(value)
        if stored is None:
            raise ApiError(400, E.FILE_ID_INVALID)
        if stored.kind != kind:
            raise bad_request("type of file mismatch")
        return stored

    def sent(self, chat: SandboxChat, params: Params, **fields: Any) -> SandboxMessage:
        """Store a message from the bot and count it for flood control (paid or free)."""
        message = self.state.new_message(chat, self.state.bot, **fields)
        self.state.flood.record(chat.id, group=chat.is_group, paid=_paid(params))
        return message

    def edit_target(self, params: Params) -> tuple[SandboxMessage, bool]:
        """The message an edit method names, and whether it was named by inline id."""
        inline_id = params.opt_str("inline_message_id")
        if inline_id:
            found = self.state.inline_messages.get(inline_id)
            if found is None or found.deleted:
                raise bad_request("MESSAGE_ID_INVALID")
            return found, True
        chat = self.target(params)
        message_id = params.get_int("message_id", missing="message identifier is not specified")
        message = chat.find(message_id)
        if message is None:
            raise ApiError(400, E.EDIT_NOT_FOUND)
        if not message.from_bot:
            raise ApiError(400, E.CANT_EDIT)
        return message, False

    def edited(self, message: SandboxMessage, inline: bool) -> Any:
        message.edit_date = self.state.now()
        message.edits += 1
        self.state.touch()
        return True if inline else message.to_api()

    # -- bot and updates -------------------------------------------------------------------
    async def ok(self, params: Params) -> Any:
        return True

    async def get_me(self, params: Params) -> Any:
        return {
            **self.state.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.state.group_privacy,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: Params) -> Any:
        state = self.state
        offset = params.opt_int("offset")
        limit = min(max(params.opt_int("limit") or 100, 1), 100)
        timeout = max(params.opt_float("timeout") or 0.0, 0.0)
        if self.webhook.webhook is not None:
            raise ApiError(409, E.WEBHOOK_CONFLICT)
        self._allow(params)
        state.confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        state.touch()  # an older poll still waiting learns it was replaced
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            pending = state.pending_updates(limit)
            if pending or state.closing:
                return pending
            if generation != self._poll_generation:
                raise ApiError(409, E.POLL_CONFLICT)
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await state.wait_change(remaining)

    def _allow(self, params: Params) -> None:
        allowed = params.opt_list("allowed_updates")
        if allowed is not None:
            self.state.allowed_updates = [str(kind) for kind in allowed] or None

    async def set_webhook(self, params: Params) -> Any:
        url = params.opt_str("url") or ""
        if not url:
            return await self.delete_webhook(params)
        secret = params.opt_str("secret_token")
        if secret is not None and not E.SECRET_TOKEN_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        connections = params.opt_int("max_connections") or DEFAULT_MAX_CONNECTIONS
        webhook = Webhook(check_url(url), secret, min(max(connections, 1), 100))
        self._allow(params)
        if params.get_bool("drop_pending_updates"):
            self.state.drop_pending_updates()
        self.webhook.set(webhook)
        return True

    async def delete_webhook(self, params: Params) -> Any:
        await self.webhook.delete()
        if params.get_bool("drop_pending_updates"):
            self.state.drop_pending_updates()
        return True

    async def get_webhook_info(self, params: Params) -> Any:
        return self.webhook.info()

    @staticmethod
    def _scope_key(params: Params) -> tuple[str, str]:
        return scope_key(params.opt_obj("scope"), params.opt_str("language_code") or "")

    async def set_my_commands(self, params: Params) -> Any:
        commands = params.opt_list("commands")
        if commands is None:
            raise bad_request("commands is empty")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            description = str(command.get("description", "")) if isinstance(command, dict) else ""
            if not name or len(name) > 32 or not all(c.isalnum() or c == "_" for c in name):
                raise bad_request("BOT_COMMAND_INVALID")
            if name != name.lower():
                raise bad_request("BOT_COMMAND_INVALID")
            if not description or len(description) > 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.state.commands[self._scope_key(params)] = list(commands)
        self.state.touch()
        return True

    async def delete_my_commands(self, params: Params) -> Any:
        self.state.commands.pop(self._scope_key(params), None)
        self.state.touch()
        return True

    async def get_my_commands(self, params: Params) -> Any:
        return self.state.commands.get(self._scope_key(params), [])

    # Telegram's limits: a description of up to 512 characters, a short one of 120;
    # an empty or missing text removes it for that language.
    async def set_my_description(self, params: Params) -> Any:
        return self._set_description(params, "description", 512)

    async def set_my_short_description(self, params: Params) -> Any:
        return self._set_description(params, "short_description", 120)

    async def get_my_description(self, params: Params) -> Any:
        return {"description": self._description(params, "description")}

    async def get_my_short_description(self, params: Params) -> Any:
        return {"short_description": self._description(params, "short_description")}

    def _set_description(self, params: Params, kind: str, limit: int) -> Any:
        text = params.opt_str(kind) or ""
        language = params.opt_str("language_code") or ""
        if len(text) > limit:
            raise bad_request(f"{kind.upper()}_INVALID")
        if language and not (len(language) == 2 and language.isalpha()):
            raise bad_request("LANGUAGE_CODE_INVALID")
        if text:
            self.state.descriptions[(kind, language)] = text
        else:
            self.state.descriptions.pop((kind, language), None)
        self.state.touch()
        return True

    def _description(self, params: Params, kind: str) -> str:
        language = params.opt_str("language_code") or ""
        found = self.state.descriptions
        return found.get((kind, language)) or found.get((kind, ""), "")

    async def set_chat_menu_button(self, params: Params) -> Any:
        """One private chat's menu button, or (no chat_id) everyone's default."""
        chat_id = params.opt_int("chat_id")
        if chat_id is not None and self.state.chat_for(chat_id).user is None:
            raise bad_request("chat not found")
        button = params.opt_obj("menu_button") or {"type": "default"}
        kind = button.get("type")
        if kind == "web_app":
            text = button.get("text")
            if not isinstance(text, str) or not text.strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            check_web_app_url((button.get("web_app") or {}).get("url"))
        elif kind not in ("default", "commands"):
            raise bad_request("unsupported menu button type")
        if kind == "default":
            self.state.menu_buttons.pop(chat_id, None)
        else:
            self.state.menu_buttons[chat_id] = dict(button)
        self.state.touch()
        return True

    async def get_chat_menu_button(self, params: Params) -> Any:
        chat_id = params.opt_int("chat_id")
        found = self.state.menu_buttons.get(chat_id)
        if found is None and chat_id is not None:
            found = self.state.menu_buttons.get(None)
        return found or {"type": "commands"}

    # -- sending ---------------------------------------------------------------------------
    async def send_message(self, params: Params) -> Any:
        chat = self.target(params)
        text = params.get_str("text", missing="message text is empty")
        parse_mode = params.opt_str("parse_mode")
        plain, found = check_content(text, parse_mode, params.opt_list("entities"), caption=False)
        markup = check_markup(params.opt_obj("reply_markup"))
        reply_to = self.reply_to(chat, params)
        self.flood_check(chat, params)
        message = self.sent(
            chat,
            params,
            text=plain,
            entities=found,
            source=text,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to=reply_to,
            effect_id=params.opt_str("message_effect_id"),
            link_preview_options=params.opt_obj("link_preview_options"),
        )
        return message.to_api()

    async def _send_media(self, params: Params, kind: str) -> Any:
        chat = self.target(params)
        caption, caption_entities = self.caption(params)
        markup = check_markup(params.opt_obj("reply_markup"))
        reply_to = self.reply_to(chat, params)
        stored = self.input_file(params, kind)
        self.flood_check(chat, params)
        message = self.sent(
            chat,
            params,
            caption=caption,
            caption_entities=caption_entities,
            source=params.opt_str("caption"),
            parse_mode=params.opt_str("parse_mode"),
            reply_markup=markup,
            reply_to=reply_to,
            effect_id=params.opt_str("message_effect_id"),
            **{kind: stored},
        )
        return message.to_api()

    async def send_photo(self, params: Params) -> Any:
        return await self._send_media(params, "photo")

    async def send_document(self, params: Params) -> Any:
        return await self._send_media(params, "document")

    async def copy_message(self, params: Params) -> Any:
        chat = self.target(params)
        source_chat = self.state.chat_for(params.chat_id("from_chat_id"))
        original = source_chat.find(params.get_int("message_id"))
        if original is None:
            raise ApiError(400, E.COPY_NOT_FOUND)
        if original.text is None and original.file is None and not original.attachment:
            raise bad_request("message can't be copied")
        fields: dict[str, Any] = {
            "text": original.text,
            "entities": list(original.entities),
            "caption": original.caption,
            "caption_entities": list(original.caption_entities),
            "source": original.source,
            "parse_mode": original.parse_mode,
            "photo": original.photo,
            "document": original.document,
            "attachment": dict(original.attachment),
        }
        if original.file is not None and "caption" in params.values:
            caption, caption_entities = self.caption(params)
            fields.update(
                caption=caption,
                caption_entities=caption_entities,
                source=params.opt_str("caption"),
                parse_mode=params.opt_str("parse_mode"),
            )
        markup = check_markup(params.opt_obj("reply_markup"))
        reply_to = self.reply_to(chat, params)
        self.flood_check(chat, params)
        message = self.sent(chat, params, reply_markup=markup, reply_to=reply_to, **fields)
        return {"message_id": message.message_id}

    # -- editing and deleting ----------------------------------------------------------------
    async def edit_message_text(self, params: Params) -> Any:
        message, inline = self.edit_target(params)
        if message.text is None:
            raise ApiError(400, E.NO_TEXT_TO_EDIT)
        text = params.get_str("text", missing="message text is empty")
        parse_mode = params.opt_str("parse_mode")
        plain, found = check_content(text, parse_mode, params.opt_list("entities"), caption=False)
        markup = _inline_only(check_markup(params.opt_obj("reply_markup")))
        if (plain, found, markup) == (message.text, message.entities, message.inline_keyboard):
            raise ApiError(400, E.NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = plain, found, markup
        message.source, message.parse_mode = text, parse_mode
        link_preview = params.opt_obj("link_preview_options")
        if link_preview is not None:
            message.link_preview_options = link_preview
        return self.edited(message, inline)

    async def edit_message_reply_markup(self, params: Params) -> Any:
        message, inline = self.edit_target(params)
        markup = _inline_only(check_markup(params.opt_obj("reply_markup")))
        if markup == message.inline_keyboard:
            raise ApiError(400, E.NOT_MODIFIED)
        message.reply_markup = markup
        return self.edited(message, inline)

    async def edit_message_caption(self, params: Params) -> Any:
        message, inline = self.edit_target(params)
        if message.file is None:
            raise ApiError(400, E.NO_CAPTION_TO_EDIT)
        caption, caption_entities = self.caption(params)
        markup = _inline_only(check_markup(params.opt_obj("reply_markup")))
        current = (message.caption, message.caption_entities, message.inline_keyboard)
        if (caption, caption_entities, markup) == current:
            raise ApiError(400, E.NOT_MODIFIED)
        message.caption, message.caption_entities, message.reply_markup = (
            caption,
            caption_entities,
            markup,
        )
        message.source, message.parse_mode = params.opt_str("caption"), params.opt_str("parse_mode")
        return self.edited(message, inline)

    async def delete_message(self, params: Params) -> Any:
        chat = self.state.chat_for(params.chat_id())
        message = chat.find(params.get_int("message_id"))
        if message is None:
            raise ApiError(400, E.DELETE_NOT_FOUND)
        if self.state.now() - message.date > _DELETE_WINDOW:
            raise ApiError(400, E.CANT_DELETE)
        message.deleted = True
        self.state.touch()
        return True

    # -- queries ---------------------------------------------------------------------------
    async def answer_callback_query(self, params: Params) -> Any:
        query_id = params.get_str("callback_query_id", missing="QUERY_ID_INVALID")
        record = self.state.callback_queries.get(query_id)
        if record is None or record.answered:
            raise ApiError(400, E.QUERY_INVALID)
        if self.state.monotonic() - record.pressed_at > CALLBACK_ANSWER_WINDOW_S:
            # Telegram stops the client's spinner after about 15 s; an answer after
            # that is refused, and the person never saw it.
            record.expired = True
            raise ApiError(400, E.QUERY_INVALID)
        text = params.opt_str("text")
        if text and utf16_len(text) > MAX_CALLBACK_ANSWER:
            raise ApiError(400, E.CALLBACK_TEXT_TOO_LONG)
        record.answered = True
        record.answered_at = self.state.monotonic()
        record.text = text or None
        record.show_alert = params.get_bool("show_alert")
        record.url = params.opt_str("url")
        self.state.touch()
        return True

    async def answer_inline_query(self, params: Params) -> Any:
        query_id = params.get_str("inline_query_id", missing="QUERY_ID_INVALID")
        record = self.state.inline_queries.get(query_id)
        if record is None or record.answered:
            raise ApiError(400, E.QUERY_INVALID)
        results = params.opt_list("results")
        if results is None:
            raise bad_request("results is empty")
        if len(results) > MAX_INLINE_RESULTS:
            raise ApiError(400, E.RESULTS_TOO_MUCH)
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict):
                raise bad_request("can't parse InlineQueryResult JSON object")
            result_id = str(result.get("id", ""))
            if not result_id or len(result_id.encode()) > 64:
                raise ApiError(400, E.RESULT_ID_INVALID)
            if result_id in seen:
                raise ApiError(400, E.RESULT_ID_DUPLICATE)
            seen.add(result_id)
            self._check_result(result)
        record.answered = True
        record.results = list(results)
        record.next_offset = params.opt_str("next_offset")
        self.state.touch()
        return True

    @staticmethod
    def _check_result(result: dict[str, Any]) -> None:
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            check_content(
                str(content["message_text"]),
                content.get("parse_mode"),
                content.get("entities"),
                caption=False,
            )
        if result.get("caption"):
            check_content(
                str(result["caption"]),
                result.get("parse_mode"),
                result.get("caption_entities"),
                caption=True,
            )
        check_markup(result.get("reply_markup"))

    # -- chats and files -------------------------------------------------------------------
    async def send_chat_action(self, params: Params) -> Any:
        chat = self.target(params)
        action = params.get_str("action")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.last_action = action
        self.state.touch()
        return True

    async def get_chat(self, params: Params) -> Any:
        chat = self.state.chat_for(params.chat_id())
        gifts = {
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        }
        return {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    async def get_file(self, params: Params) -> Any:
        stored = self.state.files.get(params.get_str("file_id"))
        if stored is None:
            raise ApiError(400, E.INVALID_FILE_ID)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }
