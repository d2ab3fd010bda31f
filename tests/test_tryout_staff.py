"""Staff's side tried as staff would (grid workers' rounds, patrol cases and residents,
street officers, the case card's 判断依据, merged group messages, the web desk), through
the real bot and the sandbox: each test is a defect found by trying, or something a
user notices that no other test covers."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import Case, Grid, Role
from bot.db.session import transaction
from bot.org import service as org
from tests.test_rounds import choose, setup, visit

NUMBER = "东湖-2026-0001"


async def _round(world, zhang):  # type: ignore[no-untyped-def]
    zhang.say(zhang.id, "/round")
    return await world.sb.wait_for(zhang.id, lambda m: "走访开始" in m.body)


async def test_a_place_with_no_building_is_named_in_the_round(world):
    """A visit at 「其他地点」 (no building): the answer names a place, never an empty
    one (「已记录： · 转为工单」)."""
    zhang, liu, chen = await setup(world)
    sb = world.sb
    menu = await _round(world, zhang)
    pick = await choose(world, zhang, menu, "📝 记录走访", lambda m: "走访哪栋楼" in m.body)
    await choose(world, zhang, pick, "🏞 其他地点", lambda m: "请写下地点" in m.body)
    zhang.say(zhang.id, "小区东门路灯不亮，晚上很黑")
    noted = await sb.wait_for(zhang.id, lambda m: "请选择处理结果" in m.body)
    done = await choose(world, zhang, noted, "📮 转为工单", lambda m: "已记录" in m.body)
    assert "转为工单" in done.text and "： ·" not in done.text, done.text


async def test_the_same_problem_twice_in_one_round(world):
    zhang, liu, chen = await setup(world)
    menu = await _round(world, zhang)
    first = await visit(world, zhang, menu, "3号楼", "2-301", "3号楼2单元楼道灯坏了，晚上看不见",
                        "📮 转为工单")
    assert f"转为工单 {NUMBER}" in first.text
    second = await visit(world, zhang, first, "3号楼", "2-302", "3号楼2单元楼道灯坏了，晚上看不见",
                         "📮 转为工单")
    assert f"同一问题已有工单 {NUMBER}" in second.text, second.text  # not "opened" again
    async with world.ctx.pool() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1


async def test_a_round_left_open_overnight(world):
    zhang, liu, chen = await setup(world)
    sb = world.sb
    menu = await _round(world, zhang)
    await visit(world, zhang, menu, "3号楼", "2-301", "走访了解情况，一切正常", "✅ 无异常")
    world.clock.advance(hours=15)
    zhang.say(zhang.id, "/round")
    again = await sb.wait_for(zhang.id, lambda m: "您正在走访" in m.body)
    closed = await choose(world, zhang, again, "🏁 结束走访", lambda m: "走访结束" in m.body)
    assert "11-02 09:00 开始，已记录 1 处" in again.text
    assert "11-02 09:00–11-03 00:00" in closed.text, closed.text  # not "09:00–00:00"


async def test_a_worker_who_is_also_the_organizer(world):
    """An organizer who also works the grid finds an urgent problem: the case's card
    reaches them once, not again as the organizers' urgent alert."""
    zhang, liu, chen = await setup(world)
    sb = world.sb
    async with transaction(world.ctx.pool) as session:
        person = await org.upsert_person(session, tg_id=liu.id, name="刘书记")
        grid = await session.scalar(select(Grid).where(Grid.name == "第一网格"))
        await session.execute(Role.__table__.delete().where(Role.grid_id == grid.id))
        await org.grant(session, person, "grid_worker", grid.community_id, grid_id=grid.id)
    menu = await _round(world, liu)
    await visit(world, liu, menu, "3号楼", "2-301", "3号楼楼道里有燃气味，很浓，可能漏气", "📮 转为工单")
    await world.settle()
    about = [m.body for m in sb.bot_messages(liu.id) if NUMBER in m.body]
    assert len(about) == 2 and "新工单" in about[1], about  # the round's answer, the card once


async def test_a_patrol_case_a_resident_then_joins(world):
    """A worker finds a problem on a round; a resident then reports it in the group: it
    joins the worker's case (one case, not two where the resident's would be left open
    and escalate), and the resident hears how it ends, with nobody asked to rate."""
    from tests.test_cases_e2e import setup as group_setup
    zhang, liu, chen, wang, group = await group_setup(world)
    sb = world.sb
    menu = await _round(world, zhang)
    pick = await choose(world, zhang, menu, "📝 记录走访", lambda m: "走访哪栋楼" in m.body)
    await choose(world, zhang, pick, "🏞 其他地点", lambda m: "请写下地点" in m.body)
    zhang.say(zhang.id, "3号楼2单元楼道灯坏了，晚上看不见")
    noted = await sb.wait_for(zhang.id, lambda m: "请选择处理结果" in m.body)
    await choose(world, zhang, noted, "📮 转为工单", lambda m: "已记录" in m.body)
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)
    chen.say(group, "3号楼2单元的楼道灯坏了好几天了，晚上很黑")
    joined = await sb.wait_for(group.id, lambda m: NUMBER in m.body)
    assert "同一问题已有工单" in joined.text and "共 2 户" in joined.text, joined.text
    assert (await sb.press(zhang, task, "接单").text() or "").startswith("已接单")
    await world.settle()
    await sb.press(zhang, task, "已解决").answer()
    await sb.wait_for(zhang.id, lambda m: "办理结果" in m.body)
    sb.send_photo(zhang, zhang.id, caption="已更换灯泡")
    await sb.wait_for(chen.id, lambda m: NUMBER in m.body and "无需评价" in m.body)
    await world.settle()
    assert not [m for m in sb.bot_messages(chen.id) + sb.bot_messages(group)
                if any("满意" in b for b in m.button_texts)]
    async with world.ctx.pool() as session:
        assert list(await session.execute(select(Case.number, Case.status))) == [
            (NUMBER, "closed")]
