"""Projects at the service level: creation, updates to several groups, followers,
pledges, progress from milestones, photos and long texts, rights and bad input."""
from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.methods import SendMediaGroup
from sqlalchemy import func, select

from bot.db.models import Case, CaseEvent, OutboxMessage, Person
from bot.db.models.projects import Project, ProjectUpdate
from bot.delivery import outbox as ob
from bot.projects import render as project_render
from bot.projects import service as projects
from bot.projects.parse import (
    MilestoneSpec,
    ProjectError,
    parse_form,
    parse_update,
)
from tests.projects_kit import (
    G1,
    G2,
    G_OTHER,
    as_person,
    future,
    in_tx,
    load,
    new_project,
    outbox,
    pending_timers,
    text_of,
)

LIFT_MILESTONES = [MilestoneSpec("方案公示", future(10)), MilestoneSpec("施工", future(40), 3)]


async def update(ctx, who, number, args, **kw):
    return await as_person(ctx, who, number, projects.post_update, parse_update(args),
                           admin_ids=ctx.settings.admin_ids, now=ctx.clock.now(), **kw)


async def test_creation_posts_to_every_linked_group_and_schedules(ctx, pw):
    number = await new_project(ctx, pw, milestones=LIFT_MILESTONES)
    rows = await outbox(ctx)
    assert sorted(r.chat_id for r in rows) == [G2, G1, 401]  # both groups (not the other
    rows = [r for r in rows if r.chat_id != 401]  # community) and the 监督员, privately
    for row in rows:
        text = row.payload["text"]
        assert f"项目 #{number}｜3号楼加装电梯" in text
        assert "征集意见" in text and "░░░░░░░░░░ 0%" in text
        assert f"下一节点：方案公示（计划 {future(10)}）" in text
        buttons = [b["text"] for line in row.payload["reply_markup"]["inline_keyboard"]
                   for b in line]
        assert buttons == ["🔔 关注", "🙋 我要参与"]
    assert len(await pending_timers(ctx, "project.stale")) == 1
    assert len(await pending_timers(ctx, "project.digest")) == 2
    assert len(await pending_timers(ctx, "project.milestone")) == 2


async def test_form_creates_with_groups_supervisors_and_milestones(ctx, pw):
    form = parse_form("标题：二次供水改造\n说明：水压低\n水质差\n预算：80,000\n群：一网格\n"
                      "监督员：@lishifu\n节点：招标 2026-12-01\n节点：施工 2027-01-15 权重3")

    async def run(s):
        person = await s.get(Person, pw.organizer.id)
        project = await projects.create_from_form(s, person, form, admin_ids=[], now=ctx.clock.now(),
                                                  tz=ctx.tz)
        return project.id

    number = await in_tx(ctx, run)
    project = await load(ctx, number)
    assert project.budget == 80000 and project.description == "水压低\n水质差"
    assert [(m.title, m.weight) for m in project.milestones] == [("招标", 1), ("施工", 3)]
    rows = await outbox(ctx)
    assert [r.chat_id for r in rows] == [G1, 401]  # #13.4: the 监督员 is told privately
    assert "居民监督员" in text_of(rows[1])
    async with ctx.pool() as s:
        sup = await s.get(Person, pw.supervisor.id)
        assert await projects.is_supervisor(s, sup, number)


@pytest.mark.parametrize("form,answer", [
    ("说明：没有标题", "请填写「标题：」"),
    ("标题：电梯\n节点：开工 2026-10-01", "已经过去"),
    ("标题：电梯\n预算：很多", "预算请填整数"),
    ("标题：电梯\n群：不存在的群", "找不到本社区的群"),
    ("标题：电梯\n监督员：@nobody", "找不到用户 @nobody"),
])
async def test_bad_forms_change_nothing(ctx, pw, form, answer):
    async def run(s):
        person = await s.get(Person, pw.organizer.id)
        await projects.create_from_form(s, person, parse_form(form), admin_ids=[],
                                        now=ctx.clock.now(), tz=ctx.tz)

    with pytest.raises(ProjectError, match=answer):
        await in_tx(ctx, run)
    async with ctx.pool() as s:
        assert await s.scalar(select(func.count()).select_from(Project)) == 0
    assert await outbox(ctx) == []


async def test_update_goes_to_all_groups_and_started_followers(ctx, pw):
    number = await new_project(ctx, pw, milestones=LIFT_MILESTONES)
    for who in (pw.resident, pw.neighbour):
        await as_person(ctx, who, number, projects.follow, True)
    before = len(await outbox(ctx))
    ctx.clock.advance(days=1)
    _, groups, followers = await update(ctx, pw.organizer, number, "电梯井道开挖完成 40%")
    assert (groups, followers) == (2, 1)  # the neighbour never started the bot
    rows = (await outbox(ctx))[before:]
    assert sorted(r.chat_id for r in rows) == sorted([G1, G2, 1001])
    text = rows[0].payload["text"]
    assert "▓▓▓▓░░░░░░ 40%" in text and "📌 电梯井道开挖完成" in text and "— 张书记" in text
    private = next(r for r in rows if r.chat_id == 1001)
    assert "取消关注" in str(private.payload["reply_markup"])
    project = await load(ctx, number)
    assert [e.kind for e in project.entries] == ["created", "update"]
    assert project.entries[-1].percent == 40


async def test_progress_from_weighted_milestones(ctx, pw):
    number = await new_project(ctx, pw, milestones=LIFT_MILESTONES)
    await update(ctx, pw.organizer, number, "完成2 主体施工结束")
    project = await load(ctx, number)
    assert project_render.progress(project) == 75  # weight 3 of 4
    assert "▓▓▓▓▓▓▓░░░ 75%" in text_of((await outbox(ctx))[-1])
    await update(ctx, pw.organizer, number, "进度 90")
    assert project_render.progress(await load(ctx, number)) == 90  # a percent overrides
    await update(ctx, pw.organizer, number, "完成1")
    project = await load(ctx, number)
    assert project_render.progress(project) == 100
    assert "所有节点已完成" in text_of((await outbox(ctx))[-1])


@pytest.mark.parametrize("args,answer", [
    ("进度 150", "0 到 100"), ("-5%", "0 到 100"), ("完成9 好了", "没有第 9 个节点"),
    ("", "请写上进展说明"),
])
async def test_bad_updates_change_nothing(ctx, pw, args, answer):
    number = await new_project(ctx, pw, milestones=LIFT_MILESTONES)
    before = await outbox(ctx)
    with pytest.raises(ProjectError, match=answer):
        await update(ctx, pw.organizer, number, args)
    assert len(await outbox(ctx)) == len(before)
    assert [e.kind for e in (await load(ctx, number)).entries] == ["created"]


async def test_only_organizers_and_supervisors_post(ctx, pw):
    number = await new_project(ctx, pw)
    for who in (pw.resident, pw.outsider):
        with pytest.raises(ProjectError, match="只有社区工作人员和本项目的居民监督员"):
            await update(ctx, who, number, "我来更新 50%")
    _, groups, _ = await update(ctx, pw.supervisor, number, "今天材料进场 10%")
    assert groups == 2
    assert "— 李师傅" in text_of((await outbox(ctx))[-1])


async def test_project_of_another_community(ctx, pw):
    number = await new_project(ctx, pw)
    async with ctx.pool() as s:
        with pytest.raises(ProjectError, match=f"项目 #{number} 不属于本社区"):
            await projects.find(s, number, community_id=pw.other_community_id)
        with pytest.raises(ProjectError, match="没有编号为 #999"):
            await projects.find(s, 999)
    with pytest.raises(ProjectError, match="不是您负责的社区"):
        await as_person(ctx, pw.outsider, number, projects.shelve, "没钱",
                        admin_ids=[], now=ctx.clock.now())


async def test_single_photo_is_one_captioned_row_per_group(ctx, pw):
    number = await new_project(ctx, pw)
    before = len(await outbox(ctx))
    photo = projects.PhotoIn("f1", "u1", 200_000, 1280, 960)
    await update(ctx, pw.supervisor, number, "外墙脚手架搭好了", photos=[photo])
    rows = (await outbox(ctx))[before:]
    assert [(r.chat_id, r.method) for r in rows] == [(G1, "sendPhoto"), (G2, "sendPhoto")]
    assert rows[0].payload["photo"] == "f1" and "脚手架" in rows[0].payload["caption"]


async def test_album_is_one_media_group_row_read_at_send_time(ctx, pw):
    number = await new_project(ctx, pw)
    before = len(await outbox(ctx))
    first = projects.PhotoIn("f1", "u1", 1000, 800, 600)
    await update(ctx, pw.organizer, number, "施工现场 30%", photos=[first], media_group_id="al1")

    async def more(s):
        person = await s.get(Person, pw.organizer.id)
        await projects.add_album_photo(s, person, "al1", projects.PhotoIn("f2", "u2", 1000, 8, 6))
        await projects.add_album_photo(s, person, "al1", projects.PhotoIn("f2", "u2", 1000, 8, 6))

    await in_tx(ctx, more)
    rows = (await outbox(ctx))[before:]
    assert [(r.chat_id, r.method) for r in rows] == [(G1, "sendMediaGroup"),
                                                      (G2, "sendMediaGroup")]
    assert rows[0].not_before == ctx.clock.now() + timedelta(seconds=3)
    async with ctx.pool() as s:
        payload = await ob.resolve_payload(s, rows[0].payload)
    assert [m["media"] for m in payload["media"]] == ["f1", "f2"]
    assert "施工现场" in payload["media"][0]["caption"]
    SendMediaGroup(chat_id=G1, **payload)  # a valid Bot API call


async def test_too_large_photo_is_refused(ctx, pw):
    number = await new_project(ctx, pw)
    big = projects.PhotoIn("f1", "u1", 12 * 1024 * 1024, 4000, 3000)
    with pytest.raises(ProjectError, match="照片太大"):
        await update(ctx, pw.organizer, number, "照片", photos=[big])
    assert len((await load(ctx, number)).entries) == 1


async def test_long_update_is_split_within_limits(ctx, pw):
    number = await new_project(ctx, pw)
    before = len(await outbox(ctx))
    long = "\n".join(f"第{i}项：" + "钢筋混凝土浇筑&养护" * 12 for i in range(40))
    await update(ctx, pw.organizer, number, long + " 60%",
                 photos=[projects.PhotoIn("f1", "u1", 1000, 10, 10)])
    rows = [r for r in (await outbox(ctx))[before:] if r.chat_id == G1]
    assert [r.method for r in rows] == ["sendMessage", "sendMessage", "sendPhoto"]
    assert all(len(r.payload["text"]) <= 4096 for r in rows[:2])
    assert "&amp;" in rows[0].payload["text"] and "reply_markup" in rows[1].payload
    assert "caption" not in rows[2].payload


async def test_pledges_totals_on_the_card(ctx, pw):
    number = await new_project(ctx, pw)
    now = ctx.clock.now()
    await as_person(ctx, pw.resident, number, projects.pledge, "money", now=now, amount=200)
    await as_person(ctx, pw.neighbour, number, projects.pledge, "money", now=now, amount=300)
    await as_person(ctx, pw.resident, number, projects.pledge, "money", now=now, amount=500)
    await as_person(ctx, pw.resident, number, projects.pledge, "labour", now=now, note="周末")
    await as_person(ctx, pw.neighbour, number, projects.pledge, "idea", now=now, note="装东侧")
    with pytest.raises(ProjectError, match="1 到 1000000"):
        await as_person(ctx, pw.resident, number, projects.pledge, "money", now=now, amount=0)

    async def card(s):
        project = await projects.find(s, number)
        return project_render.card_text(
            project, totals=await projects.pledge_totals(s, number),
            followers=await projects.follower_count(s, number), case_number=None, tz=ctx.tz)

    text = await in_tx(ctx, card)
    assert "参与：出钱 2 人（共 800 元），出力 1 人，出点子 1 人" in text
    assert "关注：2 人" in text  # pledging follows the project


async def test_create_from_suggestion_case_links_and_tells_the_reporter(ctx, pw):
    async def run(s):
        case = Case(community_id=pw.community_id, year=2026, seq=7, number="东湖-2026-0007",
                    kind="suggestion", text="建议在5号楼旁边建电动车充电棚", category="other",
                    category_auto="other", reporter_id=pw.resident.id, opened_at=ctx.clock.now())
        s.add(case)
        await s.flush()
        person = await s.get(Person, pw.organizer.id)
        project = await projects.create_from_case(s, case, title="5号楼充电棚",
                                                  created_by=person, now=ctx.clock.now())
        again = await projects.create_from_case(s, case, title="5号楼充电棚",
                                                created_by=person, now=ctx.clock.now())
        assert again.id == project.id
        return project.id, case.id

    number, case_id = await in_tx(ctx, run)
    project = await load(ctx, number)
    assert project.case_id == case_id and project.description.startswith("建议在5号楼")
    rows = await outbox(ctx)
    assert sorted(r.chat_id for r in rows) == sorted([G1, G2, 1001])
    assert "东湖-2026-0007 已转为社区项目" in text_of(next(r for r in rows if r.chat_id == 1001))
    async with ctx.pool() as s:
        assert await projects.is_following(s, number, pw.resident.id)
        assert await projects.case_number(s, project) == "东湖-2026-0007"
        kinds = list(await s.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)))
        assert kinds == ["project"]
        assert await s.scalar(select(func.count()).select_from(ProjectUpdate)) == 1
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 3


async def test_split_keeps_entities_and_lines():
    text = "a" * 10 + "\n" + "&amp;" * 5
    parts = project_render.split(text, 12)
    assert all(len(p) <= 12 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert all("&" not in p or p.count("&") == p.count(";") for p in parts)


async def test_other_community_group_is_never_posted_to(ctx, pw):
    await new_project(ctx, pw)
    assert not await outbox(ctx, G_OTHER)


async def test_report_summary_lists_open_projects_and_counts_updates(ctx, pw):
    start = ctx.clock.now() - timedelta(days=1)
    end = ctx.clock.now() + timedelta(days=30)
    async with ctx.pool() as s:
        assert await projects.report_summary(s, pw.community_id, start, end) is None
    number = await new_project(ctx, pw, milestones=LIFT_MILESTONES)
    await update(ctx, pw.organizer, number, "井道开挖完成 40%")
    async with ctx.pool() as s:
        line = await projects.report_summary(s, pw.community_id, start, end)
        other = await projects.report_summary(s, pw.other_community_id, start, end)
    assert line == "1 个项目，本期更新 2 次（3号楼加装电梯 征集意见 40%）"
    assert other is None
