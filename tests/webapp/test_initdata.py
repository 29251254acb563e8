"""Telegram's init-data signature, checked as Telegram specifies."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.webapp.initdata import InitDataError, fields_for, sign, verify
from tests.kit.recording import TOKEN

NOW = datetime(2026, 3, 10, 6, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def good(**extra: str) -> str:
    return sign(TOKEN, fields_for(5001, "Robin", NOW - timedelta(minutes=5), **extra))


def test_valid_init_data_names_the_user() -> None:
    user = verify(good(), TOKEN, NOW, HOUR)
    assert (user.id, user.first_name) == (5001, "Robin")
    assert user.auth_date == NOW - timedelta(minutes=5)


def test_the_signature_is_telegrams_own_recipe() -> None:
    """Computed here from the published steps, not with the module's helpers."""
    fields = fields_for(5001, "Robin", NOW)
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items())).encode()
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check, hashlib.sha256).hexdigest()
    assert verify(urlencode({**fields, "hash": digest}), TOKEN, NOW, HOUR).id == 5001


def _tamper(raw: str, key: str, value: str) -> str:
    fields = dict(parse_qsl(raw))
    fields[key] = value
    return urlencode(fields)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "no init data"),
        ("", "no init data"),
        (_tamper(good(), "user", '{"id":42,"first_name":"Robin"}'), "signature"),
        (_tamper(good(), "auth_date", str(int(NOW.timestamp()))), "signature"),
        (_tamper(good(), "hash", "0" * 64), "signature"),
        (good().replace("hash=", "hash=f"), "signature"),
        (urlencode({k: v for k, v in parse_qsl(good()) if k != "hash"}), "signature"),
        (sign("999:" + "B" * 35, fields_for(5001, "Robin", NOW)), "signature"),  # another bot
        (sign(TOKEN, fields_for(5001, "Robin", NOW - HOUR - timedelta(seconds=1))), "too old"),
        (sign(TOKEN, fields_for(5001, "Robin", NOW + timedelta(hours=2))), "future"),
        (sign(TOKEN, {"auth_date": str(int(NOW.timestamp()))}), "no user"),
        (sign(TOKEN, {"user": '{"id":5001}'}), "auth_date"),
        (good() + "&user=x", "twice"),
        ("user&hash", "not a query string"),
        ("a" * 5000, "too long"),
    ],
    ids=[
        "none", "empty", "changed-user", "changed-date", "wrong-hash", "longer-hash",
        "no-hash", "another-bot", "old", "future", "no-user", "no-date", "duplicate",
        "garbage", "huge",
    ],
)  # fmt: skip
def test_anything_else_is_refused(raw: str | None, reason: str) -> None:
    with pytest.raises(InitDataError, match=reason):
        verify(raw, TOKEN, NOW, HOUR)


def test_the_age_is_configurable() -> None:
    raw = sign(TOKEN, fields_for(5001, "Robin", NOW - timedelta(minutes=30)))
    assert verify(raw, TOKEN, NOW, HOUR).id == 5001
    with pytest.raises(InitDataError, match="too old"):
        verify(raw, TOKEN, NOW, timedelta(minutes=10))
