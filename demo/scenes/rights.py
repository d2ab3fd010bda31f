"""Scene: a resident's rights — what the bot keeps about them (/mydata) and erasing it
(/forget, after a confirmation); the cases they reported stay, anonymous."""
from __future__ import annotations

from typing import Any


async def scene(demo: Any) -> None:
    zhao = demo.users["小赵"]
    zhao.start_bot()
    await demo.settle()
    demo.narrate("小赵要搬走了：先看看机器人保存了自己哪些信息，再请它全部删除")
    demo.say(zhao, zhao.id, "/mydata")
    await demo.settle()
    demo.say(zhao, zhao.id, "/forget")
    await demo.settle()
    await demo.press(zhao, demo.last_bot_message(zhao.id, "确定要删除"), "确认删除我的信息")
    await demo.settle()
