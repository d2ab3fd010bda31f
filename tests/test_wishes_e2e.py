"""微心愿 end to end through the local Bot API server: posted privately, reviewed by the
organizer (the group never sees the address or phone), claimed once by a registered
volunteer, messages relayed with numbers hidden, confirmed done with a photo, and the
claimer's points."""
from __future__ import annotations

from bot.db.models.wishes import Wish
from tests.council_kit import setup


async def test_a_wish_from_posting_to_confirmed_completion(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)

    chen.say(g1, "/wish 想要一副老花镜")
    await sb.wait_for(g1.id, lambda m: "请私聊我发送" in m.body)
    chen.say(chen.id, "/wish 家住3号楼2单元301，厨房灯坏了，想请人帮忙换灯泡，电话13912345678")
    await sb.wait_for(chen.id, lambda m: "微心愿 #1 已提交" in m.body)
    review = await sb.wait_for(zhang.id, lambda m: "待审核" in m.body)
    assert "13912345678" in review.body  # staff see it all
    public = review.body.split("通过后发到小区群的内容：", 1)[1]
    assert "13912345678" not in public and "301" not in public
    assert "已通过" in (await sb.press(zhang, review, "✅ 通过并发布"))["text"]
    post = await sb.wait_for(g1.id, lambda m: "🌈 微心愿 #1" in m.body)
    assert "13912345678" not in post.body and "301" not in post.body and "陈大爷" not in post.body
    await sb.wait_for(chen.id, lambda m: "已通过审核" in m.body)

    assert "先登记志愿者" in (await sb.press(wang, post, "🙋 认领"))["text"]
    wang.say(wang.id, "/volunteer 双报到")
    await sb.wait_for(wang.id, lambda m: "请写明单位" in m.body)
    wang.say(wang.id, "/volunteer 双报到 区税务局")
    await sb.wait_for(wang.id, lambda m: "在职党员（双报到，区税务局）" in m.body)
    assert "您认领了心愿 #1" in (await sb.press(wang, post, "🙋 认领"))["text"]
    await sb.wait_for(g1.id, lambda m: "已有志愿者认领" in m.body, include_seen=True)
    li.say(li.id, "/volunteer")
    await world.settle()
    post = next(m for m in sb.bot_messages(g2) if "微心愿 #1" in m.body)
    assert "已认领" in (await sb.press(li, post, "🙋 认领"))["text"]  # the other group's post
    await sb.wait_for(wang.id, lambda m: "/wish_say 1" in m.body)
    told = await sb.wait_for(chen.id, lambda m: "已被在职党员" in m.body)
    assert "（双报到，区税务局）认领" in told.body

    wang.say(wang.id, "/wish_say 1 明天上午十点来换，我电话13800001111")
    await sb.wait_for(wang.id, lambda m: "已转达" in m.body)
    relayed = await sb.wait_for(chen.id, lambda m: "认领人说" in m.body)
    assert "明天上午十点" in relayed.body and "13800001111" not in relayed.body
    li.say(li.id, "/wish_say 1 我也来")
    await sb.wait_for(li.id, lambda m: "不是心愿 #1 的心愿人或认领人" in m.body)
    chen.say(chen.id, "/wish_say 1 好的，谢谢")
    await sb.wait_for(wang.id, lambda m: "心愿人说：好的" in m.body)

    chen.say(chen.id, "/wish_done 1")
    await sb.wait_for(chen.id, lambda m: "请附一张照片" in m.body)
    sb.send_photo(li, li.id, caption="/wish_done 1")
    await sb.wait_for(li.id, lambda m: "只有心愿人或社区工作人员" in m.body)
    sb.send_photo(chen, chen.id, caption="/wish_done 1")
    await sb.wait_for(chen.id, lambda m: "已确认实现" in m.body)
    thanks = await sb.wait_for(g1.id, lambda m: "已实现" in m.body)
    assert thanks.photo and "13912345678" not in thanks.body
    paid = await sb.wait_for(wang.id, lambda m: "获得志愿积分 10 分" in m.body)
    assert "认领微心愿" in paid.body
    async with world.ctx.pool() as s:
        wish = await s.get(Wish, 1)
        assert wish.status == "done" and wish.photo_file_id

    wang.say(wang.id, "/points")
    ledger = await sb.wait_for(wang.id, lambda m: "志愿积分：10 分" in m.body)
    assert "认领微心愿（心愿 #1）" in ledger.body and "陈大爷" in ledger.body  # who granted it
    wang.say(g1, "/wishes")
    listed = await sb.wait_for(g1.id, lambda m: "微心愿" in m.body and "已实现" in m.body)
    assert "13912345678" not in listed.body


async def test_a_worker_posts_for_an_elderly_resident_and_staff_reject_one(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    zhang.say(zhang.id, "/wish 代 张奶奶 想要一个助行器")
    await sb.wait_for(zhang.id, lambda m: "微心愿 #1 已提交" in m.body)
    review = await sb.wait_for(zhang.id, lambda m: "待审核" in m.body)
    assert "（代张奶奶）" in review.body
    assert "未通过审核" in (await sb.press(zhang, review, "不通过"))["text"]
    await world.settle()
    assert "未通过审核" in review.body and not review.find_button("✅ 通过并发布")
    async with world.ctx.pool() as s:
        assert (await s.get(Wish, 1)).status == "rejected"
    assert not [m for m in sb.bot_messages(g1) if "微心愿 #1" in m.body]


async def _forget(world, user) -> None:  # type: ignore[no-untyped-def]
    sb = world.sb
    user.say(user.id, "/forget")
    ask = await sb.wait_for(user.id, lambda m: "不能撤销" in m.body)
    await sb.press(user, ask, "确认删除我的信息").answer()
    await world.settle()


async def test_an_erased_volunteer_frees_the_wish_and_an_erased_author_is_not_waited_for(world):
    """/forget by the volunteer who claimed a wish: the wish waits for another volunteer
    again (the resident is told, the groups get it anew); /forget by the resident: the
    new volunteer is told it is withdrawn instead of turning up for nobody."""
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    chen.say(chen.id, "/wish 想请人帮忙换个厨房灯泡")
    review = await sb.wait_for(zhang.id, lambda m: "待审核" in m.body)
    await sb.press(zhang, review, "✅ 通过并发布").answer()
    post = await sb.wait_for(g1.id, lambda m: "🌈 微心愿 #1" in m.body)
    for volunteer in (wang, li):
        volunteer.say(volunteer.id, "/volunteer")  # (the welcome names 志愿者 too)
        await sb.wait_for(volunteer.id, lambda m: "已登记为志愿者" in m.body)
    assert "您认领了心愿 #1" in (await sb.press(wang, post, "🙋 认领"))["text"]
    await world.settle()

    await _forget(world, wang)
    await sb.wait_for(chen.id, lambda m: "认领人已退出" in m.body)
    again = await sb.wait_for(g1.id, lambda m: "🌈 微心愿 #1" in m.body and "认领" in " ".join(
        m.button_texts))
    assert "您认领了心愿 #1" in (await sb.press(li, again, "🙋 认领"))["text"]
    await world.settle()

    await _forget(world, chen)
    told = await sb.wait_for(li.id, lambda m: "已撤回" in m.body)
    assert "心愿 #1" in told.body
    async with world.ctx.pool() as s:
        assert await s.get(Wish, 1) is None
