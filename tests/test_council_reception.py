"""书记接待日 through the local Bot API server: a monthly slot posted to the groups,
booked by button (capacity, a second press), the reminder the day before, the next
month's slot opened when this one starts, and what was raised recorded as a topic."""
from __future__ import annotations

from tests.council_kit import setup

FORM = "/reception\n时间：2026-11-05 09:00\n时长：2\n地点：党群服务中心\n名额：2\n重复：每月"


async def test_reception_day_booked_reminded_repeated_and_recorded(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    zhang.say(g1, "/reception")
    await sb.wait_for(g1.id, lambda m: "私聊中使用" in m.body)
    zhang.say(zhang.id, "/reception")
    await sb.wait_for(zhang.id, lambda m: "模板" in m.body)
    zhang.say(zhang.id, FORM.replace("名额：2", "名额：两个"))
    await sb.wait_for(zhang.id, lambda m: "「名额」填写有误" in m.body)
    zhang.say(zhang.id, FORM)
    await sb.wait_for(zhang.id, lambda m: "已设置接待日 #1（11月05日 09:00）" in m.body)
    post = await sb.wait_for(g1.id, lambda m: "书记接待日" in m.body)
    assert "11月05日 09:00–11:00" in post.body and "名额：2 人" in post.body

    assert "已预约" in (await sb.press(wang, post, "📅 预约"))["text"]
    assert "已经预约过" in (await sb.press(wang, post, "📅 预约"))["text"]
    assert "请先私聊我" in (await sb.press(zhao, post, "📅 预约"))["text"]  # never started
    assert "已约满" in (await sb.press(chen, post, "📅 预约"))["text"]
    zhang.say(zhang.id, "/reception_list 1")
    await sb.wait_for(zhang.id, lambda m: "预约 2/2 人：王阿姨、赵叔" in m.body)

    await world.advance(days=2)  # Wed 09:00: a day before
    await sb.wait_for(wang.id, lambda m: "明天 11月05日 09:00" in m.body)
    await world.advance(days=1)  # it starts: next month's slot is open for booking
    following = await sb.wait_for(g2.id, lambda m: "12月05日 09:00" in m.body)
    assert following.find_button("📅 预约")
    assert "已经过去" in (await sb.press(li, post, "📅 预约"))["text"]

    zhang.say(zhang.id, "/reception_topic 1 多位居民反映晚上广场舞音响太吵，希望约定时间和音量")
    await sb.wait_for(zhang.id, lambda m: "已记为议题 #1（来源：书记接待日）" in m.body)
    topic = await sb.wait_for(g1.id, lambda m: "议题 #1｜多位居民反映晚上广场舞音响太吵" in m.body)
    assert "来源：书记接待日" in topic.body
