"""What the sandbox remembers: users, chats, messages, files, and its logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SandboxUser:
    """A Telegram account: a person, or the bot itself (`is_bot`)."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False
    blocked: bool = False  # this user blocked the bot
    deactivated: bool = False  # the account was deleted

    def to_api(self) -> dict[str, Any]:
        """The `User` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data

    def to_view(self) -> dict[str, Any]:
        """The sandbox's own view of the user (control API)."""
        return {**self.to_api(), "blocked": self.blocked, "deactivated": self.deactivated}


@dataclass(eq=False)
class SandboxChat:
    """A private chat (id == the user's id) or a group (negative id) with members."""

    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None
    user: SandboxUser | None = None  # the other side of a private chat
    member_ids: set[int] = field(default_factory=set)
    messages: list[SandboxMessage] = field(default_factory=list, repr=False)
    next_message_id: int = 1
    last_action: str | None = None  # the last sendChatAction
    keyboard: dict[str, Any] | None = None  # the reply keyboard the user sees, if any

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    def to_api(self) -> dict[str, Any]:
        """The `Chat` object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        if self.title is not None:
            data["title"] = self.title
        return data

    def find(self, message_id: int) -> SandboxMessage | None:
        """The live (not deleted) message with this id."""
        for message in reversed(self.messages):
            if message.message_id == message_id:
                return None if message.deleted else message
        return None


@dataclass(eq=False)
class StoredFile:
    """An uploaded (or referenced) file and the ids Telegram gave it."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo", "document" or "sticker"
    data: bytes = field(repr=False)
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None  # sent by URL: the sandbox does not fetch it
    width: int = 0
    height: int = 0

    @property
    def file_path(self) -> str:
        suffix = ""
        if self.file_name and "." in self.file_name:
            suffix = "." + self.file_name.rsplit(".", 1)[1]
        elif self.kind == "photo":
            suffix = ".jpg"
        return f"{self.kind}s/{self.file_unique_id}{suffix}"

    def to_api(self) -> Any:
        """`photo` (a list of PhotoSize) or `document` (a Document object)."""
        base = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.kind == "photo":
            return [{**base, "width": self.width, "height": self.height}]
        data: dict[str, Any] = dict(base)
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data


@dataclass(eq=False)
class SandboxMessage:
    """One message in a chat, as the sandbox keeps it."""

    chat: SandboxChat = field(repr=False)
    message_id: int
    date: int
    sender: SandboxUser
    text: str | None = None  # plain text, entities apart (what Telegram returns)
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    source: str | None = None  # the text or caption exactly as the sender sent it
    parse_mode: str | None = None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to: SandboxMessage | None = field(default=None, repr=False)
    via_bot: SandboxUser | None = None
    inline_message_id: str | None = None
    effect_id: str | None = None
    link_preview_options: dict[str, Any] | None = None
    # Content kept as its own Bot API fields, e.g. {"sticker": {...}} or {"location": {...}}.
    attachment: dict[str, Any] = field(default_factory=dict)
    edit_date: int | None = None
    edits: int = 0
    deleted: bool = False

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def has_photo(self) -> bool:
        return self.photo is not None

    @property
    def has_document(self) -> bool:
        return self.document is not None

    @property
    def file(self) -> StoredFile | None:
        return self.photo or self.document

    @property
    def data(self) -> bytes | None:
        """The bytes of the photo or document, if any."""
        file = self.file
        return None if file is None else file.data

    @property
    def inline_keyboard(self) -> dict[str, Any] | None:
        """The reply markup when it is an inline keyboard (the only kind a message keeps)."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup
        return None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Every inline button, row by row."""
        markup = self.inline_keyboard or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def shown(self) -> str:
        """The text or caption (plain)."""
        return self.text if self.text is not None else (self.caption or "")

    def to_api(self, *, with_reply: bool = True) -> dict[str, Any]:
        """The `Message` object."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.to_api(),
            "from": self.sender.to_api(),
        }
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.photo is not None:
            data["photo"] = self.photo.to_api()
        if self.document is not None:
            data["document"] = self.document.to_api()
        if self.caption:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        if self.inline_keyboard is not None:
            data["reply_markup"] = self.inline_keyboard
        if with_reply and self.reply_to is not None and not self.reply_to.deleted:
            data["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.via_bot is not None:
            data["via_bot"] = self.via_bot.to_api()
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.effect_id:
            data["effect_id"] = self.effect_id
        if self.link_preview_options:
            data["link_preview_options"] = self.link_preview_options
        data.update(self.attachment)
        return data

    def to_view(self) -> dict[str, Any]:
        """The sandbox's own view (control API): everything a test or a console needs."""
        file = self.file
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "date": self.date,
            "from_bot": self.from_bot,
            "sender_id": self.sender.id,
            "text": self.text,
            "caption": self.caption,
            "entities": self.entities or self.caption_entities,
            "source": self.source,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "reply_to_message_id": self.reply_to.message_id if self.reply_to else None,
            "has_photo": self.has_photo,
            "has_document": self.has_document,
            "file_id": file.file_id if file else None,
            "file_name": file.file_name if file else None,
            "file_size": len(file.data) if file else None,
            "attachment": self.attachment,
            "via_bot": self.via_bot is not None,
            "inline_message_id": self.inline_message_id,
            "edit_date": self.edit_date,
            "edits": self.edits,
        }


@dataclass(frozen=True)
class ApiCall:
    """One Bot API request the sandbox answered."""

    method: str
    params: dict[str, Any]
    at: float
    ok: bool
    error_code: int | None = None
    description: str | None = None

    def to_view(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "params": self.params,
            "at": self.at,
            "ok": self.ok,
            "error_code": self.error_code,
            "description": self.description,
        }


@dataclass(frozen=True)
class ApiErrorRecord:
    """One error the sandbox answered with."""

    method: str
    code: int
    description: str
    retry_after: int | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_view(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "code": self.code,
            "description": self.description,
            "retry_after": self.retry_after,
            "params": self.params,
        }


@dataclass
class CallbackQueryRecord:
    """A button press and, once the bot answered it, the answer."""

    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    inline_message_id: str | None
    data: str
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    pressed_at: float = 0.0  # the sandbox's monotonic clock
    answered_at: float | None = None
    expired: bool = False  # the bot tried to answer after Telegram's window

    def to_view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "inline_message_id": self.inline_message_id,
            "data": self.data,
            "answered": self.answered,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
            "expired": self.expired,
            "answer_s": None
            if self.answered_at is None
            else round(self.answered_at - self.pressed_at, 4),
        }


@dataclass
class InlineQueryRecord:
    """An inline query and the results the bot answered with."""

    id: str
    user_id: int
    query: str
    offset: str
    answered: bool = False
    results: list[dict[str, Any]] = field(default_factory=list)
    next_offset: str | None = None
