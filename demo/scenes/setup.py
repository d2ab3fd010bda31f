"""Scene 0: the bot joins the neighbourhood group and the organizer binds it."""
from __future__ import annotations

from typing import Any


async def scene(demo: Any) -> None:
    demo.narrate("社区书记把「邻里」机器人拉进小区群，并绑定到第一网格")
    liu, zhang = demo.users["刘书记"], demo.users["张网格员"]
    group = demo.sb.add_group("东湖一网格居民群", [liu, zhang, *demo.residents], creator=liu)
    demo.groups["一网格群"] = group
    await demo.settle()
    demo.sb.set_bot_status(group, "administrator", by=liu)
    await demo.settle()
    liu.say(group, "/bind")
    await demo.settle()
    menu = demo.sb.bot_messages(group)[-1]
    await demo.press(liu, menu, "东湖社区 · 第一网格")
    zhang.start_bot()
    liu.start_bot()
    await demo.settle()
