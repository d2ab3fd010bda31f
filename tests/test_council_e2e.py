"""The residents' council (议事, 四议两公开) end to end through the local Bot API server:
a resident's suggestion becomes a topic, neighbours support it, the organizer moves it
through the stages, calls a meeting (notice, reminder, check-in, quorum, anonymous vote),
and the decision and, later, the result are published in the groups."""
from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Community, Department, Person, Role
from bot.db.models.council import Meeting, Seat, Topic
from bot.db.models.people import Resident, ResidentRole
from bot.db.session import transaction
from tests.council_kit import MEETING, setup


async def test_topic_from_suggestion_to_decision_and_result(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)

    chen.say(g1, "/propose")
    assert "/propose 议题内容" in (await sb.wait_for(g1.id, lambda m: "提出议题" in m.body)).body
    chen.say(g1, "/propose 小区东门加装雨棚，方便老人等车，联系我13912345678")
    post = await sb.wait_for(g1.id, lambda m: "议题 #1｜小区东门加装雨棚" in m.body)
    assert "来源：居民提议" in post.body and "陈大爷" not in post.body
    other = await sb.wait_for(g2.id, lambda m: "议题 #1" in m.body)  # the other group too
    assert "13912345678" not in post.body + other.body

    assert "共 1 人附议" in (await sb.press(wang, post, "👍 附议"))["text"]
    assert "已经附议过" in (await sb.press(wang, post, "👍 附议"))["text"]
    assert "共 2 人附议" in (await sb.press(li, post, "👍 附议"))["text"]

    wang.say(wang.id, "/topic_next 1")
    await sb.wait_for(wang.id, lambda m: "只有本社区的工作人员" in m.body)
    zhang.say(zhang.id, "/topic_next 1 两委商议，同意提交审议")
    await sb.wait_for(zhang.id, lambda m: "已进入「商议」" in m.body and "张书记" in m.body)
    zhang.say(zhang.id, "/topic_next 1")
    await sb.wait_for(zhang.id, lambda m: "已进入「审议」" in m.body)
    zhang.say(zhang.id, "/topic_next 1")
    await sb.wait_for(zhang.id, lambda m: "决议须经议事会议表决" in m.body)

    zhang.say(zhang.id, "/meeting 1")
    assert "法定人数：" in (await sb.wait_for(zhang.id, lambda m: "模板" in m.body)).body
    zhang.say(zhang.id, MEETING.format(topic=1, quorum="三分之二").replace("19:00", "25:00"))
    await sb.wait_for(zhang.id, lambda m: "时间格式" in m.body)
    zhang.say(zhang.id, MEETING.format(topic=1, quorum=3))
    called = await sb.wait_for(zhang.id, lambda m: "已召集会议 #1" in m.body)
    assert "参会 4 人，法定人数 3 人" in called.body and "无记名投票" in called.body
    assert "@zhao" in called.body  # never started the bot: the organizer must tell him
    notice = await sb.wait_for(wang.id, lambda m: "居民议事会议通知" in m.body)
    assert "社区活动室" in notice.body and "11月03日 19:00" in notice.body
    assert "开始前 1 小时内" in (await sb.press(wang, notice, "✅ 签到"))["text"]

    await world.advance(hours=32)  # Tue 17:00 local: the reminder, two hours before
    await sb.wait_for(li.id, lambda m: "⏰ 提醒" in m.body)
    await world.advance(hours=1, minutes=30)
    for user in (wang, li):
        notice = await sb.wait_for(user.id, lambda m: "居民议事会议通知" in m.body,
                                   include_seen=True)
        assert "已签到会议 #1" in (await sb.press(user, notice, "✅ 签到"))["text"]
    zhang.say(zhang.id, "/meeting_attend 1 @chen @nobody")
    await sb.wait_for(zhang.id, lambda m: "@nobody 不是会议 #1 的参会人" in m.body)
    zhang.say(zhang.id, "/meeting_attend 1 @chen")
    await sb.wait_for(zhang.id, lambda m: "现到会 3/4 人" in m.body)
    zhang.say(zhang.id, "/meeting_vote 1")
    await sb.wait_for(zhang.id, lambda m: "已私聊 3 位" in m.body)

    for user, choice in ((wang, "同意"), (li, "同意"), (chen, "反对")):
        ballot = await sb.wait_for(user.id, lambda m: "会议 #1 表决" in m.body)
        assert "只统计票数" in (await sb.press(user, ballot, choice))["text"]
    async with world.ctx.pool() as s:  # anonymous: the seats say who voted, never what
        assert all(seat.choice is None for seat in await s.scalars(select(Seat)))

    zhang.say(zhang.id, "/meeting_close 1 同意加装雨棚，由物业本月内施工，费用从公共收益列支。")
    done = await sb.wait_for(zhang.id, lambda m: "表决通过" in m.body)
    assert "/topic_project 1" in done.body
    decision = await sb.wait_for(g2.id, lambda m: "【决议公开】" in m.body)
    assert "应到 4 人，实到 3 人（法定人数 3 人）" in decision.body
    assert "同意 2 票，反对 1 票，弃权 0 票" in decision.body and "通过（过半数同意）" in decision.body
    assert "会议纪要：同意加装雨棚" in decision.body
    await sb.wait_for(wang.id, lambda m: "您附议的议题 #1" in m.body)  # a supporter, privately

    zhang.say(zhang.id, "/topic_project 1")
    await sb.wait_for(zhang.id, lambda m: "已转为项目 #1" in m.body)
    await sb.wait_for(g1.id, lambda m: "项目 #1" in m.body and "阶段：实施" in m.body)
    zhang.say(zhang.id, "/project_stage 1")  # 实施 → 完工: the residents' evaluation
    await world.settle()
    await world.advance(days=7, minutes=1)
    result = await sb.wait_for(g1.id, lambda m: "【结果公开】议题 #1" in m.body, timeout=10)
    assert "已实施完成" in result.body

    chen.say(g1, "/topic 1")
    card = await sb.wait_for(g1.id, lambda m: "议事记录" in m.body)
    assert "阶段：决议" in card.body and "附议：2 人" in card.body
    assert "进入「商议」：两委商议" in card.body and "结果公开" in card.body
    assert "张书记" not in card.body  # who did what is shown to staff privately, not in groups


async def test_meeting_without_quorum_decides_nothing(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    zhang.say(zhang.id, "/propose 是否在5号楼前增设充电桩")
    await sb.wait_for(zhang.id, lambda m: "议题 #1" in m.body)
    await sb.wait_for(g1.id, lambda m: "来源：社区提议" in m.body)
    zhang.say(zhang.id, MEETING.format(topic=1, quorum="过半"))
    await sb.wait_for(zhang.id, lambda m: "法定人数 3 人" in m.body)
    await world.advance(hours=33, minutes=30)
    zhang.say(zhang.id, "/meeting_attend 1 @wang")
    await sb.wait_for(zhang.id, lambda m: "现到会 1/4 人" in m.body)
    zhang.say(zhang.id, "/meeting_vote 1")
    await sb.wait_for(zhang.id, lambda m: "未达法定人数 3 人：本次会议不作决议" in m.body)
    post = await sb.wait_for(g1.id, lambda m: "未达法定人数" in m.body)
    assert "本次未作决议" in post.body
    zhang.say(zhang.id, "/meeting_close 1 无")
    await sb.wait_for(zhang.id, lambda m: "未达法定人数：请先" in m.body)
    async with world.ctx.pool() as s:
        topic = await s.get(Topic, 1)
        meeting = await s.get(Meeting, 1)
        assert (topic.stage, topic.decision, meeting.status) == ("review", None, "no_quorum")
    assert not [m for m in sb.bot_messages(wang.id) if "表决" in m.body and m.find_button("同意")]
    zhang.say(zhang.id, MEETING.format(topic=1, quorum=1).replace("11-03", "11-05"))
    await sb.wait_for(zhang.id, lambda m: "已召集会议 #2" in m.body)
    zhang.say(zhang.id, "/meeting_cancel 2")
    await sb.wait_for(zhang.id, lambda m: "用法：/meeting_cancel" in m.body)
    zhang.say(zhang.id, "/meeting_cancel 2 场地临时检修")
    await sb.wait_for(zhang.id, lambda m: "会议 #2 已取消" in m.body)
    await sb.wait_for(wang.id, lambda m: "取消。原因：场地临时检修" in m.body)
    zhang.say(zhang.id, "/topic 1")
    record = await sb.wait_for(zhang.id, lambda m: "议事记录" in m.body)
    assert "会议 #1 未达法定人数" in record.body and "会议 #2 取消：场地临时检修" in record.body


async def test_wrong_presses_and_typos_change_nothing(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    other = sb.add_group("没绑定的群", [chen], bot_is_admin=True)
    await world.settle()
    chen.say(other, "/propose 建个篮球场")
    await sb.wait_for(other.id, lambda m: "尚未绑定网格" in m.body)
    chen.say(g1, "/topic 第一个")
    await sb.wait_for(g1.id, lambda m: "请写议题编号" in m.body)
    chen.say(g1, "/topic 99")
    await sb.wait_for(g1.id, lambda m: "没有找到议题 #99" in m.body)
    zhang.say(zhang.id, "/propose 楼道堆物清理")
    await sb.wait_for(zhang.id, lambda m: "议题 #1" in m.body)
    zhang.say(g1, MEETING.format(topic=1, quorum=2))
    await sb.wait_for(g1.id, lambda m: "私聊中使用" in m.body)
    zhang.say(zhang.id, MEETING.format(topic=1, quorum=2).replace("@zhao", "@ghost"))
    await sb.wait_for(zhang.id, lambda m: "找不到参会人：@ghost" in m.body)
    zhang.say(zhang.id, MEETING.format(topic=1, quorum=9))
    await sb.wait_for(zhang.id, lambda m: "1 到 4 之间的人数" in m.body)
    zhang.say(zhang.id, MEETING.format(topic=1, quorum=2))
    await sb.wait_for(zhang.id, lambda m: "已召集会议 #1" in m.body)
    zhang.say(zhang.id, MEETING.format(topic=1, quorum=2))
    await sb.wait_for(zhang.id, lambda m: "已有会议 #1 在进行" in m.body)
    await world.advance(hours=33, minutes=30)
    zhang.say(zhang.id, "/meeting_attend 1 @wang 陈大爷")
    await sb.wait_for(zhang.id, lambda m: "现到会 2/4 人" in m.body)
    zhang.say(zhang.id, "/meeting_vote 1")
    ballot = await sb.wait_for(wang.id, lambda m: "会议 #1 表决" in m.body)
    saved = ballot.reply_markup
    assert "不是会议 #1 的参会人" in (await sb.press(zhang, ballot, "同意"))["text"]
    ballot.reply_markup = {"inline_keyboard": [[
        {"text": "x", "callback_data": "kv:1:7"}, {"text": "y", "callback_data": "kv:99:0"}]]}
    assert "失效" in (await sb.press(wang, ballot, "x"))["text"]
    assert "没有找到会议 #99" in (await sb.press(wang, ballot, "y"))["text"]
    ballot.reply_markup = saved
    assert "只统计票数" in (await sb.press(wang, ballot, "反对"))["text"]
    ballot.reply_markup = saved  # a client still showing the old buttons
    assert "已经投过票" in (await sb.press(wang, ballot, "同意"))["text"]
    zhang.say(zhang.id, "/meeting_close 1")
    await sb.wait_for(zhang.id, lambda m: "用法：/meeting_close" in m.body)
    zhang.say(zhang.id, "/meeting_close 1 不同意，暂缓。")
    await sb.wait_for(zhang.id, lambda m: "表决未通过" in m.body)
    post = await sb.wait_for(g1.id, lambda m: "【决议公开】" in m.body)
    assert "同意 0 票，反对 1 票，弃权 0 票，未投 1 人 —— 未通过" in post.body
    async with world.ctx.pool() as s:
        assert (await s.get(Topic, 1)).stage == "dropped"


async def test_participants_from_the_register_and_the_property_company(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    async with transaction(world.ctx.pool) as s:
        community = await s.scalar(select(Community.id))
        property_co = Department(community_id=community, name="物业")
        s.add(property_co)
        await s.flush()
        people = {p.username: p for p in await s.scalars(select(Person))}
        for who, role in (("wang", "representative"), ("lishifu", "building_head")):
            s.add(Resident(community_id=community, person_id=people[who].id, name=who,
                           since=world.clock.now(), roles=[ResidentRole(role=role)]))
        s.add(Resident(community_id=community, person_id=people["zhao"].id, name="zhao",
                       since=world.clock.now(), left_at=world.clock.now(),
                       roles=[ResidentRole(role="representative")]))  # moved away
        s.add(Role(person_id=people["chen"].id, role="department",
                   department_id=property_co.id))
    zhang.say(zhang.id, "/propose 电动车充电棚选址")
    await sb.wait_for(zhang.id, lambda m: "议题 #1" in m.body)
    zhang.say(zhang.id, MEETING.format(topic=1, quorum="过半").replace(
        "@wang @lishifu @chen @zhao", "居民代表 楼栋长 物业"))
    called = await sb.wait_for(zhang.id, lambda m: "已召集会议 #1" in m.body)
    assert "参会 3 人，法定人数 2 人" in called.body
    for user in (wang, li, chen):
        await sb.wait_for(user.id, lambda m: "居民议事会议通知" in m.body)


async def test_a_named_vote_says_so_before_anyone_votes(world):
    """记名：是 — the organizer's summary, every notice and every ballot warn that who
    voted what is kept; the seats then hold each choice."""
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    chen.say(g1, "/propose 小区东门加装雨棚")
    await sb.wait_for(g1.id, lambda m: "议题 #1｜" in m.body)
    for _ in range(2):
        zhang.say(zhang.id, "/topic_next 1")
    await sb.wait_for(zhang.id, lambda m: "已进入「审议」" in m.body)
    zhang.say(zhang.id, MEETING.format(topic=1, quorum=2) + "\n记名：是")
    called = await sb.wait_for(zhang.id, lambda m: "已召集会议 #1" in m.body)
    assert "记名投票" in called.body and "记录在案" in called.body
    notice = await sb.wait_for(wang.id, lambda m: "居民议事会议通知" in m.body)
    assert "记录在案" in notice.body
    await world.advance(hours=33, minutes=30)
    zhang.say(zhang.id, "/meeting_attend 1 @wang @lishifu")
    await sb.wait_for(zhang.id, lambda m: "现到会 2/4 人" in m.body)
    zhang.say(zhang.id, "/meeting_vote 1")
    ballot = await sb.wait_for(wang.id, lambda m: "会议 #1 表决" in m.body)
    assert "记录在案" in ballot.body
    assert "同意" in (await sb.press(wang, ballot, "同意"))["text"]
    async with world.ctx.pool() as s:
        assert [seat.choice for seat in await s.scalars(select(Seat)) if seat.choice] == ["yes"]
