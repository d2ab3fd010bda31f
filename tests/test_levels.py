"""Street and district levels (issue 15.3) through the real bot and the sandbox: an
escalation that runs to the district, each level told with its own deadline; a street
officer's /cases over two communities, and nothing of another street's."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.cases import Act, CaseBtn
from bot.db.models import Community, Grid, Role
from bot.db.models.levels import Level, Responsibility
from bot.db.session import transaction
from bot.org.orgfile import OrgFileError, import_file
from bot.reports import StatsView, stats
from tests.levels_kit import STREET, case_row, setup
from tests.reports_kit import make_case
from tests.test_cases_e2e import forge

H = timedelta(hours=1)


async def test_an_unaccepted_case_climbs_to_the_district_each_level_with_its_deadline(world):
    st = await setup(world)
    sb = world.sb
    st.chen.say(st.group, "3号楼楼道灯坏了好几天了")
    await sb.wait_for(st["李珊"].id, lambda m: "新工单" in m.body)
    first = await case_row(world, "银虹-2026-0001")
    assert first.level == "grid" and first.accept_due == first.opened_at + 2 * H

    await world.advance(minutes=121)  # the grid's 2 h to accept run out
    await sb.wait_for(st["银虹周书记"].id, lambda m: "已上报至社区" in m.body)
    case = await case_row(world, first.number)
    assert case.level == "community"
    assert case.next_due == world.clock.now() + 8 * H  # community_hours in the org file

    await world.advance(hours=8, minutes=1)
    told = await sb.wait_for(st["街道赵主任"].id, lambda m: "已上报至街道" in m.body)
    assert "接单" in told.button_texts
    case = await case_row(world, first.number)
    assert case.level == "street" and case.next_due == world.clock.now() + 24 * H

    await world.advance(hours=24, minutes=1)
    told = await sb.wait_for(st["区指挥中心马主任"].id, lambda m: "已上报至区" in m.body)
    case = await case_row(world, first.number)
    assert case.level == "district" and case.next_due == world.clock.now() + 48 * H

    await world.advance(hours=48, minutes=1)  # the top: nothing further, no error
    case = await case_row(world, first.number)
    assert (case.level, case.escalations) == ("district", 3)
    assert case.accept_due == first.accept_due  # the missed SLA deadline never moved
    async with world.ctx.pool() as session:
        period = stats.month_of(first.opened_at.astimezone(world.ctx.tz).date(), world.ctx.tz)
        f = await stats.figures(session, stats.Scope(case.community_id), period,
                                world.clock.now())
    assert (f.due_accept, f.accepted_in_time, f.overdue) == (1, 0, 1)
    # the district officer acts on it: takes it
    assert (await sb.press(st["区指挥中心马主任"], told, "接单").text() or "").startswith("已接单")
    await world.settle()
    assert "已接单" in (await sb.wait_for(st.chen.id, lambda m: "已接单" in m.body)).text


async def test_a_manual_escalation_to_the_top_says_where_the_top_is(world):
    st = await setup(world)
    sb = world.sb
    st.chen.say(st.group, "3号楼楼道灯坏了好几天了")
    task = await sb.wait_for(st["李珊"].id, lambda m: "新工单" in m.body)
    await sb.press(st["李珊"], task, "接单").answer()
    await world.settle()
    for level in ("社区", "街道", "区"):
        await sb.press(st["李珊"], task, "上报").answer()
        confirm = await sb.wait_for(st["李珊"].id, lambda m: "确定" in m.body)
        assert f"上报至{level}" in confirm.text
        await sb.press(st["李珊"], confirm, f"确认上报至{level}").answer()
        await world.settle()
    case = await case_row(world, "银虹-2026-0001")
    assert case.level == "district"
    assert case.next_due == world.clock.now() + 48 * H  # the district's own deadline
    top = await sb.press(st["李珊"], task, "上报").text()
    assert "已在最高层级（区）" in (top or "")


async def test_a_street_officer_sees_the_streets_cases_and_nothing_of_another_street(
        world, tmp_path):
    st = await setup(world, tmp_path)
    sb = world.sb
    now = world.clock.now()
    async with transaction(world.ctx.pool) as session:
        numbers = {}
        for name in ("银虹社区", "丽景社区", "东湖社区"):
            community = await session.scalar(select(Community).where(Community.name == name))
            grid = await session.scalar(select(Grid).where(Grid.community_id == community.id))
            case = make_case(community, grid, -1, now - H, seq=1,
                             number=f"{community.code}-2026-0001")
            session.add(case)
            await session.flush()
            numbers[name] = (case.number, case.id, community.id)
    zhao = st["街道赵主任"]
    hello = next(m for m in sb.bot_messages(zhao.id) if "身份" in m.body)  # his /start
    assert "街道（丽景街街道）" in hello.text and "/rank" in hello.text
    zhao.say(zhao.id, "/cases")
    listed = await sb.wait_for(zhao.id, lambda m: m.body.startswith("工单列表"))
    assert numbers["银虹社区"][0] in listed.text and numbers["丽景社区"][0] in listed.text
    assert numbers["东湖社区"][0] not in listed.text
    # acting: a case of the street yes, one of another street no
    ok = await forge(sb, zhao, listed, CaseBtn(a=Act.ACCEPT, c=numbers["丽景社区"][1]).pack()
                     ).text()
    assert (ok or "").startswith("已接单")
    refused = await forge(sb, zhao, listed, CaseBtn(a=Act.ACCEPT, c=numbers["东湖社区"][1]).pack()
                          ).text()
    assert "权限" in (refused or "")
    # figures: the street's communities, not another street's
    zhao.say(zhao.id, "/stats")
    shown = await sb.wait_for(zhao.id, lambda m: "响应率" in m.body)
    assert "丽景社区" in shown.button_texts and "东湖社区" not in shown.button_texts
    side = shown.text[shown.text.index("各社区对比"):]  # the street's communities side by side
    assert "银虹社区：新增 1" in side and "丽景社区：新增 1" in side and "东湖社区" not in side
    other = StatsView(numbers["东湖社区"][2], 0, 2).pack()
    assert "只有社区工作人员" in (await forge(sb, zhao, shown, other).text() or "")
    # the other street's officer sees only theirs
    qian = sb.add_user("东湖街道钱主任", user_id=4101)
    qian.start_bot()
    qian.say(qian.id, "/cases")
    theirs = await sb.wait_for(qian.id, lambda m: m.body.startswith("工单列表"))
    assert numbers["东湖社区"][0] in theirs.text and numbers["银虹社区"][0] not in theirs.text
    # a resident is refused politely
    st.chen.say(st.chen.id, "/rank")
    assert "只有社区工作人员" in (await sb.wait_for(st.chen.id, lambda m: "只有" in m.body)).text


BAD = """\
districts: {name: 兴庆区}
streets:
  - name: 丽景街街道
    hours: -1
    officers: [{name: 无号码}]
  - name: 丽景街街道
responsibilities:
  - {department: 城管, category: bogus, hours: 3}
communities:
  - {name: A社区, code: A, street: 丽景街街道}
"""


async def test_the_org_file_sections_are_checked_and_reimported_idempotently(ctx, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    with pytest.raises(OrgFileError) as err:
        async with transaction(ctx.pool) as session:
            await import_file(session, bad)
    assert err.value.errors == [
        "line 1: 'districts' must be a list",
        "line 3: hours must be a positive number of hours",
        "line 5: officer: give tg_id or username",
        "line 6: '丽景街街道' appears twice in streets",
        "line 8: unknown category 'bogus'",
    ]
    for _ in range(2):
        async with transaction(ctx.pool) as session:
            summary = await import_file(session, STREET)
    mine = {k: summary.sections[k] for k in ("districts", "streets", "responsibilities")}
    assert mine == {"districts": 2, "streets": 2, "responsibilities": 3}
    async with ctx.pool() as session:
        levels = {(lv.kind, lv.name): lv for lv in await session.scalars(select(Level))}
        roles = list(await session.scalars(select(Role).where(Role.level_id.is_not(None))))
        street = levels[("street", "丽景街街道")]
        assert street.parent_id == levels[("district", "兴庆区")].id
        assert street.settings == {"hours": 24.0} and len(levels) == 2
        assert sorted(r.role for r in roles) == ["district", "street"]
        assert await session.scalar(select(func.count()).select_from(Responsibility)) == 3
