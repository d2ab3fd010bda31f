"""The web desk's settings (LINLI_WEB_*) and its session secret."""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import Settings

log = logging.getLogger(__name__)
PREFIX = "/desk"  # every page lives under it, beside the webhook path
DEFAULT_PORT = 8090  # `linli web` without --port or LINLI_WEB_PORT


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LINLI_WEB_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    port: int | None = None  # long polling: serve the desk on this port (off when unset)
    host: str = "127.0.0.1"
    url: str | None = None  # public base URL, e.g. https://desk.example.org
    secret: SecretStr | None = None  # signs session cookies; see session_secret()
    secret_file: Path = Path("linli-web.secret")
    link_minutes: int = 10  # a /web link expires after this
    session_hours: int = 12
    initdata_max_age: int = 3600  # seconds a Mini App's initData stays acceptable
    # The Telegram Login Widget in an ordinary browser: the bot's username, once its
    # domain is set with BotFather (/setdomain); off when unset.
    login_widget: str | None = None
    widget_max_age: int = 300  # seconds the widget's signed redirect stays acceptable


def base_url(settings: Settings, web: WebSettings) -> str:
    """Where people open the desk: LINLI_WEB_URL, else the webhook's origin, else
    http://LINLI_WEB_HOST:LINLI_WEB_PORT (8090 when unset, as `linli web`)."""
    if web.url:
        return web.url.rstrip("/")
    if settings.webhook_url:
        parts = urlsplit(str(settings.webhook_url))
        return f"{parts.scheme}://{parts.netloc}"
    return f"http://{web.host}:{web.port or DEFAULT_PORT}"


def session_secret(settings: Settings, web: WebSettings, token: str | None = None) -> bytes:
    """LINLI_WEB_SECRET; else derived from the bot token (so replicas agree and nothing
    is stored); else a random one generated once and kept in LINLI_WEB_SECRET_FILE."""
    if web.secret is not None and web.secret.get_secret_value():
        return web.secret.get_secret_value().encode()
    token = token if token is not None else settings.token
    if token:
        return hmac.new(token.encode(), b"linli-web-session", hashlib.sha256).digest()
    path = web.secret_file
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode()
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(value)
    log.warning("no LINLI_WEB_SECRET and no bot token: generated a session secret in %s", path)
    return value.encode()
