"""Benchmark (not a test): group messages under a rush, through the local Bot API server.

    .venv/bin/python benchmarks/bench_intake.py                       # SQLite, defaults
    .venv/bin/python benchmarks/bench_intake.py --db postgresql+asyncpg://postgres@127.0.0.1/linli_bench

The bot runs in a child process exactly as `linli run` builds it (bot.app.App: inbox,
sender, scheduler, long polling) against the sandbox (real HTTP) in this process, so
the child's CPU time and RSS are the bot's alone. Setup: the example org, G groups
bound to its grids with R residents each, privacy mode off. Messages are the texts of
the project's blind NLP sets (tests/data/nlp_blind*.jsonl: complaints, suggestions,
inquiries, chatter), sent round-robin over groups and residents:

  * phase "full": all --messages at once; drain rate = messages / time until every
    update is handled and every reply is sent;
  * phase "rate": --messages offered at --rate msg/s (fresh texts).

Per phase: drain rate, CPU ms per update (child process), p50/p99 from a message to
the bot's first reply to it, transactions and SQL statements per update (SQLAlchemy
event counters in the child), RSS. Start-up time is spawn → first getUpdates.

The same phases are run against a minimal aiogram bot (keyword match, one SQLite
insert and one reply per hit, also a child process through the sandbox), and the
ratios linli/minimal are printed, so the figures compare across machines.
--db only changes linli's database (the minimal bot always uses SQLite).
--top N prints the N most frequent statements of the linli run (per update).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import glob
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEYWORDS = ("坏", "漏", "堵", "吵", "脏", "臭", "停", "灯", "电梯", "垃圾")
STAFF = ((1001, "张网格员"), (1002, "王网格员"), (2001, "刘书记"), (3001, "物业陈经理"))
TOKEN_LINLI = "123456:AAlinliBENCHtokenAAAAAAAAAAAAAAAAAA"
TOKEN_MINI = "654321:AAminiBENCHtokenAAAAAAAAAAAAAAAAAAA"


# ---------------------------------------------------------------------------------------
# children: the bot under test (stdin: "stats" → one JSON line on stdout; "stop")
# ---------------------------------------------------------------------------------------

async def _commands(on_stats: Any) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if line == "stats":
            sys.stdout.write(json.dumps(on_stats()) + "\n")
            sys.stdout.flush()
        elif line in ("stop", ""):
            return


async def child_linli(api: str, db: str) -> None:
    import logging

    from sqlalchemy import event

    from bot.app import App
    from bot.config import Settings

    logging.basicConfig(level=logging.ERROR)
    settings = Settings(_env_file=None, database_url=db, api_base_url=api, bot_token=None,
                        quiet_hours="off", per_chat_interval=0.0, group_per_minute=100000,
                        global_per_second=100000)
    app = await App.create(settings, TOKEN_LINLI)
    engine = app.ctx.pool.kw["bind"]
    counts: collections.Counter[str] = collections.Counter()
    statements: collections.Counter[str] = collections.Counter()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _stmt(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        head = sql.lstrip()[:16].upper()
        if head.startswith("BEGIN"):
            counts["begin_immediate" if "IMMEDIATE" in head else "begin_plain"] += 1
            return
        counts["statements"] += 1
        statements[" ".join(sql.split())[:150]] += 1

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        counts["transactions"] += 1

    @event.listens_for(engine.sync_engine, "commit")
    def _commit(conn: Any) -> None:
        counts["commits"] += 1

    await app.start()
    profile = None
    if os.environ.get("BENCH_CPROFILE"):  # the event loop's thread, after start-up
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    poller = asyncio.create_task(app.poll())
    await _commands(lambda: {"counts": dict(counts), "top": statements.most_common(60)})
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.environ["BENCH_CPROFILE"])
    poller.cancel()
    await asyncio.gather(poller, return_exceptions=True)
    await app.stop()


async def child_mini(api: str, path: str) -> None:
    import aiosqlite
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    bot = Bot(TOKEN_MINI, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    db = await aiosqlite.connect(path)
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("CREATE TABLE IF NOT EXISTS reports (id INTEGER PRIMARY KEY, chat_id INT,"
                     " message_id INT, user_id INT, text TEXT)")
    dp = Dispatcher()

    @dp.message()
    async def hit(message: Message) -> None:
        text = message.text or ""
        if any(k in text for k in KEYWORDS):
            await db.execute("INSERT INTO reports (chat_id, message_id, user_id, text) "
                             "VALUES (?, ?, ?, ?)", (message.chat.id, message.message_id,
                                                     message.from_user.id, text))
            await db.commit()
            await message.reply("已记录")

    poller = asyncio.create_task(dp.start_polling(bot, handle_signals=False,
                                                  polling_timeout=10))
    await _commands(lambda: {"counts": {}, "top": []})
    await dp.stop_polling()
    await asyncio.gather(poller, return_exceptions=True)
    await db.close()
    await bot.session.close()


# ---------------------------------------------------------------------------------------
# parent: sandbox, setup, driving, measuring
# ---------------------------------------------------------------------------------------

def load_texts() -> list[str]:
    texts = []
    for path in sorted(glob.glob(str(ROOT / "tests/data/nlp_blind*.jsonl"))):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line)["text"].strip()
                if text and not text.startswith("/"):
                    texts.append(text)
    return texts


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


class Child:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.ps = psutil.Process(proc.pid)

    def cpu(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system

    def rss_mb(self) -> float:
        return self.ps.memory_info().rss / 2**20

    async def stats(self) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(b"stats\n")
        await self.proc.stdin.drain()
        return json.loads(await self.proc.stdout.readline())

    async def stop(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.write(b"stop\n")
        await self.proc.stdin.drain()
        try:
            await asyncio.wait_for(self.proc.wait(), 40)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def _reset_db(url: str) -> None:
    from sqlalchemy import text

    from bot.db.session import create_engine, is_sqlite

    if is_sqlite(url):
        return
    eng = create_engine(url)
    async with eng.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await eng.dispose()


async def seed_linli(url: str, chats: list[Any]) -> Any:
    """Migrate, import the example org, bind every group to a grid (alternating)."""
    from sqlalchemy import select

    from bot.db import migrate
    from bot.db.models import Grid
    from bot.db.session import create_engine, create_session_factory, transaction
    from bot.org import service as org
    from bot.org.orgfile import import_file

    await _reset_db(url)
    engine = create_engine(url)
    await migrate.upgrade(engine)
    pool = create_session_factory(engine)
    async with transaction(pool) as session:
        await import_file(session, ROOT / "examples/org.yaml")
    async with transaction(pool) as session:
        grid_ids = list(await session.scalars(select(Grid.id).order_by(Grid.id)))
        for i, chat in enumerate(chats):
            await org.bind_group(session, chat.id, chat.title or "", grid_ids[i % len(grid_ids)])
    return pool


async def linli_idle(pool: Any) -> bool:
    from sqlalchemy import func, select

    from bot.db.models import InboxUpdate, OutboxMessage
    from bot.db.session import reading

    async with reading(pool) as session:
        inbox = await session.scalar(select(func.count()).select_from(InboxUpdate)
                                     .where(InboxUpdate.status == "pending"))
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.status == "pending"))
    return not inbox and not outbox


async def run_bot(kind: str, args: argparse.Namespace, texts: list[str]) -> dict[str, Any]:
    from sandbox import SandboxServer

    token = TOKEN_LINLI if kind == "linli" else TOKEN_MINI
    tmp = tempfile.mkdtemp(prefix="bench_intake_")
    db = args.db if kind == "linli" else f"{tmp}/mini.db"
    if kind == "linli" and db is None:
        db = f"sqlite+aiosqlite:///{tmp}/linli.db"
    result: dict[str, Any] = {"bot": kind, "db": db.split("://")[0] if "://" in db else "sqlite"}
    async with SandboxServer(token=token) as sb:
        sb.set_privacy(False)
        bot_id = sb.bot.user.id
        first_reply: dict[tuple[int, int], float] = {}
        new_message = sb.world.new_message

        def spy(chat_id: int, from_id: int, **fields: Any) -> Any:
            msg = new_message(chat_id, from_id, **fields)
            if from_id == bot_id and msg.reply_to is not None:
                first_reply.setdefault((chat_id, msg.reply_to), time.perf_counter())
            return msg

        sb.world.new_message = spy  # type: ignore[method-assign]
        if kind == "linli":  # the example org's staff, reachable in private
            for tg_id, name in STAFF:
                sb.add_user(name, user_id=tg_id).start_bot()
        groups = []
        for g in range(args.groups):
            residents = [sb.add_user(f"居民{g}-{r}", f"res_{g}_{r}")
                         for r in range(args.residents)]
            chat = sb.add_group(f"幸福小区{g + 1}栋居民群", residents)
            groups.append((chat, residents))
        pool = await seed_linli(db, [c for c, _ in groups]) if kind == "linli" else None

        def idle_sandbox() -> bool:
            return not sb.bot.updates

        async def done(expected_replies: int | None) -> bool:
            if not idle_sandbox():
                return False
            if pool is not None:
                return await linli_idle(pool)
            return len(first_reply) >= (expected_replies or 0)

        spawned = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--child", kind, "--api", sb.url,
            "--child-db", db, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            cwd=str(ROOT))
        child = Child(proc)
        while not any(r.method.lower() == "getupdates" for r in sb.requests):
            if proc.returncode is not None:
                raise SystemExit(f"{kind} child died at start-up")
            await asyncio.sleep(0.005)
        result["startup_s"] = time.perf_counter() - spawned
        result["rss_start_mb"] = child.rss_mb()
        # warm-up: the joins
        while not await done(0):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        spy = None
        if kind == "linli" and args.profile:  # a sampling profile of the phases
            spy = await asyncio.create_subprocess_exec(
                os.environ.get("PYSPY", "py-spy"), "record", "--pid", str(proc.pid),
                "--format", "raw", "--rate", "200", "--nonblocking", "-o", args.profile,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            await asyncio.sleep(1.0)
        cursor = 0
        for phase in ("full", "rate"):
            if args.phases and phase not in args.phases:
                continue
            batch = texts[cursor:cursor + args.messages]
            cursor += args.messages
            expected = sum(1 for t in batch if any(k in t for k in KEYWORDS))
            first_reply.clear()
            before = await child.stats()
            cpu0 = child.cpu()
            sent: dict[tuple[int, int], float] = {}
            start = time.perf_counter()
            interval = 0.0 if phase == "full" else 1.0 / args.rate
            for i, text in enumerate(batch):
                if interval:
                    delay = start + i * interval - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                chat, residents = groups[i % len(groups)]
                user = residents[(i // len(groups)) % len(residents)]
                msg = sb.say(user, chat, text)
                sent[(chat.id, msg.message_id)] = time.perf_counter()
            offered = time.perf_counter() - start
            deadline = time.perf_counter() + args.timeout
            while not await done(expected):
                if time.perf_counter() > deadline:
                    print(f"  {kind}/{phase}: not drained after {args.timeout}s", file=sys.stderr)
                    break
                await asyncio.sleep(0.02)
            elapsed = time.perf_counter() - start
            cpu = child.cpu() - cpu0
            after = await child.stats()
            lat = [(first_reply[k] - t) * 1000 for k, t in sent.items() if k in first_reply]
            n = len(batch)
            c0, c1 = before["counts"], after["counts"]
            delta = {k: c1.get(k, 0) - c0.get(k, 0) for k in c1}
            result[phase] = {
                "messages": n, "offered_per_s": n / offered if offered else float("inf"),
                "drain_per_s": n / elapsed, "cpu_ms_per_update": cpu * 1000 / n,
                "cpu_util": cpu / elapsed,
                "p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99), "replied": len(lat),
                "tx_per_update": delta.get("transactions", 0) / n,
                "write_tx_per_update": delta.get("begin_immediate", 0) / n,
                "stmts_per_update": delta.get("statements", 0) / n,
                "rss_mb": child.rss_mb(),
            }
            if kind == "linli" and args.top:
                top0 = dict(map(tuple, before["top"]))
                top = sorted(((c - top0.get(s, 0), s) for s, c in after["top"]), reverse=True)
                result[phase]["top"] = [(round(c / n, 2), s) for c, s in top[:args.top] if c]
        result["rss_peak_mb"] = child.ps.memory_info().rss / 2**20
        if spy is not None:
            spy.send_signal(2)
            await spy.wait()
        await child.stop()
        if pool is not None:
            await pool.kw["bind"].dispose()
    return result


def fmt(v: Any, digits: int = 1) -> str:
    if isinstance(v, float):
        return "—" if v != v else f"{v:.{digits}f}"
    return str(v)


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    by = {r["bot"]: r for r in results}
    print(f"\nbench_intake: {args.messages} msgs/phase, {args.groups} groups × "
          f"{args.residents} residents, rate phase {args.rate:g} msg/s, "
          f"linli db {by.get('linli', {}).get('db', '-')}, cpus {os.cpu_count()}")
    rows = [("startup s", "startup_s", 2, None), ("RSS after start MB", "rss_start_mb", 0, None)]
    header = f"{'':28}" + "".join(f"{b:>12}" for b in by) + (
        f"{'linli worse by':>16}" if len(by) == 2 else "")
    print(header)
    for label, key, d, _ in rows:
        vals = [by[b].get(key) for b in by]
        print(f"{label:28}" + "".join(f"{fmt(v, d):>12}" for v in vals))
    fields = [("offered msg/s", "offered_per_s", 0), ("drain updates/s", "drain_per_s", 1),
              ("CPU ms/update", "cpu_ms_per_update", 2), ("CPU utilisation", "cpu_util", 2),
              ("p50 msg→reply ms", "p50_ms", 0), ("p99 msg→reply ms", "p99_ms", 0),
              ("replied", "replied", 0), ("transactions/update", "tx_per_update", 2),
              ("  of them BEGIN IMMEDIATE", "write_tx_per_update", 2),
              ("statements/update", "stmts_per_update", 1), ("RSS MB", "rss_mb", 0)]
    for phase in ("full", "rate"):
        if not any(phase in r for r in results):
            continue
        print(f"-- phase {phase}")
        for label, key, d in fields:
            vals = [by[b].get(phase, {}).get(key) for b in by]
            line = f"{label:28}" + "".join(f"{fmt(v, d):>12}" for v in vals)
            if len(vals) == 2 and all(isinstance(v, (int, float)) and v for v in vals) \
                    and key in ("drain_per_s", "cpu_ms_per_update", "p50_ms", "p99_ms"):
                ratio = vals[1] / vals[0] if key == "drain_per_s" else vals[0] / vals[1]
                line += f"{ratio:>9.1f}×"
            print(line)
    for phase in ("full", "rate"):
        top = by.get("linli", {}).get(phase, {}).get("top")
        if top:
            print(f"-- linli {phase}: most frequent statements per update")
            for c, s in top:
                print(f"{c:6.2f}  {s}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))


async def main(args: argparse.Namespace) -> None:
    texts = load_texts()
    need = args.messages * 2
    if len(texts) < need:
        texts = (texts * (need // len(texts) + 1))
    results = []
    for kind in args.bots:
        results.append(await run_bot(kind, args, texts))
    report(results, args)


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--messages", type=int, default=300, help="messages per phase")
    p.add_argument("--groups", type=int, default=10)
    p.add_argument("--residents", type=int, default=20, help="residents per group")
    p.add_argument("--rate", type=float, default=200.0, help="msg/s offered in phase 'rate'")
    p.add_argument("--db", default=None, help="linli's database URL (default: a fresh SQLite "
                   "file). PostgreSQL: the database is emptied (DROP SCHEMA public)!")
    p.add_argument("--bots", nargs="+", default=["linli", "mini"], choices=["linli", "mini"])
    p.add_argument("--phases", nargs="+", default=None, choices=["full", "rate"])
    p.add_argument("--timeout", type=float, default=120.0, help="per phase")
    p.add_argument("--top", type=int, default=0, help="print the N most frequent statements")
    p.add_argument("--json", default=None, help="also write the results here")
    p.add_argument("--profile", default=None, help="write a py-spy profile (collapsed stacks)"
                   " of linli's phases here (py-spy on PATH or $PYSPY)")
    p.add_argument("--child", choices=["linli", "mini"], help=argparse.SUPPRESS)
    p.add_argument("--api", help=argparse.SUPPRESS)
    p.add_argument("--child-db", help=argparse.SUPPRESS)
    return p.parse_args()


if __name__ == "__main__":
    ARGS = parse()
    if ARGS.child == "linli":
        asyncio.run(child_linli(ARGS.api, ARGS.child_db))
    elif ARGS.child == "mini":
        asyncio.run(child_mini(ARGS.api, ARGS.child_db))
    else:
        asyncio.run(main(ARGS))
