"""Scene: a residents' council (居民议事, 四议两公开) from a suggestion in the group to the
decision published in the open, and its tasks handed to a project."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

MEETING = """/meeting {topic}
时间：{when}
地点：社区党群服务中心二楼
参会：王阿姨 李师傅 陈大爷 小赵
法定人数：3
表决：过半"""


async def scene(demo: Any) -> None:
    liu = demo.users["刘书记"]
    wang, li, chen, zhao = demo.residents
    group = demo.groups["一网格群"]
    for resident in (wang, li, chen):
        if resident.id not in demo.sb.bot.started:
            resident.start_bot()
    await demo.settle()

    demo.narrate("居民议事：陈大爷在群里提出议题，邻居们点「附议」")
    demo.say(chen, group, "/propose 小区东门公交站没有雨棚，建议加装，方便老人下雨天等车")
    await demo.settle()
    post = demo.last_bot_message(group, "议题 #")
    topic = re.search(r"议题 #(\d+)", post.body).group(1)  # type: ignore[union-attr]
    await demo.press(wang, post, "👍 附议")
    await demo.press(li, post, "👍 附议")

    demo.say(zhao, group, "/topics")
    await demo.settle()

    demo.narrate("四议：书记按「提议→商议→审议」推进，每一步记录谁、何时")
    demo.say(liu, liu.id, f"/topic_next {topic} 支部提议，两委商议同意提交居民议事会审议")
    await demo.settle()
    demo.say(liu, liu.id, f"/topic_next {topic}")
    await demo.settle()

    demo.narrate("召集居民议事会议：通知私聊发给每位参会人，开会前两小时提醒")
    local = demo.clock.now().astimezone(demo.world.ctx.tz)
    start = datetime.combine(local.date() + timedelta(days=1), time(19, 0), tzinfo=local.tzinfo)
    demo.say(liu, liu.id, MEETING.format(topic=topic, when=f"{start:%Y-%m-%d %H:%M}"))
    await demo.settle()
    called = demo.last_bot_message(liu.id, "已召集会议")
    meeting = re.search(r"会议 #(\d+)", called.body).group(1)  # type: ignore[union-attr]
    await demo.advance(seconds=(start - local).total_seconds() - 30 * 60)

    demo.narrate("会议当晚：参会人签到，书记为忘了点签到的陈大爷登记出席；小赵缺席")
    for resident in (wang, li):
        notice = demo.last_bot_message(resident.id, "会议通知")
        await demo.press(resident, notice, "✅ 签到")
    demo.say(liu, liu.id, f"/meeting_attend {meeting} 陈大爷")
    await demo.settle()

    demo.narrate("到会人数达到法定人数，开始无记名表决（机器人只统计票数）")
    demo.say(liu, liu.id, f"/meeting_vote {meeting}")
    await demo.settle()
    for resident, choice in ((wang, "同意"), (li, "同意"), (chen, "弃权")):
        await demo.press(resident, demo.last_bot_message(resident.id, "表决"), choice)

    demo.narrate("决议公开：表决结果和会议纪要发到群里；决议事项转为社区项目落实")
    demo.say(liu, liu.id, f"/meeting_close {meeting} 同意在东门公交站加装雨棚，"
                          "由物业负责施工，费用从小区公共收益列支，月底前完成。")
    await demo.settle()
    demo.say(liu, liu.id, f"/topic_project {topic}")
    await demo.settle()
    demo.say(chen, group, f"/topic {topic}")
    await demo.settle()
