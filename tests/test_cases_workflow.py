"""Worker flow, permissions, rating, reopening and organizer actions."""
from __future__ import annotations

import asyncio

import pytest

from bot import cases
from bot.context import AppContext
from bot.db.models import Person
from bot.db.session import transaction
from tests.cases_kit import (
    GROUP_CHAT,
    World,
    act,
    events,
    get_case,
    make_world,
    outbox,
    say,
    texts,
)

LIGHT = "3号楼2单元楼道灯坏了好几天了"


async def _open(ctx: AppContext, cw: World, mid: int = 1, who: Person | None = None) -> int:
    got = await say(ctx, who or cw.resident, LIGHT, mid)
    assert got.case is not None
    return got.case.id


async def refused(coro: object) -> str:
    with pytest.raises(cases.CaseRefused) as info:
        await coro  # type: ignore[misc]
    return str(info.value)


async def test_accept_once_then_others_are_told_who(ctx: AppContext, cw: World) -> None:
    cid = await _open(ctx, cw)
    case = await act(ctx, cases.accept, cid, who=cw.w1)
    assert case.status == "accepted" and case.owner_id == cw.w1.id
    assert "王网格" in await refused(act(ctx, cases.accept, cid, who=cw.w2))
    # the reporter started the bot: told privately
    mine = texts(await outbox(ctx, cw.resident.tg_id))
    assert any("王网格 已接单" in t for t in mine)


async def test_simultaneous_accept_exactly_one_wins(ctx: AppContext, cw: World) -> None:
    cid = await _open(ctx, cw)
    results = await asyncio.gather(act(ctx, cases.accept, cid, who=cw.w1),
                                   act(ctx, cases.accept, cid, who=cw.w2),
                                   return_exceptions=True)
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, cases.CaseRefused)]
    assert len(wins) == 1 and len(losses) == 1
    assert wins[0].owner_id in (cw.w1.id, cw.w2.id)
    assert "已被" in str(losses[0])
    assert (await events(ctx, cid)).count("accepted") == 1


async def test_resident_cannot_accept_or_resolve(ctx: AppContext, cw: World) -> None:
    cid = await _open(ctx, cw)
    assert "权限" in await refused(act(ctx, cases.accept, cid, who=cw.neighbour))
    await act(ctx, cases.accept, cid, who=cw.w1)
    assert "权限" in await refused(act(ctx, cases.resolve, cid, who=cw.w2, note="好了",
                                       photo=None))
    assert "权限" in await refused(act(ctx, cases.progress, cid, who=cw.neighbour,
                                       text="x"))


async def test_full_loop_resolve_rate_close(ctx: AppContext, cw: World) -> None:
    cid = await _open(ctx, cw)
    assert "不能" in await refused(act(ctx, cases.resolve, cid, who=cw.w1, note="x",
                                       photo=None))  # not accepted yet
    await act(ctx, cases.accept, cid, who=cw.w1)
    await act(ctx, cases.progress, cid, who=cw.w1, text="已联系电工")
    case = await act(ctx, cases.resolve, cid, who=cw.w1, note="已更换灯泡",
                     photo=("res1", "ures1"))
    assert case.status == "resolved"
    mine = await outbox(ctx, cw.resident.tg_id)
    assert any("处理进展：已联系电工" in t for t in texts(mine))
    assert any(r.method == "sendPhoto" for r in mine)  # the result photo
    rate_row = next(r for r in mine if "请您评价" in (r.payload.get("text") or ""))
    labels = [b["text"] for b in rate_row.payload["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["满意", "基本满意", "不满意"]
    assert "只有反映人" in await refused(act(ctx, cases.rate, cid, 0, 1, who=cw.neighbour))
    case = await act(ctx, cases.rate, cid, 0, 1, who=cw.resident)
    assert case.status == "closed" and case.close_reason == "rated" and case.rating == "satisfied"
    assert "失效" in await refused(act(ctx, cases.rate, cid, 0, 2, who=cw.resident))
    assert any("满意" in t for t in texts(await outbox(ctx, cw.w1.tg_id)))


async def test_unsatisfied_reopens_to_same_owner(ctx: AppContext, cw: World) -> None:
    cid = await _open(ctx, cw)
    await act(ctx, cases.accept, cid, who=cw.w1)
    await act(ctx, cases.resolve, cid, who=cw.w1, note="修好了", photo=None)
    case = await act(ctx, cases.rate, cid, 0, 3, who=cw.resident)
    assert case.status == "accepted" and case.owner_id == cw.w1.id
    assert case.reopened_count == 1 and case.resolve_due is not None
    await act(ctx, cases.add_reason, cid, who=cw.resident, text="灯还是不亮")
    owner = texts(await outbox(ctx, cw.w1.tg_id))
    assert any("重新打开" in t for t in owner) and any("灯还是不亮" in t for t in owner)
    # the old rating buttons are stale; a new resolution gets a new round
    await act(ctx, cases.resolve, cid, who=cw.w1, note="换了线路", photo=None)
    assert "失效" in await refused(act(ctx, cases.rate, cid, 0, 1, who=cw.resident))
    case = await act(ctx, cases.rate, cid, 1, 2, who=cw.resident)
    assert case.status == "closed" and case.rating == "basic"


async def test_photo_required_by_category(ctx: AppContext) -> None:
    cw = await make_world(ctx, settings={"photo_required": ["facilities"]})
    cid = await _open(ctx, cw)
    await act(ctx, cases.accept, cid, who=cw.w1)
    assert "照片" in await refused(act(ctx, cases.resolve, cid, who=cw.w1, note="好了",
                                       photo=None))
    case = await act(ctx, cases.resolve, cid, who=cw.w1, note="好了", photo=("p", "up"))
    assert case.status == "resolved"


async def test_transfer_and_reassign(ctx: AppContext, cw: World) -> None:
    cid = await _open(ctx, cw)
    await act(ctx, cases.accept, cid, who=cw.w1)
    case = await act(ctx, cases.transfer, cid, who=cw.w1, target_id=cw.w2.id)
    assert case.status == "open" and case.assignee_id == cw.w2.id and case.owner_id is None
    assert any("转派给您" in t for t in texts(await outbox(ctx, cw.w2.tg_id)))
    assert "权限" in await refused(act(ctx, cases.transfer, cid, who=cw.neighbour,
                                       target_id=cw.w1.id))
    assert await refused(act(ctx, cases.transfer, cid, who=cw.w2, target_id=cw.organizer.id))
    # organizers reassign; workers may not
    assert await refused(act(ctx, cases.transfer, cid, who=cw.w2, target_id=cw.w1.id,
                             by_organizer=True))
    case = await act(ctx, cases.transfer, cid, who=cw.organizer, target_id=cw.w1.id,
                     by_organizer=True)
    assert case.assignee_id == cw.w1.id


async def test_whistle_and_ack(ctx: AppContext, cw: World) -> None:
    cid = await _open(ctx, cw)
    await act(ctx, cases.accept, cid, who=cw.w1)
    row = await act(ctx, cases.whistle, cid, who=cw.w1, department_id=cw.dept_id)
    call = texts(await outbox(ctx, cw.lift_guy.tg_id))
    assert any("吹哨报到" in t for t in call)
    assert "已经吹哨" in await refused(act(ctx, cases.whistle, cid, who=cw.w1,
                                         department_id=cw.dept_id))
    assert "权限" in await refused(act(ctx, cases.ack_whistle, row.id, who=cw.w2))
    await act(ctx, cases.ack_whistle, row.id, who=cw.lift_guy)
    assert "报到过" in await refused(act(ctx, cases.ack_whistle, row.id, who=cw.lift_guy))
    assert any("已报到" in t for t in texts(await outbox(ctx, cw.w1.tg_id)))


async def test_escalate_by_hand_up_to_street(ctx: AppContext, cw: World) -> None:
    cid = await _open(ctx, cw)
    await act(ctx, cases.accept, cid, who=cw.w1)
    case = await act(ctx, cases.escalate_by, cid, who=cw.w1, from_level=0)
    assert case.level == "community"
    assert any("上报至社区" in t for t in texts(await outbox(ctx, cw.organizer.tg_id)))
    assert "过时" in await refused(act(ctx, cases.escalate_by, cid, who=cw.w1, from_level=0))
    case = await act(ctx, cases.escalate_by, cid, who=cw.w1, from_level=1)
    assert case.level == "street"
    assert any("上报至街道" in t for t in texts(await outbox(ctx, cw.street.tg_id)))
    assert "最高" in await refused(act(ctx, cases.offer_escalate, cid, who=cw.w1))


async def test_organizer_reclassify_note_duplicate(ctx: AppContext, cw: World) -> None:
    cid = await _open(ctx, cw)
    other = (await say(ctx, cw.neighbour, "5号楼电梯又坏了，困了半天", 2)).case.id
    assert await refused(act(ctx, cases.reclassify, cid, who=cw.w1, category="elevator"))
    case = await act(ctx, cases.reclassify, cid, who=cw.organizer, category="property")
    assert case.category == "property" and case.category_auto == "facilities"
    await act(ctx, cases.add_note, cid, who=cw.organizer, text="已报修，明天到场")
    assert any("社区说明" in t for t in texts(await outbox(ctx, cw.resident.tg_id)))
    case = await act(ctx, cases.close_duplicate, other, cid, who=cw.organizer)
    assert case.status == "closed" and case.close_reason == "duplicate"
    assert (await get_case(ctx, cid)).plus_count == 1


async def test_round_robin_and_duty_routing(ctx: AppContext, cw: World) -> None:
    owners = []
    for i in range(3):
        got = await say(ctx, cw.resident, f"{i + 1}号楼门口垃圾好几天没人清理了", 10 + i)
        owners.append(got.case.assignee_id)
    assert owners == [cw.w1.id, cw.w2.id, cw.w1.id]


async def test_duty_routing_always_first_on_roster(ctx: AppContext) -> None:
    cw = await make_world(ctx, routing="duty")
    owners = [(await say(ctx, cw.resident, f"{i + 1}号楼门口垃圾好几天没人清理了",
                         10 + i)).case.assignee_id for i in range(2)]
    assert owners == [cw.w1.id, cw.w1.id]


async def test_category_routes_to_department(ctx: AppContext, cw: World) -> None:
    async with transaction(ctx.pool) as s:
        from bot.db.models import Department

        dept = await s.get(Department, cw.dept_id)
        dept.categories = ["elevator"]
    got = await say(ctx, cw.resident, "5号楼电梯坏了，上下楼太难了", 5)
    assert got.case.department_id == cw.dept_id and got.case.assignee_id is None
    assert any("新工单" in t for t in texts(await outbox(ctx, cw.lift_guy.tg_id)))
    case = await act(ctx, cases.accept, got.case.id, who=cw.lift_guy)
    assert case.owner_id == cw.lift_guy.id


async def test_urgent_alerts_organizers_at_once_ignoring_quiet_hours(ctx: AppContext) -> None:
    ctx.settings.quiet_hours = "00:00-23:59"
    cw = await make_world(ctx)
    got = await say(ctx, cw.resident, "5栋电梯又坏了，有人被困！快来", 5)
    assert got.case.urgency == "urgent"
    alert = await outbox(ctx, cw.organizer.tg_id)
    assert alert and "紧急" in alert[0].payload["text"]
    card = (await outbox(ctx, GROUP_CHAT))[0]
    assert card.not_before == ctx.clock.now()
    calm = await say(ctx, cw.resident, "3号楼楼道灯坏了", 6)
    assert calm.case.urgency == "normal"
    post = (await outbox(ctx, GROUP_CHAT))[-1]
    assert post.not_before > ctx.clock.now()  # waits for quiet hours to end


async def test_organizer_turns_a_suggestion_into_a_project(ctx: AppContext, cw: World) -> None:
    from bot.db.models.projects import Project

    idea = (await say(ctx, cw.resident, "建议在5号楼旁边建一个电动车充电棚", 3)).case
    assert idea is not None and idea.kind == "suggestion"
    complaint = await _open(ctx, cw)
    from bot.cases import render as case_render

    def buttons(case: object) -> list[str]:
        kb = case_render.staff_keyboard(case, organizer=True)  # type: ignore[arg-type]
        return [b.text for row in kb for b in row] if kb else []

    assert "转为项目" in buttons(idea)
    assert "转为项目" not in buttons(await get_case(ctx, complaint))
    assert "只有" in await refused(act(ctx, cases.to_project, complaint, who=cw.organizer))
    assert await refused(act(ctx, cases.to_project, idea.id, who=cw.w1))
    project = await act(ctx, cases.to_project, idea.id, who=cw.organizer)
    case = await get_case(ctx, idea.id)
    assert case.status == "closed" and case.close_reason == "project"
    async with ctx.pool() as session:
        stored = await session.get(Project, project.id)
    assert stored.case_id == idea.id and stored.title.startswith("建议在5号楼")
    assert any("已转为社区项目" in t for t in texts(await outbox(ctx, cw.resident.tg_id)))
    assert await refused(act(ctx, cases.to_project, idea.id, who=cw.organizer))
