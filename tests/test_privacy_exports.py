"""Issue #18 items 2 and 6: the ledger is masked by default; an unmasked one only for an
admin who gives a reason, and every export is listed for admins with /exports."""
from __future__ import annotations

import io

import openpyxl

from bot.db.models import Person
from bot.db.session import transaction
from tests.reports_kit import build

ADMIN_ID = 900  # tests/conftest.py settings: admin_ids=[900]


async def _people(world):  # type: ignore[no-untyped-def]
    sb = world.sb
    organizer = sb.add_user("王书记")
    admin = sb.add_user("区管理员", user_id=ADMIN_ID)
    async with transaction(world.ctx.pool) as s:
        w = await build(s)
        (await s.get(Person, w.organizer.id)).tg_id = organizer.id
    for user in (organizer, admin):
        user.start_bot()
        await sb.wait_for(user.id)
    return organizer, admin


def _reporters(doc):  # type: ignore[no-untyped-def]
    rows = list(openpyxl.load_workbook(io.BytesIO(doc.document.data)).active
                .iter_rows(values_only=True))
    return {r[13] for r in rows[1:]}


async def test_unmasked_ledger_needs_an_admin_and_a_reason_and_is_recorded(world):
    organizer, admin = await _people(world)
    sb = world.sb
    organizer.say(organizer.id, "/export 2026-10-01 2026-10-31 明文 理由：核对电话")
    assert "只有管理员" in (await sb.wait_for(organizer.id, lambda m: "明文" in m.body)).text
    admin.say(admin.id, "/export 2026-10-01 2026-10-31 明文")
    await sb.wait_for(admin.id, lambda m: "必须写明理由" in m.body)
    admin.say(admin.id, "/export 2026-10-01 2026-10-31 明文 理由：核对独居老人联系电话")
    doc = await sb.wait_for(admin.id, lambda m: m.document is not None)
    assert "明文台账" in doc.caption and "张建国" in _reporters(doc)
    organizer.say(organizer.id, "/export 2026-10-01 2026-10-31")
    doc = await sb.wait_for(organizer.id, lambda m: m.document is not None)
    assert "张*国" in _reporters(doc) and "张建国" not in _reporters(doc)

    organizer.say(organizer.id, "/exports")
    await sb.wait_for(organizer.id, lambda m: "只有管理员可以查看导出记录" in m.body)
    admin.say(admin.id, "/exports")
    log = await sb.wait_for(admin.id, lambda m: "最近 2 次导出" in m.body)
    assert "明文，理由：核对独居老人联系电话" in log.text and "已隐藏个人信息" in log.text
    assert "王书记" in log.text and "工单台账" in log.text
