"""Scene: the 问答库 — the organizer adds an answer, a resident's question in the group
is answered at once; a question nobody wrote down goes to the grid worker, whose reply
reaches the resident and joins the 问答库 with one press."""
from __future__ import annotations

from typing import Any


async def scene(demo: Any) -> None:
    group = demo.groups["一网格群"]
    liu, zhang = demo.users["刘书记"], demo.users["张网格员"]
    wang, li = demo.users["王阿姨"], demo.users["李师傅"]
    demo.narrate("刘书记把常被问到的问题加进社区问答库")
    demo.say(liu, liu.id, "/faq_add 物业办公时间 | 物业服务中心周一至周六 8:30–17:30 办公，"
                          "在3号楼一楼 | 物业 上班 下班")
    await demo.settle()

    demo.narrate("李师傅在群里问物业几点上班：问答库直接回答，不开工单")
    demo.say(li, group, "请问物业几点上班？")
    await demo.settle()

    demo.narrate("王阿姨问的问题问答库里没有：转给张网格员，张网格员回复")
    demo.say(wang, group, "请问居住证在哪里办理？")
    await demo.settle()
    task = demo.last_bot_message(zhang.id, "居民咨询")
    await demo.press(zhang, task, "回复")
    demo.say(zhang, zhang.id, "带身份证和租房合同，到社区服务中心一楼3号窗口办理，工作日都可以")
    await demo.settle()
    demo.narrate("张网格员一键把这条答复加入问答库：下次有人问就自动回答")
    await demo.press(zhang, demo.last_bot_message(zhang.id, "问答库"), "加入问答库")
    demo.say(li, group, "居住证怎么办理？")
    await demo.settle()
