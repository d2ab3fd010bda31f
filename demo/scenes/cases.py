"""Scene: the case loop — a resident's message becomes a case, the grid worker takes
it, the deadline chases, the result is rated; another case is escalated on time-out."""
from __future__ import annotations

from typing import Any


async def scene(demo: Any) -> None:
    group = demo.groups["一网格群"]
    wang, li, chen = demo.users["王阿姨"], demo.users["李师傅"], demo.users["陈大爷"]
    zhang, liu = demo.users["张网格员"], demo.users["刘书记"]
    zhou = demo.users["周网格员"]
    wang.start_bot()
    zhou.start_bot()
    await demo.settle()
    demo.narrate("王阿姨先问问：机器人会保存我的哪些信息？")
    demo.say(wang, wang.id, "/privacy")
    await demo.settle()

    demo.narrate("王阿姨在群里反映楼道灯坏了（电话号码会被自动隐藏）")
    demo.say(wang, group, "3号楼2单元楼道灯坏了好几天了，晚上太黑，我电话13812345678")
    await demo.settle()
    demo.narrate("李师傅也遇到了同样的问题：不重复登记，记为第2户")
    demo.say(li, group, "3号楼楼道灯不亮，晚上上楼太黑了")
    await demo.settle()

    demo.narrate("张网格员在私聊中接单（首问负责），先记录进展")
    task = demo.last_bot_message(zhang.id, "新工单")
    await demo.press(zhang, task, "接单")
    await demo.press(zhang, task, "记进展")
    demo.say(zhang, zhang.id, "已联系电工，下午两点到场")
    await demo.settle()

    await demo.advance(hours=5)
    demo.narrate("修好了：张网格员点「已解决」，发整改后照片")
    await demo.press(zhang, task, "已解决")
    demo.sb.send_photo(zhang, zhang.id, caption="已更换3号楼2单元全部楼道灯")
    await demo.settle()

    demo.narrate("王阿姨收到整改后照片并评价（凡结果必由群众评价收官）")
    rate = demo.last_bot_message(wang.id, "请您评价")
    await demo.press(wang, rate, "满意")

    demo.narrate("陈大爷反映路面塌陷，但两个小时没人接单……")
    demo.say(chen, group, "5号楼门口的路面塌了个坑，晚上容易摔跤")
    await demo.settle()
    demo.narrate("受理时限到了还没人接单：自动上报到社区，社区有了自己的时限（陈大爷在群里收到进展）")
    await demo.advance(hours=2, minutes=1)
    demo.narrate("刘书记把工单改派给张网格员，张网格员接单")
    alert = demo.last_bot_message(liu.id, "超时未受理")
    await demo.press(liu, alert, "改派")
    choose = demo.last_bot_message(liu.id, "改派给谁")
    await demo.press(liu, choose, "张网格员")
    await demo.press(zhang, demo.last_bot_message(zhang.id, "改派给您"), "接单")
    await demo.advance(minutes=10)
    demo.narrate("刘书记查看工单列表")
    liu.say(liu.id, "/cases")
    await demo.settle()
