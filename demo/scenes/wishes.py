"""Scene: a 微心愿 from a resident's private message to the thank-you in the group, with
a 双报到 party member claiming it and earning volunteer points."""
from __future__ import annotations

import re
from typing import Any


async def scene(demo: Any) -> None:
    liu = demo.users["刘书记"]
    _, li, chen, _ = demo.residents
    group = demo.groups["一网格群"]
    for resident in (li, chen):
        if resident.id not in demo.sb.bot.started:
            resident.start_bot()
    await demo.settle()

    demo.narrate("微心愿：陈大爷私聊许愿（含住址电话），社区审核后才公开，且不显示住址电话")
    demo.say(chen, chen.id, "/wish 我住5号楼3单元502，腿脚不便，想请人帮忙买一袋米送上楼，"
                            "电话13912345678")
    await demo.settle()
    review = demo.last_bot_message(liu.id, "待审核")
    await demo.press(liu, review, "✅ 通过并发布")
    post = demo.last_bot_message(group, "微心愿 #")
    wish = re.search(r"微心愿 #(\d+)", post.body).group(1)  # type: ignore[union-attr]

    demo.narrate("在职党员李师傅「双报到」登记后认领心愿，通过机器人和陈大爷联系")
    await demo.press(li, post, "🙋 认领")
    demo.say(li, li.id, "/volunteer 双报到 区税务局")
    await demo.settle()
    await demo.press(li, post, "🙋 认领")
    demo.say(li, li.id, f"/wish_say {wish} 大爷您好，明天上午十点给您送米上楼")
    await demo.settle()
    demo.say(chen, chen.id, f"/wish_say {wish} 太好了，谢谢你！")
    await demo.settle()

    demo.narrate("心愿实现：陈大爷拍照确认，群里公开感谢，李师傅得到志愿积分")
    await demo.advance(days=1)
    demo.sb.send_photo(chen, chen.id, caption=f"/wish_done {wish}")
    await demo.settle()
    demo.say(li, li.id, "/points")
    await demo.settle()
