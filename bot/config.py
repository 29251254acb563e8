"""Settings from the environment and an optional `.env` file.

Every variable is validated at start-up; a wrong value becomes one clear line
naming the variable and the form it expects (see `ConfigError`).
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.logs import FORMATS

TELEGRAM_API_ROOT = "https://api.telegram.org"
SHIPPED_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

# A real token is "<bot id>:<35 characters>"; these are the examples people paste.
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")
_PLACEHOLDER_TOKENS = {
    "123456:abc-def1234ghikl-zyx57w2v1u123ew11",
    "110201543:aahdqtcvcl1vgr7nfqrtcq6jfr1fnvc7tbnc",
}
_PLACEHOLDER_WORDS = (
    "changeme",
    "change-me",
    "change_me",
    "your_token",
    "your-token",
    "yourtoken",
    "placeholder",
    "xxxxx",
    "<token>",
)

# What each variable expects, for the one-line error message.
EXPECTED = {
    "BOT_TOKEN": "the token @BotFather gave you, like 123456789:AAF...",
    "BOT_API_BASE_URL": "an http(s) URL such as https://api.telegram.org",
    "DATABASE_URL": "a URL such as sqlite+aiosqlite:///bootcamp.db or postgresql://user@host/db",
    "BOT_DATA_DIR": "a directory path",
    "BOT_ADMIN_IDS": "comma-separated numeric Telegram user ids, like 12345,67890",
    "BOT_DEFAULT_TIMEZONE": "an IANA time zone name such as Europe/Berlin or UTC",
    "BOT_DEFAULT_REMINDER_TIME": "a time as HH:MM, like 07:00",
    "BOT_BROADCAST_RATE": "a number of messages per second between 1 and 30",
    "CONTENT_DIR": "a directory holding the series content",
    "LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR",
    "LOG_FORMAT": "text or json",
    "BOT_AUTO_MIGRATE": "1 or 0",
    "BOT_TICK_SECONDS": "seconds between due scans, from 1 to 300",
    "BOT_SANDBOX_CLOCK_FILE": "a file path",
    "BOT_UPDATE_WORKERS": "a number of updates handled at once, from 1 to 256",
    "BOT_RENDER_PROCESSES": "a number of chart-drawing processes, from 0 to 8",
    "BOT_PAID_BROADCAST_RATE": "0 (off) or messages per second for paid broadcasts, up to 1000",
    "BOT_SEND_TIMEOUT": "seconds to wait for Telegram's answer to a send, from 5 to 120",
    "BOT_OUTBOX_RETENTION_DAYS": "days to keep sent messages in the outbox, from 1 to 365",
    "BOT_WEBHOOK_URL": "the public https:// URL Telegram posts updates to, like "
    "https://bot.example.com/telegram (http:// only on 127.0.0.1 or localhost)",
    "BOT_WEBHOOK_LISTEN": "host:port to listen on, like 0.0.0.0:8080 or [::]:8080",
    "BOT_WEBHOOK_SECRET": "1 to 256 characters of A-Z a-z 0-9 _ - (make one with "
    "`openssl rand -hex 32`)",
    "BOT_WEBHOOK_MAX_CONNECTIONS": "how many updates Telegram may post at once, from 1 to 100",
    "BOT_HTTP_LISTEN": "host:port for /healthz and /metrics, like 127.0.0.1:9090, or empty (off)",
    "BOT_PUBLIC_URL": "the public https:// root the Mini App is served under, like "
    "https://bot.example.com (http:// only on 127.0.0.1 or localhost)",
    "BOT_WEBAPP_MAX_AGE": "seconds a Mini App's init data stays valid, from 60 to 86400",
}


# Numeric settings checked only against a range (field name: low, high).
NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "paid_broadcast_rate": (0, 1000),
    "send_timeout": (5, 120),
    "tick_seconds": (1, 300),
}
WHOLE_RANGES: dict[str, tuple[int, int]] = {
    "outbox_retention_days": (1, 365),
    "update_workers": (1, 256),
    "render_processes": (0, 8),
    "webhook_max_connections": (1, 100),
    "webapp_max_age": (60, 86400),
}

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _number_in(value: Any, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if not low <= number <= high:
        raise ValueError(f"{number:g} is outside {low:g}..{high:g}")
    return number


def _whole_in(value: Any, low: int, high: int) -> int:
    text = str(value).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{value!r} is not a whole number from {low} to {high}")
    return int(text)


class ConfigError(Exception):
    """A configuration value is wrong; `str()` is the one line to show."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        hide_input_in_errors=True,
    )

    bot_token: SecretStr | None = Field(default=None, alias="BOT_TOKEN")
    api_base_url: str = Field(default=TELEGRAM_API_ROOT, alias="BOT_API_BASE_URL")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path(), alias="BOT_DATA_DIR")
    admin_ids: Annotated[tuple[int, ...], NoDecode] = Field(default=(), alias="BOT_ADMIN_IDS")
    default_timezone: str = Field(default="UTC", alias="BOT_DEFAULT_TIMEZONE")
    default_reminder_time: time = Field(default=time(7, 0), alias="BOT_DEFAULT_REMINDER_TIME")
    broadcast_rate: float = Field(default=25.0, alias="BOT_BROADCAST_RATE")
    # Broadcasts sent with allow_paid_broadcast (Telegram bills Stars): 0 = off.
    paid_broadcast_rate: float = Field(default=0.0, alias="BOT_PAID_BROADCAST_RATE")
    send_timeout: float = Field(default=30.0, alias="BOT_SEND_TIMEOUT")
    outbox_retention_days: int = Field(default=30, alias="BOT_OUTBOX_RETENTION_DAYS")
    content_dir: Path = Field(default=SHIPPED_CONTENT_DIR, alias="CONTENT_DIR")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # "json": one JSON object per line, for log collectors (bot/logs.py).
    log_format: str = Field(default="text", alias="LOG_FORMAT")
    auto_migrate: bool = Field(default=True, alias="BOT_AUTO_MIGRATE")
    tick_seconds: float = Field(default=20.0, alias="BOT_TICK_SECONDS")
    # Handlers spend most of their time waiting on Bot API round trips (150 ms
    # each over a real network), so 64 at once are cheap asyncio tasks; at 16 a
    # 100-presses-per-second rush queued (bench/rush.py: p99 2.5 s vs 0.55 s).
    update_workers: int = Field(default=64, alias="BOT_UPDATE_WORKERS")
    # Charts are drawn in separate processes (0: in a thread of the bot's own).
    render_processes: int = Field(default=1, alias="BOT_RENDER_PROCESSES")
    # Webhook mode when the URL is set (several replicas behind a load balancer);
    # long polling otherwise. The secret comes after the URL: its check reads it.
    webhook_url: str | None = Field(default=None, alias="BOT_WEBHOOK_URL")
    webhook_listen: str = Field(default="0.0.0.0:8080", alias="BOT_WEBHOOK_LISTEN")
    webhook_secret: SecretStr | None = Field(
        default=None, alias="BOT_WEBHOOK_SECRET", validate_default=True
    )
    webhook_max_connections: int = Field(default=40, alias="BOT_WEBHOOK_MAX_CONNECTIONS")
    # Polling mode only: where /healthz and /metrics listen (None: nowhere).
    http_listen: str | None = Field(default=None, alias="BOT_HTTP_LISTEN")
    # The Mini App: its public root (default: the webhook URL's origin), and how
    # long the init data Telegram signs stays good.
    public_url: str | None = Field(default=None, alias="BOT_PUBLIC_URL")
    webapp_max_age: int = Field(default=3600, alias="BOT_WEBAPP_MAX_AGE")
    # For the sandbox and end-to-end tests only: a file holding a clock offset.
    sandbox_clock_file: Path | None = Field(default=None, alias="BOT_SANDBOX_CLOCK_FILE")

    @field_validator("bot_token", mode="before")
    @classmethod
    def _check_token(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        raw = raw.strip()
        lowered = raw.lower()
        secret_part = lowered.partition(":")[2]
        if (
            lowered in _PLACEHOLDER_TOKENS
            or any(word in lowered for word in _PLACEHOLDER_WORDS)
            or (secret_part and len(set(secret_part)) <= 2)
        ):
            raise ValueError("is a placeholder, not a real token")
        if not _TOKEN_RE.match(raw):
            raise ValueError("does not look like a bot token")
        return SecretStr(raw)

    @field_validator("api_base_url", mode="before")
    @classmethod
    def _check_base_url(cls, value: Any) -> str:
        text = str(value).strip().rstrip("/")
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("is not an http(s) URL")
        if parts.path.endswith("/bot"):
            # People paste PTB's own form; accept it and keep the server root.
            text = text[: -len("/bot")]
        return text

    @field_validator("database_url", mode="before")
    @classmethod
    def _check_database_url(cls, value: Any) -> str | None:
        if value is None or not str(value).strip():
            return None
        return normalise_database_url(str(value).strip())

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: Any) -> tuple[int, ...]:
        if value is None:
            return ()
        if isinstance(value, (list, tuple)):
            items = [str(v) for v in value]
        else:
            items = [p for p in re.split(r"[,\s]+", str(value)) if p]
        ids = []
        for item in items:
            if not re.fullmatch(r"\d{1,20}", item):
                raise ValueError(f"{item!r} is not a numeric user id")
            ids.append(int(item))
        return tuple(ids)

    @field_validator("default_timezone", mode="before")
    @classmethod
    def _check_zone(cls, value: Any) -> str:
        name = str(value).strip()
        if not is_valid_zone(name):
            raise ValueError(f"{name!r} is not a known time zone")
        return name

    @field_validator("default_reminder_time", mode="before")
    @classmethod
    def _check_time(cls, value: Any) -> time:
        if isinstance(value, time):
            return value
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(value).strip())
        if not match:
            raise ValueError(f"{value!r} is not a time of day")
        return time(int(match[1]), int(match[2]))

    @field_validator("broadcast_rate", mode="before")
    @classmethod
    def _check_rate(cls, value: Any) -> float:
        try:
            rate = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
        if not 1 <= rate <= 30:
            raise ValueError(f"{rate:g} is outside 1..30 (Telegram allows about 30/s)")
        return rate

    @field_validator(*NUMBER_RANGES, mode="before")
    @classmethod
    def _check_number(cls, value: Any, info: ValidationInfo) -> float:
        return _number_in(value, *NUMBER_RANGES[str(info.field_name)])

    @field_validator(*WHOLE_RANGES, mode="before")
    @classmethod
    def _check_whole(cls, value: Any, info: ValidationInfo) -> int:
        return _whole_in(value, *WHOLE_RANGES[str(info.field_name)])

    @field_validator("log_level", mode="before")
    @classmethod
    def _check_log_level(cls, value: Any) -> str:
        level = str(value).strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError(f"{value!r} is not a log level")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _check_log_format(cls, value: Any) -> str:
        name = str(value).strip().lower()
        if name not in FORMATS:
            raise ValueError(f"{value!r} is not a log format")
        return name

    @field_validator("auto_migrate", mode="before")
    @classmethod
    def _check_flag(cls, value: Any) -> bool:
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{value!r} is not 1 or 0")

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _check_webhook_url(cls, value: Any) -> str | None:
        if value is None or not str(value).strip():
            return None
        return _public_root(str(value).strip())

    @field_validator("public_url", mode="before")
    @classmethod
    def _check_public_url(cls, value: Any) -> str | None:
        if value is None or not str(value).strip():
            return None
        text = _public_root(str(value).strip(), "Telegram opens Mini Apps only over TLS")
        if urlsplit(text).path not in ("", "/"):
            raise ValueError("must be a root without a path (the app is served under /app)")
        return text.rstrip("/")

    @field_validator("webhook_listen", "http_listen", mode="before")
    @classmethod
    def _check_listen(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is None or not str(value).strip():
            if info.field_name == "http_listen":
                return None
            raise ValueError("is empty")
        text = str(value).strip()
        split_listen(text)  # raises ValueError with the reason
        return text

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _check_secret(cls, value: Any, info: ValidationInfo) -> SecretStr | None:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        raw = "" if raw is None else str(raw).strip()
        if not raw:
            if info.data.get("webhook_url"):
                raise ValueError("is needed when BOT_WEBHOOK_URL is set")
            return None
        lowered = raw.lower()
        if any(word in lowered for word in _PLACEHOLDER_WORDS) or len(set(lowered)) <= 2:
            raise ValueError("is a placeholder, not a secret")
        if not _SECRET_RE.match(raw):
            raise ValueError("has characters Telegram does not allow, or is too long")
        return SecretStr(raw)

    @property
    def webhook_path(self) -> str:
        """The path of BOT_WEBHOOK_URL, where the listener takes updates."""
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def app_url(self) -> str | None:
        """The Mini App's public address (`BOT_PUBLIC_URL` or the webhook URL's
        origin, then /app); None when neither is set."""
        root = self.public_url
        if root is None and self.webhook_url:
            parts = urlsplit(self.webhook_url)
            root = f"{parts.scheme}://{parts.netloc}"
        return f"{root}/app/" if root else None

    @property
    def listen_address(self) -> tuple[str, int] | None:
        """Where the HTTP listener binds: the webhook's in webhook mode, else
        BOT_HTTP_LISTEN's (None: no listener)."""
        if self.webhook_url:
            return split_listen(self.webhook_listen)
        return split_listen(self.http_listen) if self.http_listen else None

    @property
    def effective_database_url(self) -> str:
        """The configured database, or the embedded SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'bootcamp.db').resolve()}"

    @property
    def base_url(self) -> str:
        """PTB's `base_url`: the server root followed by `/bot` (the token is appended)."""
        return f"{self.api_base_url}/bot"

    @property
    def base_file_url(self) -> str:
        """PTB's `base_file_url` for downloads."""
        return f"{self.api_base_url}/file/bot"

    @property
    def zone(self) -> ZoneInfo:
        """The default time zone as an object."""
        return ZoneInfo(self.default_timezone)


def is_valid_zone(name: str) -> bool:
    """Whether `name` is an IANA zone that zoneinfo can load."""
    if not name or name != name.strip() or ".." in name or name.startswith("/"):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError, OSError):
        return False
    return True


def _public_root(text: str, tls: str = "Telegram posts only over TLS") -> str:
    """An http(s) URL Telegram may reach: https, or http on this machine only."""
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError("has a bad port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("is not an http(s) URL")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValueError(f"must be https:// ({tls})")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or a fragment")
    return text


def split_listen(text: str) -> tuple[str, int]:
    """("0.0.0.0", 8080) from "0.0.0.0:8080" ("[::1]:80" for IPv6); ValueError if bad."""
    host, colon, port = text.rpartition(":")
    if not colon or not host:
        raise ValueError(f"{text!r} is not host:port")
    bracketed = host.startswith("[") and host.endswith("]")
    host = host[1:-1] if bracketed else host
    allowed = r"[0-9A-Fa-f:.]+" if bracketed else r"[A-Za-z0-9._-]+"
    if not re.fullmatch(allowed, host):
        raise ValueError(f"{text!r} has no usable host")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{text!r} has no port from 1 to 65535")
    return host, int(port)


def normalise_database_url(url: str) -> str:
    """Map the URL forms people write onto the async drivers we ship."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        if not parts.hostname and "host=" not in parts.query:
            raise ValueError("names no PostgreSQL host")
        rest = url.split("://", 1)[1]
        return f"postgresql+asyncpg://{rest}"
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        if not url.startswith(f"{scheme}:///") and url != f"{scheme}://":
            raise ValueError("is not of the form sqlite:///path/to/file.db")
        rest = url.split("://", 1)[1]
        return f"sqlite+aiosqlite://{rest}"
    raise ValueError("is not a sqlite or postgresql URL")


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning a validation failure into a one-line `ConfigError`."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line: the variable, what is wrong and the expected form."""
    first = exc.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "configuration"
    # A default checked against another variable is reported by its field name.
    field = Settings.model_fields.get(name)
    name = field.alias if field is not None and field.alias else name
    reason = str(first["msg"]).removeprefix("Value error, ")
    expected = EXPECTED.get(name)
    tail = f"; expected {expected}" if expected else ""
    return f"configuration error: {name} {reason}{tail}"
