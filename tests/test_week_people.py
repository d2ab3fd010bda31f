"""Issue #13 "A week in a real community", points 2, 11, 12, 15: what residents, workers
and organizers were told, through the real bot against the local Bot API server."""
from __future__ import annotations

import re
from pathlib import Path

from bot.db.session import transaction
from bot.org import service as org
from tests.test_cases_e2e import case_row, setup

ROOT = Path(__file__).parents[1]


async def test_a_worker_is_staff_for_cases_start_and_stale_buttons(world):
    """#13.11: /cases shows a worker their own cases; /start shows the worker's help;
    a transfer button pressed after the case moved on says it is outdated."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    zhao = sb.add_user("赵网格员")
    zhao.start_bot()
    async with transaction(world.ctx.pool) as session:
        person = await org.upsert_person(session, tg_id=zhao.id, username=None, name="赵网格员")
        grid = (await org.group_by_chat(session, group.id)).grid
        await org.grant(session, person, "grid_worker", grid.community_id, grid_id=grid.id)
    chen.say(group, "2号楼门口路灯坏了")
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    zhang.say(zhang.id, "/cases")
    listed = await sb.wait_for(zhang.id, lambda m: "东湖-2026-0001" in m.body and m is not task)
    assert "只有社区工作人员" not in listed.text
    await sb.press(zhang, task, "接单").answer()
    await world.settle()
    await sb.press(zhang, task, "转派").answer()
    offer = await sb.wait_for(zhang.id, lambda m: "赵网格员" in m.button_texts)
    await sb.press(zhang, offer, "赵网格员").answer()
    await world.settle()
    stale = await sb.press(zhang, task, "转派").text()
    assert "过时" in (stale or "") and "权限" not in (stale or ""), stale
    zhang.say(zhang.id, "/start")
    hello = await sb.wait_for(zhang.id, lambda m: "/mycases" in m.body and "您好" in m.body)
    assert "在小区群里直接说出您遇到的问题" not in hello.text


async def test_whoami_in_a_group_never_shows_the_id(world):
    """#13.11/#13.12: /whoami in a group answers privately (with the group's chat id for
    an organizer), or asks to /start first; the id never appears in the group."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "/whoami")
    assert "已私聊发送给您" in (await sb.wait_for(group.id, lambda m: "私聊" in m.body)).text
    await sb.wait_for(chen.id, lambda m: str(chen.id) in m.body)
    wang.say(group, "/whoami")
    await sb.wait_for(group.id, lambda m: "请先私聊我发送 /start，再发 /whoami。" in m.body)
    liu.say(group, "/whoami")
    told = await sb.wait_for(liu.id, lambda m: str(group.id) in m.body)
    assert "chat_id" in told.text or "群" in told.text
    liu.say(group, "/bind")
    await sb.wait_for(liu.id, lambda m: str(group.id) in m.body and "身份" not in m.body)
    await world.settle()
    for m in sb.messages(group.id):
        if m.from_id != chen.id and m.from_id != wang.id and m.from_id != liu.id:
            assert str(chen.id) not in m.body and str(wang.id) not in m.body
            assert str(group.id) not in m.body


async def test_joining_a_group_speaks_to_the_right_people(world):
    """#13.11/#13.12: the privacy warning goes to whoever added the bot, privately; a group
    the org file already binds is not asked to /bind."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    sb.set_privacy(True)
    other = sb.add_group("东湖二网格居民群", [liu, wang], creator=liu)
    await sb.wait_for(liu.id, lambda m: "BotFather" in m.body)
    await world.settle()
    posted = " ".join(m.body for m in sb.bot_messages(other.id))
    assert "BotFather" not in posted and "/bind" in posted
    sb.set_bot_status(group, "member", by=liu)  # demoted in the bound group, then readded
    sb.set_bot_status(group, "left", by=liu)
    sb.set_bot_status(group, "member", by=liu)
    await world.settle()
    hello = [m for m in sb.bot_messages(group.id) if "大家好" in m.body]
    assert hello and "/bind" not in hello[-1].body, hello


def test_user_texts_speak_plain_chinese():
    """#13.11: no developer words or markdown in user texts."""
    for path in [ROOT / "bot" / "texts.py", *sorted((ROOT / "bot").glob("*/texts.py"))]:
        source = path.read_text(encoding="utf-8")
        for word in ("原生投票", "按钮投票", "cron 0 9", "crontab", "`", "linli org import"):
            assert word not in source, (path, word)
    from bot.projects import texts as PT
    assert not re.search(r"决定进入「议事决议」", "".join(map(str, vars(PT).values())))


async def test_a_reply_to_the_rating_in_the_group_attaches_to_its_case(world):
    """#13.2: a reporter who never started the bot rates 不满意 in the group digest; the
    reason, a reply to the bot's message, is the case's reason, not a new case."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    sb.say(wang, group, "2号楼门口路灯坏了")
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    await sb.press(zhang, task, "接单").answer()
    await world.settle()
    await sb.press(zhang, task, "已解决").answer()
    await sb.wait_for(zhang.id, lambda m: "办理结果" in m.body)
    sb.send_photo(zhang, zhang.id, caption="路灯已修好")
    await world.settle()
    await world.advance(minutes=11)
    digest = await sb.wait_for(group.id, lambda m: "不满意" in m.button_texts)
    await sb.press(wang, digest, "不满意").answer()
    ask = await sb.wait_for(group.id, lambda m: "原因" in m.body)
    sb.say(wang, group, "2号楼门口的路灯还是不亮，晚上很黑", reply_to=ask)
    told = await sb.wait_for(zhang.id, lambda m: "不满意原因" in m.body)
    assert "还是不亮" in told.text
    await world.settle()
    assert await case_row(world, "东湖-2026-0002") is None
    sb.say(wang, group, "还有，灯罩也是破的", reply_to=digest)  # a reply to the digest
    await sb.wait_for(zhang.id, lambda m: "灯罩" in m.body)
    await world.settle()
    assert await case_row(world, "东湖-2026-0002") is None


async def test_a_case_card_links_to_the_case_in_private(world):
    """#13.15: the group card has a 查看进度 link; /start case_<id> opens the case."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "2号楼门口路灯坏了")
    card = await sb.wait_for(group.id, lambda m: "已登记工单" in m.body)
    case = await case_row(world, "东湖-2026-0001")
    links = [b["url"] for row in card.reply_markup["inline_keyboard"] for b in row if "url" in b]
    assert links and links[0].endswith(f"?start=case_{case.id}"), card.reply_markup
    chen.say(chen.id, f"/start case_{case.id}")
    shown = await sb.wait_for(chen.id, lambda m: "东湖-2026-0001" in m.body and "状态" in m.body)
    assert "接单" not in shown.button_texts
    zhang.say(zhang.id, f"/start case_{case.id}")
    staff = await sb.wait_for(zhang.id, lambda m: "东湖-2026-0001" in m.body and "接单" in m.button_texts
                              and "新工单" not in m.body)
    assert "陈阿姨" in staff.text


def test_the_log_is_quiet_unless_asked(monkeypatch, tmp_path):
    """#13.16: no scheduler tick or per-update line by default; `linli run -v` shows them."""
    import logging

    from click.testing import CliRunner

    from bot.cli import cli
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LINLI_BOT_TOKEN", raising=False)
    CliRunner().invoke(cli, ["run"])  # no token: stops before running, levels are set
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("aiogram.event").getEffectiveLevel() == logging.WARNING
    CliRunner().invoke(cli, ["run", "-v"])
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.DEBUG
    for name in ("apscheduler", "aiogram.event"):
        logging.getLogger(name).setLevel(logging.NOTSET)


async def test_places_are_kept_in_simplified_characters(world):
    """#13.11: 2號樓 becomes 2号楼 in the case (cards, the ledger)."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "2號樓門口路燈壞了，晚上很黑")
    await sb.wait_for(group.id, lambda m: "已登记工单" in m.body)
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    case = await case_row(world, "东湖-2026-0001")
    assert case.place and "號" not in case.place and "2号楼" in case.place, case.place
    assert "地点：2号楼" in task.text


async def test_a_milestone_done_never_lowers_progress(ctx, pw):
    """#13.4: 30 % then "完成1" (a quarter of the weight) stays at 30 %, not 25 %."""
    from bot.projects import render as project_render
    from bot.projects.parse import MilestoneSpec
    from tests.projects_kit import future, load, new_project
    from tests.test_projects_service import update

    milestones = [MilestoneSpec("方案公示", future(10)), MilestoneSpec("施工", future(40), 3)]
    number = await new_project(ctx, pw, milestones=milestones)
    await update(ctx, pw.organizer, number, "进度 30")
    await update(ctx, pw.organizer, number, "完成1")
    assert project_render.progress(await load(ctx, number)) == 30
    await update(ctx, pw.organizer, number, "完成2")
    assert project_render.progress(await load(ctx, number)) == 100
