"""吹哨报到 with the 权责清单 and the community's rating of a department (issue 15.3/15.4),
through the real bot and the sandbox: the list's deadline is used for the whistle, the
department is rated after the case is resolved, and the street reads /depts."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.db.models import Case, Department, Whistle
from bot.db.models.levels import DeptRating
from bot.db.session import transaction
from bot.levels import DeptRate
from tests.levels_kit import case_row, setup
from tests.test_cases_e2e import forge

H = timedelta(hours=1)


async def _accepted_dispute(world, st):  # type: ignore[no-untyped-def]
    sb = world.sb
    st.chen.say(st.group, "楼上邻居家漏水到我家，找他赔偿他不理，麻烦社区协调")
    task = await sb.wait_for(st["李珊"].id, lambda m: "新工单" in m.body)
    await sb.press(st["李珊"], task, "接单").answer()
    await world.settle()
    async with transaction(world.ctx.pool) as session:  # as if an organizer corrected it
        await session.execute(update(Case).values(category="neighbour"))
    return task


async def _whistle(world, st, task, dept: str):  # type: ignore[no-untyped-def]
    sb = world.sb
    await sb.press(st["李珊"], task, "吹哨").answer()
    choose = await sb.wait_for(st["李珊"].id, lambda m: "请选择吹哨的部门" in m.body)
    await sb.press(st["李珊"], choose, dept).answer()
    await world.settle()


async def test_the_responsibility_list_sets_the_whistle_deadline(world):
    st = await setup(world)
    task = await _accepted_dispute(world, st)
    await _whistle(world, st, task, "司法所")  # 权责清单: 司法所 × 邻里纠纷 = 12 h
    await _whistle(world, st, task, "派出所")  # no line for 邻里纠纷: its own 2 h
    call = await world.sb.wait_for(st["司法所王所长"].id, lambda m: "吹哨报到" in m.body)
    async with world.ctx.pool() as session:
        rows = (await session.execute(
            select(Department.name, Whistle.at, Whistle.ack_due)
            .join(Department, Department.id == Whistle.department_id))).all()
    deadlines = {name: due - at for name, at, due in rows}
    assert deadlines == {"司法所": 12 * H, "派出所": 2 * H}
    due = (world.clock.now() + 12 * H).astimezone(world.ctx.tz)
    assert f"{due:%H:%M}" in call.text
    # 12 h pass without 报到: the owner hears of it and the case goes up a level
    await world.advance(hours=12, minutes=1)
    late = await world.sb.wait_for(st["李珊"].id, lambda m: "司法所" in m.body and "报到" in m.body
                                   and "吹哨报到：" not in m.body)
    assert "司法所" in late.text


async def test_a_department_is_rated_and_the_street_reads_depts(world):
    st = await setup(world)
    sb = world.sb
    task = await _accepted_dispute(world, st)
    await _whistle(world, st, task, "司法所")
    call = await sb.wait_for(st["司法所王所长"].id, lambda m: "吹哨报到" in m.body)
    await world.advance(hours=3)
    assert "已报到" in (await sb.press(st["司法所王所长"], call, "报到").text() or "")
    await world.advance(hours=21)
    # resolved: 李珊 is asked to rate the department
    await sb.press(st["李珊"], task, "已解决").answer()
    await sb.wait_for(st["李珊"].id, lambda m: "办理结果" in m.body)
    st["李珊"].say(st["李珊"].id, "三方协商达成赔偿协议")
    ask = await sb.wait_for(st["李珊"].id, lambda m: "请为「司法所」" in m.body)
    assert "报到用时 3小时" in ask.text and ask.button_texts == ["满意", "基本满意", "不满意"]
    # a resident replaying the button is refused; the rater says 不满意 and why
    assert "只有处理该工单" in (await forge(sb, st.chen, ask, ask.find_button("满意")[
        "callback_data"]).text() or "")
    await sb.press(st["李珊"], ask, "不满意").answer()
    await sb.wait_for(st["李珊"].id, lambda m: "请直接回复一句原因" in m.body)
    st["李珊"].say(st["李珊"].id, "第一次约定时间未到场")
    await sb.wait_for(st["李珊"].id, lambda m: "原因已记录" in m.body)
    told = await sb.wait_for(st["司法所王所长"].id, lambda m: "评价" in m.body)
    assert "不满意" in told.text and "第一次约定时间未到场" in told.text
    again = forge(sb, st["李珊"], ask, DeptRate(1, 1).pack())
    assert "不能重复评价" in (await again.text() or "")
    async with world.ctx.pool() as session:
        rating = await session.scalar(select(DeptRating))
    assert (rating.rating, rating.reason) == ("unsatisfied", "第一次约定时间未到场")
    # the street's view of its departments this month
    zhao = st["街道赵主任"]
    zhao.say(zhao.id, "/depts")
    shown = await sb.wait_for(zhao.id, lambda m: "🏛" in m.body)
    assert "丽景街街道" in shown.text
    assert "司法所" in shown.text and "吹哨 1 次，报到 1 次（按时 1）" in shown.text
    assert "报到用时中位 3小时" in shown.text and "解决用时中位 1天0小时" in shown.text
    assert "满意率 0.0%（不满意 1）" in shown.text and "第一次约定时间未到场" in shown.text
    await sb.press(zhao, shown, "上月").answer()
    await world.settle()
    assert "没有吹哨记录" in sb.messages(zhao.id)[-1].text


async def test_skipping_the_reason_and_a_worker_outside_the_case(world):
    st = await setup(world)
    sb = world.sb
    task = await _accepted_dispute(world, st)
    await _whistle(world, st, task, "派出所")
    await sb.press(st["李珊"], task, "已解决").answer()
    await sb.wait_for(st["李珊"].id, lambda m: "办理结果" in m.body)
    st["李珊"].say(st["李珊"].id, "已调解")
    ask = await sb.wait_for(st["李珊"].id, lambda m: "请为「派出所」" in m.body)
    assert "未报到" in ask.text
    other = st["丁网格员"]  # a worker of another community
    refused = forge(sb, other, ask, ask.find_button("不满意")["callback_data"])
    assert "只有处理该工单" in (await refused.text() or "")
    await sb.press(st["李珊"], ask, "不满意").answer()
    await sb.wait_for(st["李珊"].id, lambda m: "请直接回复一句原因" in m.body)
    st["李珊"].say(st["李珊"].id, "/skip")
    await sb.wait_for(st["李珊"].id, lambda m: "不填写原因" in m.body)
    case = await case_row(world, "银虹-2026-0001")
    assert case.status == "resolved"
