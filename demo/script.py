"""`linli demo`: a scripted day in a community, played through the local Bot API
server against the real bot, printed as a chat log. No token, no network."""
from __future__ import annotations

import asyncio
import importlib
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.clock import FakeClock
from bot.config import Settings
from bot.db.session import transaction
from bot.org.orgfile import import_file
from demo.scenes import SCENES
from demo.world import World
from sandbox import SandboxServer, SandboxUser
from sandbox.state import Chat, Message

# Monday 2026-11-23 08:30 in Shanghai.
DEMO_START = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)

ORG = """\
communities:
  - name: 东湖社区
    code: 东湖
    street: 东湖街道
    grids:
      - name: 第一网格
        buildings: [1号楼, 2号楼, 3号楼, 4号楼, 5号楼]
        workers:
          - {tg_id: 1001, name: 张网格员}
          - {tg_id: 1003, name: 周网格员}
      - name: 第二网格
        buildings: [6号楼, 7号楼, 8号楼]
        workers:
          - {tg_id: 1002, name: 王网格员}
    organizers:
      - {tg_id: 2001, name: 刘书记}
    departments:
      - name: 物业
        ack_hours: 4
        categories: [property, sanitation]
        members:
          - {tg_id: 3001, name: 物业陈经理}
      - name: 电梯维保公司
        ack_hours: 2
        categories: [elevator]
"""


class Demo:
    """What a scene sees: the sandbox, the people, the groups, and the clock."""

    def __init__(self, world: World, out: TextIO, pause: float) -> None:
        self.world = world
        self.sb: SandboxServer = world.sb
        self.clock: FakeClock = world.clock  # type: ignore[assignment]
        self.out = out
        self.pause = pause
        self.users: dict[str, SandboxUser] = {}
        self.groups: dict[str, Chat] = {}
        self.residents: list[SandboxUser] = []
        self._printed: set[int] = set()

    def user(self, name: str, user_id: int | None = None) -> SandboxUser:
        if name not in self.users:
            self.users[name] = self.sb.add_user(name, user_id=user_id)
        return self.users[name]

    def narrate(self, text: str) -> None:
        self._flush()
        local = self.clock.now().astimezone(self.world.ctx.tz)
        self.out.write(f"\n━━ {local:%m月%d日 %H:%M} · {text} ━━\n")

    def say(self, user: SandboxUser, chat: Any, text: str, **kw: Any) -> Message:
        return self.sb.say(user, chat, text, **kw)

    async def press(self, user: SandboxUser, message: Message, button: str) -> str | None:
        """Press a button; the log shows the press (and the bot's short answer) before
        what it caused, and the pressed message again when the bot rewrote it."""
        self._flush()
        before = message.body
        handle = self.sb.press(user, message, button)
        await self.world.settle()
        answer = await handle.text()
        told = f"→ 提示：{answer}" if answer else ""
        self.out.write(f"    （{user.first_name} 点了「{button}」{told}）\n")
        if not message.deleted and message.body != before and not (answer and answer in message.body):
            self._write("    ✏️ 消息已更新", message, indent=8)
        self._flush()
        if self.pause:
            await asyncio.sleep(self.pause)
        return answer

    async def settle(self) -> None:
        await self.world.settle()
        self._flush()
        if self.pause:
            await asyncio.sleep(self.pause)

    async def advance(self, **delta: float) -> None:
        self._flush()
        self.out.write(f"    ⏩ {_span(timedelta(**delta))}后…\n")
        await self.world.advance(**delta)
        self._flush()

    def last_bot_message(self, chat: Any, contains: str = "") -> Message:
        return next(m for m in reversed(self.sb.bot_messages(chat)) if contains in m.body)

    def show_new(self) -> None:
        """Print what reached the chats since the last look (`linli demo --web`)."""
        self._flush()

    def _flush(self) -> None:
        world = self.sb.world
        fresh = sorted((m for m in world.messages.values()
                        if m.seq not in self._printed and not m.deleted), key=lambda m: m.seq)
        for msg in fresh:
            self._printed.add(msg.seq)
            chat = world.chats[msg.chat_id]
            where = chat.title if chat.type != "private" else f"私聊·{world.users[chat.id].first_name}"
            sender = world.users[msg.from_id]
            who = f"🤖{sender.first_name}" if sender.is_bot else sender.first_name
            self._write(f"[{where}] {who}", msg)

    def _write(self, head: str, msg: Message, indent: int = 4) -> None:
        world = self.sb.world
        body = msg.body
        if msg.service and "new_chat_members" in msg.service:
            names = "、".join(u["first_name"] for u in msg.service["new_chat_members"])
            body = f"（{names} 加入了群组）"
        if msg.photo is not None:
            body = "[图片] " + body
        if msg.document is not None:
            body = f"[文件 {msg.document.file_name or ''}] " + body
        if msg.poll_id is not None:
            poll = world.polls[msg.poll_id].to_api()
            options = " / ".join(f"{o['text']}({o['voter_count']})" for o in poll["options"])
            body = f"[投票] {poll['question']}：{options}"
        lines = body.rstrip().splitlines() or [""]
        self.out.write(f"{head}：{lines[0]}\n")
        for line in lines[1:]:
            self.out.write(f"{' ' * indent}{line}\n")
        if msg.buttons:
            rows = "  ".join(f"［{b['text']}］" for row in msg.buttons for b in row)
            self.out.write(f"{' ' * indent}{rows}\n")


def _span(delta: timedelta) -> str:
    """3天, 2小时1分钟, 17小时17分钟, 10分钟: how a person says how long it was."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    if days and not rest:
        return f"{days}天"
    hours += days * 24
    return (f"{hours}小时" if hours else "") + (f"{mins}分钟" if mins or not hours else "")


async def play(out: TextIO = sys.stdout, pause: float = 0.0,
               after: Callable[[Demo], Awaitable[None]] | None = None,
               scenes: Sequence[str] = tuple(SCENES)) -> Demo:
    """Play the day; then `after(demo)` while the bot still runs (`--web`)."""
    with tempfile.TemporaryDirectory() as tmp:
        org = Path(tmp) / "org.yaml"
        org.write_text(ORG, encoding="utf-8")
        settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp}/demo.db",
                            quiet_hours="22:00-07:00", per_chat_interval=0.0,
                            group_per_minute=1000, global_per_second=1000)
        async with World.start(settings, FakeClock(DEMO_START)) as world:
            async with transaction(world.ctx.pool) as session:
                await import_file(session, org)
            demo = Demo(world, out, pause)
            for name, uid in [("刘书记", 2001), ("张网格员", 1001), ("周网格员", 1003),
                              ("王网格员", 1002), ("物业陈经理", 3001)]:
                demo.user(name, uid)
            demo.residents = [demo.user(n) for n in ("王阿姨", "李师傅", "陈大爷", "小赵")]
            out.write("邻里 Linli 演示：东湖社区的一天（本地模拟 Telegram，无需令牌和网络）\n")
            for name in scenes:
                module = importlib.import_module(f"demo.scenes.{name}")
                await module.scene(demo)
                await demo.settle()
            demo.narrate("演示结束")
            if after is not None:
                await after(demo)
            return demo


async def main(fast: bool = False, web: bool = False, port: int = 8090) -> int:
    after = None
    if web:
        from demo import web as desk

        async def after(demo: Demo) -> None:
            await desk.serve(demo, demo.out, port=port)

    await play(pause=0.0 if fast else 0.3, after=after)
    return 0
