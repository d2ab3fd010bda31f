"""Fill an empty database with a realistic volume of cases (default 1,000,000 across
50 communities and the year before --end), for benchmarks and demos.

    .venv/bin/python scripts/seed.py --url sqlite+aiosqlite:///big.db
    .venv/bin/python scripts/seed.py --url postgresql+asyncpg://postgres@127.0.0.1/linli_big --cases 100000

Fast: the organisation goes in with Core executemany; cases as plain tuples in chunks
(SQLite: executemany; PostgreSQL: COPY). Case lifecycles are plausible: most are
accepted within the SLA, most resolved, most rated, a few duplicates and reopenings.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from tqdm import tqdm

from bot.db import migrate
from bot.db.models import (
    Building,
    Case,
    Community,
    Department,
    Grid,
    GroupChat,
    Person,
    Role,
)
from bot.db.session import create_engine, is_sqlite

GRIDS, BUILDINGS, RESIDENTS, WORKERS_PER_GRID = 5, 8, 200, 2
DEPARTMENTS = ("物业", "城管", "派出所", "市场监管", "住建")
CATEGORY_WEIGHTS = {
    "sanitation": 18, "noise": 10, "parking": 14, "ebike": 6, "street_order": 5,
    "elevator": 7, "water": 8, "heating_gas": 4, "facilities": 9, "property": 8,
    "greenery": 4, "safety": 3, "neighbour": 2, "other": 2,
}
TEXTS = {
    "sanitation": "{b}号楼楼下垃圾堆了好几天没人清理", "noise": "{b}号楼楼上每天晚上装修噪音太大",
    "parking": "{b}号楼门口消防通道被车堵了", "ebike": "{b}号楼楼道里有人给电动车充电",
    "street_order": "小区门口占道摆摊", "elevator": "{b}号楼电梯又坏了",
    "water": "{b}号楼停水了", "heating_gas": "{b}号楼暖气不热", "facilities": "{b}号楼楼道灯坏了",
    "property": "物业电话一直打不通", "greenery": "{b}号楼前的树枝挡住窗户了",
    "safety": "{b}号楼外墙瓷砖掉落", "neighbour": "{b}号楼邻居在楼道堆放杂物",
    "other": "想问一下社区活动怎么报名",
}
CASE_COLUMNS = (
    "id", "community_id", "grid_id", "year", "seq", "number", "kind", "text", "category",
    "category_auto", "urgency", "confidence", "matched", "place", "building", "unit", "room",
    "reporter_id", "anonymous", "source_chat_id", "source_message_id", "media_group_id",
    "card_message_id", "status", "level", "owner_id", "assignee_id", "department_id",
    "opened_at", "accepted_at", "resolved_at", "closed_at", "accept_due", "resolve_due",
    "close_reason", "rating", "rated_at", "reopened_count", "escalations", "plus_count",
    "duplicate_of_id", "resolution_note",
)
WHISTLE_COLUMNS = ("case_id", "department_id", "by_id", "at", "ack_due", "acked_at", "acked_by_id")
CHUNK = 20_000
H = timedelta(hours=1)


class Org:
    """What case generation needs to know about one community."""

    def __init__(self, cid: int, code: str) -> None:
        self.id, self.code = cid, code
        self.grids: list[tuple[int, int, list[str], list[int]]] = []  # id, chat, buildings, workers
        self.residents: list[int] = []
        self.departments: list[int] = []


async def seed_org(conn: AsyncConnection, n_communities: int, rng: random.Random) -> list[Org]:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    comms = [{"id": c, "name": f"演示社区{c:02d}", "code": f"S{c:02d}", "street": "示范街道",
              "settings": {}, "created_at": now} for c in range(1, n_communities + 1)]
    await conn.execute(insert(Community), comms)
    orgs = [Org(c["id"], c["code"]) for c in comms]
    grids, buildings, groups, people, roles, depts = [], [], [], [], [], []
    pid = gid = bid = did = 0
    for o in orgs:
        for _ in range(2):
            pid += 1
            people.append(_person(pid, f"书记{pid}", now))
            roles.append(_role(pid, "organizer", o.id, None))
        for name in DEPARTMENTS:
            did += 1
            depts.append({"id": did, "community_id": o.id, "name": name, "ack_hours": 4.0,
                          "categories": []})
            o.departments.append(did)
        for g in range(GRIDS):
            gid += 1
            grids.append({"id": gid, "community_id": o.id, "name": f"第{g + 1}网格",
                          "routing": "round_robin", "rr_cursor": 0})
            chat = -1_000_000_000_000 - gid
            groups.append({"chat_id": chat, "title": f"{o.code}第{g + 1}网格居民群", "grid_id": gid,
                           "active": True, "bot_is_admin": True, "privacy_warned": False,
                           "created_at": now})
            names = []
            for b in range(BUILDINGS):
                bid += 1
                number = str(g * BUILDINGS + b + 1)
                names.append(number)
                buildings.append({"id": bid, "grid_id": gid, "name": f"{number}号楼",
                                  "number": number})
            workers = []
            for w in range(WORKERS_PER_GRID):
                pid += 1
                people.append(_person(pid, f"网格员{pid}", now))
                roles.append(_role(pid, "grid_worker", o.id, gid, w))
                workers.append(pid)
            o.grids.append((gid, chat, names, workers))
        for _ in range(RESIDENTS):
            pid += 1
            people.append(_person(pid, rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(
                ["阿姨", "大爷", "先生", "女士", "小明", "建国", "秀英"]), now))
            o.residents.append(pid)
    for table, rows in ((Person, people), (Grid, grids), (Building, buildings),
                        (GroupChat, groups), (Role, roles), (Department, depts)):
        for i in range(0, len(rows), 5000):
            await conn.execute(insert(table), rows[i:i + 5000])
    return orgs


def _person(pid: int, name: str, now: datetime) -> dict[str, Any]:
    return {"id": pid, "tg_id": 10_000_000 + pid, "username": f"user{pid}", "name": name,
            "started_bot": True, "blocked_bot": False, "created_at": now}


def _role(pid: int, role: str, cid: int, gid: int | None, order: int = 0) -> dict[str, Any]:
    return {"person_id": pid, "role": role, "community_id": cid, "grid_id": gid,
            "duty_order": order}


def _lognormal(rng: random.Random, median: timedelta, sigma: float) -> timedelta:
    return median * math.exp(rng.gauss(0, sigma))


def plan(orgs: list[Org], total: int, rng: random.Random) -> list[tuple[Org, int, int, int]]:
    """(community, cases, first case id, seed) per community; sizes vary 1:3."""
    sizes = [rng.uniform(0.5, 1.5) for _ in orgs]
    counts = [int(s * total / sum(sizes)) for s in sizes]
    counts[0] += total - sum(counts)
    firsts = list(itertools.accumulate([1, *counts[:-1]]))
    return [(o, n, first, rng.randrange(2**32)) for o, n, first in zip(orgs, counts, firsts, strict=False)]


def generate_community(o: Org, n: int, first_id: int, seed_value: int, start: datetime,
                       end: datetime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Cases (CASE_COLUMNS order, naive UTC datetimes) and whistles of one community."""
    rng = random.Random(seed_value)
    start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    cats, weights = list(CATEGORY_WEIGHTS), list(itertools.accumulate(CATEGORY_WEIGHTS.values()))
    span = (end - start).total_seconds()
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(n))
    seqs: dict[int, int] = {}
    cases, whistles = [], []
    for i, opened in enumerate(times):
        local_year = (opened + timedelta(hours=8)).year
        seqs[local_year] = seq = seqs.get(local_year, 0) + 1
        gid, chat, buildings, workers = rng.choice(o.grids)
        cat = rng.choices(cats, cum_weights=weights)[0]
        b = rng.choice(buildings) if cat not in ("property", "other", "street_order") else None
        row, whistle = _lifecycle(rng, o, first_id + i, gid, chat, first_id + i, cat, b,
                                  workers, opened, end, local_year, seq)
        cases.append(row)
        if whistle:
            whistles.append(whistle)
    return cases, whistles


def _lifecycle(rng: random.Random, o: Org, case_id: int, gid: int, chat: int, msg_id: int,
               cat: str, building: str | None, workers: list[int], opened: datetime,
               now: datetime, year: int, seq: int) -> tuple[tuple[Any, ...], tuple[Any, ...] | None]:
    suggestion = rng.random() < 0.08
    urgent = not suggestion and rng.random() < 0.08
    accept_due = None if suggestion else opened + (0.5 * H if urgent else 2 * H)
    resolve_due = None if suggestion else opened + (24 * H if urgent else 72 * H)
    owner = rng.choice(workers)
    status, accepted, resolved, closed = "open", None, None, None
    reason = rating = rated_at = note = None
    reopened = 0
    whistle = None
    if rng.random() < 0.03:  # merged into an earlier case
        closed = opened + timedelta(minutes=rng.uniform(5, 120))
        status, reason, owner = ("closed", "duplicate", None) if closed <= now else (
            "open", None, owner)
        closed = closed if closed <= now else None
    else:
        t = opened + _lognormal(rng, timedelta(minutes=40), 1.0)
        if rng.random() < 0.98 and t <= now:
            status, accepted = "accepted", t
            if rng.random() < 0.02:
                whistle = (case_id, rng.choice(o.departments), owner, t + H, t + 5 * H,
                           t + 3 * H if t + 3 * H <= now else None, None)
            t += _lognormal(rng, timedelta(hours=30), 0.8)
            if rng.random() < 0.95 and t <= now:
                status, resolved, note = "resolved", t, "已处理完毕"
                r = rng.random()
                if r < 0.08:  # unsatisfied: reopened, resolved again
                    reopened = 1
                    t += _lognormal(rng, timedelta(hours=20), 0.6)
                    if t <= now:
                        resolved = t
                    else:
                        status, resolved = "accepted", None
                if status == "resolved":
                    t += _lognormal(rng, timedelta(hours=10), 1.0)
                    if rng.random() < 0.7 and t <= now:
                        rating = rng.choices(("satisfied", "basic", "unsatisfied"),
                                             (75, 20, 5))[0]
                        status, closed, reason, rated_at = "closed", t, "rated", t
                    elif resolved + 72 * H <= now:
                        status, closed, reason = "closed", resolved + 72 * H, "unrated"
    place = f"{building}号楼" if building else None
    row = (
        case_id, o.id, gid, year, seq, f"{o.code}-{year}-{seq:05d}",
        "suggestion" if suggestion else "complaint",
        TEXTS[cat].format(b=building or "1"), cat, cat if rng.random() < 0.95 else "other",
        "urgent" if urgent else "normal", 0.8, "[]", place, building, None, None,
        rng.choice(o.residents), rng.random() < 0.05, chat, msg_id, None, None, status, "grid",
        owner if accepted else None, None, None, opened, accepted, resolved, closed, accept_due,
        resolve_due, reason, rating, rated_at, reopened, 0,
        rng.choice((1, 1, 2, 3, 5)) if rng.random() < 0.1 else 0, None, note,
    )
    return row, whistle


def _for_sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Naive UTC datetimes as SQLAlchemy's SQLite DATETIME text (always with microseconds)."""
    return tuple(v.isoformat(" ", "microseconds") if isinstance(v, datetime) else v for v in row)


async def _write(conn: AsyncConnection, sqlite: bool, table: str, columns: tuple[str, ...],
                 rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    if sqlite:
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        await conn.exec_driver_sql(sql, [_for_sqlite(r) for r in rows])
    else:
        raw = (await conn.get_raw_connection()).driver_connection
        await raw.copy_records_to_table(table, records=rows, columns=list(columns))


async def seed(url: str, total: int, n_communities: int, end: datetime, days: int,
               seed_value: int) -> None:
    rng = random.Random(seed_value)
    engine = create_engine(url)
    sqlite = is_sqlite(url)
    await migrate.upgrade(engine)
    t0 = time.perf_counter()
    async with engine.begin() as conn:
        if await conn.scalar(select(func.count()).select_from(Community)):
            raise SystemExit("the database already has communities: seed an empty one")
        orgs = await seed_org(conn, n_communities, rng)
    print(f"organisation: {n_communities} communities in {time.perf_counter() - t0:.1f}s")
    done = n_whistles = 0
    async with engine.begin() as conn:
        # Bulk load without the secondary indexes, then build them once (much faster).
        indexes = list(Case.__table__.indexes)
        for index in indexes:
            await conn.execute(text(f"DROP INDEX {index.name}"))
        loop = asyncio.get_running_loop()
        start = end - timedelta(days=days)
        bar = tqdm(total=total, unit="case", desc="seeding", disable=None, leave=False)
        with bar, ProcessPoolExecutor(max(1, min(4, (os.cpu_count() or 2)))) as pool:
            jobs = [loop.run_in_executor(pool, generate_community, o, n, first, s, start, end)
                    for o, n, first, s in plan(orgs, total, rng)]
            for job in jobs:  # in order: generation runs ahead while we write
                cases, whistles = await job
                for i in range(0, len(cases), CHUNK):
                    await _write(conn, sqlite, "cases", CASE_COLUMNS, cases[i:i + CHUNK])
                await _write(conn, sqlite, "whistles", WHISTLE_COLUMNS, whistles)
                done += len(cases)
                n_whistles += len(whistles)
                bar.update(len(cases))
                if done // 100_000 != (done - len(cases)) // 100_000:
                    print(f"  {done:,} cases, {time.perf_counter() - t0:.0f}s", flush=True)
        print(f"  {done:,} cases loaded, {time.perf_counter() - t0:.0f}s; indexing", flush=True)
        for index in indexes:
            await conn.run_sync(index.create)
        if not sqlite:
            for table in ("communities", "grids", "buildings", "people", "departments", "cases"):
                await conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
    async with engine.connect() as conn:
        if sqlite:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        else:  # VACUUM too: index-only scans need the visibility map autovacuum would set
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    print(f"seeded {done:,} cases, {n_whistles:,} whistles in {time.perf_counter() - t0:.1f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy async URL of an empty database")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end", default="2026-11-01", help="UTC date the data ends (now)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    end = datetime.fromisoformat(args.end).replace(tzinfo=UTC)
    asyncio.run(seed(args.url, args.cases, args.communities, end, args.days, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
