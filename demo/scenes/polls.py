"""Scene: a scheduled poll (民意调查) from the organizer's dialog to the published result:
created in private, opened in the group, voted (one resident changes her mind), reminded,
closed with a chart; it recurs monthly on 书记接待日."""
from __future__ import annotations

from typing import Any


async def _answer(demo: Any, user: Any, text: str) -> None:
    demo.say(user, user.id, text)
    await demo.settle()


async def _press(demo: Any, user: Any, button: str, contains: str = "") -> None:
    await demo.press(user, demo.last_bot_message(user.id, contains), button)


async def scene(demo: Any) -> None:
    group = demo.groups["一网格群"]
    liu = demo.users["刘书记"]
    wang, li, chen, zhao = (demo.users[n] for n in ("王阿姨", "李师傅", "陈大爷", "小赵"))

    demo.narrate("刘书记私聊机器人发起民意调查：每月17日书记接待日前征求意见")
    await _answer(demo, liu, "/poll_new")
    await _answer(demo, liu, "本月书记接待日，您最希望聊哪个话题？")
    await _answer(demo, liu, "加装电梯\n停车管理\n垃圾分类\n老年食堂")
    await _press(demo, liu, "单选", "第3步")
    await _press(demo, liu, "匿名（推荐）", "第4步")
    await _press(demo, liu, "全部群", "第5步")
    await _press(demo, liu, "立即开始", "第6步")
    await _answer(demo, liu, "2020-01-01 09:00")  # a close in the past: asked again
    await _answer(demo, liu, "2天")
    await _answer(demo, liu, "每月17日 09:00")
    await _press(demo, liu, "群内所有人", "第9步")
    await _press(demo, liu, "不关联", "第10步")
    demo.narrate("核对无误，确认发出")
    await _press(demo, liu, "✅ 确认", "请核对")

    demo.narrate("居民在群里匿名投票（谁投了什么，任何人都看不到）；陈大爷改了主意，只算最后一次")
    poll = next(m for m in reversed(demo.sb.bot_messages(group)) if m.poll_id is not None)
    for voter, choice in ((wang, 0), (li, 1), (chen, 0), (zhao, 3)):
        demo.sb.vote(voter, poll, [choice])
    await demo.settle()
    demo.sb.vote(chen, poll, [3])
    await demo.settle()

    demo.narrate("截止前提醒（夜间免打扰时段的提醒会等到早上）")
    await demo.advance(days=1, hours=22)
    demo.narrate("到点自动截止：停止投票，公布结果和图表；下个月的同一调查已排好")
    await demo.advance(hours=2)
    demo.say(liu, liu.id, "/polls")
    await demo.settle()
