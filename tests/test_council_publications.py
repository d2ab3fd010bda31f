"""两公开 happen once: a project decided by a council meeting gets one 【决议公开】 in each
group (the council's, with the minutes and the project's number), not a second one from
the project's stage change; the project's followers still hear of the stage privately."""
from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Case
from bot.db.models.projects import Project
from tests.council_kit import pass_in_meeting, setup

FORM = "/project_new\n标题：东门雨棚\n说明：老人等车淋雨\n需要表决：是"


async def test_a_meeting_decision_on_a_project_is_published_once(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    zhang.say(zhang.id, FORM)
    await sb.wait_for(zhang.id, lambda m: "已创建项目 #1" in m.body)
    created = await sb.wait_for(g1.id, lambda m: "项目 #1" in m.body and m.find_button("🔔 关注"))
    await sb.press(chen, created, "🔔 关注").answer()
    zhang.say(zhang.id, "/project_stage 1")
    await sb.wait_for(zhang.id, lambda m: "已进入「议事决议」阶段" in m.body)
    zhang.say(zhang.id, "/project_stage 1")  # 议事决议 → 实施 waits for the meeting
    await sb.wait_for(zhang.id, lambda m: "决议须经居民议事会议：议题 #1" in m.body)
    await pass_in_meeting(world, zhang, (wang, li), 1, "同意建设雨棚，物业本月施工。")
    # the follower's private copy of the stage change is the last thing sent
    private = await sb.wait_for(chen.id, lambda m: "项目 #1" in m.body and "阶段：实施" in m.body)
    assert "居民议事会议表决通过（议题 #1" in private.body
    await world.settle()
    async with world.ctx.pool() as s:
        assert (await s.get(Project, 1)).stage == "building"
    for group in (g1, g2):
        published = [m for m in sb.bot_messages(group) if "决议公开" in m.body]
        assert len(published) == 1, [m.body for m in published]
    decision = published[0]
    assert "会议纪要：同意建设雨棚" in decision.body and "社区项目 #1" in decision.body
    assert not [m for m in sb.bot_messages(g1) if "阶段：实施" in m.body]


async def test_a_decision_without_a_project_becomes_cases_then_its_result_is_published(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    chen.say(g1, "/propose 约定广场舞晚上九点前结束，音量调小")
    post = await sb.wait_for(g1.id, lambda m: "议题 #1｜约定广场舞晚上九点前结束" in m.body)
    await sb.press(wang, post, "👍 附议").answer()
    zhang.say(zhang.id, "/topic_result 1 已约定")
    await sb.wait_for(zhang.id, lambda m: "只有通过的决议才公开落实结果" in m.body)
    closed = await pass_in_meeting(world, zhang, (wang, li), 1, "广场舞晚上九点前结束，音量不超过60分贝。")
    assert "/topic_result 1" in closed.body

    zhang.say(zhang.id, "/topic_case 1")
    await sb.wait_for(zhang.id, lambda m: "用法：/topic_case" in m.body)
    zhang.say(zhang.id, "/topic_case 1 通知舞队负责人换小音箱，九点前结束")
    task = await sb.wait_for(zhang.id, lambda m: "决议事项已转为工单" in m.body)
    number = task.body.split("已转为工单 ", 1)[1].split("，", 1)[0]
    async with world.ctx.pool() as s:
        case = await s.scalar(select(Case).where(Case.number == number))
        assert "议题 #1" in case.text and "换小音箱" in case.text
    zhang.say(zhang.id, "/topic 1")
    record = await sb.wait_for(zhang.id, lambda m: "议事记录" in m.body)
    assert f"决议事项转为工单 {number}：通知舞队负责人换小音箱" in record.body

    wang.say(wang.id, "/topic_result 1 已落实")
    await sb.wait_for(wang.id, lambda m: "只有本社区的工作人员" in m.body and "组织议事" in m.body)
    zhang.say(zhang.id, "/topic_result 1 舞队已换小音箱，九点准时结束，执行两周无投诉。")
    await sb.wait_for(zhang.id, lambda m: "落实结果已公开到 2 个群" in m.body)
    result = await sb.wait_for(g2.id, lambda m: "【结果公开】议题 #1" in m.body)
    assert "执行两周无投诉" in result.body
    await sb.wait_for(wang.id, lambda m: "您附议的议题 #1" in m.body and "已落实" in m.body)
    await sb.wait_for(chen.id, lambda m: "已落实" in m.body)  # the proposer too
    zhang.say(zhang.id, "/topic_result 1 再发一次")
    await sb.wait_for(zhang.id, lambda m: "已经公开过了" in m.body)
    assert len([m for m in sb.bot_messages(g1) if "结果公开" in m.body]) == 1
