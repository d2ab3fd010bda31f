"""Grid workers' rounds (走访 / 巡查) through the real bot against the local Bot API server:
a round with a visit that opens a case (source 巡查, routed to the grid worker as usual)
and one fixed on the spot, the household's visit history, forged and stale buttons, and
the not-visited flag with a fake clock."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.db.models import Case, Community
from bot.db.models.rounds import Visit
from bot.db.session import transaction
from bot.org import import_file

ROOT = Path(__file__).parents[1]
ROSTER = (ROOT / "examples" / "roster.csv").read_bytes()


async def setup(world):  # type: ignore[no-untyped-def]
    async with transaction(world.ctx.pool) as session:
        await import_file(session, ROOT / "examples" / "org.yaml")
    sb = world.sb
    zhang = sb.add_user("张网格员", user_id=1001)
    liu = sb.add_user("刘书记", user_id=2001)
    chen = sb.add_user("陈阿姨", user_id=5001)
    for user in (zhang, liu, chen):
        user.start_bot()
    sb.send_document(liu, liu.id, ROSTER, "roster.csv")
    await sb.wait_for(liu.id, lambda m: "已导入" in m.body)
    return zhang, liu, chen


async def choose(world, user, message, button, expect):  # type: ignore[no-untyped-def]
    await world.sb.press(user, message, button).answer()
    return await world.sb.wait_for(user.id, expect)


async def in_place(world, user, message, button):  # type: ignore[no-untyped-def]
    """The building list becomes its rooms in the same message."""
    await world.sb.press(user, message, button).answer()
    await world.settle()
    assert "走访哪一户" in message.body, message.body
    return message


async def visit(world, zhang, menu, building, room, found, outcome):  # type: ignore[no-untyped-def]
    sb = world.sb
    pick = await choose(world, zhang, menu, "📝 记录走访", lambda m: "走访哪栋楼" in m.body)
    rooms = await in_place(world, zhang, pick, building)
    await choose(world, zhang, rooms, room, lambda m: "看到了什么" in m.body or "地点" in m.body)
    zhang.say(zhang.id, found)
    noted = await sb.wait_for(zhang.id, lambda m: "请选择处理结果" in m.body)
    return await choose(world, zhang, noted, outcome, lambda m: "已记录" in m.body)


async def test_a_round_opens_a_case_and_fixes_one_on_the_spot(world):
    zhang, liu, chen = await setup(world)
    sb = world.sb
    liu.say(liu.id, "/round")  # an organizer without a grid
    await sb.wait_for(liu.id, lambda m: "只有网格员" in m.body)
    zhang.say(zhang.id, "/round")
    menu = await sb.wait_for(zhang.id, lambda m: "走访开始" in m.body)
    assert menu.button_texts == ["📝 记录走访", "🏁 结束走访"]
    forged = sb.press(chen, menu, "📝 记录走访")  # someone else's round
    assert "不是您的走访" in (await forged.text() or "")

    done = await visit(world, zhang, menu, "3号楼", "2-301", "楼道灯坏了好几天，老人晚上上下楼看不见",
                       "📮 转为工单")
    assert "转为工单 东湖-2026-0001" in done.text and "主动发现" in done.text
    task = await sb.wait_for(zhang.id, lambda m: "新工单" in m.body)  # as any case: to the grid
    assert "接单" in task.button_texts and "3号楼2单元301" in task.text
    async with world.ctx.pool() as session:
        case = await session.scalar(select(Case).where(Case.number == "东湖-2026-0001"))
        assert case is not None and case.source == "patrol" and case.grid_id is not None
    assert (await sb.press(zhang, task, "接单").text() or "").startswith("已接单")

    pick = await choose(world, zhang, done, "📝 记录走访", lambda m: "走访哪栋楼" in m.body)
    rooms = await in_place(world, zhang, pick, "1号楼")
    await choose(world, zhang, rooms, "🏞 公共区域 / 其他地点", lambda m: "公共区域" in m.body)
    sb.send_photo(zhang, zhang.id)  # a photo before the words: kept, words asked for
    await sb.wait_for(zhang.id, lambda m: "照片已保存（1 张）" in m.body)
    zhang.say(zhang.id, "单元门口路灯不亮，已更换灯泡")
    noted = await sb.wait_for(zhang.id, lambda m: "请选择处理结果" in m.body)
    assert "照片 1 张" in noted.text
    fixed = await choose(world, zhang, noted, "🔧 当场解决", lambda m: "已记录" in m.body)
    assert "1号楼公共区域 · 当场解决" in fixed.text
    stale = await sb.press(zhang, noted, "📮 转为工单").text()  # a second press
    assert "过时" in (stale or "")
    closed = await choose(world, zhang, fixed, "🏁 结束走访", lambda m: "走访结束" in m.body)
    assert "共 2 处" in closed.text and "当场解决 1" in closed.text
    assert "转为工单 1（东湖-2026-0001）" in closed.text
    late = await sb.press(zhang, fixed, "📝 记录走访").text()
    assert "已经结束" in (late or "")
    async with world.ctx.pool() as session:
        cases = list(await session.scalars(select(Case)))
        visits = list(await session.scalars(select(Visit).order_by(Visit.id)))
    assert len(cases) == 1  # fixed on the spot: recorded, not a case
    assert [v.outcome for v in visits] == ["case", "fixed"] and len(visits[1].photos) == 1

    zhang.say(zhang.id, "/household 3-2-301")
    card = await sb.wait_for(zhang.id, lambda m: "一户一档" in m.body and "转为工单" in m.body)
    assert "张网格员 · 转为工单 东湖-2026-0001：楼道灯坏了好几天" in card.text
    assert "陈阿姨" in card.text


async def test_a_building_not_visited_for_30_days_is_flagged(world):
    zhang, _liu, _chen = await setup(world)
    sb = world.sb
    zhang.say(zhang.id, "/round")
    menu = await sb.wait_for(zhang.id, lambda m: "走访开始" in m.body)
    await visit(world, zhang, menu, "3号楼", "2-302", "王奶奶身体还好，帮她预约了上门体检",
                "🤝 帮办代办")
    await world.advance(days=29)
    assert not [m for m in sb.bot_messages(zhang.id) if "没有走访" in m.body]
    await world.advance(days=2)
    flag = await sb.wait_for(zhang.id, lambda m: "超过 30 天没有走访" in m.body)
    assert "1号楼：还没有走访记录" in flag.text and "3号楼：上次 11-02" in flag.text
    await world.advance(days=1)  # not again the next day
    assert len([m for m in sb.bot_messages(zhang.id) if "没有走访" in m.body]) == 1
    await world.advance(days=7)  # but a week later, while still not visited
    assert len([m for m in sb.bot_messages(zhang.id) if "没有走访" in m.body]) == 2


async def test_the_daily_check_is_set_up_with_the_report_timers(ctx, clock):
    """The not-visited check exists from the app's start (with the report timers), not
    only once a worker has started a round."""
    from bot import features
    from bot.reports.service import ensure_report_timers
    from bot.rounds.stale import KIND
    from scheduler import timers

    features.wire()
    async with transaction(ctx.pool) as session:
        await import_file(session, ROOT / "examples" / "org.yaml")
        await ensure_report_timers(session, clock.now(), ctx.tz)
    async with ctx.pool() as session:
        communities = list(await session.scalars(select(Community.id)))
        for community_id in communities:
            assert await timers.pending(session, KIND, f"community:{community_id}")
