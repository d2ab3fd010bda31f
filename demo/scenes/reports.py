"""Scene: the report loop — /stats with buttons and charts, the ledger as a file, and
the scheduled 社情发布会 posted to the group at the start of the next month."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.db.models import Community
from bot.db.session import transaction
from bot.reports import service as reports
from bot.reports import texts as T
from scheduler import timers


async def scene(demo: Any) -> None:
    liu = demo.users["刘书记"]
    ctx = demo.world.ctx

    demo.narrate("刘书记私聊机器人查看统计：三率、用时、高发问题（按钮切换时段和网格）")
    liu.say(liu.id, "/stats")
    await demo.settle()
    view = demo.last_bot_message(liu.id, "响应率")
    await demo.press(liu, view, T.PERIOD_BUTTONS["lm"])
    await demo.press(liu, demo.last_bot_message(liu.id, "响应率"), T.STATS_CHARTS)

    demo.narrate("导出台账：一案一行的 Excel，直接发到私聊（反映人姓名已脱敏）")
    liu.say(liu.id, "/export")
    await demo.settle()
    menu = demo.last_bot_message(liu.id, "导出")
    await demo.press(liu, menu, f"{T.PERIOD_BUTTONS['lm']} · {T.EXPORT_FORMAT_XLSX}")

    demo.narrate("每月 1 日，机器人在居民群开「社情发布会」（演示：现在就发上个月的）")
    async with transaction(ctx.pool) as session:
        await reports.ensure_report_timers(session, demo.clock.now(), ctx.tz)
        community_id = await session.scalar(select(Community.id).order_by(Community.id))
        await timers.schedule(session, "report.monthly", f"community:{community_id}",
                              demo.clock.now() + timedelta(minutes=1))
        daily = await timers.pending(session, "report.daily", f"community:{community_id}")
    await demo.advance(minutes=2)

    demo.narrate("每天 9:00，超时工单按网格员「晾晒」给社区工作人员")
    wait = daily[0].due_at - demo.clock.now()
    await demo.advance(seconds=wait.total_seconds() + 60)
