"""Bot API request parameters, whichever way the client sent them.

Telegram accepts a query string, `application/json`,
`application/x-www-form-urlencoded` and `multipart/form-data`. In the two form
encodings every value is a string and objects or arrays are JSON-encoded
strings (python-telegram-bot sends exactly that); files arrive as multipart
parts, either under the parameter's own name or as `attach://<part>`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from aiohttp import web

from bot.sandbox.errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Typed access to one request's parameters; bad values raise `ApiError` 400."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.files = files or {}

    def loggable(self) -> dict[str, Any]:
        """The parameters with uploads replaced by a short description."""
        logged = dict(self.values)
        for name, upload in self.files.items():
            logged[name] = f"<upload {upload.filename or name}: {len(upload.data)} bytes>"
        return logged

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.files

    def opt_str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def get_str(self, name: str, *, missing: str | None = None) -> str:
        value = self.opt_str(name)
        if value is None:
            raise bad_request(missing or f"{name} is empty")
        return value

    def opt_int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def get_int(self, name: str, *, missing: str | None = None) -> int:
        value = self.opt_int(name)
        if value is None:
            raise bad_request(missing or f"{name} is empty")
        return value

    def opt_float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes")

    def chat_id(self, name: str = "chat_id") -> int | str:
        """A chat id: an integer, or an `@username` string."""
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, str) and value.startswith("@"):
            return value
        return self.get_int(name)

    def _json(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def opt_obj(self, name: str) -> dict[str, Any] | None:
        value = self._json(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise bad_request(f"can't parse {name} JSON object")
        return value

    def opt_list(self, name: str) -> list[Any] | None:
        value = self._json(name)
        if value is None:
            return None
        if not isinstance(value, list):
            raise bad_request(f"can't parse {name} JSON array")
        return value

    def file(self, name: str) -> Upload | str | None:
        """An uploaded file, or a string (file_id or URL), or None when absent."""
        if name in self.files:
            return self.files[name]
        value = self.values.get(name)
        if not isinstance(value, str) or not value:
            return None
        if value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part not in self.files:
                raise bad_request(f"file {part} not found in the request")
            return self.files[part]
        return value


async def read_params(request: web.Request) -> Params:
    """Every parameter of a Bot API request: query string first, then the body."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method != "POST" or not request.body_exists:
        return Params(values, files)
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        values.update(body)
    elif content_type == "multipart/form-data":
        # The whole body is read and split by the standard library: aiohttp's
        # streaming reader warns (deprecated internals) when a part boundary
        # falls across two network chunks, and the sandbox must not depend on
        # how the client's bytes happen to arrive.
        _read_multipart(
            request.headers.get("Content-Type", ""), await request.read(), values, files
        )
    else:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = Upload(value.file.read(), value.filename, value.content_type)
            elif isinstance(value, str):
                values[name] = value
    return Params(values, files)


def _read_multipart(
    content_type: str, body: bytes, values: dict[str, Any], files: dict[str, Upload]
) -> None:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise bad_request("can't parse multipart body")
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        content = part.get("Content-Type")
        if filename is not None or (content and not str(content).startswith("text/")):
            files[name] = Upload(data, filename, str(content) if content else None)
        else:
            values[name] = data.decode(part.get_content_charset("utf-8"))
