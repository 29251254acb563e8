"""Factories for real PTB `Update` objects, built from Telegram-shaped JSON."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Update

from tests.kit.recording import BOT_ID, BOT_USERNAME, EPOCH

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


@dataclass(frozen=True)
class TgUser:
    """A Telegram user as the tests imagine them."""

    id: int
    first_name: str = "Alex"
    username: str | None = None
    language_code: str | None = "en"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


def private_chat(user: TgUser) -> dict[str, Any]:
    return {"id": user.id, "type": "private", "first_name": user.first_name}


def group_chat(chat_id: int = -100_123, title: str = "Bootcamp crew") -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": title}


class UpdateFactory:
    """Builds updates bound to `bot`, each with a fresh update id."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def _wrap(self, payload: dict[str, Any], update_id: int | None = None) -> Update:
        data = {"update_id": update_id if update_id is not None else next(_update_ids)}
        data.update(payload)
        update = Update.de_json(data, self.bot)
        assert update is not None
        return update

    def message(
        self,
        user: TgUser,
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        update_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
        via_bot: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> Update:
        """A text message; a leading /command gets its bot_command entity.
        `via_bot`: posted through that bot's inline mode; `entities`: formatting."""
        message: dict[str, Any] = {
            "message_id": next(_message_ids),
            "date": EPOCH,
            "chat": chat or private_chat(user),
            "from": user.as_dict(),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0] if text.split() else text
            message["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        if entities:
            message["entities"] = [*message.get("entities", []), *entities]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if via_bot is not None:
            message["via_bot"] = via_bot
        return self._wrap({"message": message}, update_id)

    def location(
        self, user: TgUser, latitude: float, longitude: float, *, update_id: int | None = None
    ) -> Update:
        """A location shared in the private chat (📍 Send my location)."""
        message: dict[str, Any] = {
            "message_id": next(_message_ids),
            "date": EPOCH,
            "chat": private_chat(user),
            "from": user.as_dict(),
            "location": {"latitude": latitude, "longitude": longitude},
        }
        return self._wrap({"message": message}, update_id)

    def command(
        self,
        user: TgUser,
        command: str,
        args: str = "",
        *,
        chat: dict[str, Any] | None = None,
        update_id: int | None = None,
        mention_bot: bool = False,
    ) -> Update:
        """`/command args`, optionally addressed as /command@bot (as in groups)."""
        head = f"/{command}@{BOT_USERNAME}" if mention_bot else f"/{command}"
        text = f"{head} {args}".rstrip() if args else head
        return self.message(user, text, chat=chat, update_id=update_id)

    def callback(
        self,
        user: TgUser,
        data: str,
        *,
        message_text: str | None = "…",
        message_id: int | None = None,
        chat: dict[str, Any] | None = None,
        update_id: int | None = None,
    ) -> Update:
        """A button press on a message the bot sent (`message_text=None`: a photo)."""
        message: dict[str, Any] = {
            "message_id": message_id if message_id is not None else next(_message_ids),
            "date": EPOCH,
            "chat": chat or private_chat(user),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Defy Gravity"},
        }
        if message_text is None:
            photo = {"file_id": "PHO-1", "file_unique_id": "u1", "width": 2, "height": 2}
            message["photo"] = [photo]
        else:
            message["text"] = message_text
        query = {
            "id": f"cq{next(_message_ids)}",
            "from": user.as_dict(),
            "chat_instance": "ci-1",
            "data": data,
            "message": message,
        }
        return self._wrap({"callback_query": query}, update_id)

    def edited_message(
        self,
        user: TgUser,
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        update_id: int | None = None,
    ) -> Update:
        """A text message the user changed after sending it."""
        message = self.message(user, text, chat=chat).to_dict()["message"]
        message["edit_date"] = EPOCH + 60
        return self._wrap({"edited_message": message}, update_id)

    def service_message(
        self, user: TgUser, chat: dict[str, Any], *, update_id: int | None = None, **fields: Any
    ) -> Update:
        """A service message in a chat (e.g. migrate_to_chat_id=...) with no text."""
        message: dict[str, Any] = {
            "message_id": next(_message_ids),
            "date": EPOCH,
            "chat": chat,
            "from": user.as_dict(),
            **fields,
        }
        return self._wrap({"message": message}, update_id)

    def inline_callback(self, user: TgUser, data: str, *, update_id: int | None = None) -> Update:
        """A button press on a message sent through inline mode: no message, no chat."""
        query = {
            "id": f"cq{next(_message_ids)}",
            "from": user.as_dict(),
            "chat_instance": "ci-2",
            "data": data,
            "inline_message_id": f"im{next(_message_ids)}",
        }
        return self._wrap({"callback_query": query}, update_id)

    def inline_query(self, user: TgUser, query: str, *, update_id: int | None = None) -> Update:
        """`@bot query` typed in any chat."""
        payload = {
            "id": f"iq{next(_message_ids)}",
            "from": user.as_dict(),
            "query": query,
            "offset": "",
        }
        return self._wrap({"inline_query": payload}, update_id)

    def my_chat_member(
        self,
        user: TgUser,
        new_status: str,
        *,
        old_status: str = "member",
        update_id: int | None = None,
        chat: dict[str, Any] | None = None,
    ) -> Update:
        """The user blocked ("kicked") or unblocked ("member") the bot in their private
        chat; with `chat` (a group), removed ("left", "kicked") or added the bot there."""
        bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Defy Gravity",
            "username": BOT_USERNAME,
        }
        payload = {
            "chat": chat or private_chat(user),
            "from": user.as_dict(),
            "date": EPOCH,
            "old_chat_member": _member_state(bot_user, old_status),
            "new_chat_member": _member_state(bot_user, new_status),
        }
        return self._wrap({"my_chat_member": payload}, update_id)


def _member_state(user: dict[str, Any], status: str) -> dict[str, Any]:
    state: dict[str, Any] = {"user": user, "status": status}
    if status == "kicked":
        state["until_date"] = 0
    return state
