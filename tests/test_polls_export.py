"""Poll export: CSV with BOM and xlsx, through `linli polls export`; quiet-hour reminders."""
from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from bot.cli import main as cli_main
from bot.db.models import OutboxMessage
from bot.db.session import transaction
from bot.polls import service as svc
from scheduler.timers import fire_due
from tests.test_polls_service import START, build_org, spec, vote


async def closed_poll(ctx, clock, **kw):  # type: ignore[no-untyped-def]
    clock.set(START)
    ids = await build_org(ctx)
    async with transaction(ctx.pool) as session:
        poll = await svc.create(session, ctx, spec(ids, opens_at=None, **kw), created_by_id=None,
                                now=clock.now())
        pid = poll.id
    await vote(ctx, pid, ids["王阿姨"], [0])
    await vote(ctx, pid, ids["小赵"], [1])
    clock.advance(days=3)
    await fire_due(ctx)
    return pid


async def test_export_csv_and_xlsx(ctx, clock, db_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    pid = await closed_poll(ctx, clock)
    monkeypatch.setenv("LINLI_DATABASE_URL", db_url)
    out = tmp_path / "poll.csv"
    code = await asyncio.to_thread(cli_main, ["polls", "export", str(pid), "--format", "csv",
                                              "--out", str(out)])
    assert code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:4] == ["编号", "问题", "选项", "票数"]
    assert rows[1][2:4] == ["同意", "1"] and "王阿姨" in rows[1][5]
    assert any(r and r[1] == "小赵" and r[4] == "不同意" for r in rows)
    xlsx = tmp_path / "poll.xlsx"
    assert await asyncio.to_thread(cli_main, ["polls", "export", str(pid), "--out", str(xlsx)]) == 0
    book = load_workbook(xlsx)
    assert book.sheetnames == ["结果", "投票明细"]
    assert book["结果"]["C2"].value == "同意" and book["结果"]["D2"].value == 1
    assert book["投票明细"].max_row == 3
    missing = await asyncio.to_thread(cli_main, ["polls", "export", "99", "--out", str(xlsx)])
    assert missing == 1


async def test_anonymous_export_names_nobody(ctx, clock, tmp_path):  # type: ignore[no-untyped-def]
    from bot.polls import export as poll_export

    pid = await closed_poll(ctx, clock, anonymous=True)
    async with ctx.pool() as session:
        poll = await svc.get(session, pid)
        results, ballots = await poll_export.table(session, poll, ctx.tz)
        result_post = [r for r in await session.scalars(select(OutboxMessage))
                       if "结果：" in r.payload.get("text", "")]
    flat = str(results) + str(ballots)
    assert "王阿姨" not in flat and "小赵" not in flat
    assert result_post and "王阿姨" not in result_post[0].payload["text"]


async def test_reminder_waits_for_quiet_hours(ctx, clock):  # type: ignore[no-untyped-def]
    ctx.settings = ctx.settings.model_copy(update={"quiet_hours": "22:00-07:00"})
    clock.set(START)
    ids = await build_org(ctx)
    # closes at 00:30 local: the 2-hour reminder falls at 22:30, inside quiet hours → 07:00
    # is after the close, so it is dropped; the 1-day one (00:30 the day before) waits to 07:00
    closes = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)
    async with transaction(ctx.pool) as session:
        await svc.create(session, ctx, spec(ids, opens_at=None, closes_at=closes),
                         created_by_id=None, now=clock.now())
    clock.set(closes - timedelta(days=1))
    await fire_due(ctx)
    clock.set(closes - timedelta(hours=2))
    await fire_due(ctx)
    async with ctx.pool() as session:
        reminders = [r for r in await session.scalars(select(OutboxMessage))
                     if "将于" in r.payload.get("text", "")]
    assert len(reminders) == 2  # one per group, from the 1-day reminder only
    assert all(r.not_before == datetime(2026, 11, 24, 23, 0, tzinfo=UTC) for r in reminders)
