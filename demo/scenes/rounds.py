"""Scene: the register of residents (一楼一档) and a grid worker's round (走访, 未诉先办) —
the organizer sends the roster, a resident registers with /join and the 楼栋长 approves,
the grid worker walks the building: a problem found becomes a case (主动发现), another
is fixed on the spot, and the household's card shows the visits."""
from __future__ import annotations

from typing import Any


def roster(demo: Any) -> bytes:
    chen, li = demo.users["陈大爷"], demo.users["李师傅"]
    return "\n".join([
        "东湖社区 3号楼居民花名册",
        "楼栋,单元,房号,姓名,电话,身份,备注,Telegram",
        f"3号楼,2,301,陈大爷,13800000011,楼栋长,户主,{chen.id}",
        ",,,陈奶奶,,,家属,",
        "3号楼,2,302,孙奶奶,,党员中心户,独居老人,",
        f"3号楼,2,401,李师傅,13800000013,志愿者,,{li.id}",
    ]).encode()


async def scene(demo: Any) -> None:
    liu, zhang = demo.users["刘书记"], demo.users["张网格员"]
    wang, chen = demo.users["王阿姨"], demo.users["陈大爷"]
    for resident in (chen, wang):
        if resident.id not in demo.sb.bot.started:
            resident.start_bot()
    await demo.settle()
    demo.narrate("刘书记把 3号楼的居民花名册（Excel/CSV）私聊发给机器人：一楼一档")
    demo.sb.send_document(liu, liu.id, roster(demo), "3号楼花名册.csv")
    await demo.settle()

    demo.narrate("王阿姨私聊 /join 自助登记：按钮选楼栋和房号，楼栋长陈大爷一键审核")
    demo.say(wang, wang.id, "/join")
    await demo.settle()
    if "请选择您的社区" in demo.sb.bot_messages(wang.id)[-1].body:  # the street's scene added one
        await demo.press(wang, demo.sb.bot_messages(wang.id)[-1], "东湖社区")
    await demo.press(wang, demo.last_bot_message(wang.id, "楼栋"), "3号楼")
    wang.say(wang.id, "2单元501")
    await demo.settle()
    await demo.press(chen, demo.last_bot_message(chen.id, "登记申请"), "✅ 同意")

    demo.narrate("张网格员开始「跑楼」走访（未诉先办）")
    demo.say(zhang, zhang.id, "/round")
    await demo.settle()
    await demo.press(zhang, demo.last_bot_message(zhang.id, "走访开始"), "📝 记录走访")
    await demo.press(zhang, demo.last_bot_message(zhang.id, "走访哪栋楼"), "3号楼")
    await demo.press(zhang, demo.last_bot_message(zhang.id, "走访哪一户"), "2-302")
    demo.say(zhang, zhang.id, "孙奶奶家楼道灯坏了好几天，老人晚上出门看不见")
    await demo.settle()
    await demo.press(zhang, demo.last_bot_message(zhang.id, "请选择处理结果"), "📮 转为工单")
    await demo.press(zhang, demo.last_bot_message(zhang.id, "新工单"), "接单")

    demo.narrate("在 301 陈大爷家：帮老人在线办好了高龄津贴认证（帮办代办）")
    await demo.press(zhang, demo.last_bot_message(zhang.id, "已记录"), "📝 记录走访")
    await demo.press(zhang, demo.last_bot_message(zhang.id, "走访哪栋楼"), "3号楼")
    await demo.press(zhang, demo.last_bot_message(zhang.id, "走访哪一户"), "2-301")
    demo.say(zhang, zhang.id, "陈大爷不会用手机做高龄津贴认证，当场帮他办好了")
    await demo.settle()
    await demo.press(zhang, demo.last_bot_message(zhang.id, "请选择处理结果"), "🤝 帮办代办")
    await demo.press(zhang, demo.last_bot_message(zhang.id, "已记录"), "🏁 结束走访")

    demo.narrate("张网格员查看孙奶奶家的一户一档")
    demo.say(zhang, zhang.id, "/household 3-2-302")
    await demo.settle()
