"""`linli demo` plays its whole day: the transcript a community worker reads."""
from __future__ import annotations

import io

from demo.script import play


async def test_the_demo_day_plays_to_the_end_and_keeps_voters_anonymous() -> None:
    out = io.StringIO()
    await play(out)
    text = out.getvalue()
    assert text.rstrip().endswith("演示结束 ━━")
    assert "Traceback" not in text
    assert "东湖-2026-0001" in text  # a case opened from the group
    assert "13812345678" not in "".join(_bot_posts(text, "[东湖一网格居民群]"))  # masked
    assert "🔒 邻里助手如何对待您的个人信息" in text  # /privacy answered
    result = text[text.index("居民在群里匿名投票"):]
    for voter in ("王阿姨", "李师傅", "陈大爷", "小赵"):
        assert f"{voter}（" not in result and f"{voter}、" not in result


def _bot_posts(text: str, chat: str) -> list[str]:
    """The bot's messages in one chat of the transcript (a message runs until the next
    line that starts a new speaker or scene)."""
    posts: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(("[", "━━")):
            current = [line] if line.startswith(f"{chat} 🤖") else None
            if current is not None:
                posts.append("")
        if current is not None:
            posts[-1] += line + "\n"
    return posts
