"""Settings from the environment (prefix LINLI_) and an optional .env file."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API = "https://api.telegram.org"
TOKEN_RE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{20,80}$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LINLI_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    api_base_url: str = TELEGRAM_API
    database_url: str = "sqlite+aiosqlite:///linli.db"
    redis_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"  # behind a reverse proxy; "0.0.0.0" only when told
    webhook_port: int = 8080
    webhook_path: str = "/telegram"
    timezone: str = "Asia/Shanghai"
    org_file: Path | None = None
    rules_file: Path | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    quiet_hours: str = "22:00-07:00"
    poll_reminders: str = "1d,2h"  # before a poll closes; "" for none
    retention_days: int = 30  # raw inbox updates and sent messages are deleted after this
    # Outbox pacing, defaults from Telegram's documented limits.
    per_chat_interval: float = 1.0
    group_per_minute: int = 20
    global_per_second: int = 30
    workers: int = 4

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in re.split(r"[,\s]+", value.strip()) if part]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("poll_reminders")
    @classmethod
    def _check_reminders(cls, value: str) -> str:
        reminder_minutes(value)
        return value

    @property
    def poll_reminder_minutes(self) -> list[int]:
        return reminder_minutes(self.poll_reminders)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str:
        return self.bot_token.get_secret_value() if self.bot_token else ""


def reminder_minutes(spec: str) -> list[int]:
    """"1d,2h,30m" -> [1440, 120, 30]."""
    units = {"d": 1440, "h": 60, "m": 1}
    out = []
    for part in re.split(r"[,\s]+", spec.strip()):
        if not part:
            continue
        match = re.fullmatch(r"(\d+)([dhm])", part.lower())
        if match is None:
            raise ValueError(f"bad reminder {part!r}: use e.g. 1d,2h,30m")
        out.append(int(match[1]) * units[match[2]])
    return out


class TokenError(Exception):
    """The bot token is missing or malformed; str() is the bilingual help text."""


TOKEN_HELP = """\
未设置有效的机器人令牌 (LINLI_BOT_TOKEN)。
The bot token (LINLI_BOT_TOKEN) is {problem}.

如何获取 / How to get one:
  1. 在 Telegram 中打开 @BotFather，发送 /newbot，按提示起名。
     In Telegram, open @BotFather, send /newbot and follow the prompts.
  2. 把得到的令牌 (形如 123456789:AA...) 写入 .env：
     Put the token (looks like 123456789:AA...) into .env:
        LINLI_BOT_TOKEN=123456789:AA...
  3. 再运行 / then run:  linli run

不想现在申请? 先看演示 (无需令牌、无需联网):
No token yet? Watch the demo (no token, no network):  linli demo
"""


def check_token(settings: Settings) -> str:
    token = settings.token.strip()
    if not token:
        raise TokenError(TOKEN_HELP.format(problem="missing / 缺失"))
    if not TOKEN_RE.match(token):
        raise TokenError(TOKEN_HELP.format(problem="malformed / 格式不对"))
    return token
