"""Chaos benchmark (not a test): the real bot against the sandbox while the sandbox
misbehaves, then what came out: updates in, cases opened, messages doubled and lost,
p99 handling time, peak RSS.

    .venv/bin/python benchmarks/chaos.py            # short form, < 60 s, SQLite
    .venv/bin/python benchmarks/chaos.py --messages 400 \\
        --db postgresql+asyncpg://postgres@127.0.0.1/linli_chaos

    .venv/bin/python benchmarks/chaos.py --scenario replicas --replicas 2 --messages 100
    .venv/bin/python benchmarks/chaos.py --scenario fuzz --updates 10000

Faults injected (scenario "faults"): getUpdates answers an HTML 502 page, 409
Conflict and 5xx; sendMessage answers 429, 500/502, drops connections; one chat's
sendMessage is answered after --slow seconds. Scenario "migration": the group is
upgraded to a supergroup halfway; later messages come from the new chat id.

Scenario "replicas" (benchmarks/replicas.py): N `linli run` webhook replicas behind a
round-robin proxy on one PostgreSQL (--pg) and Redis (--redis); complaints, then every
case's reminder, escalation and group digest; one replica is killed (SIGKILL) holding
the claim of a message that hangs in Telegram, and (--kill-under-load) another one in
the middle of the complaints; then --broadcast notices are queued at once to as many
people. The sandbox enforces flood limits just above the bot's: a 429 is a limit broken
by the replicas together (try --redis '' to see them without a shared budget).
Scenario "fuzz" (benchmarks/fuzz.py): hostile updates through the real inbox and
dispatcher (--updates; `benchmarks/fuzz.py` alone prints the same).

doubled: identical successful sendMessage calls (same chat, text and reply) beyond the
first; lost: resident messages without a case or (not in the migration scenario, whose
answers move to the new chat without their reply link) without their group answer,
plus outbox rows not sent. Handling time: an update stored → handled (inbox done_at).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url

from benchmarks import replicas as R
from bot.clock import Clock
from bot.config import Settings
from bot.db import migrate
from bot.db.models import Case, GroupChat, InboxUpdate, OutboxMessage
from bot.db.session import create_engine, create_session_factory, transaction
from bot.org.orgfile import import_file
from demo.world import World
from sandbox import DROP, HTML, FloodLimits, SandboxServer
from sandbox.proxy import RoundRobinProxy

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "org.yaml"
TEXT = "{n}号楼门口的路灯坏了好几天了，晚上一片漆黑"


def inject_faults(sb: SandboxServer, group_id: int, slow_chat: int, slow: float) -> None:
    sb.inject("getUpdates", HTML, times=2)
    sb.inject("getUpdates", 409, times=1,
              description="Conflict: terminated by other getUpdates request")
    sb.inject("getUpdates", 502, times=1)
    sb.inject("sendMessage", 429, retry_after=1, times=2, chat_id=group_id)
    sb.inject("sendMessage", 502, times=3)
    sb.inject("sendMessage", 500, times=2)
    sb.inject("sendMessage", DROP, times=3)
    sb.inject("sendMessage", HTML, times=2)
    sb.inject("sendMessage", None, delay=slow, times=1, chat_id=slow_chat)


async def scenario(name: str, messages: int, db_url: str, slow: float) -> dict[str, object]:
    settings = Settings(_env_file=None, database_url=db_url, bot_token=None, admin_ids=[900],
                        quiet_hours="off", per_chat_interval=0.0, group_per_minute=100000,
                        global_per_second=100000)
    async with SandboxServer() as sb:
        liu = sb.add_user("刘书记", user_id=2001)
        zhang = sb.add_user("张网格员", user_id=1001)
        zhang.start_bot()
        residents = [sb.add_user(f"居民{i}") for i in range(8)]
        group = sb.add_group("东湖一网格居民群", [liu, zhang, *residents], creator=liu,
                             bot_is_admin=True)
        slow_group = sb.add_group("慢群", [liu], creator=liu, bot_is_admin=True)
        async with World.attach(sb, settings, Clock()) as world:
            pool = world.ctx.pool
            world.app.sender.retry_base = 0.05  # backoff doubling as in production, 20x faster
            async with transaction(pool) as session:
                await import_file(session, EXAMPLE)
                await session.execute(update(GroupChat).where(GroupChat.chat_id == -1001001)
                                      .values(chat_id=group.id))
            await world.settle(timeout=30)
            if name == "faults":
                inject_faults(sb, group.id, slow_group.id, slow)
                liu.say(slow_group, "/help")
            started = time.perf_counter()
            sent = []
            chat = group
            for n in range(messages):
                if name == "migration" and n == messages // 2:
                    await world.settle(timeout=30)
                    new = sb.migrate_group(group)
                    liu.say(group, "/help")  # an answer to the old id: the sender follows
                    await _wait_group_id(pool, new.id)
                    chat = new
                sent.append(residents[n % len(residents)].say(chat, TEXT.format(n=n + 1)))
                if n % 10 == 9:
                    await asyncio.sleep(0.05)
            settled = True
            try:
                await world.settle(timeout=25)
            except TimeoutError:
                settled = False
            elapsed = time.perf_counter() - started
            async with pool() as session:
                cases = await session.scalar(select(func.count()).select_from(Case)) or 0
                sources = set(await session.execute(
                    select(Case.source_chat_id, Case.source_message_id)))
                inbox = list(await session.execute(
                    select(InboxUpdate.received_at, InboxUpdate.done_at)))
                unsent = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                              .where(OutboxMessage.status != "sent")) or 0
                if unsent:
                    for row in await session.execute(
                            select(OutboxMessage.status, OutboxMessage.method,
                                   OutboxMessage.last_error, OutboxMessage.claimed_until)
                            .where(OutboxMessage.status != "sent").limit(3)):
                        print("  unsent:", *row, file=sys.stderr)
        ok_sends = Counter(
            (r.params.get("text"), str(r.params.get("reply_parameters")), r.params.get("chat_id"))
            for r in sb.requests_for("sendMessage") if r.ok)
        answered = {m.reply_to for m in sb.bot_messages(group) if m.reply_to}
        lost = sum(1 for m in sent if (m.chat_id, m.message_id) not in sources
                   or (m.chat_id == group.id and m.message_id not in answered
                       and name != "migration")) + unsent
        handling = sorted((done - got).total_seconds() for got, done in inbox if done)
        p99 = handling[min(len(handling) - 1, int(len(handling) * 0.99))] if handling else 0.0
        return {
            "scenario": name, "updates in": len(inbox), "cases opened": cases,
            "messages doubled": sum(n - 1 for n in ok_sends.values()), "lost": lost,
            "p99 handling s": round(p99, 3),
            "median handling s": round(statistics.median(handling), 3) if handling else 0,
            "wall s": round(elapsed, 1), "settled": settled,
            "faults answered": sum(1 for r in sb.requests if not r.ok),
            "RSS MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }


async def _wait_group_id(pool, chat_id: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with pool() as session:
            if await session.scalar(select(GroupChat.id).where(GroupChat.chat_id == chat_id)):
                return
        await asyncio.sleep(0.05)
    raise TimeoutError("the group's new id never replaced the old one")


async def fresh_pg(url: str) -> None:
    """An empty, migrated PostgreSQL database (created if missing)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres").render_as_string(hide_password=False),
                          isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            if not await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                     {"d": target.database}):
                await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await admin.dispose()
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def replicas_scenario(count: int, messages: int, pg: str, redis_url: str | None,
                            kill_under_load: bool, broadcast: int = 200) -> dict[str, object]:
    await fresh_pg(pg)
    if redis_url:  # a fresh budget: no pacing left over from an earlier run
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url)
        for key in await client.keys("linli:pace:*"):
            await client.delete(key)
        await client.aclose()
    # Telegram (the sandbox) allows a little more than each replica's settings: a 429 means
    # the replicas together went over (the global limit, without a shared budget).
    bot_limits = R.Limits(per_chat_interval=0.1, group_per_minute=600, global_per_second=40)
    telegram_limits = FloodLimits(per_chat=(12, 1.0), per_chat_burst=1, per_group=(700, 60.0),
                                  overall=(50, 1.0))
    engine = create_engine(pg)
    pool = create_session_factory(engine)
    replicas: list[R.Replica] = []
    try:
        async with SandboxServer(flood_control=True, flood_limits=telegram_limits) as sb, \
                RoundRobinProxy([]) as proxy:
            people = R.cast(sb)
            await R.import_org(pool, people.group.id)
            public = f"{proxy.url}/telegram"
            with tempfile.TemporaryDirectory() as logs:
                replicas = [await R.spawn(sb, pg, redis_url, public, limits=bot_limits,
                                          claim_seconds=5.0, tick_seconds=0.5,
                                          log_dir=Path(logs)) for _ in range(count)]
                proxy.backends[:] = [r.url for r in replicas]
                for replica in replicas:
                    await R.wait_listening(replica, timeout=120)

                async def kill_one() -> None:
                    if kill_under_load and len(replicas) > 2:
                        replicas[-1].kill()

                try:
                    figures = await R.play(sb, pool, people, replicas, messages=messages,
                                           kill=True, hang=2.0, settle_s=180, during=kill_one,
                                           broadcast=broadcast)
                finally:
                    for replica in replicas:
                        await R.stop(replica)
            figures["served per replica"] = sorted(proxy.served.values())
    finally:
        await engine.dispose()
    return {"scenario": f"replicas x{count}" + (" +kill under load" if kill_under_load else ""),
            "redis": bool(redis_url), **figures,
            "RSS MB (driver)": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=["faults", "migration", "replicas", "fuzz", "all"],
                        default="all")
    parser.add_argument("--messages", type=int, default=60, help="resident messages per scenario")
    parser.add_argument("--slow", type=float, default=5.0, help="seconds of the slow answer")
    parser.add_argument("--db", default="", help="database URL (default: a temporary SQLite)")
    parser.add_argument("--replicas", type=int, default=2, help="webhook replicas")
    parser.add_argument("--kill-under-load", action="store_true",
                        help="also SIGKILL a replica halfway through the complaints (needs 3)")
    parser.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/linli_chaos",
                        help="PostgreSQL for the replicas (emptied first)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15",
                        help="Redis shared by the replicas ('' for none)")
    parser.add_argument("--broadcast", type=int, default=200,
                        help="replicas: notices queued at once to as many people")
    parser.add_argument("--updates", type=int, default=2000, help="fuzzed updates")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    for name in ("faults", "migration"):
        if args.scenario in (name, "all"):
            with tempfile.TemporaryDirectory() as tmp:
                url = args.db or f"sqlite+aiosqlite:///{tmp}/chaos.db"
                print(await scenario(name, args.messages, url, args.slow), flush=True)
    if args.scenario in ("replicas", "all"):
        print(await replicas_scenario(args.replicas, args.messages, args.pg, args.redis or None,
                                      args.kill_under_load, args.broadcast), flush=True)
    if args.scenario in ("fuzz", "all"):
        from benchmarks import fuzz

        warnings.filterwarnings("ignore", "Detected unknown update type")  # forged kinds
        with tempfile.TemporaryDirectory() as tmp:
            url = args.db or f"sqlite+aiosqlite:///{tmp}/fuzz.db"
            print(await fuzz.run(args.updates, url), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
