"""The per-day rollup behind the comparison of communities (bot.db.models.rollups, read by
bot.reports.rollup): whatever happens to the cases — accepted, resolved, rated, closed
unrated, reopened, escalated, transferred (to another worker, grid or community), merged as
a duplicate, turned into a suggestion, anonymised, forgotten, changed by a bulk UPDATE — and
however time passes, the comparison's figures equal the un-rolled computation
(desk.rates_by, which equals /stats: tests/test_web_auth.py) for every period, and the
tables kept by the triggers equal the tables rebuilt from the cases."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text, update

from bot.cases import workflow
from bot.cases.render import RATINGS as R_RATINGS
from bot.db import migrate
from bot.db.models import Case, Community, Grid, Person, Role
from bot.db.models.rollups import BOTH, ROLLUP, TRIGGER, create_case_rollup, fill_sql
from bot.db.session import transaction
from bot.privacy.rights import forget
from bot.reports import desk, rollup, stats
from tests.reports_kit import build, make_case
from tests.test_web_street import client, login, street

__all__ = ["client", "street"]  # fixtures

TZ = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
START = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _moment(rng: random.Random, around: datetime, days: float) -> datetime:
    """A time near `around`, often on a UTC or local (16:00Z) midnight or a hair off it."""
    t = around + timedelta(seconds=rng.uniform(-days, days) * 86400)
    if rng.random() < 0.3:
        edge = t.replace(hour=rng.choice((0, 16)), minute=0, second=0, microsecond=0)
        t = edge + rng.choice((timedelta(0), timedelta(microseconds=-1), timedelta(seconds=1)))
    return t


def _new_case(rng: random.Random, w: Any, now: datetime) -> Case:
    opened = min(_moment(rng, now - timedelta(days=35), 40), now)
    kw: dict[str, Any] = {"status": "open", "owner_id": w.w1.id, "escalations": 0,
                          "reopened_count": 0}
    if rng.random() < 0.1:
        kw["kind"] = "suggestion"
    else:
        kw["accept_due"] = opened + rng.choice((H / 2, 2 * H, 9 * H, 30 * H))
        kw["resolve_due"] = opened + rng.choice((24 * H, 72 * H, 8 * H, 240 * H))
    if rng.random() < 0.1:
        kw["source"] = "patrol"
    case = make_case(w.community, w.grid_a, w.chat_a, opened, **kw)
    for _ in range(rng.randrange(4)):
        _step(rng, case, min(opened + timedelta(hours=rng.uniform(0, 200)), now), [w])
    return case


def _step(rng: random.Random, c: Case, at: datetime, worlds: list[Any]) -> str:
    """One transition of a case at `at`, as the domain makes it (bot.cases.workflow)."""
    move = rng.choice(("accept", "resolve", "rate", "unrated", "reopen", "escalate",
                       "transfer", "move", "duplicate", "suggestion", "anonymise"))
    if move == "accept" and c.status == "open":
        c.status, c.accepted_at = "accepted", at
    elif move == "resolve" and c.status in ("open", "accepted"):
        c.status, c.resolved_at = "resolved", at
        c.accepted_at = c.accepted_at or at
    elif move in ("rate", "unrated") and c.status == "resolved":
        c.status, c.closed_at = "closed", at
        if move == "rate":
            c.close_reason, c.rating, c.rated_at = "rated", rng.choice(
                (stats.SATISFIED, stats.BASIC, stats.UNSATISFIED)), at
        else:
            c.close_reason = "unrated"
    elif move == "reopen" and c.status in ("resolved", "closed") and c.close_reason != "duplicate":
        c.status, c.resolved_at, c.closed_at = "accepted", None, None
        c.rating = c.rated_at = c.close_reason = None
        c.reopened_count += 1
    elif move == "escalate" and c.status in ("open", "accepted"):
        c.level, c.escalations, c.next_due = "community", c.escalations + 1, at + 24 * H
    elif move == "transfer":
        c.owner_id = rng.choice((worlds[0].w1.id, worlds[0].w2.id))
    elif move == "move":  # to another community (a case filed in the wrong one)
        c.community_id = rng.choice(worlds).community.id
    elif move == "duplicate" and c.status in ("open", "accepted"):
        c.status, c.close_reason, c.closed_at = "closed", "duplicate", at
    elif move == "suggestion" and c.status == "open":
        c.kind, c.accept_due, c.resolve_due = "suggestion", None, None
    elif move == "anonymise":
        c.reporter_id, c.anonymous, c.text = None, True, "（已删除）"
    else:
        return ""
    return move


def _periods(rng: random.Random, now: datetime) -> list[stats.Period]:
    today = now.astimezone(TZ).date()
    out = [stats.period_choice(code, now, TZ) for code in stats.PERIOD_CODES]
    for _ in range(3):
        first = today - timedelta(days=rng.randrange(60))
        out.append(stats.day_range(first, first + timedelta(days=rng.randrange(45)), TZ))
    out.append(stats.day_range(date(2026, 10, 1), date(2026, 10, 1), ZoneInfo("UTC")))
    return out


async def _tables(session: Any) -> dict[str, set[tuple[Any, ...]]]:
    out = {}
    for table in (ROLLUP, BOTH):
        rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
        out[table] = {tuple(str(v) for v in r) for r in rows if any(v for v in r[2:]
                      if isinstance(v, int)) or (table == BOTH and r[-1])}
    return out


async def _check(session: Any, ids: list[int], now: datetime, rng: random.Random) -> int:
    """The comparison's figures equal rates_by's for every period; the triggers' tables
    equal a rebuild. Returns how many periods had a rolled part."""
    rolled = 0
    for period in _periods(rng, now):
        want = (await desk.rates_by(session, [Case.community_id.in_(ids)], period, now,
                                    dims=("communities",)))["communities"]
        got = await rollup.rates_by_community(session, ids, period, now)
        for cid in ids:
            assert got.get(cid, desk.Rates()) == want.get(cid, desk.Rates()), (period, now, cid)
        rolled += rollup.split(period, now)[0] is not None
    kept = await _tables(session)
    conn = await session.connection()
    for sql in fill_sql(conn.dialect.name):
        await session.execute(text(sql))
    assert await _tables(session) == kept
    return rolled


async def test_the_comparison_from_the_rollup_is_the_computation_of_stats(pool):
    rng = random.Random(17)
    async with transaction(pool) as session:
        worlds = [await build(session, code) for code in ("东湖", "银虹", "丽景")]
        ids = [w.community.id for w in worlds]
        now = START
        cases = [_new_case(rng, rng.choice(worlds), now) for _ in range(240)]
        session.add_all(cases)
        await session.flush()
        rolled = await _check(session, ids, now, rng)
        moves: set[str] = set()
        for _round in range(6):
            now += timedelta(hours=rng.choice((1, 7, 20, 49)))  # deadlines pass
            for c in rng.sample(cases, 60):
                moves.add(_step(rng, c, now - timedelta(minutes=rng.randrange(600)), worlds))
            gone = rng.sample(cases, 5)  # forgotten (retention, /forget)
            for c in gone:
                cases.remove(c)
                await session.delete(c)
            cases += [_new_case(rng, rng.choice(worlds), now) for _ in range(10)]
            session.add_all(cases[-10:])
            await session.flush()
            # A bulk UPDATE past the ORM (e.g. a timer closing every unrated case)
            await session.execute(
                update(Case).where(Case.status == "resolved", Case.resolved_at < now - 72 * H)
                .values(status="closed", close_reason="unrated", closed_at=now))
            rolled += await _check(session, ids, now, rng)
        assert moves >= {"accept", "resolve", "rate", "unrated", "reopen", "escalate",
                         "transfer", "move", "duplicate", "suggestion", "anonymise"}
        assert rolled >= 30  # most periods were read from the rollup, not all live
        # A whole community's cases deleted (a community removed)
        await session.execute(delete(Case).where(Case.community_id == ids[0]))
        await _check(session, ids, now, rng)
        got = await rollup.rates_by_community(
            session, ids, stats.period_choice("ty", now, TZ), now)
        assert got.get(ids[0], desk.Rates()) == desk.Rates()


async def test_an_older_database_gets_the_rollup_filled_on_upgrade(pool, engine):
    """A database made before the rollup (no tables, no triggers) gets both, filled
    from its cases, by the next upgrade (`linli db upgrade`, start-up)."""
    rng = random.Random(4)
    async with transaction(pool) as session:
        worlds = [await build(session, code) for code in ("东湖", "银虹")]
        session.add_all([_new_case(rng, rng.choice(worlds), START) for _ in range(80)])
    ids = [w.community.id for w in worlds]
    period = stats.period_choice("ty", START, TZ)
    async with pool() as session:
        before = await rollup.rates_by_community(session, ids, period, START)
    async with engine.begin() as conn:
        for op in ("insert", "delete", "update"):
            on = " ON cases" if conn.dialect.name == "postgresql" else ""
            await conn.execute(text(f"DROP TRIGGER {TRIGGER}_{op}{on}"))
        await conn.execute(text(f"DROP TABLE {BOTH}"))
        await conn.execute(text(f"DROP TABLE {ROLLUP}"))
    await migrate.upgrade(engine)
    async with pool() as session:
        assert await rollup.rates_by_community(session, ids, period, START) == before
        assert before[ids[0]].opened > 0
        c = await session.scalar(select(Case).where(Case.community_id == ids[0],
                                                    Case.status == "open").limit(1))
        c.status, c.accepted_at = "accepted", START  # the triggers are back
        await session.flush()
        await _check(session, ids, START + H, rng)
    async with engine.begin() as conn:  # idempotent: a second run changes nothing
        assert await conn.run_sync(create_case_rollup)


async def _person(session: Any, tg_id: int) -> Any:
    return await session.scalar(select(Person).where(Person.tg_id == tg_id))


async def test_the_street_officers_comparison_follows_the_bot_through_every_step(
        world, street, client):
    """The bot's own actions — a resident's report in the group, 接单, 转派, 办结, 满意 and
    不满意 (reopened), 上报, 合并重复, deadlines passing and the rating window closing the
    case unrated, /forget — and the comparison the street officer reads on the desk stays
    the figures of /stats for every period, with whole days read from the rollup."""
    assert R_RATINGS[:3] == (stats.SATISFIED, stats.BASIC, stats.UNSATISFIED)  # 1, 2, 3
    t0 = world.clock.now()
    world.sb.add_user("孙大爷", user_id=777001).start_bot()
    async with transaction(world.ctx.pool) as session:
        yin, li = [await session.scalar(select(Community).where(Community.name == n))
                   for n in ("银虹社区", "丽景社区")]
        reporter = Person(tg_id=777001, name="孙大爷")
        session.add(reporter)
        await session.flush()
        made = []
        for i, (community, days) in enumerate(
                [(yin, 40), (yin, 33), (yin, 12), (yin, 6), (yin, 2), (yin, 1),
                 (li, 35), (li, 9), (li, 3), (li, 1)]):
            grid = await session.scalar(select(Grid).where(Grid.community_id == community.id)
                                        .order_by(Grid.id))
            case = make_case(community, grid, -1, t0 - timedelta(days=days, hours=i),
                             reporter_id=reporter.id, text=f"第{i}件：楼道灯不亮",
                             status="open", escalations=0, reopened_count=0)
            session.add(case)
            made.append(case)
        await session.flush()
        ids = [c.id for c in made]
        reporter_id = reporter.id
    street.chen.say(street.group.id, "3号楼楼道灯坏了好几天了，晚上看不见路")  # intake
    await world.settle()

    async def act(step: Any) -> None:
        async with transaction(world.ctx.pool) as session:
            people = {tg: await _person(session, tg) for tg in (1101, 1102, 1201, 2101, 2201)}
            people["reporter"] = await session.get(Person, reporter_id)
            await step(session, people, world.clock.now())

    async def worker(session: Any, case_id: int) -> Any:
        case = await session.get(Case, case_id)
        return await session.scalar(select(Person).join(Role, Role.person_id == Person.id)
                                    .where(Role.grid_id == case.grid_id, Role.role == "grid_worker"))

    async def day_one(s: Any, p: dict[Any, Any], now: datetime) -> None:
        for cid in ids[:9]:
            await workflow.accept(s, world.ctx, cid, await worker(s, cid), now)
        await workflow.transfer(s, world.ctx, ids[3], p[2101], (await worker(s, ids[3])).id,
                                now, by_organizer=True)  # 改派: to accept again
        await workflow.escalate_by(s, world.ctx, ids[4], p[2101], now, 0)  # 上报
        await workflow.close_duplicate(s, world.ctx, ids[5], ids[2], p[2101], now)

    async def day_two(s: Any, p: dict[Any, Any], now: datetime) -> None:
        for cid in (ids[0], ids[1], ids[2], ids[6], ids[7]):
            await workflow.resolve(s, world.ctx, cid, await worker(s, cid), "已修好", None, now)
        await workflow.rate(s, world.ctx, ids[0], 0, 1, p["reporter"], now)  # 满意
        await workflow.rate(s, world.ctx, ids[1], 0, 3, p["reporter"], now)  # 不满意: reopened
        await workflow.rate(s, world.ctx, ids[6], 0, 2, p["reporter"], now)  # 基本满意

    async def forgotten(s: Any, p: dict[Any, Any], now: datetime) -> None:
        await forget(s, p["reporter"], now)

    await world.advance(hours=20)
    await act(day_one)
    await world.advance(hours=30)
    await act(day_two)
    await world.advance(days=4)  # deadlines pass; the rating window closes 2 and 7 unrated
    await act(forgotten)
    await world.advance(hours=5)
    async with world.ctx.pool() as session:
        states = {c.id: (c.status, c.close_reason) for c in await session.scalars(
            select(Case).where(Case.id.in_(ids)))}
    assert states[ids[0]] == ("closed", "rated") and states[ids[1]] == ("accepted", None)
    assert states[ids[2]] == ("closed", "unrated") and states[ids[5]][1] == "duplicate"
    await login(world, client, street["街道赵主任"])
    now = world.clock.now()
    rolled = 0
    for code in stats.PERIOD_CODES:
        data = await (await client.get(f"/desk/api/compare?period={code}")).json()
        period = stats.period_choice(code, now, world.ctx.tz)
        rolled += rollup.split(period, now)[0] is not None
        async with world.ctx.pool() as s:
            for row in data["rows"]:
                f = await stats.figures(s, stats.Scope(row["id"]), period, now, extras=False)
                assert (row["opened"], row["resolved"], row["overdue"]) == (
                    f.opened, f.resolved, f.overdue), (code, row)
                for key, rate in (("response", f.response_rate), ("resolve", f.resolve_rate),
                                  ("satisfaction", f.satisfaction_rate)):
                    assert row[key] == (None if rate is None else round(100 * rate, 1)), (
                        code, key, row)
    assert rolled == 5
    ty = await (await client.get("/desk/api/compare?period=ty")).json()
    yin_row = next(r for r in ty["rows"] if r["label"] == "银虹社区")
    assert yin_row["opened"] == 6 + 1 - 1  # six made, one reported in the group, one merged
    # 满意 closed the first; 不满意 reopened the second, which is not closed: not yet rated
    assert (yin_row["satisfaction"], yin_row["resolved"]) == (100.0, 2)
