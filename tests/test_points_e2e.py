"""Volunteers and 志愿积分 end to end through the local Bot API server: an activity with
sign-up (places limited), check-in by code and by the organizer, points by the rules;
an exchange at the 爱心超市 that cannot overdraw; the monthly leaderboard without the
resident who opted out."""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.db.models.points import PointEntry
from tests.council_kit import setup

ACTIVITY = """/activity_new
标题：楼道清洁日
时间：2026-11-07 09:00
地点：3号楼门口
名额：2
时长：2"""


async def activity_with_points(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = people = await setup(world)
    zhang.say(zhang.id, "/activity_new")
    assert "名额：" in (await sb.wait_for(zhang.id, lambda m: "模板" in m.body)).body
    zhang.say(zhang.id, ACTIVITY.replace("名额：2", "名额：很多"))
    await sb.wait_for(zhang.id, lambda m: "「名额」填写有误" in m.body)
    zhang.say(zhang.id, ACTIVITY)
    done = await sb.wait_for(zhang.id, lambda m: "已发布活动 #1" in m.body)
    code = re.search(r"签到码：(\d{4})", done.body).group(1)
    post = await sb.wait_for(g1.id, lambda m: "志愿活动 #1：楼道清洁日" in m.body)
    assert "名额：2 人" in post.body

    assert "已报名活动 #1（1/2）" in (await sb.press(wang, post, "🙋 报名"))["text"]
    assert "已经报名" in (await sb.press(wang, post, "🙋 报名"))["text"]
    assert "（2/2）" in (await sb.press(li, post, "🙋 报名"))["text"]
    assert "名额已满" in (await sb.press(chen, post, "🙋 报名"))["text"]

    await world.advance(days=4, hours=23, minutes=30)  # Saturday 08:30 local
    wang.say(wang.id, "/checkin 99999")
    await sb.wait_for(wang.id, lambda m: "签到码不对" in m.body)
    wang.say(wang.id, f"/checkin {code}")
    checked = await sb.wait_for(wang.id, lambda m: "已签到活动 #1" in m.body)
    assert "获得志愿积分 10 分" in checked.body  # 2 hours × 5 points
    wang.say(wang.id, f"/checkin {code}")
    await sb.wait_for(wang.id, lambda m: "已经签到过" in m.body)
    zhang.say(zhang.id, "/activity_checkin 1 @lishifu @chen")
    await sb.wait_for(zhang.id, lambda m: "@chen 没有报名活动 #1" in m.body)
    zhang.say(zhang.id, "/activity_checkin 1 @lishifu")
    await sb.wait_for(zhang.id, lambda m: "已签到：@lishifu（每人 10 分）" in m.body)
    await sb.wait_for(li.id, lambda m: "获得志愿积分 10 分" in m.body)
    return people


async def test_activity_sign_up_check_in_and_points(world):
    zhang, wang, li, *_ = await activity_with_points(world)
    async with world.ctx.pool() as s:
        rows = list(await s.scalars(select(PointEntry).order_by(PointEntry.id)))
    assert [(r.kind, r.amount, r.note) for r in rows] == [("hour", 10, "楼道清洁日")] * 2
    assert rows[0].granted_by_id is None and rows[1].granted_by_id is not None


async def test_exchange_and_leaderboard_with_an_opted_out_resident(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await activity_with_points(world)

    zhang.say(zhang.id, "/shop_add 洗衣液 8 1")
    await sb.wait_for(zhang.id, lambda m: "已上架「洗衣液」，8 分（剩 1 件）" in m.body)
    zhang.say(zhang.id, "/shop_add 大米 50")
    await sb.wait_for(zhang.id, lambda m: "已上架「大米」" in m.body)
    chen.say(g1, "/shop")
    menu = await sb.wait_for(g1.id, lambda m: "爱心超市" in m.body)
    assert "洗衣液：8 分（剩 1 件）" in menu.body and "大米：50 分" in menu.body

    wang.say(wang.id, "/exchange @wang 洗衣液")
    await sb.wait_for(wang.id, lambda m: "只有本社区的工作人员" in m.body)
    zhang.say(zhang.id, "/exchange @wang 洗衣液")
    await sb.wait_for(zhang.id, lambda m: "用 8 分换「洗衣液」×1，剩余 2 分" in m.body)
    await sb.wait_for(wang.id, lambda m: "爱心超市用 8 分兑换" in m.body)
    zhang.say(zhang.id, "/exchange @lishifu 洗衣液")
    await sb.wait_for(zhang.id, lambda m: "库存不足" in m.body)
    zhang.say(zhang.id, "/exchange @lishifu 大米")
    await sb.wait_for(zhang.id, lambda m: "积分不够：需要 50 分，现有 10 分" in m.body)
    zhang.say(zhang.id, "/exchange @lishifu 酱油")
    await sb.wait_for(zhang.id, lambda m: "没有「酱油」" in m.body)

    zhang.say(zhang.id, "/points_grant @chen 随手拍 楼道堆物反映属实")
    await sb.wait_for(zhang.id, lambda m: "已给 陈大爷 记 2 分（随手拍有效反映）" in m.body)
    wang.say(wang.id, "/leaderboard_off")
    await sb.wait_for(wang.id, lambda m: "不会出现在积分榜上" in m.body)
    chen.say(g1, "/leaderboard")
    board = await sb.wait_for(g1.id, lambda m: "志愿积分榜" in m.body)
    assert "2026年11月" in board.body
    assert "1. 李师傅 10 分" in board.body and "2. 陈大爷 2 分" in board.body
    assert "王阿姨" not in board.body
    wang.say(wang.id, "/points")
    mine = await sb.wait_for(wang.id, lambda m: "志愿积分：2 分" in m.body)
    assert "-8 爱心超市兑换（洗衣液×1） — 张书记" in mine.body
