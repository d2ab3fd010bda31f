"""Projects end to end: the real bot over HTTP against the local Bot API server."""
from __future__ import annotations

from bot.db.models import Community, Grid
from bot.db.session import transaction
from bot.org import service as org


async def setup(world):
    sb = world.sb
    zhang, li, chen = sb.add_user("张书记", "zhang"), sb.add_user("李师傅", "lishifu"), \
        sb.add_user("陈阿姨", "chen")
    g1 = sb.add_group("东湖一网格群", [zhang, li, chen], bot_is_admin=True)
    g2 = sb.add_group("东湖二网格群", [zhang], bot_is_admin=True)
    gw = sb.add_group("西湖群", [chen], bot_is_admin=True)
    await world.settle()
    async with transaction(world.ctx.pool) as s:
        east, west = Community(name="东湖社区", code="东湖"), Community(name="西湖社区", code="西湖")
        s.add_all([east, west])
        await s.flush()
        grids = [Grid(community_id=east.id, name="一网格"), Grid(community_id=east.id, name="二网格"),
                 Grid(community_id=west.id, name="西网格")]
        s.add_all(grids)
        await s.flush()
        for chat, grid in zip((g1, g2, gw), grids, strict=True):
            await org.bind_group(s, chat.id, chat.title, grid.id)
        for user in (zhang, li, chen):
            await org.upsert_person(s, tg_id=user.id, username=user.username, name=user.first_name)
        person = await org.person_by_tg(s, zhang.id)
        await org.grant(s, person, "organizer", east.id)
    for user in (zhang, li, chen):
        user.start_bot()
    await world.settle()
    return zhang, li, chen, g1, g2, gw


async def test_project_lifecycle_over_the_bot_api(world):
    sb = world.sb
    zhang, li, chen, g1, g2, gw = await setup(world)

    zhang.say(zhang.id, "/project_new")
    template = await sb.wait_for(zhang.id, lambda m: "模板" in m.body)
    assert "标题：" in template.body
    zhang.say(zhang.id, "/project_new\n标题：3号楼加装电梯\n说明：老人上下楼难\n预算：500000\n"
                        "监督员：@lishifu\n节点：方案公示 2026-11-20\n节点：施工 2027-01-10 权重3")
    done = await sb.wait_for(zhang.id, lambda m: "已创建项目 #1" in m.body)
    assert "2 个群" in done.body
    post = await sb.wait_for(g1.id, lambda m: "项目 #1｜3号楼加装电梯" in m.body)
    assert "征集意见" in post.body and "下一节点：方案公示（计划 2026-11-20）" in post.body
    await sb.wait_for(g2.id, lambda m: "项目 #1" in m.body)

    answer = await sb.press(chen, post, "🔔 关注")
    assert "已关注项目 #1" in answer["text"]

    # A resident may not post; a supervisor may, with an album.
    chen.say(chen.id, "/project_update 1 我也来更新 50%")
    await sb.wait_for(chen.id, lambda m: "只有社区工作人员和本项目的居民监督员" in m.body)
    sb.send_album(li, li.id, n=3, caption="/project_update 1 脚手架搭好了 30%")
    await world.settle()
    await world.advance(seconds=5)
    for chat_id in (g1.id, g2.id, chen.id):
        photos = [m for m in sb.bot_messages(chat_id) if m.photo]
        assert len(photos) == 3, sb.transcript(chat_id)
        assert "▓▓▓░░░░░░░ 30%" in photos[0].body and "— 李师傅" in photos[0].body

    chen.say(g1, "/pledge 1 出钱 200 支持")
    assert "已记录您「出钱」" in (await sb.wait_for(g1.id, lambda m: "已记录" in m.body)).body
    chen.say(g1, "/project 1")
    card = await sb.wait_for(g1.id, lambda m: "时间线" in m.body)
    assert "出钱 1 人（共 200 元）" in card.body and "居民监督员" not in card.body
    chen.say(gw, "/project 1")
    await sb.wait_for(gw.id, lambda m: "项目 #1 不属于本社区" in m.body)

    zhang.say(zhang.id, "/project_update 1 进度 150")
    await sb.wait_for(zhang.id, lambda m: "0 到 100" in m.body)
    zhang.say(zhang.id, "/project_stage 1")
    opened = await sb.wait_for(zhang.id, lambda m: "已进入「议事决议」阶段" in m.body)
    assert "议事议题 #1 已建立" in opened.body and "/meeting 1" in opened.body
    await sb.wait_for(g2.id, lambda m: "阶段：议事决议" in m.body)
    zhang.say(zhang.id, "/project_stage 1")  # the decision is the council's
    await sb.wait_for(zhang.id, lambda m: "决议须经居民议事会议：议题 #1" in m.body)
    zhang.say(zhang.id, "/project_stage 1 确认")  # a meeting held offline, on the record
    await sb.wait_for(zhang.id, lambda m: "已进入「实施」阶段" in m.body)
    decision = await sb.wait_for(g2.id, lambda m: "【决议公开】" in m.body)
    assert "方案经居民线下议事通过" in decision.body and "阶段：实施" in decision.body
    await sb.wait_for(chen.id, lambda m: "【决议公开】" in m.body)  # the follower, privately
    zhang.say(zhang.id, "/topic 1")
    record = await sb.wait_for(zhang.id, lambda m: "议事记录" in m.body)
    assert "阶段：决议" in record.body and "线下议事通过（张书记确认）" in record.body
