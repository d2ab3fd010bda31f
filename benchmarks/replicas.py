"""Webhook replicas behind a round-robin proxy, on one PostgreSQL (+ Redis): the
harness of the "replicas" chaos scenario (benchmarks/chaos.py) and of
tests/test_replicas.py.

What one run does, against the sandbox (Telegram):
  A. residents post complaints in a group (each update reaches one replica, in turn);
  B. optionally, a reminder DM hangs in Telegram while one replica holds its claim, and
     that replica is killed (SIGKILL): the row must go out once, after the lease;
  C. every case's accept reminder fires (DMs), then its accept deadline (escalation DMs
     and group digests), the timers firing on whichever replica ticks first;
  D. optionally, a notice to many people at once: the global flood limit, shared or not.
Then it counts what each chat received: doubled (the same message to the same chat
more than once), lost (a complaint without its case, a due timer not fired, a message
not sent), and 429s (a shared flood limit broken)."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Case, GroupChat, InboxUpdate, OutboxMessage, Timer
from bot.db.session import reading, transaction
from bot.delivery import outbox
from bot.org.orgfile import import_file
from sandbox import DROP, SandboxServer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "org.yaml"
SECRET = "replicas-share-this-webhook-secret-0123456789"
TEXT = "{n}号楼门口的路灯坏了好几天了，晚上一片漆黑"
REMIND, DUE, DIGEST = "case.accept_remind", "case.accept_due", "case.digest"
ORG_GROUP = -1001001  # the example org's group, bound to the sandbox's group id
GRID_WORKER = 1001  # 张网格员: buildings 1-3 (第一网格)

# `linli run` in a child process, with a faster scheduler tick and claim lease than in
# production (so that a run takes seconds): the code paths are the production ones.
RUN_REPLICA = """
import os, runpy, sys
import bot.app
from bot.delivery import sender
from scheduler.setup import Scheduler
sender.CLAIM_SECONDS = float(os.environ["BENCH_CLAIM_SECONDS"])
tick = float(os.environ["BENCH_TICK_SECONDS"])
bot.app.build_scheduler = lambda ctx: Scheduler(ctx, tick)
sys.argv = ["linli", "run"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Limits:
    """Flood limits as the bot's settings (LINLI_PER_CHAT_INTERVAL...)."""

    per_chat_interval: float = 0.0
    group_per_minute: int = 100_000
    global_per_second: int = 100_000

    def env(self) -> dict[str, str]:
        return {"LINLI_PER_CHAT_INTERVAL": str(self.per_chat_interval),
                "LINLI_GROUP_PER_MINUTE": str(self.group_per_minute),
                "LINLI_GLOBAL_PER_SECOND": str(self.global_per_second)}


@dataclass
class Replica:
    """One webhook replica: a child process (`proc`), or an App in this process
    (`app`, which can be paused but not killed)."""

    url: str
    proc: asyncio.subprocess.Process | None = None
    app: Any = None
    log: Path | None = None
    killed: bool = False

    def holds(self, claimed_by: str) -> bool:
        if self.proc is not None:
            return f":{self.proc.pid}:" in claimed_by
        return claimed_by == self.app.sender.instance

    def kill(self) -> None:
        assert self.proc is not None, "an in-process replica cannot be killed"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.killed = True


async def spawn(sb: SandboxServer, db_url: str, redis_url: str | None, public_url: str, *,
                limits: Limits, claim_seconds: float, tick_seconds: float,
                log_dir: Path) -> Replica:
    """Start `linli run` in webhook mode on a free port (not waiting for it)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LINLI_") or k == "LINLI_CLASSIFIER"}
    env.update(limits.env(), LINLI_BOT_TOKEN=sb.token, LINLI_API_BASE_URL=sb.url,
               LINLI_DATABASE_URL=db_url, LINLI_QUIET_HOURS="off", LINLI_WEBHOOK_URL=public_url,
               LINLI_WEBHOOK_PORT=str(port), LINLI_WEBHOOK_SECRET=SECRET,
               BENCH_CLAIM_SECONDS=str(claim_seconds), BENCH_TICK_SECONDS=str(tick_seconds),
               PYTHONPATH=str(ROOT))
    if redis_url:
        env["LINLI_REDIS_URL"] = redis_url
    log = log_dir / f"replica-{port}.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", RUN_REPLICA, env=env, cwd=str(ROOT),
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out)
    return Replica(url=f"http://127.0.0.1:{port}", proc=proc, log=log)


async def wait_listening(replica: Replica, timeout: float = 60.0) -> None:
    host, port = replica.url.removeprefix("http://").split(":")
    deadline = time.monotonic() + timeout
    while True:
        if replica.proc is not None and replica.proc.returncode is not None:
            raise RuntimeError(f"replica exited: {_tail(replica.log)}")
        try:
            _, writer = await asyncio.open_connection(host, int(port))
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"replica on {port} never listened: {_tail(replica.log)}") from None
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return


def _tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-2000:] if log and log.exists() else ""


async def stop(replica: Replica) -> None:
    """SIGTERM (a clean stop) unless it was killed; waits for the exit."""
    if replica.proc is None:
        return
    if replica.proc.returncode is None and not replica.killed:
        replica.proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(replica.proc.wait(), timeout=20)
    except TimeoutError:
        replica.proc.kill()
        await replica.proc.wait()


async def import_org(pool: async_sessionmaker[AsyncSession], group_id: int) -> None:
    async with transaction(pool) as session:
        await import_file(session, EXAMPLE)
        await session.execute(update(GroupChat).where(GroupChat.chat_id == ORG_GROUP)
                              .values(chat_id=group_id))


@dataclass
class People:
    group: Any
    residents: list[Any]
    worker: Any


def cast(sb: SandboxServer, residents: int = 8) -> People:
    """The example org's people in Telegram: the grid worker and organizer have
    started the bot; residents post in the grid's group."""
    liu = sb.add_user("刘书记", user_id=2001)
    zhang = sb.add_user("张网格员", user_id=GRID_WORKER)
    wang = sb.add_user("王网格员", user_id=1002)
    for person in (liu, zhang, wang):
        person.start_bot()
    folks = [sb.add_user(f"居民{i}") for i in range(residents)]
    group = sb.add_group("东湖一网格居民群", [liu, zhang, wang, *folks], creator=liu,
                         bot_is_admin=True)
    return People(group, folks, zhang)


async def settle(sb: SandboxServer, pool: async_sessionmaker[AsyncSession],
                 timeout: float) -> None:
    """Until Telegram has delivered every update and nothing is pending or due."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 3:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not settled in {timeout}s: {await _pending(pool)}")
        busy = bool(sb.bot.updates) or any((await _pending(pool)).values())
        quiet = 0 if busy else quiet + 1
        await asyncio.sleep(0.1 if busy else 0.05)


async def _pending(pool: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    now = datetime.now(UTC)
    async with reading(pool) as session:
        async def count(model: Any, *where: Any) -> int:
            return await session.scalar(
                select(func.count()).select_from(model).where(*where)) or 0

        return {"inbox": await count(InboxUpdate, InboxUpdate.status == "pending"),
                "outbox": await count(OutboxMessage, OutboxMessage.status == "pending"),
                "timers": await count(Timer, Timer.status == "pending", Timer.due_at <= now)}


async def make_due(pool: async_sessionmaker[AsyncSession], kind: str,
                   only: list[int] | None = None) -> int:
    """Bring the pending timers of `kind` (of case ids `only`) to now; an accept
    deadline moves with its case's, so that it escalates."""
    now = datetime.now(UTC)
    async with transaction(pool) as session:
        where = [Timer.kind == kind, Timer.status == "pending"]
        if only is not None:
            where.append(Timer.ref.in_([f"case:{i}" for i in only]))
        refs = list(await session.scalars(select(Timer.ref).where(*where)))
        await session.execute(update(Timer).where(*where).values(due_at=now))
        if kind == DUE:
            ids = [int(ref.partition(":")[2]) for ref in refs]
            await session.execute(update(Case).where(Case.id.in_(ids), Case.next_due.is_(None))
                                  .values(accept_due=now))
    return len(refs)


async def hang_and_kill(sb: SandboxServer, pool: async_sessionmaker[AsyncSession],
                        replicas: list[Replica], hang: float) -> dict[str, Any]:
    """A reminder DM to the grid worker hangs in Telegram (never delivered: the
    connection drops after `hang` s); the replica holding its claim is killed."""
    async with reading(pool) as session:
        case_id = await session.scalar(
            select(func.min(Case.id)).where(Case.grid_id.is_not(None)))
    sb.inject("sendMessage", DROP, delay=hang, times=1, chat_id=GRID_WORKER)
    killable = [r for r in replicas if r.proc is not None]
    paused = [r for r in replicas if r.proc is None]
    for replica in paused:  # only a child process can be killed: let one claim it
        replica.app.sender.max_in_flight = 0
    try:
        await make_due(pool, REMIND, only=[case_id])
        holder, row_id = await _wait_claim(pool, killable, GRID_WORKER, timeout=15)
        while not any(f.hits for f in sb.core.faults.faults):  # the request is in Telegram
            await asyncio.sleep(0.02)
        holder.kill()
        await holder.proc.wait()  # type: ignore[union-attr]
    finally:
        for replica in paused:
            replica.app.sender.max_in_flight = 32
    return {"killed pid": holder.proc.pid if holder.proc else None, "hung row": row_id}


async def _wait_claim(pool: async_sessionmaker[AsyncSession], replicas: list[Replica],
                      chat_id: int, timeout: float) -> tuple[Replica, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with reading(pool) as session:
            rows = list(await session.execute(
                select(OutboxMessage.id, OutboxMessage.claimed_by).where(
                    OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending",
                    OutboxMessage.claimed_until > datetime.now(UTC))))
        for row_id, claimed_by in rows:
            for replica in replicas:
                if replica.holds(claimed_by or ""):
                    return replica, row_id
        await asyncio.sleep(0.02)
    raise TimeoutError("no replica claimed the hung message")


async def play(sb: SandboxServer, pool: async_sessionmaker[AsyncSession], people: People,
               replicas: list[Replica], *, messages: int, kill: bool, hang: float = 2.0,
               settle_s: float = 60.0, broadcast: int = 0,
               during: Callable[[], Awaitable[None]] | None = None) -> dict[str, Any]:
    """Phases A-C (module docstring); `during()` runs halfway through the complaints;
    then `broadcast` notices to as many people at once (phase D). Returns the figures."""
    started = time.perf_counter()
    sent = []
    for n in range(messages):
        if n == messages // 2 and during is not None:
            await during()
        sent.append(people.residents[n % len(people.residents)].say(
            people.group, TEXT.format(n=n + 1)))
        if n % 10 == 9:
            await asyncio.sleep(0.02)
    await settle(sb, pool, settle_s)
    killed: dict[str, Any] = {}
    if kill:
        killed = await hang_and_kill(sb, pool, replicas, hang)
    fired = Counter[str]()
    for kind in (REMIND, DUE, DIGEST):
        fired[kind] += await make_due(pool, kind)
        await settle(sb, pool, settle_s)
    if kill:  # the digests of the escalations made after the last digest pass
        fired[DIGEST] += await make_due(pool, DIGEST)
        await settle(sb, pool, settle_s)
    floods = sum(1 for r in sb.requests if r.status == 429)
    if broadcast:
        await announce(sb, pool, broadcast)
        await settle(sb, pool, settle_s)
    elapsed = time.perf_counter() - started
    figures = await count(sb, pool, people, sent, fired, killed, elapsed)
    if broadcast:
        figures["broadcast DMs"] = broadcast
        figures["429 during the broadcast"] = figures["limit violations (429)"] - floods
    return figures


async def announce(sb: SandboxServer, pool: async_sessionmaker[AsyncSession], count: int) -> None:
    """One notice each to `count` people who started the bot (earlier), queued at once:
    every replica's sender goes for them together, so only a shared global limit keeps
    the total under Telegram's."""
    now = datetime.now(UTC)
    async with transaction(pool) as session:
        for i in range(count):
            user = sb.add_user(f"订阅者{i}")
            sb.bot.started.add(user.id)
            await outbox.enqueue(session, user.id, now=now, text=f"📢 社区通知（第{i + 1}份）")


async def count(sb: SandboxServer, pool: async_sessionmaker[AsyncSession], people: People,
                sent: list[Any], fired: Counter[str], killed: dict[str, Any],
                elapsed: float) -> dict[str, Any]:
    async with reading(pool) as session:
        sources = set(await session.execute(select(Case.source_chat_id,
                                                   Case.source_message_id)))
        inbox = Counter(await session.scalars(select(InboxUpdate.status)))
        outbox = Counter(await session.scalars(select(OutboxMessage.status)))
        timers = Counter(await session.execute(
            select(Timer.kind, Timer.status).where(Timer.kind.in_([REMIND, DUE, DIGEST]))))
        hung_sent = None
        if killed:
            row = await session.get(OutboxMessage, killed["hung row"])
            hung_sent = row is not None and row.status == "sent"
    deliveries = Counter(
        (r.params.get("chat_id"), r.params.get("text") or r.params.get("caption"),
         str(r.params.get("reply_parameters") or r.params.get("reply_to_message_id")))
        for r in sb.requests if r.ok and r.method.startswith("send"))
    texts = [t or "" for (_, t, _) in deliveries]
    lost = (sum(1 for m in sent if (m.chat_id, m.message_id) not in sources)
            + sum(n for (_, status), n in timers.items() if status == "failed")
            + sum(n for status, n in outbox.items() if status != "sent"))
    figures = {
        "updates in": sum(inbox.values()), "inbox failed": inbox.get("failed", 0),
        "cases opened": len(sources),
        "reminders fired": timers.get((REMIND, "done"), 0),
        "escalations fired": timers.get((DUE, "done"), 0),
        "digests fired": timers.get((DIGEST, "done"), 0),
        "reminder DMs": sum(1 for t in texts if t.startswith("⏰")),
        "escalation DMs": sum(1 for t in texts if t.startswith("⬆️")),
        "group digests": sum(1 for t in texts if "进展：" in t),
        "messages sent": sum(deliveries.values()),
        "chats": len({chat for chat, _, _ in deliveries}),
        "messages doubled": sum(n - 1 for n in deliveries.values()),
        "messages lost": lost,
        "limit violations (429)": sum(1 for r in sb.requests if r.status == 429),
        "wall s": round(elapsed, 1),
    }
    if killed:
        figures.update({"killed pid": killed["killed pid"],
                        "hung row sent after the lease": hung_sent})
    return figures
