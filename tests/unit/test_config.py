"""Every configuration variable: its default, its accepted forms, and the one
line a wrong value produces (exit code 2, no traceback)."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot import cli
from bot.config import TELEGRAM_API_ROOT, ConfigError, load_settings
from tests.kit.recording import TOKEN

ALL_VARS = (
    "BOT_TOKEN", "BOT_API_BASE_URL", "DATABASE_URL", "BOT_DATA_DIR", "BOT_ADMIN_IDS",
    "BOT_DEFAULT_TIMEZONE", "BOT_DEFAULT_REMINDER_TIME", "BOT_BROADCAST_RATE", "CONTENT_DIR",
    "LOG_LEVEL", "BOT_AUTO_MIGRATE", "BOT_TICK_SECONDS", "BOT_SANDBOX_CLOCK_FILE",
    "BOT_PAID_BROADCAST_RATE", "BOT_SEND_TIMEOUT", "BOT_OUTBOX_RETENTION_DAYS", "LOG_FORMAT",
    "BOT_WEBHOOK_URL", "BOT_WEBHOOK_LISTEN", "BOT_WEBHOOK_SECRET", "BOT_WEBHOOK_MAX_CONNECTIONS",
    "BOT_HTTP_LISTEN", "BOT_PUBLIC_URL", "BOT_WEBAPP_MAX_AGE",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable from the machine, and no .env file, leaks into these tests."""
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.bot_token is None
    assert settings.api_base_url == TELEGRAM_API_ROOT
    assert settings.base_url == "https://api.telegram.org/bot"
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path / 'bootcamp.db'}"
    assert settings.admin_ids == ()
    assert settings.default_timezone == "UTC"
    assert settings.default_reminder_time == time(7, 0)
    assert settings.broadcast_rate == 25
    assert (settings.content_dir / "FORMAT.md").exists()
    assert settings.log_level == "INFO"
    assert settings.log_format == "text"
    assert settings.auto_migrate is True
    assert settings.paid_broadcast_rate == 0  # paid broadcasts are off unless asked for
    assert settings.send_timeout == 30
    assert settings.outbox_retention_days == 30
    assert settings.webhook_url is None  # long polling
    assert settings.listen_address is None  # and no HTTP listener


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nBOT_DEFAULT_TIMEZONE=Asia/Tokyo\n")
    settings = load_settings()
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == TOKEN
    assert settings.default_timezone == "Asia/Tokyo"


def test_token_never_shows_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = load_settings()
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("BOT_API_BASE_URL", "http://127.0.0.1:8081/", "http://127.0.0.1:8081"),
        ("BOT_API_BASE_URL", "https://api.telegram.org/bot", "https://api.telegram.org"),
        ("DATABASE_URL", "postgresql://u@db/bootcamp", "postgresql+asyncpg://u@db/bootcamp"),
        ("DATABASE_URL", "postgres://u:p@db:5433/x", "postgresql+asyncpg://u:p@db:5433/x"),
        ("DATABASE_URL", "sqlite:////var/lib/bot.db", "sqlite+aiosqlite:////var/lib/bot.db"),
        ("BOT_ADMIN_IDS", "1, 22 ,333", (1, 22, 333)),
        ("BOT_ADMIN_IDS", "", ()),
        ("BOT_DEFAULT_TIMEZONE", "America/New_York", "America/New_York"),
        ("BOT_DEFAULT_REMINDER_TIME", "6:05", time(6, 5)),
        ("BOT_BROADCAST_RATE", "12.5", 12.5),
        ("LOG_LEVEL", "debug", "DEBUG"),
        ("LOG_FORMAT", " JSON ", "json"),
        ("BOT_AUTO_MIGRATE", "0", False),
        ("BOT_PAID_BROADCAST_RATE", "1000", 1000.0),
        ("BOT_SEND_TIMEOUT", "7.5", 7.5),
        ("BOT_OUTBOX_RETENTION_DAYS", "365", 365),
    ],
)
def test_accepted_values(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: object
) -> None:
    monkeypatch.setenv(name, value)
    settings = load_settings()
    field = {
        "BOT_API_BASE_URL": "api_base_url",
        "DATABASE_URL": "effective_database_url",
        "BOT_ADMIN_IDS": "admin_ids",
        "BOT_DEFAULT_TIMEZONE": "default_timezone",
        "BOT_DEFAULT_REMINDER_TIME": "default_reminder_time",
        "BOT_BROADCAST_RATE": "broadcast_rate",
        "LOG_LEVEL": "log_level",
        "LOG_FORMAT": "log_format",
        "BOT_AUTO_MIGRATE": "auto_migrate",
        "BOT_PAID_BROADCAST_RATE": "paid_broadcast_rate",
        "BOT_SEND_TIMEOUT": "send_timeout",
        "BOT_OUTBOX_RETENTION_DAYS": "outbox_retention_days",
    }[name]
    assert getattr(settings, field) == expected


BAD_VALUES = [
    ("BOT_TOKEN", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "is a placeholder"),
    ("BOT_TOKEN", "YOUR_TOKEN_HERE", "is a placeholder"),
    ("BOT_TOKEN", "12345:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "is a placeholder"),
    ("BOT_TOKEN", "not-a-token", "does not look like a bot token"),
    ("BOT_API_BASE_URL", "api.telegram.org", "is not an http(s) URL"),
    ("BOT_API_BASE_URL", "ftp://example.org", "is not an http(s) URL"),
    ("DATABASE_URL", "mysql://root@localhost/x", "is not a sqlite or postgresql URL"),
    ("DATABASE_URL", "postgresql:///nohost", "names no PostgreSQL host"),
    ("DATABASE_URL", "sqlite:relative.db", "is not of the form sqlite:///"),
    ("BOT_ADMIN_IDS", "12,abc", "'abc' is not a numeric user id"),
    ("BOT_ADMIN_IDS", "@dana", "'@dana' is not a numeric user id"),
    ("BOT_DEFAULT_TIMEZONE", "Mars/Olympus", "'Mars/Olympus' is not a known time zone"),
    ("BOT_DEFAULT_TIMEZONE", "../etc/passwd", "is not a known time zone"),
    ("BOT_DEFAULT_REMINDER_TIME", "25:00", "'25:00' is not a time of day"),
    ("BOT_DEFAULT_REMINDER_TIME", "7am", "'7am' is not a time of day"),
    ("BOT_BROADCAST_RATE", "fast", "'fast' is not a number"),
    ("BOT_BROADCAST_RATE", "100", "100 is outside 1..30"),
    ("LOG_LEVEL", "chatty", "'chatty' is not a log level"),
    ("BOT_AUTO_MIGRATE", "maybe", "'maybe' is not 1 or 0"),
    ("LOG_FORMAT", "yaml", "'yaml' is not a log format"),
    ("BOT_TICK_SECONDS", "0.5", "0.5 is outside 1..300"),
    ("BOT_TICK_SECONDS", "often", "'often' is not a number"),
    ("BOT_PAID_BROADCAST_RATE", "1001", "1001 is outside 0..1000"),
    ("BOT_PAID_BROADCAST_RATE", "-1", "-1 is outside 0..1000"),
    ("BOT_PAID_BROADCAST_RATE", "lots", "'lots' is not a number"),
    ("BOT_SEND_TIMEOUT", "4", "4 is outside 5..120"),
    ("BOT_SEND_TIMEOUT", "121", "121 is outside 5..120"),
    ("BOT_OUTBOX_RETENTION_DAYS", "0", "'0' is not a whole number from 1 to 365"),
    ("BOT_OUTBOX_RETENTION_DAYS", "2.5", "'2.5' is not a whole number from 1 to 365"),
    ("BOT_WEBHOOK_URL", "bot.example.com/telegram", "is not an http(s) URL"),
    ("BOT_WEBHOOK_URL", "http://bot.example.com/telegram", "must be https://"),
    ("BOT_WEBHOOK_URL", "https://bot.example.com:x/telegram", "has a bad port"),
    ("BOT_WEBHOOK_URL", "https://bot.example.com/t?a=1", "must not have a query"),
    ("BOT_WEBHOOK_LISTEN", "8080", "'8080' is not host:port"),
    ("BOT_WEBHOOK_LISTEN", "0.0.0.0:99999", "has no port from 1 to 65535"),
    ("BOT_WEBHOOK_LISTEN", "0.0.0.0:", "has no port from 1 to 65535"),
    ("BOT_WEBHOOK_LISTEN", "bad host:80", "has no usable host"),
    ("BOT_WEBHOOK_LISTEN", "::1:80", "has no usable host"),
    ("BOT_HTTP_LISTEN", "localhost", "is not host:port"),
    ("BOT_WEBHOOK_SECRET", "change-me", "is a placeholder"),
    ("BOT_WEBHOOK_SECRET", "aaaaaaaa", "is a placeholder"),
    ("BOT_WEBHOOK_SECRET", "has spaces in it", "has characters Telegram does not allow"),
    ("BOT_WEBHOOK_SECRET", "s3cr3t/with/slashes", "has characters Telegram does not allow"),
    ("BOT_WEBHOOK_SECRET", "Ab1_-" * 52, "or is too long"),
    ("BOT_WEBHOOK_MAX_CONNECTIONS", "101", "'101' is not a whole number from 1 to 100"),
    ("BOT_PUBLIC_URL", "bot.example.com", "is not an http(s) URL"),
    ("BOT_PUBLIC_URL", "http://bot.example.com", "must be https:// (Telegram opens Mini Apps"),
    ("BOT_PUBLIC_URL", "https://bot.example.com/app", "must be a root without a path"),
    ("BOT_PUBLIC_URL", "https://bot.example.com/?x=1", "must not have a query"),
    ("BOT_WEBAPP_MAX_AGE", "30", "'30' is not a whole number from 60 to 86400"),
    ("BOT_WEBAPP_MAX_AGE", "1h", "'1h' is not a whole number from 60 to 86400"),
]


@pytest.mark.parametrize(("name", "value", "reason"), BAD_VALUES)
def test_bad_value_names_the_variable_and_the_expected_form(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"configuration error: {name} ")
    assert reason in message
    assert "expected" in message
    assert "\n" not in message


@pytest.mark.parametrize(("name", "value", "reason"), BAD_VALUES[:1] + BAD_VALUES[9:12])
def test_cli_stops_with_exit_code_2_and_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    reason: str,
) -> None:
    monkeypatch.setenv(name, value)
    # Only `run` reads the token; every command checks the other variables.
    assert cli.main(["run" if name == "BOT_TOKEN" else "migrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert name in err
    assert reason in err
    assert "Traceback" not in err
    if name == "BOT_TOKEN":
        assert value not in err


def test_webhook_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_WEBHOOK_URL", " https://bot.example.com/telegram ")
    monkeypatch.setenv("BOT_WEBHOOK_SECRET", "Wq9-_" * 51 + "x")  # 256 characters
    settings = load_settings()
    assert settings.webhook_url == "https://bot.example.com/telegram"
    assert settings.webhook_path == "/telegram"
    assert settings.listen_address == ("0.0.0.0", 8080)
    assert settings.webhook_max_connections == 40
    monkeypatch.setenv("BOT_WEBHOOK_LISTEN", "[::]:8443")
    monkeypatch.setenv("BOT_HTTP_LISTEN", "127.0.0.1:9090")  # polling mode's, not used here
    assert load_settings().listen_address == ("::", 8443)
    assert SECRET_SHOWN not in repr(load_settings())


SECRET_SHOWN = "Wq9-_Wq9-_"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8081/hook", "http://localhost/"])
def test_plain_http_webhooks_only_on_this_machine(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """For the sandbox and a TLS-terminating proxy on the same host."""
    monkeypatch.setenv("BOT_WEBHOOK_URL", url)
    monkeypatch.setenv("BOT_WEBHOOK_SECRET", "a-real-secret-1")
    assert load_settings().webhook_url == url


def test_polling_mode_listens_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_HTTP_LISTEN", "127.0.0.1:9090")
    assert load_settings().listen_address == ("127.0.0.1", 9090)
    monkeypatch.setenv("BOT_HTTP_LISTEN", "")
    assert load_settings().listen_address is None


@pytest.mark.parametrize("secret", [None, "", "   "])
def test_webhook_needs_a_secret(monkeypatch: pytest.MonkeyPatch, secret: str | None) -> None:
    monkeypatch.setenv("BOT_WEBHOOK_URL", "https://bot.example.com/telegram")
    if secret is not None:
        monkeypatch.setenv("BOT_WEBHOOK_SECRET", secret)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (
        "configuration error: BOT_WEBHOOK_SECRET is needed when BOT_WEBHOOK_URL is set; "
        "expected 1 to 256 characters of A-Z a-z 0-9 _ - (make one with `openssl rand -hex 32`)"
    )


def test_webhook_errors_stop_run_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("BOT_WEBHOOK_URL", "https://bot.example.com/telegram")
    monkeypatch.setenv("BOT_WEBHOOK_SECRET", "change-me")
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("configuration error: BOT_WEBHOOK_SECRET is a placeholder")
    assert "\n" not in err
    assert "change-me" not in err  # a secret, even a bad one, is never printed


def test_offset_clock_follows_its_file(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.clock import OffsetClock

    path = tmp_path / "clock"
    clock = OffsetClock(path)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    OffsetClock.write(path, timedelta(days=1, hours=2))
    assert abs(clock.now() - datetime.now(UTC) - timedelta(days=1, hours=2)) < timedelta(seconds=5)
    path.write_text("not a number")
    assert clock.now() - datetime.now(UTC) > timedelta(days=1)  # keeps the last good offset


def test_commands_that_never_talk_to_telegram_ignore_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A placeholder left in .env must not stop `content check` (nor `chat`)."""
    monkeypatch.setenv("BOT_TOKEN", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11")
    assert cli.main(["content", "check"]) == 0
    assert "is valid" in capsys.readouterr().out
