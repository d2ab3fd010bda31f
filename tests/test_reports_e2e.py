"""/stats and /export through the real bot over HTTP (sandbox)."""
from __future__ import annotations

import io

import openpyxl

from bot.db.models import Person
from bot.db.session import transaction
from bot.reports import texts as T
from tests.reports_kit import build


async def _organizer(world, name="王书记"):
    user = world.sb.add_user(name)
    async with transaction(world.ctx.pool) as s:
        w = await build(s)
        organizer = await s.get(Person, w.organizer.id)
        organizer.tg_id = user.id
    user.start_bot()
    await world.sb.wait_for(user.id)
    return user, w


async def test_stats_with_period_and_scope_buttons(world):
    user, _ = await _organizer(world)
    user.say(user.id, "/stats")
    reply = await world.sb.wait_for(user.id)
    assert "东湖社区 · 全社区" in reply.text and "响应率" in reply.text
    assert "新增诉求 0 件" in reply.text  # this month (November) has no cases yet
    await world.sb.press(user, reply, "上月")
    await world.settle()
    shown = world.sb.bot_messages(user.id)[-1]
    assert "2026年10月" in shown.text and "响应率 60.0%（3/5）" in shown.text
    assert "满意率 66.7%" in shown.text and "未评价 25.0%" in shown.text
    await world.sb.press(user, shown, "第二网格")
    await world.settle()
    shown = world.sb.bot_messages(user.id)[-1]
    assert "东湖社区 · 第二网格" in shown.text and "新增诉求 3 件" in shown.text
    await world.sb.press(user, shown, T.STATS_CHARTS)
    await world.settle()
    photos = [m for m in world.sb.bot_messages(user.id) if m.photo is not None]
    assert len(photos) == 3 and "第二网格" in photos[0].caption


async def test_stats_refused_for_a_resident(world):
    await _organizer(world)
    resident = world.sb.add_user("居民")
    resident.start_bot()
    await world.sb.wait_for(resident.id)
    resident.say(resident.id, "/stats")
    reply = await world.sb.wait_for(resident.id)
    assert "只有社区工作人员" in reply.text


async def test_export_sends_the_ledger_file(world):
    user, _ = await _organizer(world)
    user.say(user.id, "/export")
    menu = await world.sb.wait_for(user.id)
    assert "导出" in menu.text
    await world.sb.press(user, menu, f"上月 · {T.EXPORT_FORMAT_XLSX}")
    doc = await world.sb.wait_for(user.id, lambda m: m.document is not None)
    assert "共 7 条" in doc.caption and doc.document.file_name.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(doc.document.data)).active
                .iter_rows(values_only=True))
    assert rows[0] == T.LEDGER_COLUMNS and len(rows) == 8
    assert "张*国" in [r[13] for r in rows]
    user.say(user.id, "/export 2026-10-01 2026-10-15 csv")
    doc = await world.sb.wait_for(user.id, lambda m: m.document is not None)
    assert doc.document.data.startswith(b"\xef\xbb\xbf") and "共 4 条" in doc.caption
    user.say(user.id, "/export 明天")
    reply = await world.sb.wait_for(user.id)
    assert reply.text == T.EXPORT_BAD_ARGS
