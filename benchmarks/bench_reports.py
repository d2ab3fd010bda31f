"""Benchmark (not a test): /stats for one community-month, and the xlsx ledger export.

Seed first (scripts/seed.py, 1,000,000 cases ending 2026-11-01), then:

    .venv/bin/python benchmarks/bench_reports.py \\
        --db sqlite+aiosqlite:////tmp/big.db \\
        --db postgresql+asyncpg://postgres@127.0.0.1:5432/linli_big

For each database: the time of stats.figures() + rendering for one community and
October 2026 (first call, then the median of --repeat calls), the same for a grid
and a worker, and the xlsx export of --export-cases cases (time, rows/s, peak RSS
growth and tracemalloc peak, each export in a fresh child process; a smaller export
is measured too, to show memory does not grow with rows).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bot.db.models import Case, Community
from bot.db.session import create_engine, create_session_factory
from bot.reports import (
    ledger,
    stats,
)
from bot.reports.render import stats_message

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 1, tzinfo=UTC)
MONTH = stats.month_of(date(2026, 10, 1), TZ)


async def _timed(pool, scope: stats.Scope, repeat: int) -> tuple[float, float, int]:
    async def once() -> tuple[float, int]:
        t = time.perf_counter()
        async with pool() as session:
            f = await stats.figures(session, scope, MONTH, NOW)
            stats_message("bench", f)
        return (time.perf_counter() - t) * 1000, f.opened

    first, opened = await once()
    warm = [(await once())[0] for _ in range(repeat)]
    return first, statistics.median(warm), opened


async def bench_stats(url: str, repeat: int) -> None:
    engine = create_engine(url)
    pool = create_session_factory(engine)
    async with pool() as s:
        n = await s.scalar(select(func.count()).select_from(Case))
        # The busiest community is the worst case.
        cid = await s.scalar(select(Case.community_id).group_by(Case.community_id)
                             .order_by(func.count().desc()).limit(1))
        name = await s.scalar(select(Community.name).where(Community.id == cid))
        grid, owner = (await s.execute(
            select(Case.grid_id, Case.owner_id).where(Case.community_id == cid,
                                                      Case.owner_id.is_not(None)).limit(1))).one()
    print(f"  {n:,} cases; community {name} (id {cid}), {MONTH.first_day:%Y-%m}")
    for label, scope in (("community", stats.Scope(cid)), ("grid", stats.Scope(cid, grid)),
                         ("worker", stats.Scope(cid, owner_id=owner))):
        first, warm, opened = await _timed(pool, scope, repeat)
        print(f"  /stats {label:<9} {opened:>5} cases opened: first {first:6.1f} ms, "
              f"median of {repeat} {warm:6.1f} ms")
    await engine.dispose()


async def export_window(url: str, rows: int) -> tuple[datetime, int]:
    """The start of the most recent window holding `rows` cases (all communities)."""
    engine = create_engine(url)
    async with create_session_factory(engine)() as s:
        start = await s.scalar(select(Case.opened_at).order_by(Case.opened_at.desc())
                               .offset(rows - 1).limit(1))
    await engine.dispose()
    assert start is not None, "not enough cases: seed first"
    return start, rows


async def _export(url: str, start: datetime, out: Path) -> int:
    engine = create_engine(url)
    async with create_session_factory(engine)() as s:
        ids = list(await s.scalars(select(Community.id).order_by(Community.id)))
        q = ledger.LedgerQuery(ids, start, NOW + timedelta(days=1), TZ)
        count = await ledger.export(s, q, out, "xlsx")
    await engine.dispose()
    return count


def child(url: str, start: str, trace: bool) -> None:
    """One export in this fresh process; prints JSON figures."""
    import psutil

    proc = psutil.Process()
    asyncio.run(_noop())  # warm imports and the loop before measuring
    before = proc.memory_info().rss
    if trace:
        tracemalloc.start()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ledger.xlsx"
        t = time.perf_counter()
        count = asyncio.run(_export(url, datetime.fromisoformat(start), out))
        seconds = time.perf_counter() - t
        size = out.stat().st_size
    peak_trace = tracemalloc.get_traced_memory()[1] if trace else 0
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"rows": count, "seconds": seconds, "bytes": size,
                      "rss_delta": max(0, peak_rss - before), "trace_peak": peak_trace}))


async def _noop() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    async with engine.connect():
        pass
    await engine.dispose()


def bench_export(url: str, rows: int) -> None:
    for n in sorted({min(10_000, rows), rows}):
        start, _ = asyncio.run(export_window(url, n))
        figures = {}
        for trace in (False, True):
            out = subprocess.run(
                [sys.executable, __file__, "--child", url, start.isoformat()]
                + (["--trace"] if trace else []),
                check=True, capture_output=True, text=True).stdout
            figures[trace] = json.loads(out.strip().splitlines()[-1])
        plain, traced = figures[False], figures[True]
        print(f"  xlsx export {plain['rows']:>6,} cases: {plain['seconds']:5.2f} s "
              f"({plain['rows'] / plain['seconds']:,.0f} rows/s, file {plain['bytes'] / 1e6:.1f} MB); "
              f"peak RSS +{plain['rss_delta'] / 2**20:.1f} MiB, "
              f"tracemalloc peak {traced['trace_peak'] / 2**20:.1f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", default=[], help="database URL (repeatable)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--export-cases", type=int, default=50_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.trace)
        return 0
    for url in args.db:
        kind = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        print(f"{kind}: {url}")
        asyncio.run(bench_stats(url, args.repeat))
        if args.export_cases > 0:
            bench_export(url, args.export_cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
