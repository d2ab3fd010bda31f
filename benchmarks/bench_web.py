"""Benchmark (not a test): the web desk's ledger page and dashboard JSON on a big seed.

Seed first (scripts/seed.py), then:

    .venv/bin/python scripts/seed.py --url sqlite+aiosqlite:////tmp/big.db --cases 200000
    .venv/bin/python benchmarks/bench_web.py --db sqlite+aiosqlite:////tmp/big.db

Logs in as the first community's organizer (a signed session cookie) and times, over
HTTP through aiohttp's test server: the ledger's first page, a filtered page (status +
category + search), a search for a term no case holds (every case read, unless
PostgreSQL's trigram index answers), a deep page, the JSON of a page, and the dashboard
JSON for last month with its 30-second cache bypassed. Prints p50 / p95 in milliseconds.
`--admin` makes that organizer an admin too: the ledger then spans every community.
`--compare` times the street officer's 各社区对比 instead (`/desk/api/compare`, as an admin:
every community side by side) for last week, last month and this year, cache cleared.
The database is first brought up to date as the bot's start does (`migrate.upgrade`): a
seed made before the per-day rollup of the comparison gets it filled then (timed).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot import features
from bot.clock import FakeClock
from bot.config import Settings
from bot.context import AppContext
from bot.db import migrate
from bot.db.models import Case, Person, Role
from bot.db.session import create_engine, create_session_factory
from web.app import CACHE, SESSIONS, root_app
from web.auth import COOKIE
from web.config import WebSettings

NOW = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(round(q * (len(ordered) - 1)), len(ordered) - 1)]


async def bench(url: str, repeat: int, admin: bool = False, compare: bool = False,
                only: str = "") -> None:
    features.wire()
    engine = create_engine(url)
    t = time.perf_counter()
    await migrate.upgrade(engine)  # as the bot's start: e.g. fills the comparison's rollup
    upgraded = time.perf_counter() - t
    pool = create_session_factory(engine)
    async with pool() as s:
        total = await s.scalar(select(func.count()).select_from(Case))
        person_id, community_id = (await s.execute(
            select(Role.person_id, Role.community_id).where(Role.role == "organizer")
            .order_by(Role.id).limit(1))).one()
        name, tg_id = (await s.execute(
            select(Person.name, Person.tg_id).where(Person.id == person_id))).one()
        mine = await s.scalar(select(func.count()).select_from(Case)
                              .where(Case.community_id == community_id))
    admin = admin or compare
    settings = Settings(_env_file=None, database_url=url, admin_ids=[tg_id] if admin else [])
    ctx = AppContext(settings=settings, pool=pool, clock=FakeClock(NOW))
    print(f"{url}: {total} cases; organizer {name} of community {community_id} "
          f"({mine} cases){', as admin (every community)' if admin else ''}; "
          f"upgrade {upgraded:.1f} s")
    app = root_app(ctx, WebSettings(_env_file=None, secret="bench"), "1:bench")
    client = TestClient(TestServer(app))
    await client.start_server()
    desk = app._subapps[0]  # the /desk application
    _sess, cookie = desk[SESSIONS].new(person_id, NOW)
    client.session.cookie_jar.update_cookies({COOKIE: cookie})
    pages = {
        "ledger, first page": "/desk/cases",
        "ledger, filtered + search": "/desk/cases?status=closed&category=parking&q=车",
        "ledger, search, rare term": "/desk/cases?q=水管爆裂",
        "ledger, page 100": "/desk/cases?page=100",
        "ledger JSON, overdue": "/desk/api/cases?overdue=1",
        "dashboard JSON, last month": "/desk/api/dashboard?period=lm",
    }
    if compare:
        pages = {f"compare JSON, {label}": f"/desk/api/compare?period={code}"
                 for code, label in (("lw", "last week"), ("lm", "last month"),
                                     ("ty", "this year"))}
    pages = {label: path for label, path in pages.items() if only in label}
    try:
        for label, path in pages.items():
            times = []
            for _ in range(repeat):
                desk[CACHE].clear()
                t = time.perf_counter()
                response = await client.get(path)
                await response.read()
                assert response.status == 200, (path, response.status)
                times.append((time.perf_counter() - t) * 1000)
            print(f"  {label:30} p50 {statistics.median(times):7.1f} ms   "
                  f"p95 {pct(times, 0.95):7.1f} ms   (n={repeat})")
    finally:
        await client.close()
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True, help="async database URL")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--admin", action="store_true",
                        help="log in as an admin: the ledger spans every community")
    parser.add_argument("--compare", action="store_true",
                        help="time the comparison of communities (as an admin) instead")
    parser.add_argument("--only", default="", help="time only the pages whose label has this")
    args = parser.parse_args()
    for url in args.db:
        asyncio.run(bench(url, args.repeat, args.admin, args.compare, args.only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
