"""A readable, Chinese-friendly rendering of chat transcripts (used by the demo)."""

from __future__ import annotations

import time

from .state import Chat, Message, World

_CHAT_KIND = {"private": "私聊", "group": "群组", "supergroup": "超级群组"}


def render_transcript(world: World, chats: list[Chat]) -> str:
    blocks = []
    for chat in chats:
        messages = world.transcript(chat.id)
        if not messages:
            continue
        name = chat.title if chat.type != "private" else world.users[chat.id].full_name
        lines = [f"══ {name}（{_CHAT_KIND.get(chat.type, chat.type)} {chat.id}）══"]
        lines += [render_line(world, msg) for msg in messages]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def render_line(world: World, msg: Message) -> str:
    sender = world.users[msg.from_id]
    who = f"🤖 {sender.full_name}" if sender.is_bot else sender.full_name
    stamp = time.strftime("%H:%M:%S", time.localtime(msg.date))
    head = f"[{stamp}] #{msg.message_id} {who}"
    parts: list[str] = []
    if msg.reply_to is not None:
        parts.append(f"↩#{msg.reply_to}")
    if msg.service:
        parts.append(_service(msg))
    if msg.photo is not None:
        parts.append("[图片]" + (f"（相册 {msg.media_group_id}）" if msg.media_group_id else ""))
    if msg.document is not None:
        parts.append(f"[文件 {msg.document.file_name or ''}]")
    if msg.poll_id is not None:
        poll = world.polls[msg.poll_id].to_api()
        options = "；".join(f"{o['text']}({o['voter_count']})" for o in poll["options"])
        state = "已结束" if poll["is_closed"] else "进行中"
        parts.append(f"[投票·{state}] {poll['question']} —— {options}")
    if msg.body:
        parts.append(msg.body.replace("\n", "\n    "))
    if msg.buttons:
        rows = " / ".join(" | ".join(b["text"] for b in row) for row in msg.buttons)
        parts.append(f"［按钮：{rows}］")
    if msg.edits:
        parts.append("（已编辑）")
    if msg.reactions:
        parts.append("".join(r.get("emoji", "?") for r in msg.reactions))
    return f"{head}：{' '.join(parts)}"


def _service(msg: Message) -> str:
    assert msg.service is not None
    if "new_chat_members" in msg.service:
        names = "、".join(u["first_name"] for u in msg.service["new_chat_members"])
        return f"（{names} 加入了群组）"
    if "left_chat_member" in msg.service:
        return f"（{msg.service['left_chat_member']['first_name']} 离开了群组）"
    return "（服务消息）"
