"""Who is at the desk: Telegram vouches (a one-time /web link, a Mini App's signed
initData, or the Login Widget's signed data), then a signed session cookie carries the
person id and a CSRF token."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "linli_desk"
FLASH = "linli_flash"  # the answer to a case action, shown once on the case page


class InitDataError(ValueError):
    """initData (or Login Widget data) that Telegram did not sign, or signed too long ago."""


def _check_string(fields: Mapping[str, str]) -> str:
    """Telegram's data-check string: every field but `hash`, sorted, key=value lines."""
    return "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")


def _webapp_key(bot_token: str) -> bytes:  # Mini Apps
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _widget_key(bot_token: str) -> bytes:  # the Login Widget
    return hashlib.sha256(bot_token.encode()).digest()


def _signed(fields: Mapping[str, str], key: bytes) -> str:
    return hmac.new(key, _check_string(fields).encode(), hashlib.sha256).hexdigest()


def _verify(fields: Mapping[str, str], key: bytes, now: datetime, max_age: int) -> None:
    given = fields.get("hash", "")
    if not given or not hmac.compare_digest(given, _signed(fields, key)):
        raise InitDataError("bad hash")
    try:
        signed_at = int(fields.get("auth_date", ""))
    except ValueError as exc:
        raise InitDataError("no auth_date") from exc
    age = now.timestamp() - signed_at
    if age > max_age or age < -60:
        raise InitDataError("stale")


def verify_init_data(init_data: str, bot_token: str, now: datetime, max_age: int
                     ) -> dict[str, Any]:
    """Telegram Mini Apps: the key is HMAC-SHA256("WebAppData", bot token); `hash` is
    HMAC-SHA256(key, data-check string) in hex. Returns the `user` object."""
    if not bot_token:
        raise InitDataError("no bot token")
    try:
        pairs = dict(parse_qsl(init_data or "", keep_blank_values=True, strict_parsing=True))
    except ValueError as exc:
        raise InitDataError("malformed") from exc
    _verify(pairs, _webapp_key(bot_token), now, max_age)
    try:
        user = json.loads(pairs.get("user", ""))
    except ValueError as exc:
        raise InitDataError("no user") from exc
    if not isinstance(user, dict) or not isinstance(user.get("id"), int):
        raise InitDataError("no user id")
    return user


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """initData as Telegram would sign it (tests and the demo use it)."""
    return urlencode({**fields, "hash": _signed(fields, _webapp_key(bot_token))})


def verify_login_widget(fields: Mapping[str, str], bot_token: str, now: datetime,
                        max_age: int) -> int:
    """The Telegram Login Widget's redirect (id, first_name, …, auth_date, hash): `hash`
    is HMAC-SHA256 of the data-check string with SHA-256(bot token) as the key. Returns
    the Telegram user id."""
    if not bot_token:
        raise InitDataError("no bot token")
    _verify(fields, _widget_key(bot_token), now, max_age)
    user_id = fields.get("id", "")
    if not user_id.isdigit():
        raise InitDataError("no user id")
    return int(user_id)


def sign_login_widget(fields: dict[str, str], bot_token: str) -> dict[str, str]:
    """Login Widget data as Telegram would sign it (tests and the demo use it)."""
    return {**fields, "hash": _signed(fields, _widget_key(bot_token))}


@dataclass(frozen=True)
class Session:
    person_id: int
    csrf: str
    expires: float  # unix seconds


class Sessions:
    """Session cookies signed with the desk's secret (itsdangerous)."""

    def __init__(self, secret: bytes, hours: int) -> None:
        self._signer = URLSafeSerializer(secret, salt="linli-desk-session")
        self.hours = hours

    def new(self, person_id: int, now: datetime) -> tuple[Session, str]:
        s = Session(person_id, secrets.token_urlsafe(24), now.timestamp() + self.hours * 3600)
        return s, self._signer.dumps([s.person_id, s.csrf, s.expires])

    def read(self, cookie: str | None, now: datetime) -> Session | None:
        if not cookie:
            return None
        try:
            person_id, csrf, expires = self._signer.loads(cookie)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(person_id, int) or float(expires) <= now.timestamp():
            return None
        return Session(person_id, str(csrf), float(expires))


def csrf_ok(session: Session | None, given: str | None) -> bool:
    return (session is not None and bool(given)
            and hmac.compare_digest(session.csrf.encode(), (given or "").encode()))
