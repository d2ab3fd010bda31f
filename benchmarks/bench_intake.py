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

The same phases are run against two reference bots, each a child process with its own
SQLite file (WAL) through the sandbox, so the figures compare across machines:

  * "mini" (issue 19's yardstick): aiogram, a keyword match, one raw aiosqlite INSERT
    and one reply per hit;
  * "stack": the floor of linli's chosen stack, i.e. the simplest bot written with it:
    aiogram, the project's jieba classifier (nlp/) on every message, and for each
    complaint, suggestion or inquiry (what linli answers in a group) one SQLAlchemy 2
    async ORM transaction adding one row (a model of its own, stock sqlite+aiosqlite
    engine) and one reply. What linli costs above it is linli's own work (inbox,
    outbox, cases, routing, duplicates…); what it costs above mini is the stack's.

The ratios linli/mini, linli/stack and stack/mini are printed (drain, CPU per update,
p50, p99). --db only changes linli's database (the reference bots always use SQLite).
--copy-of runs linli on a copy of a database seeded with scripts/seed.py (1,000,000
cases): its schema is brought up to date, the example org imported and the groups bound
to its grids, as in an empty run; the copy is dropped at the end:

    .venv/bin/python benchmarks/bench_intake.py --copy-of /tmp/big.db
    .venv/bin/python benchmarks/bench_intake.py --copy-of linli_big \
        --db postgresql+asyncpg://postgres@127.0.0.1/linli_bench_copy
--top N prints the N most frequent statements of the linli run (per update).

--rush (issue 19 point 7): Telegram's real limits instead (the sandbox enforces 1/s per
chat, 20/min per group, 30/s overall with 429s; the bot paces itself as `linli run`
does), and --rush-messages complaints (water cuts, lifts, lights in four buildings) from
as many residents into ONE group over --rush-span seconds, in real time. Prints, per
resident, the wait from their message to the first bot post in the group that names
the case it opened or joined (p50/p99/max), the group posts, and the 429s. linli only.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import glob
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEYWORDS = ("坏", "漏", "堵", "吵", "脏", "臭", "停", "灯", "电梯", "垃圾")
STAFF = ((1001, "张网格员"), (1002, "王网格员"), (2001, "刘书记"), (3001, "物业陈经理"))
TOKEN_LINLI = "123456:AAlinliBENCHtokenAAAAAAAAAAAAAAAAAA"
TOKEN_MINI = "654321:AAminiBENCHtokenAAAAAAAAAAAAAAAAAAA"
TOKEN_STACK = "765432:AAstackBENCHtokenAAAAAAAAAAAAAAAAAA"
TOKENS = {"linli": TOKEN_LINLI, "mini": TOKEN_MINI, "stack": TOKEN_STACK}
# The stack bot answers what linli answers in a group: complaints and suggestions (a
# case) and inquiries (the 问答库 or a worker); chatter is ignored (bot/cases/intake.py).
STACK_INTENTS = ("complaint", "suggestion", "inquiry")
ORG = ROOT / "examples/org.yaml"


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


def _count_sql(engine: Any) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """SQLAlchemy event counters on an async engine: (transactions, commits, BEGINs,
    statements), and each statement's count by its text."""
    from sqlalchemy import event

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

    return counts, statements


async def child_linli(api: str, db: str, rush: bool = False) -> None:
    import logging

    born = psutil.Process().create_time()
    from bot.app import App
    from bot.config import Settings

    imported = time.time()
    logging.basicConfig(level=logging.ERROR)
    limits = ({"per_chat_interval": 1.0, "group_per_minute": 20, "global_per_second": 30}
              if rush else {"per_chat_interval": 0.0, "group_per_minute": 100000,
                            "global_per_second": 100000})
    settings = Settings(_env_file=None, database_url=db, api_base_url=api, bot_token=None,
                        quiet_hours="off", **limits)
    app = await App.create(settings, TOKEN_LINLI)
    created = time.time()
    counts, statements = _count_sql(app.ctx.pool.kw["bind"])
    await app.start()
    started = time.time()
    phases = {"interpreter and imports": imported - born, "App.create (migrations "
              "checked, classifier, dispatcher)": created - imported,
              "App.start": started - created}
    profile = None
    if os.environ.get("BENCH_CPROFILE"):  # the event loop's thread, after start-up
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    poller = asyncio.create_task(app.poll())
    await _commands(lambda: {"counts": dict(counts), "top": statements.most_common(60),
                             "startup": phases})
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.environ["BENCH_CPROFILE"])
    poller.cancel()
    await asyncio.gather(poller, return_exceptions=True)
    await app.stop()


async def _serve(token: str, api: str, handler: Any, on_stats: Any) -> None:
    """A reference bot: an aiogram Dispatcher with `handler` as its one message handler,
    long polling against the sandbox until the parent says "stop"."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    dp = Dispatcher()
    dp.message.register(handler)
    poller = asyncio.create_task(dp.start_polling(bot, handle_signals=False,
                                                  polling_timeout=10))
    await _commands(on_stats)
    await dp.stop_polling()
    await asyncio.gather(poller, return_exceptions=True)
    await bot.session.close()


async def child_mini(api: str, path: str) -> None:
    """aiogram, a keyword match, one raw aiosqlite INSERT and one reply per hit."""
    import aiosqlite
    from aiogram.types import Message

    db = await aiosqlite.connect(path)
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("CREATE TABLE IF NOT EXISTS reports (id INTEGER PRIMARY KEY, chat_id INT,"
                     " message_id INT, user_id INT, text TEXT)")

    async def hit(message: Message) -> None:
        text = message.text or ""
        if any(k in text for k in KEYWORDS):
            await db.execute("INSERT INTO reports (chat_id, message_id, user_id, text) "
                             "VALUES (?, ?, ?, ?)", (message.chat.id, message.message_id,
                                                     message.from_user.id, text))
            await db.commit()
            await message.reply("已记录")

    await _serve(TOKEN_MINI, api, hit, lambda: {"counts": {}, "top": []})
    await db.close()


async def child_stack(api: str, path: str) -> None:
    """The floor of linli's stack: aiogram, the project's classifier (nlp/), and per
    complaint, suggestion or inquiry one SQLAlchemy 2 async ORM transaction (one row of
    its own `reports` model, stock sqlite+aiosqlite engine, WAL) and one reply."""
    from aiogram.types import Message
    from sqlalchemy import BigInteger, Integer, String, Text, event
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import DeclarativeBase, mapped_column

    from nlp import Classifier

    class Base(DeclarativeBase):
        pass

    class Report(Base):  # no Mapped[] annotations: they would not resolve in a function
        __tablename__ = "reports"
        id = mapped_column(Integer, primary_key=True)
        chat_id = mapped_column(BigInteger, nullable=False)
        message_id = mapped_column(BigInteger, nullable=False)
        user_id = mapped_column(BigInteger, nullable=False)
        text = mapped_column(Text, nullable=False)
        category = mapped_column(String(32), nullable=False)

    clf = Classifier.from_file()
    clf.classify("楼道灯坏了")  # jieba and the weights warmed at start-up, as linli does
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(engine.sync_engine, "connect")
    def _wal(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    counts, statements = _count_sql(engine)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)

    async def hit(message: Message) -> None:
        text = message.text or ""
        result = clf.classify(text)
        if result.intent not in STACK_INTENTS:
            return
        async with sessionmaker.begin() as s:
            s.add(Report(chat_id=message.chat.id, message_id=message.message_id,
                         user_id=message.from_user.id if message.from_user else 0,
                         text=text, category=result.category))
        await message.reply("已记录")

    await _serve(TOKEN_STACK, api, hit,
                 lambda: {"counts": dict(counts), "top": statements.most_common(60)})
    await engine.dispose()


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


async def _admin(url: str, sql: str) -> None:
    """A statement outside any transaction (CREATE / DROP DATABASE) on PostgreSQL's
    maintenance database."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from bot.db.session import create_engine

    eng = create_engine(make_url(url).set(database="postgres").render_as_string(
        hide_password=False))
    async with eng.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text(sql))
    await eng.dispose()


async def prepare_db(args: argparse.Namespace, tmp: str) -> tuple[str, bool, Any]:
    """linli's database: (url, existing data?, cleanup). --copy-of SOURCE: a copy of a
    seeded database (SQLite: the file copied into `tmp`; PostgreSQL: --db's database
    created with TEMPLATE SOURCE); a PostgreSQL --db that does not exist is created.
    Either is dropped again by the cleanup."""
    import sqlite3

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from bot.db.session import create_engine, is_sqlite

    async def nothing() -> None:
        return None

    source = args.copy_of
    if source and (Path(source).exists() or ("://" in source and is_sqlite(source))):
        path = make_url(source).database if "://" in source else source
        copy = f"{tmp}/linli.db"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as src, \
                sqlite3.connect(copy) as dst:
            src.backup(dst)
        return f"sqlite+aiosqlite:///{copy}", True, nothing
    url = args.db or f"sqlite+aiosqlite:///{tmp}/linli.db"
    if is_sqlite(url):
        if source:
            raise SystemExit("--copy-of a PostgreSQL database needs a PostgreSQL --db")
        return url, False, nothing
    name = make_url(url).database
    eng = create_engine(make_url(url).set(database="postgres").render_as_string(
        hide_password=False))
    async with eng.connect() as conn:
        exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                   {"n": name})
    await eng.dispose()
    if source:
        if exists:
            raise SystemExit(f"--copy-of: {name} exists already (it would be dropped)")
        await _admin(url, f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    elif not exists:
        await _admin(url, f'CREATE DATABASE "{name}"')

    async def drop() -> None:
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, bool(source), (drop if source or not exists else nothing)


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


def _catch_up(conn: Any) -> list[str]:
    """A seeded copy made before the latest model changes (the single initial
    migration is regenerated until the first release, so `upgrade` sees nothing to
    do): add the tables, columns and indexes it lacks. Added columns are nullable
    with the model's scalar default (the copy is a benchmark's scratch database)."""
    from sqlalchemy import inspect, literal

    from bot.db.base import Base

    insp, done = inspect(conn), []
    tables = set(insp.get_table_names())
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            table.create(conn)
            done.append(table.name)
            continue
        have = {c["name"] for c in insp.get_columns(table.name)}
        for col in table.columns:
            if col.name in have:
                continue
            sql = f"ALTER TABLE {table.name} ADD COLUMN {col.name} " \
                  f"{col.type.compile(dialect=conn.dialect)}"
            default = col.default.arg if col.default is not None and col.default.is_scalar \
                else None
            if default is not None:
                sql += " DEFAULT " + str(literal(default, col.type).compile(
                    dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
            conn.exec_driver_sql(sql)
            done.append(f"{table.name}.{col.name}")
        indexes = {i["name"] for i in insp.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(conn)
                done.append(str(index.name))
    return done


async def seed_linli(url: str, chats: list[Any], existing: bool = False) -> Any:
    """Migrate, import the example org, bind every group to one of its grids
    (alternating). `existing`: a database with data (--copy-of): kept, its schema
    brought up to date; the groups are bound to the example org's grids all the same,
    so that an empty and a seeded run do the same work."""
    from sqlalchemy import select

    from bot.db import migrate
    from bot.db.models import Community, Grid
    from bot.db.session import create_engine, create_session_factory, transaction
    from bot.org import service as org
    from bot.org.orgfile import import_file

    if not existing:
        await _reset_db(url)
    engine = create_engine(url)
    await migrate.upgrade(engine)
    if existing:
        async with engine.begin() as conn:
            added = await conn.run_sync(_catch_up)
        if added:
            print(f"  schema of the copy brought up to date: {', '.join(added)}",
                  file=sys.stderr)
    pool = create_session_factory(engine)
    async with transaction(pool) as session:
        await import_file(session, ORG)
    async with transaction(pool) as session:
        codes = [c["code"] for c in yaml.safe_load(ORG.read_text(encoding="utf-8"))["communities"]]
        grid_ids = list(await session.scalars(
            select(Grid.id).join(Community, Community.id == Grid.community_id)
            .where(Community.code.in_(codes)).order_by(Grid.id)))
        for i, chat in enumerate(chats):
            await org.bind_group(session, chat.id, chat.title or "", grid_ids[i % len(grid_ids)])
    return pool


async def lowest_group(url: str) -> int | None:
    """The most negative group chat id the database knows (seeded groups)."""
    from sqlalchemy import func, select

    from bot.db.models import GroupChat
    from bot.db.session import create_engine

    engine = create_engine(url)
    async with engine.connect() as conn:
        lowest = await conn.scalar(select(func.min(GroupChat.chat_id)))
    await engine.dispose()
    return lowest


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


@functools.cache
def _classifier() -> Any:
    from nlp import Classifier

    return Classifier.from_file()


def expected_replies(kind: str, batch: list[str]) -> int:
    """How many of `batch` a reference bot answers (linli's end is found otherwise)."""
    if kind == "stack":
        return sum(1 for t in batch if _classifier().classify(t).intent in STACK_INTENTS)
    return sum(1 for t in batch if any(k in t for k in KEYWORDS))


async def run_bot(kind: str, args: argparse.Namespace, texts: list[str]) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix="bench_intake_")
    existing, cleanup = False, None
    if kind == "linli":
        db, existing, cleanup = await prepare_db(args, tmp)
    else:  # mini, stack: a child process on its own SQLite file
        db = f"{tmp}/{kind}.db"
    try:
        return await _run_bot(kind, args, texts, tmp, db, existing)
    finally:
        if cleanup is not None:
            await cleanup()
        if kind == "linli" and "://" in db and db.startswith("sqlite") and tmp in db:
            for suffix in ("", "-wal", "-shm"):  # a 1M copy is ~1 GB
                Path(db.split("///", 1)[1] + suffix).unlink(missing_ok=True)


async def _run_bot(kind: str, args: argparse.Namespace, texts: list[str], tmp: str, db: str,
                   existing: bool) -> dict[str, Any]:
    from sandbox import SandboxServer

    token = TOKENS[kind]
    result: dict[str, Any] = {"bot": kind, "db": db.split("://")[0] if "://" in db else "sqlite"}
    if existing:
        result["db"] += f" (copy of {args.copy_of})"
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
        if existing:  # new group ids: a seeded group's cases would own the bench's messages
            lowest = await lowest_group(db)
            while lowest is not None and sb.world.new_group_id(True) >= lowest:
                pass
        groups = []
        for g in range(args.groups):
            residents = [sb.add_user(f"居民{g}-{r}", f"res_{g}_{r}")
                         for r in range(args.residents)]
            chat = sb.add_group(f"幸福小区{g + 1}栋居民群", residents)
            groups.append((chat, residents))
        pool = (await seed_linli(db, [c for c, _ in groups], existing) if kind == "linli"
                else None)

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
            "--child-db", db, *(["--rush"] if args.rush else []),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=str(ROOT))
        child = Child(proc)
        while not any(r.method.lower() == "getupdates" for r in sb.requests):
            if proc.returncode is not None:
                raise SystemExit(f"{kind} child died at start-up")
            await asyncio.sleep(0.005)
        result["startup_s"] = time.perf_counter() - spawned
        result["rss_start_mb"] = child.rss_mb()
        if kind == "linli":
            result["startup_parts_s"] = (await child.stats()).get("startup", {})
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
        if args.rush:
            assert pool is not None
            result["rush"] = await rush(sb, args, pool, child, bot_id)
        cursor = 0
        for phase in () if args.rush else ("full", "rate"):
            if args.phases and phase not in args.phases:
                continue
            batch = texts[cursor:cursor + args.messages]
            cursor += args.messages
            expected = expected_replies(kind, batch)
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


RUSH_PLACES = ("3号楼", "5号楼", "7号楼", "9号楼")
RUSH_SAYS = ("停水了，家里一滴水都没有", "也停水了，水龙头没水", "停水一上午了，还没来水，做不了饭",
             "的电梯坏了，老人下不了楼", "楼道灯不亮了，晚上很黑")


async def rush(sb: Any, args: argparse.Namespace, pool: Any, child: Child,
               bot_id: int) -> dict[str, Any]:
    """--rush-messages complaints into one group over --rush-span s, Telegram's limits."""
    import re

    from sqlalchemy import select

    from bot.db.models import Case, CaseVoice, Grid
    from bot.db.session import transaction
    from bot.org import service as org
    from sandbox import FloodLimits

    chat = sb.add_group("东湖一网格居民群", [])
    async with transaction(pool) as session:
        grid = await session.scalar(select(Grid.id).order_by(Grid.id))
        await org.bind_group(session, chat.id, chat.title or "", grid)
    residents = [sb.add_user(f"居民R{i}", f"rush_{i}") for i in range(args.rush_messages)]
    for user in residents:
        sb.join(user, chat)
    while sb.bot.updates or not await linli_idle(pool):
        await asyncio.sleep(0.05)
    sb.set_flood_control(True, FloodLimits())
    arrived: dict[int, float] = {}
    new_message = sb.world.new_message

    def spy(chat_id: int, from_id: int, **fields: Any) -> Any:
        msg = new_message(chat_id, from_id, **fields)
        if chat_id == chat.id and from_id == bot_id:
            arrived[msg.message_id] = time.perf_counter()
        return msg

    sb.world.new_message = spy
    before = await child.stats()
    cpu0 = child.cpu()
    said: dict[int, float] = {}
    start = time.perf_counter()
    for i, user in enumerate(residents):
        delay = start + i * args.rush_span / len(residents) - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        msg = sb.say(user, chat, RUSH_PLACES[i % 4] + RUSH_SAYS[i % len(RUSH_SAYS)])
        said[msg.message_id] = time.perf_counter()
    deadline = time.perf_counter() + args.timeout
    while sb.bot.updates or not await linli_idle(pool):
        if time.perf_counter() > deadline:
            print(f"  rush: not drained after {args.timeout}s", file=sys.stderr)
            break
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - start
    cpu = child.cpu() - cpu0
    after = await child.stats()
    sb.world.new_message = new_message
    async with pool() as session:
        case_of = dict((await session.execute(
            select(CaseVoice.message_id, Case.number).join(Case, Case.id == CaseVoice.case_id)
            .where(CaseVoice.chat_id == chat.id))).all())
        case_of.update((await session.execute(select(Case.source_message_id, Case.number)
                                              .where(Case.source_chat_id == chat.id))).all())
    number = re.compile(r"东湖-\d{4}-\d{4}")
    posts = [(arrived[m.message_id], set(number.findall(m.body)))
             for m in sb.bot_messages(chat) if m.message_id in arrived]
    waits, unanswered = [], 0
    for message_id, at in said.items():
        told = [t for t, found in posts if t >= at and case_of.get(message_id) in found]
        if message_id in case_of and told:
            waits.append(min(told) - at)
        else:
            unanswered += 1
    n = len(said)
    c0, c1 = before["counts"], after["counts"]
    return {"messages": n, "span_s": args.rush_span, "drain_s": elapsed, "posts": len(posts),
            "cases": len(set(case_of.values())), "unanswered": unanswered,
            "wait_p50_s": pct(waits, 0.5), "wait_p99_s": pct(waits, 0.99),
            "wait_max_s": max(waits) if waits else float("nan"),
            "answered_15s": sum(1 for w in waits if w <= 15.0),
            "too_many_requests": sum(1 for r in sb.requests if r.status == 429),
            "cpu_ms_per_update": cpu * 1000 / n,
            "stmts_per_update": (c1.get("statements", 0) - c0.get("statements", 0)) / n}


def fmt(v: Any, digits: int = 1) -> str:
    if isinstance(v, float):
        return "—" if v != v else f"{v:.{digits}f}"
    return str(v)


# linli against the floor of its stack and the minimal bot; the stack against the minimal
RATIOS = (("linli", "mini"), ("linli", "stack"), ("stack", "mini"))


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    by = {r["bot"]: r for r in results}
    print(f"\nbench_intake: {args.messages} msgs/phase, {args.groups} groups × "
          f"{args.residents} residents, rate phase {args.rate:g} msg/s, "
          f"linli db {by.get('linli', {}).get('db', '-')}, cpus {os.cpu_count()}")
    rows = [("startup s", "startup_s", 2), ("RSS after start MB", "rss_start_mb", 0)]
    pairs = [(a, b) for a, b in RATIOS if a in by and b in by]
    print(f"{'':28}" + "".join(f"{b:>12}" for b in by)
          + "".join(f"{a + '/' + b:>13}" for a, b in pairs))
    if pairs:
        print(f"{'':28}(a ratio: how many times the first bot is worse, drain included)")
    for label, key, d in rows:
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
            if key in ("drain_per_s", "cpu_ms_per_update", "p50_ms", "p99_ms"):
                for a, b in pairs:
                    va, vb = by[a].get(phase, {}).get(key), by[b].get(phase, {}).get(key)
                    if not (isinstance(va, (int, float)) and isinstance(vb, (int, float))
                            and va and vb and va == va and vb == vb):
                        line += f"{'—':>13}"
                        continue
                    ratio = vb / va if key == "drain_per_s" else va / vb
                    line += f"{ratio:>12.1f}×"
            print(line)
    for part, seconds in by.get("linli", {}).get("startup_parts_s", {}).items():
        print(f"  linli start-up: {part}: {seconds:.2f} s")
    rushed = by.get("linli", {}).get("rush")
    if rushed:
        print("-- rush: one group, Telegram's limits enforced by the sandbox")
        for key, value in rushed.items():
            print(f"{key:28}{fmt(value, 2):>12}")
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
    if args.rush:
        args.bots = ["linli"]
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
                   "file). PostgreSQL: an existing database is emptied (DROP SCHEMA public)!; "
                   "a missing one is created, and dropped at the end")
    p.add_argument("--copy-of", default=None, help="start from a copy of a seeded database "
                   "(scripts/seed.py): an SQLite file, copied to a temporary directory, or a "
                   "PostgreSQL database name, copied as --db's database (CREATE DATABASE … "
                   "TEMPLATE); the copy is dropped at the end")
    p.add_argument("--bots", nargs="+", default=["linli", "stack", "mini"],
                   choices=["linli", "stack", "mini"])
    p.add_argument("--phases", nargs="+", default=None, choices=["full", "rate"])
    p.add_argument("--timeout", type=float, default=120.0, help="per phase")
    p.add_argument("--top", type=int, default=0, help="print the N most frequent statements")
    p.add_argument("--json", default=None, help="also write the results here")
    p.add_argument("--profile", default=None, help="write a py-spy profile (collapsed stacks)"
                   " of linli's phases here (py-spy on PATH or $PYSPY)")
    p.add_argument("--rush", action="store_true", help="instead of the phases: complaints "
                   "into one group under Telegram's real limits (issue 19 point 7; linli only)")
    p.add_argument("--rush-messages", type=int, default=60, help="complaints in the rush")
    p.add_argument("--rush-span", type=float, default=120.0, help="seconds they are spread over")
    p.add_argument("--child", choices=["linli", "stack", "mini"], help=argparse.SUPPRESS)
    p.add_argument("--api", help=argparse.SUPPRESS)
    p.add_argument("--child-db", help=argparse.SUPPRESS)
    return p.parse_args()


if __name__ == "__main__":
    ARGS = parse()
    if ARGS.child == "linli":
        asyncio.run(child_linli(ARGS.api, ARGS.child_db, ARGS.rush))
    elif ARGS.child == "mini":
        asyncio.run(child_mini(ARGS.api, ARGS.child_db))
    elif ARGS.child == "stack":
        asyncio.run(child_stack(ARGS.api, ARGS.child_db))
    else:
        asyncio.run(main(ARGS))
