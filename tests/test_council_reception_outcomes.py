"""书记接待日, the matters: a resident books and says what they want to raise, the
organizer sees the list with the matters, and after the day records each outcome — an
answer (the resident is told), a case (opened in the case loop, the resident gets its
number), a council topic, or did not come — and is reminded of the ones left."""
from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Case
from bot.db.models.council import ReceptionBooking
from tests.council_kit import setup

FORM = "/reception\n时间：2026-11-05 09:00\n时长：2\n地点：党群服务中心\n名额：5"


async def test_matters_booked_listed_and_their_outcomes_recorded(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    zhang.say(zhang.id, FORM)
    await sb.wait_for(zhang.id, lambda m: "已设置接待日 #1" in m.body)
    post = await sb.wait_for(g1.id, lambda m: "书记接待日" in m.body)

    assert "/reception_matter" in (await sb.press(wang, post, "📅 预约"))["text"]
    await sb.wait_for(wang.id, lambda m: "想和书记谈什么事" in m.body)
    wang.say(wang.id, "/reception_matter 1")
    await sb.wait_for(wang.id, lambda m: "用法：/reception_matter 1" in m.body)
    wang.say(wang.id, "/reception_matter 1 3号楼楼道灯坏了一个月没人修")
    await sb.wait_for(wang.id, lambda m: "已记下您想谈的事" in m.body)
    li.say(li.id, "/reception_matter 1 希望小区晚上广场舞音响小一点")  # books and says at once
    await sb.wait_for(li.id, lambda m: "已记下您想谈的事" in m.body)
    await sb.press(chen, post, "📅 预约").answer()  # says nothing beforehand
    chen.say(chen.id, "/reception_matter 2 想问问")
    await sb.wait_for(chen.id, lambda m: "没有找到接待日 #2" in m.body)
    zhao.say(g1, "/reception_matter 1 申请低保怎么办")  # not in front of the neighbours
    await sb.wait_for(g1.id, lambda m: "想谈的事请私聊我发送" in m.body)
    zhao.start_bot()
    zhao.say(zhao.id, "/reception_matter 1 申请低保怎么办")
    await sb.wait_for(zhao.id, lambda m: "已记下您想谈的事" in m.body)

    wang.say(wang.id, "/reception_list 1")
    await sb.wait_for(wang.id, lambda m: "只有本社区的工作人员" in m.body)
    zhang.say(zhang.id, "/reception_list 1")
    listed = await sb.wait_for(zhang.id, lambda m: "预约 4/5 人" in m.body)
    assert "1. 王阿姨：3号楼楼道灯坏了一个月没人修｜待记录结果" in listed.body
    assert "2. 李师傅：希望小区晚上广场舞音响小一点" in listed.body
    assert "3. 陈大爷：（未说明）" in listed.body and "4. 赵叔：申请低保怎么办" in listed.body

    zhang.say(zhang.id, "/reception_result 1 1 工单")
    await sb.wait_for(zhang.id, lambda m: "还没开始" in m.body)
    await world.advance(days=3, hours=2, minutes=1)  # the day is over: what is left?
    await sb.wait_for(zhang.id, lambda m: "还有 4 件事没有记录结果" in m.body)

    zhang.say(zhang.id, "/reception_result 1 1 办了")
    await sb.wait_for(zhang.id, lambda m: "用法：/reception_result 1 序号 结果" in m.body)
    zhang.say(zhang.id, "/reception_result 1 1 工单")
    opened = await sb.wait_for(zhang.id, lambda m: "已转为工单" in m.body)
    number = opened.body.split("已转为工单 ", 1)[1].split("，", 1)[0]
    await sb.wait_for(wang.id, lambda m: number in m.body)  # the case loop tells her
    zhang.say(zhang.id, "/reception_result 1 1 解答 已答复")
    await sb.wait_for(zhang.id, lambda m: f"第 1 件事已记录：已转工单 {number}" in m.body)
    zhang.say(zhang.id, "/reception_result 1 2 议题")
    await sb.wait_for(zhang.id, lambda m: "第 2 件已转为议题 #1" in m.body)
    topic = await sb.wait_for(g1.id, lambda m: "议题 #1｜希望小区晚上广场舞音响小一点" in m.body)
    assert "来源：书记接待日" in topic.body
    await sb.wait_for(li.id, lambda m: "已列为居民议事议题 #1" in m.body)
    zhang.say(zhang.id, "/reception_result 1 3 未到")
    await sb.wait_for(zhang.id, lambda m: "第 3 件（陈大爷）已记录：未到" in m.body)
    zhang.say(zhang.id, "/reception_result 1 4 解答")
    await sb.wait_for(zhang.id, lambda m: "请写明怎么答复的" in m.body)
    zhang.say(zhang.id, "/reception_result 1 4 解答 已约他周三来社区办理低保申请")
    await sb.wait_for(zhang.id, lambda m: "第 4 件（赵叔）已记录：已解答" in m.body)
    zhang.say(zhang.id, "/reception_result 1 5 未到")
    await sb.wait_for(zhang.id, lambda m: "没有第 5 个" in m.body)

    zhang.say(zhang.id, "/reception_list 1")
    listed = await sb.wait_for(zhang.id, lambda m: "预约 4/5 人" in m.body)
    assert f"｜已转工单 {number}" in listed.body and "｜已转议题 #1" in listed.body
    assert "｜已解答：已约他周三来社区办理低保申请" in listed.body
    async with world.ctx.pool() as s:
        case = await s.scalar(select(Case).where(Case.number == number))
        assert "楼道灯" in case.text and case.reporter_id is not None
        rows = list(await s.scalars(select(ReceptionBooking).order_by(ReceptionBooking.id)))
    assert [r.outcome for r in rows] == ["case", "topic", "absent", "answered"]
    assert rows[0].case_id == case.id and all(r.outcome_by_id for r in rows)
