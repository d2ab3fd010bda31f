"""Report charts render as PNG with a font that has every Chinese character we draw
(matplotlib warns about a missing glyph, and warnings are errors in this suite)."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from matplotlib.ft2font import FT2Font

from bot import charts
from bot.db.session import transaction
from bot.reports import charts as report_charts
from bot.reports import stats
from bot.reports import texts as T
from bot.taxonomy import CATEGORIES
from tests.reports_kit import build, utc

TZ = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n"


def test_cjk_font_has_every_label_glyph():
    font = FT2Font(charts.cjk_font_path())
    labels = "".join([T.CHART_CATEGORIES, T.CHART_TREND, T.CHART_RATES, T.CHART_COUNT,
                      T.CHART_TREND_OPENED, T.CHART_TREND_RESOLVED, *T.CHART_RATE_NAMES,
                      *CATEGORIES.values(), "第一网格第二网格"])
    missing = [ch for ch in set(labels) if not font.get_char_index(ord(ch))]
    assert not missing


async def test_three_charts_for_a_community_month(pool):
    october = stats.month_of(date(2026, 10, 1), TZ)
    async with transaction(pool) as s:
        w = await build(s)
        pngs = await report_charts.all_charts(s, stats.Scope(w.community.id), october,
                                              utc(2026, 11, 2), TZ)
        grid_only = await report_charts.rates_by_grid_chart(
            s, stats.Scope(w.community.id, w.grid_b.id), october, utc(2026, 11, 2))
    assert len(pngs) == 3
    for png in [*pngs, grid_only]:
        assert png.startswith(PNG) and len(png) > 5_000


async def test_charts_of_an_empty_period_still_render(pool):
    june = stats.month_of(date(2026, 6, 1), TZ)
    async with transaction(pool) as s:
        w = await build(s)
        pngs = await report_charts.all_charts(s, stats.Scope(w.community.id), june,
                                              utc(2026, 11, 2), TZ)
    assert all(p.startswith(PNG) for p in pngs)
