import os
import subprocess
import sys

import pytest

from bot.config import Settings, TokenError, check_token


def run_linli(*args: str, env: dict[str, str] | None = None, cwd=None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    clean.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=clean, cwd=cwd, timeout=60)


@pytest.mark.parametrize("token, problem", [(None, "missing"), ("12345", "malformed"),
                                            ("abc:def", "malformed")])
def test_bad_token_explains_in_chinese_and_english(token, problem):
    settings = Settings(_env_file=None, bot_token=token)
    with pytest.raises(TokenError) as info:
        check_token(settings)
    text = str(info.value)
    assert problem in text and "@BotFather" in text and "linli demo" in text
    assert "未设置有效的机器人令牌" in text


def test_good_token_passes():
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"
    assert check_token(Settings(_env_file=None, bot_token=token)) == token


def test_linli_run_without_token_prints_help_not_a_traceback(tmp_path):
    result = run_linli("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "@BotFather" in result.stderr and "Traceback" not in result.stderr


def test_settings_from_env_and_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("LINLI_TIMEZONE=Asia/Urumqi\nLINLI_ADMIN_IDS=1, 2\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINLI_QUIET_HOURS", "23:00-06:30")
    settings = Settings()
    assert settings.timezone == "Asia/Urumqi" and settings.admin_ids == [1, 2]
    assert settings.quiet_hours == "23:00-06:30"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.redis_url is None and settings.webhook_url is None


def test_bad_timezone_is_rejected():
    with pytest.raises(ValueError):
        Settings(_env_file=None, timezone="Mars/Olympus")


def test_poll_reminders_setting():
    assert Settings(_env_file=None).poll_reminder_minutes == [1440, 120]
    assert Settings(_env_file=None, poll_reminders="3h, 30m").poll_reminder_minutes == [180, 30]
    assert Settings(_env_file=None, poll_reminders="").poll_reminder_minutes == []
    with pytest.raises(ValueError, match="1d,2h"):
        Settings(_env_file=None, poll_reminders="tomorrow")
