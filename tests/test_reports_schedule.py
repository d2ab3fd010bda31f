"""Scheduled reports with a fake clock: timers fire, outbox rows carry the right text to
the right chats, and every report schedules its next occurrence."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import OutboxMessage, Timer
from bot.db.session import transaction
from bot.reports import service as reports
from scheduler import timers
from tests.reports_kit import build, utc


async def _setup(ctx):
    async with transaction(ctx.pool) as s:
        w = await build(s)
        made = await reports.ensure_report_timers(s, ctx.clock.now(), ctx.tz)
    return w, made


async def _outbox(ctx) -> list[OutboxMessage]:
    async with ctx.pool() as s:
        return list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def _pending(ctx) -> dict[str, Timer]:
    async with ctx.pool() as s:
        rows = await s.scalars(select(Timer).where(Timer.status == "pending",
                                                   Timer.kind.like("report.%")))
        return {t.kind: t for t in rows}


async def test_first_timers_are_created_once(ctx, clock):
    clock.set(utc(2026, 11, 2, 2))  # Monday 10:00 local, just after this week's 08:30
    w, made = await _setup(ctx)
    assert made == 3
    async with transaction(ctx.pool) as s:
        assert await reports.ensure_report_timers(s, clock.now(), ctx.tz) == 0
    pending = await _pending(ctx)
    assert pending["report.daily"].due_at == utc(2026, 11, 3, 1)  # Tue 09:00 local
    assert pending["report.weekly"].due_at == utc(2026, 11, 9, 0, 30)  # next Mon 08:30
    assert pending["report.monthly"].due_at == utc(2026, 12, 1, 2)  # 1 Dec 10:00
    assert {t.ref for t in pending.values()} == {f"community:{w.community.id}"}


async def test_monthly_public_summary_goes_to_every_group(ctx, clock):
    clock.set(utc(2026, 10, 31, 12))
    w, _ = await _setup(ctx)
    clock.set(utc(2026, 11, 1, 2))  # 1 November 10:00 local
    await timers.fire_due(ctx)
    rows = [r for r in await _outbox(ctx) if r.ref and r.ref.startswith("report.monthly")]
    assert sorted(r.chat_id for r in rows) == sorted([w.chat_a, w.chat_b])
    text = rows[0].payload["text"]
    assert "东湖社区 2026年10月 社情发布会" in text
    assert "上月居民共反映问题 6 件，已办结 4 件" in text
    assert "响应率 60.0%，解决率 80.0%，满意率 66.7%（未评价 25.0%）" in text
    assert "环境卫生 3" in text
    for private in ("李网格", "赵网格", "张建国", "楼道灯"):  # no names, no case texts
        assert private not in text
    assert (await _pending(ctx))["report.monthly"].due_at == utc(2026, 12, 1, 2)


async def test_weekly_summary_to_organizers_and_next_week(ctx, clock):
    clock.set(utc(2026, 10, 15))
    w, _ = await _setup(ctx)
    first = (await _pending(ctx))["report.weekly"]
    assert first.due_at == utc(2026, 10, 19, 0, 30)
    clock.set(utc(2026, 10, 19, 0, 29))
    await timers.fire_due(ctx)
    assert not [r for r in await _outbox(ctx) if r.ref and "weekly" in r.ref]
    clock.set(utc(2026, 10, 19, 0, 31))
    await timers.fire_due(ctx)
    rows = [r for r in await _outbox(ctx) if r.ref and "weekly" in r.ref]
    assert [r.chat_id for r in rows] == [w.organizer.tg_id]
    text = rows[0].payload["text"]
    # Week of 12-18 October: c3 (12th) and c5 (15th) and c6 (duplicate, 16th) opened.
    assert "上周工作小结" in text and "10月12日—10月18日" in text
    assert "新增诉求 2 件（合并重复 1 件" in text
    assert "第一网格：新增 1" in text and "第二网格：新增 1" in text
    assert (await _pending(ctx))["report.weekly"].due_at == utc(2026, 10, 26, 0, 30)


async def test_daily_overdue_list_by_worker(ctx, clock):
    clock.set(utc(2026, 11, 3, 20))
    w, _ = await _setup(ctx)
    clock.set(utc(2026, 11, 4, 1, 1))  # Wednesday 09:01 local
    await timers.fire_due(ctx)
    rows = [r for r in await _outbox(ctx) if r.ref and "daily" in r.ref]
    assert [r.chat_id for r in rows] == [w.organizer.tg_id]
    text = rows[0].payload["text"]
    assert "超时工单晾晒" in text and "共 2 件" in text
    assert "赵网格（2 件）" in text
    assert w.cases["c4"].number in text and w.cases["c8"].number in text
    assert "未办结 已超" in text
    assert "李网格" not in text  # nothing of hers is overdue
    assert (await _pending(ctx))["report.daily"].due_at == utc(2026, 11, 5, 1)


async def test_daily_without_overdue_sends_nothing_but_keeps_going(ctx, clock):
    clock.set(utc(2026, 10, 1))
    await _setup(ctx)
    clock.set(utc(2026, 10, 2, 1, 5))  # c7 was resolved in time: nothing overdue
    await timers.fire_due(ctx)
    assert not [r for r in await _outbox(ctx) if r.ref and "daily" in r.ref]
    assert (await _pending(ctx))["report.daily"].due_at == utc(2026, 10, 3, 1)


async def test_late_firing_reports_the_intended_period_and_skips_ahead(ctx, clock):
    """After three days of downtime the monthly post still covers October, once."""
    clock.set(utc(2026, 10, 31, 12))
    await _setup(ctx)
    clock.set(utc(2026, 11, 4, 2))
    await timers.fire_due(ctx)
    await timers.fire_due(ctx)
    rows = [r for r in await _outbox(ctx) if r.ref and r.ref.startswith("report.monthly")]
    assert len(rows) == 2 and "2026年10月" in rows[0].payload["text"]
    daily = [r for r in await _outbox(ctx) if r.ref and "daily" in r.ref]
    assert len(daily) == 1  # fired late once, not once per missed day
    pending = await _pending(ctx)
    assert pending["report.daily"].due_at == utc(2026, 11, 5, 1)
    assert pending["report.daily"].due_at - clock.now() < timedelta(days=1)
