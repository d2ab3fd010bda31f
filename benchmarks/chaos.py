"""Chaos benchmark (not a test): the real bot against the sandbox while the sandbox
misbehaves, then what came out: updates in, cases opened, messages doubled and lost,
p99 handling time, peak RSS.

    .venv/bin/python benchmarks/chaos.py            # short form, < 60 s, SQLite
    .venv/bin/python benchmarks/chaos.py --messages 400 \\
        --db postgresql+asyncpg://postgres@127.0.0.1/linli_chaos

Faults injected (scenario "faults"): getUpdates answers an HTML 502 page, 409
Conflict and 5xx; sendMessage answers 429, 500/502, drops connections; one chat's
sendMessage is answered after --slow seconds. Scenario "migration": the group is
upgraded to a supergroup halfway; later messages come from the new chat id.

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
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, update

from bot.clock import Clock
from bot.config import Settings
from bot.db.models import Case, GroupChat, InboxUpdate, OutboxMessage
from bot.db.session import transaction
from bot.org.orgfile import import_file
from demo.world import World
from sandbox import DROP, HTML, SandboxServer

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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=60, help="resident messages per scenario")
    parser.add_argument("--slow", type=float, default=5.0, help="seconds of the slow answer")
    parser.add_argument("--db", default="", help="database URL (default: a temporary SQLite)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    for name in ("faults", "migration"):
        with tempfile.TemporaryDirectory() as tmp:
            url = args.db or f"sqlite+aiosqlite:///{tmp}/chaos.db"
            print(await scenario(name, args.messages, url, args.slow), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
