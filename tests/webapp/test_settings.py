"""BOT_PUBLIC_URL and BOT_WEBAPP_MAX_AGE: their defaults (their one-line errors
are in tests/unit/test_config.py with the others)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings

NAMES = ("BOT_PUBLIC_URL", "BOT_WEBAPP_MAX_AGE", "BOT_WEBHOOK_URL", "BOT_WEBHOOK_SECRET")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file


def test_no_public_address_no_app_buttons() -> None:
    settings = load_settings()
    assert settings.app_url is None
    assert settings.webapp_max_age == 3600


def test_the_webhooks_origin_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_WEBHOOK_URL", "https://bot.example.com:8443/telegram")
    monkeypatch.setenv("BOT_WEBHOOK_SECRET", "a-real-secret-1")
    assert load_settings().app_url == "https://bot.example.com:8443/app/"
    monkeypatch.setenv("BOT_PUBLIC_URL", "https://coach.example.org/")
    assert load_settings().app_url == "https://coach.example.org/app/"


def test_polling_mode_with_a_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_PUBLIC_URL", "http://127.0.0.1:8081")
    monkeypatch.setenv("BOT_WEBAPP_MAX_AGE", "600")
    settings = load_settings()
    assert (settings.app_url, settings.webapp_max_age) == ("http://127.0.0.1:8081/app/", 600)
