"""Who is at the desk: Telegram vouches (a one-time /web link, or a Mini App's signed
initData), then a signed session cookie carries the person id and a CSRF token."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "linli_desk"


class InitDataError(ValueError):
    """initData that Telegram did not sign, or signed too long ago."""


def verify_init_data(init_data: str, bot_token: str, now: datetime, max_age: int
                     ) -> dict[str, Any]:
    """Telegram Mini Apps: the data-check string is every field but `hash`, sorted,
    as key=value lines; the key is HMAC-SHA256("WebAppData", bot token); `hash` is
    HMAC-SHA256(key, data-check string) in hex. Returns the `user` object."""
    if not bot_token:
        raise InitDataError("no bot token")
    try:
        pairs = dict(parse_qsl(init_data or "", keep_blank_values=True, strict_parsing=True))
    except ValueError as exc:
        raise InitDataError("malformed") from exc
    given = pairs.pop("hash", "")
    check = "\n".join(f"{k}={v}" for k, v in sorted(pairs.items()))
    key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(given, expected):
        raise InitDataError("bad hash")
    try:
        signed_at = int(pairs.get("auth_date", ""))
        user = json.loads(pairs.get("user", ""))
    except ValueError as exc:
        raise InitDataError("no auth_date or user") from exc
    age = now.timestamp() - signed_at
    if age > max_age or age < -60:
        raise InitDataError("stale")
    if not isinstance(user, dict) or not isinstance(user.get("id"), int):
        raise InitDataError("no user id")
    return user


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """initData as Telegram would sign it (tests and the demo use it)."""
    from urllib.parse import urlencode

    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    key = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    digest = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


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
