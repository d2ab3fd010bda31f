"""Scene: a community project (加装电梯) from the first idea to the residents' verdict."""
from __future__ import annotations

from typing import Any

NEW = """/project_new
标题：3号楼加装电梯
说明：3号楼老人多，上下楼困难，居民联名建议加装电梯。
预算：600000
节点：方案公示 2026-12-05
节点：井道施工 2027-01-20 权重3
节点：验收 2027-02-28"""


async def scene(demo: Any) -> None:
    liu = demo.users["刘书记"]
    wang, li, chen = demo.users["王阿姨"], demo.users["李师傅"], demo.users["陈大爷"]
    group = demo.groups["一网格群"]

    demo.narrate("刘书记在私聊里新建社区项目「3号楼加装电梯」，发布到小区群")
    demo.say(liu, liu.id, NEW)
    await demo.settle()
    post = demo.last_bot_message(group, "3号楼加装电梯")
    number = post.body.split("#", 1)[1].split("｜", 1)[0]

    demo.narrate("居民关注项目、报名参与（出钱 / 出力 / 出点子）")
    if wang.id not in demo.sb.bot.started:
        wang.start_bot()
        await demo.settle()
    await demo.press(wang, post, "🔔 关注")
    demo.say(chen, group, f"/pledge {number} 出力 8 周末可以帮忙搬运")
    demo.say(li, group, f"/pledge {number} 出点子 电梯口建议加个雨棚")
    await demo.settle()

    demo.narrate("四议两公开：意见征集结束，项目进入议事决议；居民议事会线下通过方案，书记公布决议")
    demo.say(liu, liu.id, f"/project_stage {number}")
    await demo.settle()
    await demo.advance(days=3)
    demo.say(liu, liu.id, f"/project_update {number} 完成1 方案公示结束，居民无异议")
    await demo.settle()
    demo.say(liu, liu.id, f"/project_stage {number} 确认")
    await demo.settle()

    demo.narrate("施工中：书记发进展和现场照片（相册）")
    demo.sb.send_album(liu, liu.id, n=2, caption=f"/project_update {number} 井道开挖完成 45%")
    await demo.settle()
    await demo.advance(minutes=1)

    demo.narrate("每周一上午，群里收到本周项目动态")
    await demo.advance(days=7)

    demo.narrate("完工：自动发起居民满意度评价")
    demo.say(liu, liu.id, f"/project_update {number} 完成2 电梯安装调试完毕")
    demo.say(liu, liu.id, f"/project_stage {number}")
    await demo.settle()
    polls = [m for m in demo.sb.bot_messages(group) if m.poll_id is not None]
    if polls:
        for voter in (wang, li, chen):
            demo.sb.vote(voter, polls[-1], [0])
        await demo.settle()
        await demo.advance(days=7)
    else:  # without the polls feature the organizer closes it after the residents' meeting
        demo.say(liu, liu.id, f"/project_stage {number}")
        await demo.settle()
    demo.say(wang, group, f"/project {number}")
    await demo.settle()
