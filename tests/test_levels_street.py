"""A street officer (街道) through the real bot: the whole street's ledger in one file
(recorded in the export audit like any export), nothing of another street; and what a
street officer is not: a community's organizer (its polls, register, settings…)."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Community, ExportAudit, Grid
from bot.db.models.levels import Level
from bot.db.session import transaction
from bot.reports import ExportPick
from tests.levels_kit import setup
from tests.reports_kit import make_case
from tests.test_cases_e2e import forge

H = timedelta(hours=1)


async def _cases(world):  # type: ignore[no-untyped-def]
    """One case in each community: 银虹 and 丽景 (丽景街街道), 东湖 (东湖街道)."""
    numbers = {}
    async with transaction(world.ctx.pool) as session:
        for name in ("银虹社区", "丽景社区", "东湖社区"):
            community = await session.scalar(select(Community).where(Community.name == name))
            grid = await session.scalar(select(Grid).where(Grid.community_id == community.id))
            case = make_case(community, grid, -1, world.clock.now() - H, seq=1,
                             number=f"{community.code}-2026-0001")
            session.add(case)
            numbers[name] = case.number
    return numbers


def _rows(document):  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))


async def test_a_street_officer_exports_the_whole_streets_ledger(world, tmp_path):
    st = await setup(world, tmp_path)
    sb = world.sb
    numbers = await _cases(world)
    zhao = st["街道赵主任"]
    zhao.say(zhao.id, "/export")
    menu = await sb.wait_for(zhao.id, lambda m: "🏙 全街道：丽景街街道" in m.button_texts)
    assert "银虹社区" in menu.button_texts and "东湖社区" not in menu.button_texts
    await sb.press(zhao, menu, "🏙 全街道：丽景街街道").answer()
    await world.settle()
    assert "全街道台账" in menu.body
    await sb.press(zhao, menu, "本月 · CSV").answer()
    sent = await sb.wait_for(zhao.id, lambda m: m.document is not None)
    assert "丽景街街道（2 个社区）" in (sent.caption or "")
    rows = {r["编号"]: r for r in _rows(sent.document)}
    assert set(rows) == {numbers["银虹社区"], numbers["丽景社区"]}  # not 东湖 (another street)
    assert rows[numbers["丽景社区"]]["社区"] == "丽景社区"
    # the same by typing, and the audit names the street and who exported it
    zhao.say(zhao.id, "/export 2026-11-01 2026-11-30 csv 丽景街街道")
    await sb.wait_for(zhao.id, lambda m: m.document is not None and m is not sent)
    async with world.ctx.pool() as session:
        audits = list(await session.scalars(select(ExportAudit).order_by(ExportAudit.id)))
        other = await session.scalar(select(Level).where(Level.name == "东湖街道"))
    assert len(audits) == 2 and all("street 丽景街街道" in a.scope for a in audits)
    assert all(a.who.startswith(f"tg:{zhao.id}") and a.masked for a in audits)
    # another street's ledger: refused, by button or by name
    refused = await forge(sb, zhao, menu, ExportPick(-other.id, 0, 1).pack()).text()
    assert "只有社区工作人员" in (refused or "")
    zhao.say(zhao.id, "/export 2026-11-01 2026-11-30 东湖街道")
    await sb.wait_for(zhao.id, lambda m: m.body.startswith("用法：/export"))
    # a community's organizer: no street button
    zhou = st["银虹周书记"]
    zhou.say(zhou.id, "/export")
    mine = await sb.wait_for(zhou.id, lambda m: "本月 · CSV" in m.button_texts)
    assert not [b for b in mine.button_texts if "全街道" in b]


async def test_a_street_officer_sees_the_street_but_does_not_run_its_communities(
        world, tmp_path):
    st = await setup(world, tmp_path)
    sb = world.sb
    numbers = await _cases(world)
    zhao = st["街道赵主任"]
    hello = next(m for m in sb.bot_messages(zhao.id) if "身份" in m.body)
    assert "/rank" in hello.text and "导出全街道" in hello.text
    assert "/poll_new" not in hello.text and "/bind" not in hello.text
    # what a street officer does: the street's cases and figures
    zhao.say(zhao.id, "/cases")
    listed = await sb.wait_for(zhao.id, lambda m: m.body.startswith("工单列表"))
    assert numbers["银虹社区"] in listed.text and numbers["丽景社区"] in listed.text
    zhao.say(zhao.id, "/stats")
    await sb.wait_for(zhao.id, lambda m: "各社区对比" in m.body)
    # what stays with each community's organizers
    for command, refusal in (("/poll_new", "只有社区工作人员可以发起投票"),
                             ("/resident_add 1号楼101 王五", "只有社区工作人员和网格员"),
                             ("/settings", "只有社区工作人员可以查看工单设置")):
        zhao.say(zhao.id, command)
        await sb.wait_for(zhao.id, lambda m, r=refusal: r in m.body)
    # an organizer of the street's community keeps them
    zhou = st["银虹周书记"]
    zhou.say(zhou.id, "/settings")
    await sb.wait_for(zhou.id, lambda m: "银虹社区的工单设置" in m.body)
