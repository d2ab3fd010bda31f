"""比学赶超 (issue 15.5) through the real bot and the sandbox with a fake clock: the monthly
ranking of a street's communities and of each community's grids is posted at month start
to organizers, the street's and district's officers (once) and an opted-in community's
groups; /rank shows the current month on demand."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import Community, Grid
from bot.db.session import transaction
from bot.reports import ensure_report_timers
from tests.levels_kit import setup
from tests.reports_kit import make_case, utc

H = timedelta(hours=1)


async def _november(world):  # type: ignore[no-untyped-def]
    """Four cases of November 2026: 银虹 does well (one found on a round), 丽景 badly."""
    async with transaction(world.ctx.pool) as s:
        grids = {g.name: g for g in await s.scalars(select(Grid))}
        coms = {c.id: c for c in await s.scalars(select(Community))}

        def case(grid: str, day: int, **kw):  # type: ignore[no-untyped-def]
            g = grids[grid]
            opened = utc(2026, 11, day, 2)
            return make_case(coms[g.community_id], g, -1, opened, **kw)

        s.add_all([
            case("银虹一网格", 5, source="patrol", status="closed", accepted_at=utc(2026, 11, 5, 3),
                 resolved_at=utc(2026, 11, 5, 12), closed_at=utc(2026, 11, 6, 2),
                 rating="satisfied", close_reason="rated"),
            case("银虹一网格", 6, status="resolved", accepted_at=utc(2026, 11, 6, 3),
                 resolved_at=utc(2026, 11, 6, 22)),
            case("银虹二网格", 7, status="open"),
            case("丽景一网格", 8, status="closed", accepted_at=utc(2026, 11, 8, 5),
                 resolved_at=utc(2026, 11, 12, 6), closed_at=utc(2026, 11, 13, 2),
                 rating="unsatisfied", close_reason="rated"),
        ])


async def test_the_monthly_ranking_is_posted_at_month_start(world):
    st = await setup(world)
    sb = world.sb
    await _november(world)
    async with transaction(world.ctx.pool) as s:
        await ensure_report_timers(s, world.clock.now(), world.ctx.tz)
    world.clock.set(utc(2026, 12, 1, 1, 59))
    await world.tick()
    assert not [m for m in sb.messages(st["街道赵主任"].id) if "🏆" in m.body]
    await world.advance(minutes=2)  # 1 December, 10:00 in Shanghai
    zhao = [m for m in sb.messages(st["街道赵主任"].id) if "🏆" in m.body]
    assert len(zhao) == 1  # once, though each community's timer fired
    text = zhao[0].text
    assert "丽景街街道各社区" in text and "2026年11月" in text and "规则" in text
    assert text.index("🚩1. 银虹社区") < text.index("2. 丽景社区")
    assert "主动发现 1/3（33.3%）" in text and "超时 1 件" in text
    assert "职能部门吹哨报到｜丽景街街道｜2026年11月" in text  # the month's /depts with it
    assert [m for m in sb.messages(st["区指挥中心马主任"].id) if "🏆" in m.body]
    zhou = next(m for m in sb.messages(st["银虹周书记"].id) if "🏆" in m.body).text
    assert "丽景街街道各社区" in zhou and "银虹社区各网格" in zhou
    assert zhou.index("🚩1. 银虹一网格") < zhou.index("2. 银虹二网格")
    wu = next(m for m in sb.messages(st["丽景吴书记"].id) if "🏆" in m.body).text
    assert "丽景社区各网格" in wu and "银虹社区各网格" not in wu
    # 银虹 opted in: its group sees the ranking, with no worker's name
    posted = [m for m in sb.bot_messages(st.group.id) if "🏆" in m.body]
    assert len(posted) == 1 and "李珊" not in posted[0].text and "规则" in posted[0].text
    # the next one is a month later
    await world.advance(days=1)
    assert len([m for m in sb.messages(st["街道赵主任"].id) if "🏆" in m.body]) == 1


async def test_rank_on_demand_for_the_street_and_for_an_organizer(world):
    st = await setup(world)
    sb = world.sb
    world.clock.set(utc(2026, 11, 20, 2))
    await _november(world)
    zhao = st["街道赵主任"]
    zhao.say(zhao.id, "/rank")
    shown = await sb.wait_for(zhao.id, lambda m: "🏆" in m.body)
    assert "2026年11月" in shown.text and "银虹社区各网格" in shown.text
    assert "丽景社区各网格" in shown.text and "规则" in shown.text
    await sb.press(zhao, shown, "上月").answer()
    await world.settle()
    assert "2026年10月" in sb.messages(zhao.id)[-1].text
    wu = st["丽景吴书记"]
    wu.say(wu.id, "/rank")
    theirs = await sb.wait_for(wu.id, lambda m: "🏆" in m.body)
    assert "丽景街街道各社区" in theirs.text and "银虹社区各网格" not in theirs.text
    st.chen.say(st.group, "/rank")
    assert "私聊" in (await sb.wait_for(st.group.id, lambda m: "私聊" in m.body)).text
