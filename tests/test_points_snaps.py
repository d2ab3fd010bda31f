"""随手拍 points through the local Bot API server: a resident's photo report that opens a
case earns the community's `report` points when the case is resolved — set in the org
file's `points:` section — once per case, and no more than `report_daily` a day; a report
without a photo earns nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import Grid
from bot.db.models.points import PointEntry
from bot.db.session import transaction
from bot.org import service as org
from bot.org.orgfile import OrgFileError, import_file
from tests.council_kit import setup

ORG = """communities:
  - name: 东湖社区
    code: 东湖
    points:
      report: 3
      report_daily: 1
"""


async def resolve(world, worker, number: str) -> None:
    sb = world.sb
    task = await sb.wait_for(worker.id, lambda m: "新工单" in m.body and number in m.body)
    await sb.press(worker, task, "接单").answer()
    await world.settle()
    await sb.press(worker, task, "已解决").answer()
    await sb.wait_for(worker.id, lambda m: "办理结果" in m.body)
    worker.say(worker.id, "已处理")
    await sb.wait_for(worker.id, lambda m: "等待居民评价" in m.body)


async def test_a_resolved_photo_report_earns_points_once_within_the_daily_cap(world, tmp_path):
    sb = world.sb
    zhang, wang, li, chen, zhao, g1, g2 = await setup(world)
    org_file = tmp_path / "org.yaml"
    org_file.write_text(ORG.replace("report_daily: 1", "report_daily: 一"), encoding="utf-8")
    with pytest.raises(OrgFileError, match=r"line 5: points\.report_daily: expected a whole"):
        async with transaction(world.ctx.pool) as s:
            await import_file(s, org_file)
    org_file.write_text(ORG, encoding="utf-8")
    async with transaction(world.ctx.pool) as s:
        await import_file(s, org_file)
        grid = await s.scalar(select(Grid).where(Grid.name == "一网格"))
        await org.grant(s, await org.person_by_tg(s, li.id), "grid_worker", grid.community_id,
                        grid_id=grid.id, duty_order=1)

    sb.send_photo(wang, g1, caption="3号楼门口垃圾堆了好几天没人清理，好臭")
    await sb.wait_for(g1.id, lambda m: "东湖-2026-0001" in m.body)
    chen.say(g1, "5号楼的路灯坏了，晚上一片漆黑")  # no photo: not a 随手拍
    await sb.wait_for(g1.id, lambda m: "东湖-2026-0002" in m.body)
    sb.send_photo(wang, g1, caption="7号楼后面的下水道堵了，污水漫到路上")
    await sb.wait_for(g1.id, lambda m: "东湖-2026-0003" in m.body)

    await resolve(world, li, "东湖-2026-0001")
    paid = await sb.wait_for(wang.id, lambda m: "获得志愿积分 3 分" in m.body)
    assert "随手拍有效反映" in paid.body and "东湖-2026-0001" in paid.body
    await resolve(world, li, "东湖-2026-0002")
    await resolve(world, li, "东湖-2026-0003")  # wang's second report of the day: over the cap
    await world.settle()
    async with world.ctx.pool() as s:
        entries = list(await s.scalars(select(PointEntry)))
    assert [(e.kind, e.amount, e.ref) for e in entries] == [("report", 3, "case:1")]

    await world.advance(days=1)
    sb.send_photo(wang, g1, caption="9号楼单元门坏了关不上")  # the next day counts afresh
    await sb.wait_for(g1.id, lambda m: "东湖-2026-0004" in m.body)
    await resolve(world, li, "东湖-2026-0004")
    await sb.wait_for(wang.id, lambda m: "获得志愿积分 3 分" in m.body and "0004" in m.body)
    wang.say(wang.id, "/points")
    await sb.wait_for(wang.id, lambda m: "志愿积分：6 分" in m.body)
