"""Projects decide through the council (四议两公开), end to end: a meeting on the project's
topic moves it to 实施; the all-residents poll stays a fallback and is on the council
record too. Issue 13 point 4: shelving during a running vote and resuming never leaves
two open polls on the same question; 需要表决：否 in the form is honoured."""
from __future__ import annotations

from sqlalchemy import select

from bot.db.models.polls import Poll
from bot.db.models.projects import Project
from tests.council_kit import pass_in_meeting, setup

FORM = "/project_new\n标题：东门雨棚\n说明：老人等车淋雨\n需要表决：{vote}"


async def new_project(world, zhang, vote="是"):
    zhang.say(zhang.id, FORM.format(vote=vote))
    await world.sb.wait_for(zhang.id, lambda m: "已创建项目 #1" in m.body)
    zhang.say(zhang.id, "/project_stage 1")
    return await world.sb.wait_for(zhang.id, lambda m: "已进入「议事决议」阶段" in m.body)


async def project(world):
    async with world.ctx.pool() as s:
        return await s.get(Project, 1)


async def test_a_council_meeting_decides_the_project(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    opened = await new_project(world, zhang)
    assert "/meeting 1" in opened.body
    zhang.say(zhang.id, "/project_stage 1")
    await sb.wait_for(zhang.id, lambda m: "决议须经居民议事会议：议题 #1" in m.body)
    await pass_in_meeting(world, zhang, (wang, li), 1, "同意建设雨棚。")
    post = await sb.wait_for(g1.id, lambda m: "【决议公开】议题 #1" in m.body)
    assert "社区项目 #1" in post.body  # one publication: the project does not repeat it
    await world.settle()
    assert (await project(world)).stage == "building"


async def vote_then_shelve(world, zhang, g1):  # type: ignore[no-untyped-def]
    """Project #1 put to a vote of everyone, then shelved while it runs; the poll message."""
    sb = world.sb
    await new_project(world, zhang)
    zhang.say(zhang.id, "/project_stage 1 全体表决")
    await sb.wait_for(zhang.id, lambda m: "已发起居民表决" in m.body)
    poll_message = await sb.wait_for(g1.id, lambda m: m.poll_id is not None)
    zhang.say(zhang.id, "/project_shelve 1 资金未落实")
    return poll_message


async def test_shelving_during_a_vote_leaves_one_open_poll(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    poll_message = await vote_then_shelve(world, zhang, g1)
    await sb.wait_for(zhang.id, lambda m: "已搁置" in m.body)
    zhang.say(zhang.id, "/project_resume 1")
    await sb.wait_for(zhang.id, lambda m: "已进入「议事决议」" in m.body)
    zhang.say(zhang.id, "/project_stage 1 全体表决")
    await sb.wait_for(zhang.id, lambda m: "已有一个表决在进行中" in m.body)
    async with world.ctx.pool() as s:
        assert len(list(await s.scalars(select(Poll).where(Poll.status == "open")))) == 1
    assert len([m for m in sb.bot_messages(g1) if m.poll_id is not None]) == 1

    for user in (wang, chen):
        sb.vote(user, poll_message, [0])  # 同意
    await world.settle()
    await world.advance(days=3, minutes=1)
    await sb.wait_for(g1.id, lambda m: "居民表决通过" in m.body and "阶段：实施" in m.body)
    assert (await project(world)).stage == "building"


async def test_a_vote_that_ends_while_shelved_is_not_applied(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    poll_message = await vote_then_shelve(world, zhang, g1)
    sb.vote(wang, poll_message, [0])
    await world.settle()
    await world.advance(days=3, minutes=1)
    shelved = await project(world)
    assert (shelved.stage, shelved.pending_poll_id, shelved.pending_stage) == \
        ("shelved", None, None)
    zhang.say(zhang.id, "/project 1")
    card = await sb.wait_for(zhang.id, lambda m: "时间线" in m.body)
    assert "搁置期间表决结束" in card.body and "结果不生效" in card.body
    zhang.say(zhang.id, "/project_resume 1")
    zhang.say(zhang.id, "/project_stage 1 全体表决")  # a new vote, the old one is closed
    await sb.wait_for(zhang.id, lambda m: "已发起居民表决" in m.body)
    async with world.ctx.pool() as s:
        statuses = sorted(await s.scalars(select(Poll.status)))
    assert statuses in (["closed", "open"], ["closed", "scheduled"])


async def test_no_vote_needed_is_honoured(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    zhang.say(zhang.id, FORM.format(vote="也许"))
    await sb.wait_for(zhang.id, lambda m: "「需要表决：」请填「是」或「否」" in m.body)
    await new_project(world, zhang, vote="否")
    zhang.say(zhang.id, "/project_stage 1")
    await sb.wait_for(zhang.id, lambda m: "已进入「实施」阶段" in m.body)
    post = await sb.wait_for(g1.id, lambda m: "【决议公开】" in m.body)
    assert "按项目设定无需居民表决" in post.body
    assert not [m for m in sb.bot_messages(g1) if m.poll_id is not None]
    zhang.say(zhang.id, "/topic 1")
    record = await sb.wait_for(zhang.id, lambda m: "议事记录" in m.body)
    assert "无需居民表决" in record.body


async def test_a_kept_pledge_of_labour_earns_points_once(world):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    await new_project(world, zhang)
    chen.say(g1, "/pledge 1 出力 4 周末帮忙搬材料")
    await sb.wait_for(g1.id, lambda m: "已记录" in m.body)
    zhang.say(zhang.id, "/pledge_done 1 @wang")
    await sb.wait_for(zhang.id, lambda m: "没有在项目 #1 登记「出力」" in m.body)
    zhang.say(zhang.id, "/pledge_done 1 @chen")
    await sb.wait_for(zhang.id, lambda m: "记志愿积分 5 分" in m.body)
    await sb.wait_for(chen.id, lambda m: "兑现出力承诺" in m.body)
    zhang.say(zhang.id, "/pledge_done 1 @chen")
    await sb.wait_for(zhang.id, lambda m: "已经记过积分" in m.body)
