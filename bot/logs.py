"""Logging set-up that never prints the bot token; plain text or one JSON object a line.

With `LOG_FORMAT=json` every record is one line of JSON: time (UTC, ISO 8601),
level, logger, message, and, for records written while an update is handled,
its update id, chat and handler (`UPDATE`, set by the dispatcher around each
update; background work started by a handler inherits it), plus `duration_ms`
where the record carries one. A traceback goes into `exception` on the same
line, so a log collector never sees half a record.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass
class UpdateLog:
    """What the log says about the update being handled: filled in as it goes."""

    update_id: int
    chat: str
    handler: str | None = None


UPDATE: ContextVar[UpdateLog | None] = ContextVar("update_log", default=None)


def note_handler(name: str) -> None:
    """Record which handler took the current update (no-op outside an update)."""
    current = UPDATE.get()
    if current is not None:
        current.handler = name


class RedactFilter(logging.Filter):
    """Replace every occurrence of a secret in log records."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secret:
            return True
        message = record.getMessage()
        if self._secret in message:
            record.msg = message.replace(self._secret, "<token>")
            record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def __init__(self, secret: str | None = None) -> None:
        super().__init__()
        self._secret = secret

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = UPDATE.get()
        if current is not None:
            entry["update_id"] = current.update_id
            entry["chat"] = current.chat
            if current.handler is not None:
                entry["handler"] = current.handler
        duration = getattr(record, "duration_ms", None)
        if duration is not None:
            entry["duration_ms"] = duration
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        line = json.dumps(entry, ensure_ascii=False, default=str)
        # A traceback may quote a URL, and Bot API URLs hold the token.
        return line.replace(self._secret, "<token>") if self._secret else line


def setup_logging(level: str, secret: str | None = None, log_format: str = "text") -> None:
    """Log to stderr at `level`, as text or JSON lines; the HTTP client's request
    lines stay quiet."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter(secret))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    if secret:
        handler.addFilter(RedactFilter(secret))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every URL at INFO, and a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
