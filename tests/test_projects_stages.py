"""Stages, decisions in the open (四议两公开), the final evaluation, and the schedules
(stale reminder, milestone overdue, weekly digest) with a fake clock."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models.council import Topic
from bot.events import PollClosed
from bot.projects import service as projects
from bot.projects.parse import MilestoneSpec, ProjectError, parse_update
from tests.projects_kit import (
    G1,
    G2,
    as_person,
    fire,
    future,
    load,
    new_project,
    outbox,
    pending_timers,
    texts,
)


async def advance(ctx, who, number, confirm=False, everyone=False):
    return await as_person(ctx, who, number, projects.advance, confirm=confirm,
                           everyone=everyone, admin_ids=[], now=ctx.clock.now())


async def close_poll(ctx, poll_id, number, counts):
    async with ctx.pool() as s, s.begin():
        event = PollClosed(poll_id=poll_id, project_id=number, preset=None, counts=tuple(counts),
                           voters=sum(n for _, n in counts), closed_at=ctx.clock.now())
        await projects.on_poll_closed(s, ctx, event)


async def group_texts(ctx, start):
    return [t for r, t in zip((await outbox(ctx))[start:], texts((await outbox(ctx))[start:]),
                              strict=True) if r.chat_id == G1]


async def test_manual_decisions_are_announced(ctx, pw, no_polls):
    number = await new_project(ctx, pw)
    start = len(await outbox(ctx))
    opened = await advance(ctx, pw.organizer, number)  # 征集意见 → 议事决议: the topic opens
    assert opened.stage == "deciding" and opened.topic_id is not None
    waiting = await advance(ctx, pw.organizer, number)  # the decision waits for the council
    assert waiting.waiting and waiting.topic_id == opened.topic_id
    with pytest.raises(ProjectError, match="投票功能暂不可用"):
        await advance(ctx, pw.organizer, number, everyone=True)
    await advance(ctx, pw.organizer, number, confirm=True)
    posts = await group_texts(ctx, start)
    assert "进入「议事决议」阶段" in posts[0] and "经居民" not in posts[0]
    assert "阶段：实施" in posts[1] and "线下议事通过" in posts[1]
    project = await load(ctx, number)
    assert (project.stage, project.pending_stage) == ("building", None)
    topic = await topic_of(ctx, opened.topic_id)
    assert topic.stage == "resolve" and "线下议事通过" in topic.decision


async def topic_of(ctx, topic_id):
    async with ctx.pool() as s:
        return await s.get(Topic, topic_id)


async def test_residents_cannot_move_stages(ctx, pw, no_polls):
    number = await new_project(ctx, pw)
    with pytest.raises(ProjectError, match="不是您负责的社区"):
        await advance(ctx, pw.supervisor, number, confirm=True)
    assert (await load(ctx, number)).stage == "collecting"


async def test_decision_poll_of_everyone_rejected_then_approved(ctx, pw, fake_polls):
    number = await new_project(ctx, pw)
    await advance(ctx, pw.organizer, number)
    start = len(await outbox(ctx))
    result = await advance(ctx, pw.organizer, number, everyone=True)
    assert result.poll is not None and fake_polls.created[0]["preset"] == "approval"
    assert fake_polls.created[0]["chat_ids"] == [G1, G2]
    assert fake_polls.created[0]["project_id"] == number
    project = await load(ctx, number)
    assert (project.stage, project.pending_stage) == ("deciding", "building")
    assert len(await outbox(ctx)) == start  # the groups see the poll itself
    with pytest.raises(ProjectError, match="表决在进行中"):
        await advance(ctx, pw.organizer, number, confirm=True)
    await close_poll(ctx, result.poll.id, number, [("同意", 3), ("不同意", 9)])
    assert (await load(ctx, number)).stage == "deciding"
    assert "表决未通过" in (await group_texts(ctx, start))[-1]

    second = await advance(ctx, pw.organizer, number, everyone=True)
    await close_poll(ctx, second.poll.id, number, [("同意", 30), ("不同意", 4), ("弃权", 2)])
    project = await load(ctx, number)
    assert (project.stage, project.pending_poll_id) == ("building", None)
    assert "居民表决通过（同意 30 票，不同意 4 票，弃权 2 票，共 36 票）" in \
        (await group_texts(ctx, start))[-1]
    async with ctx.pool() as s:  # both decisions are on the council record
        decisions = list(await s.scalars(select(Topic.decision).where(
            Topic.project_id == number).order_by(Topic.id)))
    assert len(decisions) == 2 and "全体居民表决" in decisions[1]


async def test_completion_starts_evaluation_and_its_result_closes(ctx, pw, fake_polls):
    number = await new_project(ctx, pw)
    for _ in range(2):
        await advance(ctx, pw.organizer, number, confirm=True)
    start = len(await outbox(ctx))
    await advance(ctx, pw.organizer, number)  # 实施 → 完工
    created = fake_polls.created[-1]
    assert created["preset"] == "satisfaction"
    assert created["closes_at"] - created["opens_at"] == __import__("datetime").timedelta(days=7)
    project = await load(ctx, number)
    assert project.stage == "evaluating" and project.percent == 100
    assert "满意度评价已开始" in (await group_texts(ctx, start))[-1]
    with pytest.raises(ProjectError, match="不能发布进展"):
        await as_person(ctx, pw.organizer, number, projects.post_update, parse_update("x"),
                        admin_ids=[], now=ctx.clock.now())

    ctx.clock.advance(days=7)
    result = [("满意", 20), ("基本满意", 5), ("不满意", 1)]
    await close_poll(ctx, project.evaluation_poll_id, number, result)
    project = await load(ctx, number)
    assert project.stage == "closed" and project.evaluation["total"] == 26
    published = [t for t in await group_texts(ctx, start) if "结果公开" in t]
    assert len(published) == 1  # once, as the council topic's result naming the project
    assert "群众评价：满意 20 票，基本满意 5 票，不满意 1 票，共 26 票" in published[0]
    assert f"项目 #{number}" in published[0]
    assert await pending_timers(ctx, "project.stale") == []


async def test_completion_without_polls_is_closed_by_hand(ctx, pw, no_polls):
    number = await new_project(ctx, pw)
    for _ in range(3):
        await advance(ctx, pw.organizer, number, confirm=True)
    assert (await load(ctx, number)).stage == "done"
    await advance(ctx, pw.organizer, number)
    assert (await load(ctx, number)).stage == "closed"


async def test_shelve_and_resume(ctx, pw, no_polls):
    number = await new_project(ctx, pw)
    await as_person(ctx, pw.organizer, number, projects.shelve, "资金未落实",
                    admin_ids=[], now=ctx.clock.now())
    assert "项目搁置。原因：资金未落实" in texts(await outbox(ctx, G1))[-1]
    assert await pending_timers(ctx, "project.stale") == []
    await as_person(ctx, pw.organizer, number, projects.resume, admin_ids=[], now=ctx.clock.now())
    assert (await load(ctx, number)).stage == "collecting"
    assert "回到「征集意见」" in texts(await outbox(ctx, G1))[-1]


async def test_stale_project_reminds_the_organizer(ctx, pw):
    number = await new_project(ctx, pw)
    await fire(ctx, days=10)
    await as_person(ctx, pw.organizer, number, projects.post_update, parse_update("进场 5%"),
                    admin_ids=[], now=ctx.clock.now())
    await fire(ctx, days=5)  # day 15: but the update on day 10 counts
    assert await outbox(ctx, 201) == []
    await fire(ctx, days=9, minutes=1)  # 14 days after the update
    reminders = texts(await outbox(ctx, 201))
    assert len(reminders) == 1 and "已经 14 天没有发布进展" in reminders[0]
    await fire(ctx, days=14)  # and again while it stays quiet
    assert len(await outbox(ctx, 201)) == 2


async def test_overdue_milestone_is_noticed_in_groups(ctx, pw):
    number = await new_project(ctx, pw, milestones=[MilestoneSpec("方案公示", future(3)),
                                                    MilestoneSpec("开工", future(5))])
    await as_person(ctx, pw.organizer, number, projects.post_update, parse_update("完成1"),
                    admin_ids=[], now=ctx.clock.now())
    await fire(ctx, days=6)
    notices = [t for t in texts(await outbox(ctx, G1)) if "尚未完成" in t]
    assert len(notices) == 1 and "「开工」计划 2026-11-07 完成" in notices[0]


async def test_weekly_digest_lists_changed_projects_and_reschedules(ctx, pw):
    lift = await new_project(ctx, pw)
    water = await new_project(ctx, pw, title="二次供水改造")
    await fire(ctx, days=3)
    await as_person(ctx, pw.organizer, lift, projects.post_update, parse_update("井道开挖 20%"),
                    admin_ids=[], now=ctx.clock.now())
    await fire(ctx, days=4)  # Monday 09:00 a week later
    digests = [t for t in texts(await outbox(ctx, G1)) if "本周社区项目动态" in t]
    assert len(digests) == 1
    assert f"#{lift} 3号楼加装电梯" in digests[0] and "井道开挖" in digests[0]
    assert f"#{water} 二次供水改造" in digests[0]  # created this week
    assert len([t for t in texts(await outbox(ctx, G2)) if "本周社区项目动态" in t]) == 1
    assert len(await pending_timers(ctx, "project.digest")) == 2
    await fire(ctx, days=7)  # a quiet week: no digest, but the next one is scheduled
    assert len([t for t in texts(await outbox(ctx, G1)) if "本周社区项目动态" in t]) == 1
    assert len(await pending_timers(ctx, "project.digest")) == 2


async def test_new_milestone_in_the_past_is_refused(ctx, pw):
    number = await new_project(ctx, pw)
    with pytest.raises(ProjectError, match="已经过去"):
        await as_person(ctx, pw.organizer, number, projects.add_milestone,
                        MilestoneSpec("验收", future(-1)), admin_ids=[], now=ctx.clock.now(),
                        tz=ctx.tz)
    added = await as_person(ctx, pw.organizer, number, projects.add_milestone,
                            MilestoneSpec("验收", future(0)), admin_ids=[], now=ctx.clock.now(),
                            tz=ctx.tz)
    assert added.position == 1
    assert len(await pending_timers(ctx, "project.milestone")) == 1
