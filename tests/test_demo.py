"""`linli demo` plays its whole day: the transcript a community worker reads."""
from __future__ import annotations

import io
import re

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
    rights = text[text.index("小赵要搬走了"):]  # /mydata sends the file, /forget erases
    assert "[文件 我的数据.json]" in rights and "✅ 已删除您的个人信息" in rights
    result = text[text.index("居民在群里匿名投票"):]
    for voter in ("王阿姨", "李师傅", "陈大爷", "小赵"):
        assert f"{voter}（" not in result and f"{voter}、" not in result


async def test_the_demo_reads_cleanly_to_a_community_worker() -> None:
    """#13 Done when: every press is shown before what it caused (the dialog steps read
    in order), a rewritten card is shown again, every chart says what it shows, a
    deadline still ahead is never marked as passed, waits read as a person says them,
    no developer word reaches a chat."""
    out = io.StringIO()
    await play(out, scenes=("setup", "cases", "projects", "polls", "reports"))
    text = out.getvalue()
    assert "（刘书记 点了「单选」）\n[私聊·刘书记] 🤖邻里：第4步" in text
    assert "✏️ 消息已更新：📋 工单 东湖-2026-0001" in text and "状态：办理中（网格）" in text
    assert "⏰原时限 11-23 15:30 已超时，现受理时限：11-23 17:31" in text
    assert not re.search(r"⏩ \d{3,}分钟后", text)
    assert "[文件 台账_东湖社区_" in text
    assert "📌 意见征集结束，项目进入「议事决议」阶段，社区将召集居民议事会议。" in text
    assert "上月居民共反映问题 2 件" in text and "本月居民" not in text  # 社情发布会
    previous: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("[") or "] 🤖邻里：" not in line:
            continue
        chat, body = line.split("] 🤖邻里：", 1)
        if body.rstrip() == "[图片]":  # a bare picture only as the rest of an album
            assert previous.get(chat, "").startswith("[图片]"), line
        previous[chat] = body
    words = re.sub(r"/[a-z_]+", "", text)
    assert not set(re.findall(r"[A-Za-z]{3,}", words)) - {"Linli", "Telegram", "Excel", "xlsx", "CSV", "csv"}


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
