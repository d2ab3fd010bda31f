"""Chaos benchmark (not a test): the real bot against the sandbox while the sandbox
misbehaves, then what came out: updates in, cases opened, +1 links, messages doubled and
lost, limit violations, p99 handling time, peak RSS. Residents report in pairs (two
residents, one problem): a case and a +1 link.

    .venv/bin/python benchmarks/chaos.py --scenario faults --slow 70      # SQLite
    .venv/bin/python benchmarks/chaos.py --scenario faults --slow 70 \
        --db postgresql+asyncpg://postgres@127.0.0.1/linli_chaos             # (emptied first)
    .venv/bin/python benchmarks/chaos.py --scenario kill --messages 200     # SQLite, 1 process
    .venv/bin/python benchmarks/chaos.py --scenario kill --messages 200 --replicas 2 \
        --db postgresql+asyncpg://postgres@127.0.0.1/linli_chaos --redis redis://127.0.0.1:6379/12
    .venv/bin/python benchmarks/chaos.py --scenario replicas --replicas 2 --messages 100
    .venv/bin/python benchmarks/chaos.py --scenario fuzz --updates 10000

Scenario "faults" (long polling, in this process): getUpdates answers HTML 502 pages,
409 Conflict and 502; sendMessage answers 429, 500/502, HTML pages, drops connections;
the grid worker's first DM (outbox) and an answer to /help (direct) come after --slow
seconds. Scenario "migration": the group is upgraded to a supergroup halfway; later
messages come from the new chat id. Both run under Telegram's flood limits (the sandbox
enforces limits a little above the bot's settings): a 429 not injected is a violation.

Scenario "kill": N webhook replicas (`linli run` child processes; 1 on SQLite) behind a
round-robin proxy; residents post --messages at --rate a second; --kills times during the
load a replica is killed with SIGKILL and started again.

Scenario "replicas" (benchmarks/replicas.py): N `linli run` webhook replicas behind a
round-robin proxy on one PostgreSQL (--pg) and Redis (--redis); complaints, then every
case's reminder, escalation and group digest; one replica is killed (SIGKILL) holding
the claim of a message that hangs in Telegram, and (--kill-under-load) another one in
the middle of the complaints; then --broadcast notices are queued at once to as many
people. The sandbox enforces flood limits just above the bot's: a 429 is a limit broken
by the replicas together (try --redis '' to see them without a shared budget).
Scenario "fuzz" (benchmarks/fuzz.py): hostile updates through the real inbox and
dispatcher (--updates; `benchmarks/fuzz.py` alone prints the same).

doubled: identical successful send* calls (same chat, text and reply) beyond the first;
lost: resident messages neither opened as a case nor linked to one, or whose case number
never appeared in the group (replies due together may share one message), plus outbox
rows not sent. Handling time: an update stored → handled (inbox done_at).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from benchmarks import replicas as R
from bot.clock import Clock
from bot.config import Settings
from bot.db import migrate
from bot.db.models import Case, CaseVoice, GroupChat, InboxUpdate, OutboxMessage
from bot.db.session import create_engine, create_session_factory
from demo.world import World
from sandbox import DROP, HTML, FloodLimits, SandboxServer
from sandbox.proxy import RoundRobinProxy

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "org.yaml"
TEXT = "{n}号楼门口的路灯坏了好几天了，晚上一片漆黑"


def inject_faults(sb: SandboxServer, group_id: int, slow_chats: list[int], slow: float) -> None:
    # first, so that they are the ones these chats meet: the grid worker's first DM (the
    # outbox) and the answer to /help in another group (a handler's direct answer)
    for chat in slow_chats:
        sb.inject("sendMessage", None, delay=slow, times=1, chat_id=chat)
    sb.inject("getUpdates", HTML, times=2)
    sb.inject("getUpdates", 409, times=1,
              description="Conflict: terminated by other getUpdates request")
    sb.inject("getUpdates", 502, times=1)
    sb.inject("sendMessage", 429, retry_after=1, times=2, chat_id=group_id)
    sb.inject("sendMessage", 502, times=3)
    sb.inject("sendMessage", 500, times=2)
    sb.inject("sendMessage", DROP, times=3)
    sb.inject("sendMessage", HTML, times=2)


# The bot's own limits (LINLI_*) and Telegram's (the sandbox's flood control), a little
# above them: a 429 that was not injected is a limit the bot broke.
BOT_LIMITS = R.Limits(per_chat_interval=0.1, group_per_minute=600, global_per_second=40)
TELEGRAM_LIMITS = FloodLimits(per_chat=(12, 1.0), per_chat_burst=1, per_group=(700, 60.0),
                              overall=(50, 1.0))


def complaint(n: int) -> str:
    """The n-th resident message: messages 2k and 2k+1 (two residents) are about one
    problem at one place, so the second is a +1 link to the first's case."""
    return TEXT.format(n=n // 2 + 1)


async def scenario(name: str, messages: int, db_url: str, slow: float,
                   fresh: bool = True) -> dict[str, object]:
    """`fresh`: start from an empty database (a test's database is empty already)."""
    if fresh:
        await fresh_db(db_url)
    settings = Settings(_env_file=None, database_url=db_url, bot_token=None, admin_ids=[900],
                        quiet_hours="off", per_chat_interval=BOT_LIMITS.per_chat_interval,
                        group_per_minute=BOT_LIMITS.group_per_minute,
                        global_per_second=BOT_LIMITS.global_per_second)
    async with SandboxServer(flood_control=True, flood_limits=TELEGRAM_LIMITS) as sb:
        liu = sb.add_user("刘书记", user_id=2001)
        zhang = sb.add_user("张网格员", user_id=1001)
        zhang.start_bot()
        residents = [sb.add_user(f"居民{i}") for i in range(8)]
        group = sb.add_group("东湖一网格居民群", [liu, zhang, *residents], creator=liu,
                             bot_is_admin=True)
        slow_group = sb.add_group("慢群", [liu], creator=liu, bot_is_admin=True)
        engine = create_engine(db_url)  # the org first, bound to the sandbox's group
        try:
            await R.import_org(create_session_factory(engine), group.id)
        finally:
            await engine.dispose()
        async with World.attach(sb, settings, Clock()) as world:
            pool = world.ctx.pool
            world.app.sender.retry_base = 0.05  # backoff doubling as in production, 20x faster
            await world.settle(timeout=30)
            if name == "faults":
                inject_faults(sb, group.id, [zhang.id, slow_group.id], slow)
                liu.say(slow_group, "/help")
            started = time.perf_counter()
            sent = []
            said_at: dict[int, float] = {}
            chat = group
            for n in range(messages):
                if name == "migration" and n == messages // 2:
                    await world.settle(timeout=30)
                    new = sb.migrate_group(group)
                    liu.say(group, "/help")  # an answer to the old id: the sender follows
                    await _wait_group_id(pool, new.id)
                    chat = new
                sent.append(residents[n % len(residents)].say(chat, complaint(n)))
                said_at[sent[-1].message_id] = time.monotonic()
                if n % 10 == 9:
                    await asyncio.sleep(0.05)
            settled = True
            try:
                await world.settle(timeout=max(60.0, slow + 60))
            except TimeoutError:
                settled = False
            elapsed = time.perf_counter() - started
            alive = all(not t.done() for t in world.app._tasks
                        if t.get_name() in ("inbox", "sender")) and bool(
                world._poller and not world._poller.done())
            async with pool() as session:
                cases = await session.scalar(select(func.count()).select_from(Case)) or 0
                links = await session.scalar(select(func.count()).select_from(CaseVoice)) or 0
                numbers = await case_numbers(session)
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
        told = " ".join(m.body for c in {group.id, chat.id} for m in sb.bot_messages(c))
        lost = lost_complaints(sent, numbers, told) + unsent
        handling = sorted((done - got).total_seconds() for got, done in inbox if done)
        injected_429 = sum(f.hits for f in sb.core.faults.faults if f.error == 429)
        replied: dict[int, float] = {}  # resident message -> when its answer reached Telegram
        for r in sb.requests_for("sendMessage"):
            to = _reply_to(r.params)
            if r.ok and str(r.params.get("chat_id")) == str(group.id) and to in said_at:
                replied.setdefault(to, r.time - said_at[to])
        return {
            "scenario": name, "db": make_url(db_url).get_backend_name(),
            "updates in": len(inbox), "cases opened": cases, "+1 links": links,
            "messages doubled": sum(n - 1 for n in ok_sends.values()), "messages lost": lost,
            "limit violations (429 not injected)":
                sum(1 for r in sb.requests if r.status == 429) - injected_429,
            "p99 handling s": percentile(handling, 0.99),
            "median handling s": round(statistics.median(handling), 3) if handling else 0,
            "wall s": round(elapsed, 1), "settled": settled, "app alive": alive,
            "faults answered": sum(1 for r in sb.requests if not r.ok),
            # resident message -> its answer reaching Telegram (getUpdates backoff included)
            "answer wait p99 / max s": (percentile(list(replied.values()), 0.99),
                                        round(max(replied.values(), default=0.0), 3)),
            "RSS MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }


def _reply_to(params: dict[str, object]) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, str):
        reply = json.loads(reply)
    if isinstance(reply, dict):
        return int(reply["message_id"])
    return int(params["reply_to_message_id"]) if params.get("reply_to_message_id") else None


async def case_numbers(session) -> dict[tuple[int, int], str]:
    """Each resident message that opened a case or was linked to one -> that case's number."""
    numbers = {(chat, msg): number for chat, msg, number in await session.execute(
        select(Case.source_chat_id, Case.source_message_id, Case.number))}
    numbers |= {(chat, msg): number for chat, msg, number in await session.execute(
        select(CaseVoice.chat_id, CaseVoice.message_id, Case.number)
        .join(Case, Case.id == CaseVoice.case_id))}
    return numbers


def lost_complaints(sent: list, numbers: dict[tuple[int, int], str], told: str) -> int:
    """Complaints neither opened nor linked, or whose case was never named in the group
    (replies due together may share one message, so not every one is a reply)."""
    return sum(1 for m in sent if numbers.get((m.chat_id, m.message_id)) is None
               or numbers[(m.chat_id, m.message_id)] not in told)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 3) if ordered else 0.0


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


async def fresh_budget(redis_url: str | None) -> None:
    """A fresh flood budget in Redis: no pacing left over from an earlier run."""
    if not redis_url:
        return
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    for key in await client.keys("linli:pace:*"):
        await client.delete(key)
    await client.aclose()


@dataclass
class Fleet:
    """The sandbox (Telegram), a round-robin proxy in front of the replicas, the example
    org bound to the sandbox's group, and a way to start a replica."""

    sb: SandboxServer
    proxy: RoundRobinProxy
    pool: Any
    people: Any
    replicas: list[R.Replica]
    start: Callable[[], Awaitable[R.Replica]]

    def route(self) -> None:
        self.proxy.backends[:] = [r.url for r in self.replicas]


@asynccontextmanager
async def fleet(db_url: str, redis_url: str | None, bot_limits: R.Limits,
                telegram_limits: FloodLimits) -> AsyncIterator[Fleet]:
    """Whatever happens inside, no replica is left running (on a shared database)."""
    engine = create_engine(db_url)
    pool = create_session_factory(engine)
    try:
        async with SandboxServer(flood_control=True, flood_limits=telegram_limits) as sb, \
                RoundRobinProxy([]) as proxy:
            people = R.cast(sb)
            await R.import_org(pool, people.group.id)
            public = f"{proxy.url}/telegram"
            with tempfile.TemporaryDirectory() as logs:
                async def start() -> R.Replica:
                    return await R.spawn(sb, db_url, redis_url, public, limits=bot_limits,
                                         claim_seconds=5.0, tick_seconds=0.5,
                                         log_dir=Path(logs))

                crew = Fleet(sb, proxy, pool, people, [], start)
                try:
                    yield crew
                finally:
                    for replica in crew.replicas:
                        await R.stop(replica)
    finally:
        await engine.dispose()


async def replicas_scenario(count: int, messages: int, pg: str, redis_url: str | None,
                            kill_under_load: bool, broadcast: int = 200) -> dict[str, object]:
    await fresh_pg(pg)
    await fresh_budget(redis_url)
    # Telegram (the sandbox) allows a little more than each replica's settings: a 429 means
    # the replicas together went over (the global limit, without a shared budget).
    bot_limits = R.Limits(per_chat_interval=0.1, group_per_minute=600, global_per_second=40)
    telegram_limits = FloodLimits(per_chat=(12, 1.0), per_chat_burst=1, per_group=(700, 60.0),
                                  overall=(50, 1.0))
    async with fleet(pg, redis_url, bot_limits, telegram_limits) as crew:
        async def kill_one() -> None:
            if kill_under_load and len(crew.replicas) > 2:
                crew.replicas[-1].kill()

        crew.replicas += [await crew.start() for _ in range(count)]
        crew.route()
        for replica in crew.replicas:
            await R.wait_listening(replica, timeout=120)
        figures = await R.play(crew.sb, crew.pool, crew.people, crew.replicas,
                               messages=messages, kill=True, hang=2.0, settle_s=180,
                               during=kill_one, broadcast=broadcast)
    figures["served per replica"] = sorted(crew.proxy.served.values())
    return {"scenario": f"replicas x{count}" + (" +kill under load" if kill_under_load else ""),
            "redis": bool(redis_url), **figures,
            "RSS MB (driver)": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


async def fresh_db(url: str) -> None:
    """An empty, migrated database: PostgreSQL emptied, SQLite a new file."""
    if make_url(url).get_backend_name() == "postgresql":
        await fresh_pg(url)
        return
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def peak_rss_mb(replica: R.Replica) -> float:
    """The peak resident memory of a replica's process (VmHWM), 0 if gone."""
    try:
        status = Path(f"/proc/{replica.proc.pid}/status").read_text()  # type: ignore[union-attr]
    except (OSError, AttributeError):
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def kill_scenario(count: int, messages: int, db_url: str, redis_url: str | None,
                        kills: int = 3, rate: float = 10.0) -> dict[str, object]:
    """`count` webhook replicas (`linli run` child processes) behind a round-robin proxy;
    residents post `messages` complaints at `rate` a second (pairs about one problem: a
    case and a +1 link); `kills` times during the load a replica is killed with SIGKILL
    and started again. Then everything must be handled once and answered once."""
    await fresh_db(db_url)
    await fresh_budget(redis_url)
    rss: list[float] = []
    killed_pids: list[int] = []
    async with fleet(db_url, redis_url, BOT_LIMITS, TELEGRAM_LIMITS) as crew:
        sb, pool, people, replicas = crew.sb, crew.pool, crew.people, crew.replicas
        replicas += [await crew.start() for _ in range(count)]
        crew.route()
        for replica in replicas:
            await R.wait_listening(replica, timeout=180)
        started = time.perf_counter()
        sent = []
        at = {messages * (k + 1) // (kills + 1) for k in range(kills)}
        for n in range(messages):
            if n in at:  # kill -9 one replica (in turn) and start it again
                victim = replicas[len(killed_pids) % count]
                await R.wait_listening(victim, timeout=180)  # up and working
                rss.append(peak_rss_mb(victim))
                victim.kill()
                await victim.proc.wait()  # type: ignore[union-attr]
                killed_pids.append(victim.proc.pid)  # type: ignore[union-attr]
                replicas[replicas.index(victim)] = await crew.start()
                crew.route()
            sent.append(people.residents[n % len(people.residents)].say(
                people.group, complaint(n)))
            await asyncio.sleep(1.0 / rate)
        settled = True
        try:
            await R.settle(sb, pool, timeout=240)
        except TimeoutError as exc:
            settled = False
            print("  not settled:", exc, file=sys.stderr)
        elapsed = time.perf_counter() - started
        rss += [peak_rss_mb(r) for r in replicas]
        async with pool() as session:
            cases = await session.scalar(select(func.count()).select_from(Case)) or 0
            links = await session.scalar(select(func.count()).select_from(CaseVoice)) or 0
            numbers = await case_numbers(session)
            inbox = list(await session.execute(
                select(InboxUpdate.received_at, InboxUpdate.done_at, InboxUpdate.status)))
            outbox = Counter(await session.scalars(select(OutboxMessage.status)))
    deliveries = Counter(
        (str(r.params.get("chat_id")), r.params.get("text") or r.params.get("caption"),
         str(r.params.get("reply_parameters")))
        for r in sb.requests if r.ok and r.method.startswith("send"))
    told = " ".join(m.body for m in sb.bot_messages(people.group))
    lost = lost_complaints(sent, numbers, told)
    handling = [(done - got).total_seconds() for got, done, _ in inbox if done]
    return {
        "scenario": f"kill -9 x{len(killed_pids)}, {count} replica(s)",
        "db": make_url(db_url).get_backend_name(), "redis": bool(redis_url),
        "updates in": len(inbox), "inbox failed": sum(1 for *_, st in inbox if st == "failed"),
        "cases opened": cases, "+1 links": links,
        "messages sent": sum(deliveries.values()),
        "messages doubled": sum(n - 1 for n in deliveries.values()),
        "messages lost": lost + sum(n for st, n in outbox.items() if st != "sent"),
        "limit violations (429)": sum(1 for r in sb.requests if r.status == 429),
        "p99 handling s": percentile(handling, 0.99),
        "median handling s": percentile(handling, 0.5), "wall s": round(elapsed, 1),
        "settled": settled, "RSS MB (peak of a replica)": max(rss, default=0.0),
        "doubled samples": [f"{chat}: {(text or '')[:30]}" for (chat, text, _), n
                            in deliveries.items() if n > 1][:5],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=["faults", "migration", "kill", "replicas", "fuzz",
                                               "all"],
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
    parser.add_argument("--kills", type=int, default=3, help="kill: SIGKILLs during the load")
    parser.add_argument("--rate", type=float, default=10.0,
                        help="kill: resident messages a second")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    for name in ("faults", "migration"):
        if args.scenario in (name, "all"):
            with tempfile.TemporaryDirectory() as tmp:
                url = args.db or f"sqlite+aiosqlite:///{tmp}/chaos.db"
                print(await scenario(name, args.messages, url, args.slow), flush=True)
    if args.scenario in ("kill", "all"):
        with tempfile.TemporaryDirectory() as tmp:
            url = args.db or f"sqlite+aiosqlite:///{tmp}/kill.db"
            postgres = make_url(url).get_backend_name() == "postgresql"
            print(await kill_scenario(args.replicas if postgres else 1, args.messages, url,
                                      (args.redis or None) if postgres else None, args.kills,
                                      args.rate), flush=True)
    if args.scenario in ("replicas", "all"):
        print(await replicas_scenario(args.replicas, args.messages, args.pg, args.redis or None,
                                      args.kill_under_load, args.broadcast), flush=True)
    if args.scenario in ("fuzz", "all"):
        from benchmarks import fuzz

        warnings.filterwarnings("ignore", "Detected unknown update type")  # forged kinds
        with tempfile.TemporaryDirectory() as tmp:
            url = args.db or f"sqlite+aiosqlite:///{tmp}/fuzz.db"
            if make_url(url).get_backend_name() == "postgresql":
                await fresh_pg(url)
            print(await fuzz.run(args.updates, url), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
