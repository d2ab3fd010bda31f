"""Every figure of bot.reports.stats against values worked out by hand on the fixture
(see test_reports_fixture for the eight cases and what each one exercises)."""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db.models import Community
from bot.db.session import transaction
from bot.reports import stats
from bot.reports.render import stats_message
from bot.reports.stats import Scope
from tests.reports_kit import H, build, make_case, utc

TZ = ZoneInfo("Asia/Shanghai")
OCTOBER = stats.month_of(date(2026, 10, 1), TZ)
NOW = utc(2026, 11, 2, 1)


async def test_october_for_the_community(pool):
    async with transaction(pool) as s:
        w = await build(s)
        f = await stats.figures(s, Scope(w.community.id), OCTOBER, NOW)
    assert (OCTOBER.start, OCTOBER.end) == (utc(2026, 9, 30, 16), utc(2026, 10, 31, 16))
    # c1 c2 c3 c4 c5 c8 opened; c6 is a duplicate; c7 was opened in September.
    assert (f.opened, f.duplicates, f.plus_ones, f.reopened) == (6, 1, 2, 1)
    # resolved in October: c1 c2 c3 c7; closed: c1 c2 c3 c7 (c6 duplicate excluded)
    assert (f.resolved, f.closed) == (4, 4)
    # 响应率: due c1 c2 c3 c4 c7 (not c5 suggestion, c6 duplicate, c8 due in November);
    # in time c1 c3 c7.
    assert (f.accepted_in_time, f.due_accept) == (3, 5)
    assert f.response_rate == pytest.approx(0.6)
    # 解决率: due c1 c2 c3 c4 c7; resolved c1 c2 c3 c7.
    assert (f.resolved_of_due, f.due_resolve) == (4, 5)
    assert f.resolve_rate == pytest.approx(0.8)
    # 满意率: rated c1 满意, c2 基本满意, c7 不满意; c3 closed unrated.
    assert (f.rated, f.satisfied, f.basic, f.unsatisfied, f.unrated) == (3, 1, 1, 1, 1)
    assert f.satisfaction_rate == pytest.approx(2 / 3)
    assert f.unrated_share == pytest.approx(1 / 4)
    # overdue: c2 (late twice) and c4 (missed both) count once each.
    assert f.overdue == 2
    # to accept (accepted in October): c3 0.5h, c1 1h, c5 1h, c7 1.5h, c2 3h.
    assert f.to_accept.count == 5
    assert f.to_accept.median == H
    assert f.to_accept.p90 == timedelta(hours=2, minutes=24)  # 1.5 + (3 - 1.5) * 0.6
    # to resolve: c1 24h, c7 36h, c3 40h, c2 80h.
    assert f.to_resolve.median == 38 * H
    assert f.to_resolve.p90 == 68 * H  # 40 + (80 - 40) * 0.7
    assert f.top_categories == [("sanitation", 3), ("noise", 1), ("other", 1), ("parking", 1)]
    assert f.top_buildings == [("3", 2), ("5", 2)]


async def test_scopes_grid_worker_category(pool):
    async with transaction(pool) as s:
        w = await build(s)
        cid = w.community.id
        grid_a = await stats.figures(s, Scope(cid, grid_id=w.grid_a.id), OCTOBER, NOW)
        worker2 = await stats.figures(s, Scope(cid, owner_id=w.w2.id), OCTOBER, NOW)
        sanitation = await stats.figures(s, Scope(cid, category="sanitation"), OCTOBER, NOW)
    # grid A: c1 c2 c5 opened (+ c6 duplicate); due for acceptance c1 c2 c7, in time c1 c7.
    assert (grid_a.opened, grid_a.duplicates) == (3, 1)
    assert (grid_a.accepted_in_time, grid_a.due_accept) == (2, 3)
    assert (grid_a.rated, grid_a.unrated) == (3, 0)
    # worker 2 owns c3 c4 c8: c4 is overdue; c3 was reopened.
    assert (worker2.opened, worker2.overdue, worker2.reopened) == (3, 1, 1)
    assert (worker2.resolved_of_due, worker2.due_resolve) == (1, 2)
    assert worker2.satisfaction_rate is None and worker2.unrated_share == 1.0
    # sanitation (current category): c1 c3 c8.
    assert sanitation.opened == 3
    assert sanitation.top_categories == [("sanitation", 3)]


async def test_no_cases_gives_zeros_and_no_rates(pool):
    async with transaction(pool) as s:
        community = Community(name="空社区", code="KONG")
        s.add(community)
        await s.flush()
        f = await stats.figures(s, Scope(community.id), OCTOBER, NOW)
        text = stats_message("空社区", f)
    assert (f.opened, f.resolved, f.closed, f.overdue, f.reopened, f.duplicates) == (0,) * 6
    assert f.response_rate is f.resolve_rate is f.satisfaction_rate is f.unrated_share is None
    assert f.to_accept.median is None and f.top_categories == []
    assert "响应率 —" in text and "满意率 —" in text


async def test_all_unrated(pool):
    async with transaction(pool) as s:
        w = await build(s, "西湖")
        other = Community(name="未评社区", code="WP")
        s.add(other)
        await s.flush()
        for day in (3, 4, 5):
            opened = utc(2026, 10, day, 2)
            s.add(make_case(other, w.grid_a, w.chat_a, opened, status="closed",
                            accepted_at=opened + H, resolved_at=opened + 5 * H,
                            closed_at=opened + 77 * H, close_reason="unrated"))
        await s.flush()
        f = await stats.figures(s, Scope(other.id), OCTOBER, NOW)
        text = stats_message("未评社区", f)
    assert (f.closed, f.rated, f.unrated) == (3, 0, 3)
    assert f.satisfaction_rate is None and f.unrated_share == 1.0
    assert f.response_rate == 1.0 and f.resolve_rate == 1.0
    assert "满意率 —" in text and "未评价 100.0%" in text


async def test_mid_period_counts_only_deadlines_already_passed(pool):
    """On 20 October at 11:00 local c4 (opened at 10:00, due at 12:00) is not yet due."""
    now = utc(2026, 10, 20, 3)
    async with transaction(pool) as s:
        w = await build(s)
        f = await stats.figures(s, Scope(w.community.id), OCTOBER, now)
    assert (f.accepted_in_time, f.due_accept) == (3, 4)  # c1 c2 c3 c7
    # resolution due by now: c1 c2 c3 c7 (c4 due 23 Oct); all resolved.
    assert (f.resolved_of_due, f.due_resolve) == (4, 4)
    assert f.overdue == 1  # only c2


async def test_accepted_early_counts_before_its_deadline(pool):
    """A case accepted before its deadline is in the 响应率 even if the deadline is ahead."""
    async with transaction(pool) as s:
        w = await build(s)
        now = utc(2026, 10, 25, 2, 30)
        s.add(make_case(w.community, w.grid_a, w.chat_a, utc(2026, 10, 25, 2),
                        status="accepted", accepted_at=utc(2026, 10, 25, 2, 20)))
        await s.flush()
        f = await stats.figures(s, Scope(w.community.id), OCTOBER, now)
    assert (f.accepted_in_time, f.due_accept) == (4, 6)  # c1 c3 c7 + new; c2 c4 late


async def test_overdue_now_lists_cases_past_a_deadline(pool):
    async with transaction(pool) as s:
        w = await build(s)
        # c8 was accepted; its resolution is due 3 Nov 15:00Z.
        late = await stats.overdue_now(s, w.community.id, utc(2026, 11, 4))
    assert [(c.number, c.stage) for c in late] == [
        (w.cases["c4"].number, "resolve"), (w.cases["c8"].number, "resolve")]


async def test_periods_are_local_calendar():
    now = utc(2026, 11, 2, 1)  # Monday 09:00 in Shanghai
    assert stats.period_choice("tw", now, TZ).first_day == date(2026, 11, 2)
    assert stats.period_choice("lw", now, TZ).first_day == date(2026, 10, 26)
    assert stats.period_choice("lm", now, TZ).first_day == date(2026, 10, 1)
    assert stats.period_choice("lm", now, TZ).last_day == date(2026, 10, 31)
    assert stats.period_choice("ty", now, TZ).start == utc(2025, 12, 31, 16)
    assert stats.percentile([1.0], 0.9) == 1.0 and stats.percentile([], 0.5) is None


async def test_stats_text_shows_every_figure(pool):
    async with transaction(pool) as s:
        w = await build(s)
        f = await stats.figures(s, Scope(w.community.id), OCTOBER, NOW)
    text = stats_message("东湖社区", f)
    for part in ("2026年10月", "新增诉求 6 件", "合并重复 1 件", "“我也是” 2 户", "处理完毕 4 件",
                 "超时 2 件", "重开 1 件", "响应率 60.0%（3/5）", "解决率 80.0%（4/5）",
                 "满意率 66.7%", "未评价 25.0%", "中位 1小时0分", "90% 在 2小时24分",
                 "中位 1天14小时", "环境卫生 3", "3号楼 2"):
        assert part in text, part
