"""Hostile updates through the real inbox and dispatcher (issue 12).

    .venv/bin/python benchmarks/fuzz.py --updates 10000          # SQLite
    .venv/bin/python benchmarks/fuzz.py --updates 10000 --db postgresql+asyncpg://…

Hypothesis (the test extra) draws the updates from a fixed seed: random JSON shapes,
messages with fields missing, of the wrong type or unknown, huge texts, commands with
odd arguments, unicode oddities (NUL, bidi overrides, zero-width, combining marks,
full-width and look-alike digits, HTML), forged callback queries. They are stored as
a webhook would store them (`Inbox.store`), while through the sandbox (Telegram)
residents keep posting real complaints and pressing buttons carrying forged data.

It prints: updates in, handled, failed (and why), cases opened for the real
complaints (each exactly once), forged presses politely refused, Bot API calls the
sandbox refused (the bot's own output), whether the app's tasks are alive, time, RSS.
tests/test_fuzz.py runs a small version."""
from __future__ import annotations

import argparse
import asyncio
import logging
import re
import resource
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from benchmarks.replicas import EXAMPLE
from bot.clock import Clock
from bot.config import Settings
from bot.db.models import Case, InboxUpdate
from bot.db.session import reading, transaction
from bot.org.orgfile import import_file
from bot.ui import Callback
from demo.world import World
from sandbox import SandboxServer
from tests.harness import bind

COMPLAINT = "{n}号楼门口的路灯坏了好几天了，晚上一片漆黑"
FIRST_ID = 1_000_000_000  # hostile update ids: far from the sandbox's own
HAN = re.compile(r"[\u4e00-\u9fff]")
# Refusals of calls aimed where a forged update pointed (a made-up chat, user or query):
# Telegram would never have sent such an update; anything else is the bot's own fault.
FORGED_TARGET = re.compile(r"chat not found|query is too old|user not found|bot was blocked|"
                           r"PEER_ID_INVALID|bot can't initiate|not enough rights|"
                           r"message to be replied not found")
ODD = ["\x00", "\u202e", "\u200d", "\u200b", "\ufeff", "\u0301", "１２３", "²", "①", "٣",
       "<b>", "</a>", "&", "&amp;", '"', "𝔘𝔫𝔦", "👨‍👩‍👧", "\n", "\t", "%s", "{0}", "' OR 1=1 --"]
COMMANDS = ["/start", "/help", "/case", "/cases", "/project", "/projects", "/project_update",
            "/pledge", "/poll_results", "/topic", "/faq_del", "/whoami", "/report", "/bind",
            "/stats", "/export", "/mydata", "/note", "/dup", "/worker", "/cancel"]


def _prefixes() -> list[str]:
    found, todo = [], list(Callback.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if getattr(cls, "prefix", None):
            found.append(cls.prefix)
    return sorted(found)


def strategies(chats: list[int], users: list[int]) -> tuple[Any, Any]:
    """(hostile update, forged callback data) strategies; `chats` and `users` are
    real ones, mixed with made-up ids."""
    big = st.integers(min_value=-(2**80), max_value=2**80)
    # JSON (what Telegram sends) has no NaN or Infinity: a webhook refuses such a body.
    scalar = st.one_of(st.none(), st.booleans(), big,
                       st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
    junk = st.recursive(scalar, lambda c: st.lists(c, max_size=4)
                        | st.dictionaries(st.text(max_size=8), c, max_size=4), max_leaves=12)
    odd = st.lists(st.sampled_from(ODD) | st.text(max_size=6), max_size=8).map("".join)
    huge = st.integers(min_value=4097, max_value=20_000).map(lambda n: "楼道灯坏了" * (n // 5))
    command = st.tuples(st.sampled_from(COMMANDS), odd | big.map(str)).map(" ".join)
    usual = st.one_of(st.text(max_size=60), odd, command)
    text = st.integers(min_value=0, max_value=39).flatmap(lambda k: huge if k == 0 else usual)
    wrong = st.one_of(junk, big, st.text(max_size=5))
    user_id = st.one_of(st.sampled_from(users), big)
    user = st.fixed_dictionaries(
        {"id": user_id, "is_bot": st.booleans(), "first_name": text},
        optional={"username": text, "last_name": text, "language_code": text, "extra": junk})
    chat_type = st.sampled_from(["private", "group", "supergroup", "channel", "nonsense"])
    chat = st.fixed_dictionaries({"id": st.one_of(st.sampled_from(chats + users), big),
                                  "type": chat_type}, optional={"title": text, "extra": junk})
    message = st.fixed_dictionaries(
        {"message_id": st.integers(min_value=10**7, max_value=2**40) | wrong,
         "date": st.integers(min_value=0, max_value=2**33) | wrong,
         "chat": chat | wrong, "from": user | wrong},
        optional={"text": text | wrong, "caption": text, "entities": junk, "photo": junk,
                  "reply_to_message": junk, "new_chat_members": junk, "media_group_id": text,
                  "unknown_field": junk})
    data = st.one_of(
        st.text(max_size=64),
        st.tuples(st.sampled_from(_prefixes()), st.lists(big.map(str) | st.text(max_size=4),
                                                         max_size=5)).map(
            lambda t: ":".join([t[0], *t[1]])))
    callback = st.fixed_dictionaries(
        {"id": st.text(max_size=12), "from": user | wrong, "chat_instance": st.text(max_size=8),
         "data": data | wrong}, optional={"message": message | wrong})
    kind = st.sampled_from(["message", "edited_message", "channel_post", "my_chat_member",
                            "chat_member", "poll", "poll_answer", "inline_query", "other"])
    update = st.one_of(
        st.fixed_dictionaries({"message": message}),
        st.fixed_dictionaries({"edited_message": message}),
        st.fixed_dictionaries({"callback_query": callback}),
        st.tuples(kind, junk).map(lambda t: {t[0]: t[1]}),
        st.dictionaries(st.text(max_size=10), junk, max_size=4))
    return update, data


def draw(strategy: Any, count: int, seed_value: int) -> list[Any]:
    """`count` examples of `strategy`, the same ones for the same seed."""
    out: list[Any] = []

    @seed(seed_value)
    @settings(max_examples=count, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(example: Any) -> None:
        out.append(example)

    collect()
    return out[:count]


async def run(count: int, db_url: str, *, seed_value: int = 12,
              timeout: float = 240.0) -> dict[str, Any]:
    """Feed `count` hostile updates (plus real complaints and forged presses, one
    of each per 20) to a running bot; returns the figures."""
    settings_ = Settings(_env_file=None, database_url=db_url, bot_token=None, admin_ids=[900],
                         quiet_hours="off", per_chat_interval=0.0, group_per_minute=100_000,
                         global_per_second=100_000, workers=8)
    async with SandboxServer() as sb:
        liu = sb.add_user("刘书记", user_id=2001)
        zhang = sb.add_user("张网格员", user_id=1001)
        residents = [sb.add_user(f"居民{i}") for i in range(6)]
        for person in (liu, zhang, *residents):
            person.start_bot()
        group = sb.add_group("东湖一网格居民群", [liu, zhang, *residents], creator=liu,
                             bot_is_admin=True)
        users = [p.id for p in (liu, zhang, *residents)]
        update, data = strategies([group.id], users)
        started = time.perf_counter()
        hostile = draw(update, count, seed_value)
        forged_data = draw(data, max(count // 20, 1), seed_value + 1)
        drawn_s = time.perf_counter() - started
        async with World.attach(sb, settings_, Clock()) as world:
            await world.settle(timeout=30)  # their /start first: the import then updates them
            async with transaction(world.ctx.pool) as session:
                await import_file(session, EXAMPLE)
            await bind(world, group)
            await world.settle(timeout=30)
            target = sb.bot_messages(group.id)[-1]
            complaints, presses = [], []
            fed = time.perf_counter()
            for i, payload in enumerate(hostile):
                if i % 50 != 49 or payload is None:  # now and then, a wrong update_id
                    payload = {**payload, "update_id": FIRST_ID + i}
                await world.app.inbox.store([payload])
                if i % 20 == 0:
                    who = residents[(i // 20) % len(residents)]
                    complaints.append(who.say(group, COMPLAINT.format(n=i // 20 + 1)))
                    forged = forged_data[(i // 20) % len(forged_data)]
                    presses.append(sb.press_data(who, target, forged if isinstance(forged, str)
                                                 else str(forged)))
                if i % 200 == 199:
                    await asyncio.sleep(0)  # let the inbox and sender run meanwhile
            settled = True
            try:
                await world.settle(timeout=timeout)
            except TimeoutError:
                settled = False
            elapsed = time.perf_counter() - fed
            alive = all(not t.done() for t in world.app._tasks
                        if t.get_name() in ("inbox", "sender"))
            async with reading(world.ctx.pool) as session:
                statuses = Counter(await session.scalars(select(InboxUpdate.status)))
                errors = Counter(
                    _kind(e) for e in await session.scalars(
                        select(InboxUpdate.error).where(InboxUpdate.status == "failed")))
                sources = Counter(await session.execute(
                    select(Case.source_chat_id, Case.source_message_id)
                    .where(Case.source_chat_id == group.id)))
                cases = await session.scalar(select(func.count()).select_from(Case)) or 0
        answers = [p.pending.answer.result() if p.answered else None for p in presses]
        polite = sum(1 for a in answers if a and HAN.search(a.get("text") or ""))
        refused = Counter(f"{r.method}: {(r.error or '')[:60]}" for r in sb.requests
                          if r.status and r.status >= 400)
        own = {k: n for k, n in refused.items() if not FORGED_TARGET.search(k)}
        own_samples = [str(r.params.get("text") or r.params)[:70] for r in sb.requests
                       if r.status and r.status >= 400
                       and not FORGED_TARGET.search(f"{r.method}: {r.error}")][:3]
    return {
        "hostile updates": count, "drawn in s": round(drawn_s, 1),
        "updates in": sum(statuses.values()), "handled": statuses.get("done", 0),
        "failed": statuses.get("failed", 0), "failed why": dict(errors.most_common(6)),
        "pending": statuses.get("pending", 0),
        "real complaints": len(complaints),
        "their cases": sum(1 for m in complaints if sources[(m.chat_id, m.message_id)] == 1),
        "their cases doubled": sum(1 for m in complaints
                                   if sources[(m.chat_id, m.message_id)] > 1),
        "cases opened (all)": cases,
        "forged presses": len(presses), "politely refused": polite,
        "Bot API refusals": dict(refused.most_common(6)),
        "Bot API violations (own output)": own, "violation samples": own_samples,
        "app alive": alive, "settled": settled, "handling s": round(elapsed, 1),
        "RSS MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _kind(error: str | None) -> str:
    text = error or ""
    return text.split("(")[0].split(":")[0][:60] or "?"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--db", default="", help="database URL (default: a temporary SQLite)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    warnings.filterwarnings("ignore", "Detected unknown update type")  # forged kinds
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite+aiosqlite:///{tmp}/fuzz.db"
        print(await run(args.updates, url, seed_value=args.seed), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
