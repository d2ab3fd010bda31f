"""微心愿: the community's value limit (the org file's `wishes:` section) and phone numbers
exchanged only with both parties' consent, through the local Bot API server."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import Person
from bot.db.models.wishes import Wish, WishConsent
from bot.db.session import transaction
from bot.org.orgfile import OrgFileError, import_file
from tests.council_kit import posted_wish, setup

ORG = "communities:\n  - name: 东湖社区\n    code: 东湖\n    wishes:\n      limit: {limit}\n"


async def import_limit(world, tmp_path, limit) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(ORG.format(limit=limit), encoding="utf-8")
    async with transaction(world.ctx.pool) as s:
        await import_file(s, path)


async def test_a_wish_over_the_communitys_limit_is_refused(world, tmp_path):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    chen.say(chen.id, "/wish")
    assert "不超过 200 元" in (await sb.wait_for(chen.id, lambda m: "物品类心愿" in m.body)).body
    chen.say(chen.id, "/wish 想要一台电动轮椅，大概3000元")  # the default limit: 200 元
    refused = await sb.wait_for(chen.id, lambda m: "小心愿" in m.body)
    assert "不超过 200 元" in refused.body and "约 3000 元" in refused.body
    with pytest.raises(OrgFileError, match=r"wishes\.limit"):
        await import_limit(world, tmp_path, "一百")
    await import_limit(world, tmp_path, 100)
    chen.say(chen.id, "/wish 想要一副老花镜，两百块左右")
    refused = await sb.wait_for(chen.id, lambda m: "小心愿" in m.body)
    assert "不超过 100 元" in refused.body and "约 200 元" in refused.body
    chen.say(chen.id, "/wish 想要一副老花镜，８０元左右")  # full-width digits
    await sb.wait_for(chen.id, lambda m: "微心愿 #1 已提交" in m.body)
    review = await sb.wait_for(zhang.id, lambda m: "待审核" in m.body)
    assert "价值：约 80 元" in review.body
    chen.say(chen.id, "/wish 希望有人来陪我聊聊天")
    review = await sb.wait_for(zhang.id, lambda m: "#2 待审核" in m.body)
    assert "价值：未写明（本社区每个心愿不超过 100 元" in review.body
    async with world.ctx.pool() as s:
        assert [(w.id, w.value) for w in await s.scalars(select(Wish).order_by(Wish.id))] == \
            [(1, 80), (2, None)]


async def test_phones_are_exchanged_only_when_both_agree(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    async with transaction(world.ctx.pool) as s:  # the org file knows 王阿姨's number
        (await s.scalar(select(Person).where(Person.username == "wang"))).phone = "13800001111"
    post = await posted_wish(world, chen, zhang, g1, "厨房灯坏了，想请人帮忙换灯泡")
    wang.say(wang.id, "/volunteer")
    await sb.wait_for(wang.id, lambda m: "已登记为志愿者" in m.body)
    await sb.press(wang, post, "🙋 认领").answer()
    offer = await sb.wait_for(wang.id, lambda m: "您认领了微心愿 #1" in m.body)
    told = await sb.wait_for(chen.id, lambda m: "已被志愿者认领" in m.body)
    assert told.find_button("📞 同意交换电话")

    assert "不是心愿 #1" in (await sb.press(li, offer, "📞 同意交换电话"))["text"]  # forged
    agreed = (await sb.press(wang, offer, "📞 同意交换电话"))["text"]
    assert "138****1111" in agreed and "对方也同意后" in agreed
    assert "已经同意" in (await sb.press(wang, offer, "📞 同意交换电话"))["text"]
    asked = await sb.wait_for(chen.id, lambda m: "认领人想和您交换电话" in m.body)
    assert not [m for m in sb.messages(chen.id) if "13800001111" in m.body]  # not yet

    assert "没有您的电话" in (await sb.press(chen, asked, "📞 同意交换电话"))["text"]
    chen.say(chen.id, "/wish_phone 1 1391234")
    await sb.wait_for(chen.id, lambda m: "格式不对" in m.body)
    chen.say(chen.id, "/wish_phone 1 139-1234-5678")
    given = await sb.wait_for(chen.id, lambda m: "双方都同意交换电话" in m.body)
    assert "认领人的电话：13800001111" in given.body
    back = await sb.wait_for(wang.id, lambda m: "双方都同意交换电话" in m.body)
    assert "心愿人的电话：13912345678" in back.body
    async with world.ctx.pool() as s:
        rows = list(await s.scalars(select(WishConsent).order_by(WishConsent.id)))
    assert [(r.phone, r.shared_at is not None) for r in rows] == \
        [("13800001111", True), ("13912345678", True)]
