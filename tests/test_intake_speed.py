"""Issue 19 (fast under a rush) and 18 (chatter is not kept): the shortcuts taken on
the path of a group message change nothing a resident or organizer would notice."""
from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy import select

from bot.db.models import Case, Grid, InboxUpdate, Person
from bot.db.session import transaction
from bot.org import service as org
from tests.test_cases_e2e import EXAMPLE, setup
from tests.test_faults_inbox import make_inbox, update


async def person_of(world, tg_id: int) -> Person | None:  # type: ignore[no-untyped-def]
    async with world.ctx.pool() as session:
        return await session.scalar(select(Person).where(Person.tg_id == tg_id))


async def inbox_of(world, chat_id: int, message_id: int) -> InboxUpdate:  # type: ignore[no-untyped-def]
    async with world.ctx.pool() as session:
        for row in await session.scalars(select(InboxUpdate)):
            message = (row.payload or {}).get("message") or {}
            if (message.get("chat", {}).get("id"), message.get("message_id")) == (
                    chat_id, message_id):
                return row
        return None  # type: ignore[return-value]


async def test_chatter_keeps_neither_speaker_nor_message(world):
    """A resident who only chats is not stored and their words are not kept once
    handled; the moment they report a problem they are, and the case is theirs."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    li = sb.add_user("小李")
    sb.join(li, group)
    await world.settle()
    hello = li.say(group, "大家早上好，今天天气不错")
    await world.settle()
    assert await person_of(world, li.id) is None
    assert await inbox_of(world, group.id, hello.message_id) is None  # payload emptied
    async with world.ctx.pool() as session:
        rows = (await session.execute(select(InboxUpdate.status, InboxUpdate.payload))).all()
        assert ("done", {}) in [tuple(row) for row in rows]
    report = li.say(group, "5号楼电梯坏了，老人下不了楼")
    card = await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    assert card.reply_to == report.message_id
    await world.settle()
    person = await person_of(world, li.id)
    assert person is not None and person.name == "小李"
    async with world.ctx.pool() as session:
        case = await session.scalar(select(Case).where(Case.number == "东湖-2026-0001"))
        assert case.reporter_id == person.id
    kept = await inbox_of(world, group.id, report.message_id)
    assert kept is not None and kept.status == "done"  # a case's message is kept (retention)
    command = chen.say(group, "/case")  # a command is kept too
    await world.settle()
    assert await inbox_of(world, group.id, command.message_id) is not None


async def test_rebinding_a_group_moves_its_next_cases(world):
    """The group → grid answer is cached; /bind to another grid takes effect at once."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb
    chen.say(group, "3号楼楼道灯坏了好几天了")
    await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    async with transaction(world.ctx.pool) as session:
        first, second = list(await session.scalars(select(Grid).order_by(Grid.id)))[:2]
        assert await org.bound_grid_id(session, group.id) == first.id
        await org.bind_group(session, group.id, group.title or "", second.id)
    wang.say(group, "8号楼门口的垃圾好几天没人清运了，很臭")
    await sb.wait_for(group.id, lambda m: "东湖-2026-0002" in m.body)
    async with world.ctx.pool() as session:
        grids = dict((await session.execute(select(Case.number, Case.grid_id))).all())
    assert grids == {"东湖-2026-0001": first.id, "东湖-2026-0002": second.id}


async def test_person_lookup_prefers_telegram_id_then_an_org_file_entry(world):
    """One SELECT finds what three did: the Telegram id first, else an org-file entry
    by @username (one not yet linked to a Telegram account first)."""
    async with transaction(world.ctx.pool) as session:
        from bot.org.orgfile import import_file

        await import_file(session, EXAMPLE)
        linked = await org.upsert_person(session, tg_id=555, username="other", name="甲")
        listed = await org.upsert_person(session, tg_id=None, username="wang", name="王")
        assert (await org.find_person(session, 555, "wang")).id == linked.id
        assert (await org.find_person(session, 777, "wang")).id == listed.id
        unsaved = await org.upsert_person(session, tg_id=888, name="乙", create=False)
        assert unsaved.id is None and await org.find_person(session, 888) is None
        await org.persist(session, unsaved)
        assert (await org.find_person(session, 888)).id == unsaved.id
        joined = await org.upsert_person(session, tg_id=999, username="@wang", name="王姐")
        assert joined.id == listed.id and joined.tg_id == 999


async def test_inbox_streams_in_chat_order_and_finds_rows_stored_elsewhere(
        sandbox, sandbox_bot, ctx):
    """Updates of one chat are handled in order while other chats go on; an update
    stored by another process (a replica, a run before a restart) is found too."""
    users = [sandbox.add_user(f"居民{i}") for i in range(3)]
    for user in users:
        user.start_bot()
    inbox, _ = make_inbox(ctx, sandbox_bot)
    batch = [update(100 + 3 * n + i, users[i], "hello") for n in range(6) for i in range(3)]
    runner = asyncio.create_task(inbox.run())
    try:
        assert await inbox.store(batch) == 18
        assert await inbox.store(batch[:2]) == 0  # a redelivery changes nothing
        async with transaction(ctx.pool) as session:  # as another replica would
            session.add(InboxUpdate(update_id=500, payload=update(500, users[0], "hello"),
                                    chat_key=f"c{users[0].id}"))
        await sandbox.wait_until(
            lambda: all(len(sandbox.bot_messages(u.id)) >= (7 if u is users[0] else 6)
                        for u in users), timeout=5)
        # a reply reaches the chat just before its update's transaction commits
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while True:
            async with ctx.pool() as session:
                statuses = set(await session.scalars(select(InboxUpdate.status)))
            if statuses == {"done"} or loop.time() > deadline:
                break
            await asyncio.sleep(0.05)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    assert statuses == {"done"}
    for user in users:
        assert [m.text for m in sandbox.bot_messages(user.id)].count("你好") >= 6


async def test_sends_are_recorded_together_and_a_failing_hook_never_resends(
        sandbox, sandbox_bot, ctx, monkeypatch):
    """Messages to many chats finishing together are marked sent in shared
    transactions; an after-send hook that fails is logged, and the message it followed
    stays sent (marking it pending again would send it twice)."""
    from bot.db.models import OutboxMessage
    from bot.delivery import outbox
    from bot.delivery.pacer import Pacer
    from bot.delivery.sender import Sender

    async def broken(session, row, result):  # type: ignore[no-untyped-def]
        raise RuntimeError("hook bug")

    async def works(session, row, result):  # type: ignore[no-untyped-def]
        await session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == row.id)
                              .values(dedupe_key=f"hooked-{row.id}"))

    monkeypatch.setitem(outbox.ON_SENT, "test.broken", broken)
    monkeypatch.setitem(outbox.ON_SENT, "test.works", works)
    users = [sandbox.add_user(f"居民{i}") for i in range(12)]
    async with transaction(ctx.pool) as session:
        for i, user in enumerate(users):
            user.start_bot()
            await outbox.enqueue(session, user.id, now=ctx.clock.now(), text=f"通知{i}",
                                 on_sent="test.broken" if i == 0 else "test.works")
    commits = 0
    engine = ctx.pool.kw["bind"].sync_engine

    def count(conn):  # type: ignore[no-untyped-def]
        nonlocal commits
        commits += 1

    from sqlalchemy import event
    event.listen(engine, "commit", count)
    try:
        sender = Sender(ctx, sandbox_bot, Pacer(per_chat_interval=0.0))
        assert await sender.flush(timeout=10) == 0
        assert await sender.flush(timeout=1) == 0
    finally:
        event.remove(engine, "commit", count)
    for i, user in enumerate(users):
        assert [m.text for m in sandbox.bot_messages(user.id)] == [f"通知{i}"]
    async with ctx.pool() as session:
        assert set(await session.scalars(select(OutboxMessage.status))) == {"sent"}
        hooked = set(await session.scalars(select(OutboxMessage.dedupe_key)))
    # the hooks sent with the broken one in a batch did their work all the same
    assert len(hooked - {None}) == len(users) - 1
    assert commits < 1 + len(users)  # one claim, fewer marks than messages


async def test_commands_are_still_found_when_plain_texts_skip_them(world):
    """A plain group text goes past the command handlers without trying them; a command
    (after spaces, or as a photo's caption) still reaches its handler, and a text with a
    slash inside is still a plain text that opens a case."""
    zhang, liu, chen, wang, group = await setup(world)
    sb = world.sb

    async def answer_to(message) -> str:  # type: ignore[no-untyped-def]
        reply = await sb.wait_for(group.id, lambda m: m.reply_to == message.message_id)
        return reply.body

    who = await answer_to(chen.say(group, "/whoami"))
    assert who == "已私聊发送给您。"
    assert await answer_to(chen.say(group, "   /whoami")) == who
    assert await answer_to(sb.send_photo(chen, group, caption="/whoami")) == who
    report = chen.say(group, "3号楼/4号楼之间的路灯坏了好几天了")
    card = await sb.wait_for(group.id, lambda m: "东湖-2026-0001" in m.body)
    assert card.reply_to == report.message_id


async def test_a_write_waits_asleep_for_another_process_holding_sqlite(ctx, db_url):
    """SQLite: while another process (the CLI) holds the write lock, an update's
    transaction waits for it without stopping the event loop (polling, sending and
    other chats' reads go on), then commits."""
    import sqlite3
    import time

    import pytest
    from sqlalchemy import func
    from sqlalchemy.engine import make_url

    from bot.db.session import is_sqlite, reading

    if not is_sqlite(db_url):
        pytest.skip("SQLite's file lock")
    other = sqlite3.connect(make_url(db_url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with transaction(ctx.pool) as session:
            session.add(InboxUpdate(update_id=7, payload={}, chat_key="other"))

    beat = asyncio.create_task(ticker())
    writing = asyncio.create_task(write())
    try:
        started = time.monotonic()
        await asyncio.sleep(0.5)
        assert not writing.done()
        async with reading(ctx.pool) as session:  # readers are not held up
            assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0
        assert ticks >= 20  # the loop ran on (SQLite's own busy wait here would stop it)
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 5)
        assert time.monotonic() - started < 3
    finally:
        beat.cancel()
        other.close()
    async with reading(ctx.pool) as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 1
