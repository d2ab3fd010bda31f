"""Scene: a street officer's view — the org file gains a street (with a second
community), a district and a 权责清单; the street officer lists every community's
cases, reads the month's 比学赶超 ranking and the departments' 吹哨报到 figures."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bot.db.session import transaction
from bot.org.orgfile import import_file

LEVELS = """\
districts:
  - name: 东湖区
    hours: 48
    officers: [{tg_id: 5001, name: 区指挥中心马主任}]
streets:
  - name: 东湖街道
    district: 东湖区
    hours: 24
    officers: [{tg_id: 4001, name: 街道赵主任}]
responsibilities:
  - {department: 物业, category: property, hours: 2}
communities:
  - name: 西湖社区
    code: 西湖
    street: 东湖街道
    grids:
      - name: 西湖一网格
        workers: [{tg_id: 1201, name: 丁网格员}]
    organizers: [{tg_id: 2201, name: 吴书记}]
"""


async def scene(demo: Any) -> None:
    demo.narrate("街道和区也进了机器人：组织架构文件加上街道、区、权责清单和第二个社区")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "levels.yaml"
        path.write_text(LEVELS, encoding="utf-8")
        async with transaction(demo.world.ctx.pool) as session:
            await import_file(session, path)
    zhao = demo.user("街道赵主任", 4001)
    zhao.start_bot()
    await demo.settle()

    demo.narrate("街道赵主任查看辖区各社区的工单（上报到街道的，他可以直接接单、派单）")
    demo.say(zhao, zhao.id, "/cases")
    await demo.settle()

    demo.narrate("比学赶超：各社区、各网格的三率、主动发现、超时，规则一并公示（本月刚开始，看上月）")
    demo.say(zhao, zhao.id, "/rank 上月")
    await demo.settle()

    demo.narrate("职能部门吹哨报到：报到用时、解决用时、社区给部门的评价")
    demo.say(zhao, zhao.id, "/depts 上月")
    await demo.settle()
