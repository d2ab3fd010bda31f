"""`linli run` killed with SIGKILL in the middle of a batch, then restarted: every
update is handled exactly once (one case per message, none lost, none doubled)."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.db import migrate
from bot.db.models import Case, GroupChat, InboxUpdate
from bot.db.session import create_engine, create_session_factory, reading, transaction
from bot.org.orgfile import import_file
from tests.conftest import TEST_DB

EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"
TOTAL = 120
MESSAGES = [f"{n}号楼门口的路灯坏了好几天了，晚上一片漆黑" for n in range(1, TOTAL + 1)]


def bot_env(sb, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update(LINLI_BOT_TOKEN=sb.token, LINLI_API_BASE_URL=sb.url, LINLI_DATABASE_URL=db_url,
               LINLI_QUIET_HOURS="off", LINLI_PER_CHAT_INTERVAL="0",
               LINLI_GROUP_PER_MINUTE="100000", LINLI_GLOBAL_PER_SECOND="100000",
               LINLI_WORKERS="1")
    return env


# `python -m bot run`, with its imports done before the go signal: both processes
# warm up while the first one works, so the restart is not one more cold start.
WARM_THEN_RUN = """
import runpy, sys
import bot.app, jieba, nlp
jieba.initialize()
sys.stdin.readline()  # the go signal
sys.argv = ["linli", "run"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


async def start_bot(sb, db_url: str) -> asyncio.subprocess.Process:
    """A bot process, warmed up and waiting for go()."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", WARM_THEN_RUN, env=bot_env(sb, db_url),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )


async def go(proc: asyncio.subprocess.Process) -> None:
    assert proc.stdin is not None
    proc.stdin.write(b"go\n")
    await proc.stdin.drain()


async def count(pool, model, *where) -> int:
    async with reading(pool) as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def wait_until(check, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.02)


@pytest.mark.skipif(bool(TEST_DB), reason="runs a private SQLite file; the logic is the same")
async def test_killed_mid_batch_then_restarted_handles_every_update_once(sandbox, tmp_path):
    db_url = f"sqlite+aiosqlite:///{tmp_path}/crash.db"
    engine = create_engine(db_url)
    await migrate.upgrade(engine)
    pool = create_session_factory(engine)
    sb = sandbox
    liu = sb.add_user("刘书记", user_id=2001)
    residents = [sb.add_user(f"居民{i}") for i in range(6)]
    group = sb.add_group("东湖一网格居民群", [liu, *residents], creator=liu, bot_is_admin=True)
    async with transaction(pool) as session:
        await import_file(session, EXAMPLE)
        await session.execute(update(GroupChat).where(GroupChat.chat_id == -1001001)
                              .values(chat_id=group.id))
    sent = [residents[i % 6].say(group, text) for i, text in enumerate(MESSAGES)]

    first = await start_bot(sb, db_url)
    second = await start_bot(sb, db_url)  # warms up meanwhile; runs after the kill
    try:
        await go(first)
        try:
            await wait_until(lambda: _between(pool, 10, TOTAL), timeout=90)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        opened_before_restart = await count(pool, Case)
        assert opened_before_restart < TOTAL, "the bot finished before it could be killed"

        await go(second)
        try:
            await wait_until(lambda: _all_done(pool), timeout=120)
        finally:
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 30) == 0  # a clean stop
    finally:
        for proc in (first, second):
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

    async with pool() as session:
        sources = Counter(await session.scalars(select(Case.source_message_id)))
    assert sorted(sources) == sorted(m.message_id for m in sent)
    assert set(sources.values()) == {1}
    assert await count(pool, InboxUpdate, InboxUpdate.status != "done") == 0
    # Every resident got an answer in the group; at most the one reply in flight at
    # the kill may have gone out twice (Telegram has no idempotency key).
    replies = Counter(m.reply_to for m in sb.bot_messages(group) if m.reply_to)
    assert {m.message_id for m in sent} <= set(replies)
    assert sum(n - 1 for n in replies.values()) <= 1
    await engine.dispose()


async def _between(pool, low: int, high: int) -> bool:
    return low <= await count(pool, Case) < high


async def _all_done(pool) -> bool:
    return await count(pool, Case) >= TOTAL and await count(
        pool, InboxUpdate, InboxUpdate.status == "pending") == 0
