"""An outsider's try-out of the residents' side through the local Bot API server: wrong
input, a party who blocked the bot, double presses. Each test is one short scenario."""
from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from bot.db.models import Person
from bot.db.models.wishes import Wish, WishConsent
from bot.db.session import transaction
from tests.council_kit import posted_wish, setup


async def test_amounts_written_with_digits_and_chinese_units_are_read_whole(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    for text, value in (("想要一台冰箱，3千元左右", 3000), ("想换一张护理床，1.5万元", 15000),
                        ("想要一辆三轮车，1,500元", 1500), ("想要一副助听器，两百五十块", 250)):
        chen.say(chen.id, f"/wish {text}")
        refused = await sb.wait_for(chen.id, lambda m: "小心愿" in m.body)
        assert f"约 {value} 元" in refused.body, refused.body
    async with world.ctx.pool() as s:
        assert not list(await s.scalars(select(Wish)))


async def test_two_volunteers_press_claim_at_once_one_wins(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    for user in (wang, li):
        user.say(user.id, "/volunteer")
        await sb.wait_for(user.id, lambda m: "已登记为志愿者" in m.body)
    post = await posted_wish(world, chen, zhang, g1, "厨房灯坏了，想请人帮忙换灯泡")
    answers = await asyncio.gather(sb.press(wang, post, "🙋 认领").answer(),
                                   sb.press(li, post, "🙋 认领").answer())
    texts = sorted(a["text"] for a in answers)
    assert sum("您认领了心愿 #1" in t for t in texts) == 1, texts
    assert sum("已认领" in t for t in texts) == 1, texts
    await world.settle()
    nexts = [m for u in (wang, li) for m in sb.bot_messages(u.id) if "您认领了微心愿 #1" in m.body]
    assert len(nexts) == 1
    assert len([m for m in sb.bot_messages(chen.id) if "已被志愿者认领" in m.body]) == 1


async def test_the_other_party_blocked_the_bot(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    wang.say(wang.id, "/volunteer")
    await sb.wait_for(wang.id, lambda m: "已登记为志愿者" in m.body)
    post = await posted_wish(world, chen, zhang, g1, "厨房灯坏了，想请人帮忙换灯泡")
    async with transaction(world.ctx.pool) as s:
        (await s.scalar(select(Person).where(Person.username == "wang"))).phone = "13800001111"
    sb.block(chen)
    await world.settle()
    await sb.press(wang, post, "🙋 认领").answer()
    offer = await sb.wait_for(wang.id, lambda m: "您认领了微心愿 #1" in m.body)
    await world.settle()  # the resident's notice bounced: the bot now knows
    wang.say(wang.id, "/wish_say 1 明天上午来")
    told = await sb.wait_for(wang.id, lambda m: m.reply_to is not None)
    assert "心愿人" in told.body and "收不到" in told.body, told.body
    answer = (await sb.press(wang, offer, "📞 同意交换电话"))["text"]
    assert "收不到" in answer and "已询问对方" not in answer, answer
    async with world.ctx.pool() as s:
        assert not list(await s.scalars(select(WishConsent)))  # nobody was asked: nothing kept


FORM = "/reception\n时间：2026-11-05 09:00\n时长：2\n地点：党群服务中心\n名额：1"


async def test_a_matter_cannot_be_rewritten_once_the_reception_day_has_begun(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    zhang.say(zhang.id, FORM)
    await sb.wait_for(zhang.id, lambda m: "已设置接待日 #1" in m.body)
    wang.say(wang.id, "/reception_matter 1 3号楼楼道灯坏了一个月没人修")
    await sb.wait_for(wang.id, lambda m: "已记下您想谈的事" in m.body)
    li.say(li.id, "/reception_matter 1 广场舞音响太吵")
    await sb.wait_for(li.id, lambda m: "约满" in m.body)
    await world.advance(days=3, hours=2, minutes=1)  # the day is over
    wang.say(wang.id, "/reception_matter 1 其实是想问低保")
    refused = await sb.wait_for(wang.id, lambda m: "接待日" in m.body and m.reply_to is not None
                                and "已记下" not in m.body)
    assert "已经过去" in refused.body or "已经开始" in refused.body, refused.body
    zhang.say(zhang.id, "/reception_list 1")
    listed = await sb.wait_for(zhang.id, lambda m: "预约 1/1 人" in m.body)
    assert "1. 王阿姨：3号楼楼道灯坏了一个月没人修" in listed.body


async def test_staying_off_the_leaderboard_does_not_make_one_a_volunteer(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    chen.say(chen.id, "/leaderboard_off")
    await sb.wait_for(chen.id, lambda m: "不会出现在积分榜上" in m.body)
    post = await posted_wish(world, wang, zhang, g1, "想请人帮忙换个灯泡")
    assert "先登记志愿者" in (await sb.press(chen, post, "🙋 认领"))["text"]
    zhang.say(zhang.id, "/points_grant @chen 随手拍 楼道堆物反映属实")
    await sb.wait_for(chen.id, lambda m: "获得志愿积分" in m.body)
    chen.say(g1, "/leaderboard")
    board = await sb.wait_for(g1.id, lambda m: "志愿积分榜" in m.body)
    assert "陈大爷" not in board.body


async def test_mydata_holds_ones_wish_points_and_reception_matter_and_nobody_elses(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    chen.say(chen.id, "/wish 厨房灯坏了，想请人帮忙换灯泡")
    await sb.wait_for(chen.id, lambda m: "微心愿 #1 已提交" in m.body)
    wang.say(wang.id, "/wish 想要一副老花镜")
    await sb.wait_for(wang.id, lambda m: "微心愿 #2 已提交" in m.body)
    zhang.say(zhang.id, "/points_grant @chen 随手拍 楼道堆物反映属实")
    await sb.wait_for(chen.id, lambda m: "获得志愿积分" in m.body)
    zhang.say(zhang.id, FORM.replace("名额：1", "名额：5"))
    await sb.wait_for(zhang.id, lambda m: "已设置接待日 #1" in m.body)
    chen.say(chen.id, "/reception_matter 1 申请低保怎么办")
    await sb.wait_for(chen.id, lambda m: "已记下您想谈的事" in m.body)
    wang.say(wang.id, "/reception_matter 1 楼道灯坏了")
    await sb.wait_for(wang.id, lambda m: "已记下您想谈的事" in m.body)
    chen.say(chen.id, "/mydata")
    sent = await sb.wait_for(chen.id, lambda m: m.document is not None)
    data = json.loads(sent.document.data)
    del data["messages"], data["sent_to_you"]  # raw chat kept 30 days: the records must be there
    data = json.dumps(data, ensure_ascii=False)
    assert "厨房灯坏了" in data and "楼道堆物反映属实" in data and "申请低保怎么办" in data
    assert "老花镜" not in data and "楼道灯坏了" not in data and "王阿姨" not in data
