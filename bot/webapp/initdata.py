"""Telegram's Mini App init data: the signed query string a Mini App is opened with.

Telegram's rule (core.telegram.org/bots/webapps, "Validating data received via
the Mini App"): the data-check string is every field but `hash`, as
`key=value`, sorted by key and joined with newlines; the secret key is
HMAC-SHA256 of the bot token keyed with the constant "WebAppData"; the hash is
the hex HMAC-SHA256 of the data-check string with that secret key. Only the
bot's own token makes a matching hash, so data signed for another bot fails.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

MAX_INIT_DATA = 4096  # Telegram's are a few hundred bytes


class InitDataError(ValueError):
    """The init data is missing, malformed, forged or too old; str() says which."""


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """Who opened the Mini App, as Telegram signed it."""

    id: int
    first_name: str
    username: str | None
    language_code: str | None
    auth_date: datetime


def _secret(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> bytes:
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "hash").encode()


def sign(token: str, fields: dict[str, str]) -> str:
    """The init data Telegram would give a Mini App with these fields (tests, sandbox)."""
    digest = hmac.new(_secret(token), _check_string(fields), hashlib.sha256).hexdigest()
    return urlencode({**{k: v for k, v in fields.items() if k != "hash"}, "hash": digest})


def verify(raw: str | None, token: str, now: datetime, max_age: timedelta) -> WebAppUser:
    """The user of valid init data; InitDataError for anything else."""
    if not raw:
        raise InitDataError("no init data")
    if len(raw) > MAX_INIT_DATA:
        raise InitDataError("init data too long")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("init data is not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field appears twice")
    received = fields.get("hash", "")
    expected = hmac.new(_secret(token), _check_string(fields), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(received.encode(), expected.encode()):
        raise InitDataError("the signature does not match")
    stamp = fields.get("auth_date", "")
    if not stamp.isdigit():
        raise InitDataError("no auth_date")
    signed_at = datetime.fromtimestamp(int(stamp), tz=now.tzinfo)
    if now - signed_at > max_age:
        raise InitDataError("the init data is too old")
    if signed_at - now > timedelta(minutes=5):
        raise InitDataError("the init data is from the future")
    try:
        user = json.loads(fields.get("user", ""))
        user_id = int(user["id"])
        first_name = str(user.get("first_name") or "")
    except (ValueError, TypeError, KeyError):
        raise InitDataError("no user in the init data") from None
    if user_id <= 0:
        raise InitDataError("no user in the init data")
    username = user.get("username")
    language = user.get("language_code")
    return WebAppUser(
        user_id,
        first_name,
        str(username) if username else None,
        str(language) if language else None,
        signed_at,
    )


def fields_for(
    user_id: int,
    first_name: str,
    auth_date: datetime,
    language_code: str | None = "en",
    **extra: str,
) -> dict[str, str]:
    """The fields of init data for a user (what Telegram puts in it), before signing."""
    user: dict[str, object] = {"id": user_id, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return {
        "user": json.dumps(user, separators=(",", ":")),
        "auth_date": str(int(auth_date.timestamp())),
        "query_id": f"AAH{user_id}",
        **extra,
    }
