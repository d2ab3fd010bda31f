"""Issue 12 (D): a poison update fails once, quickly, without repeating its replies;
a transient database error is retried later without holding other chats."""
from __future__ import annotations

import asyncio

from aiogram import Dispatcher, F, Router
from aiogram.types import Message
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.db.models import InboxUpdate
from bot.delivery.inbox import Inbox
from handlers import errors
from handlers.middlewares import DbSessionMiddleware


def update(update_id: int, user, text: str) -> dict:
    sender = {"id": user.id, "is_bot": False, "first_name": user.first_name}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_700_000_000, "text": text, "from": sender,
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name}}}


def make_inbox(ctx, bot, with_error_router: bool = True) -> tuple[Inbox, dict]:
    seen: dict[str, int] = {}
    router = Router()

    @router.message(F.text == "boom")
    async def boom(message: Message) -> None:
        await message.answer("收到")  # a reply, then a defect
        raise RuntimeError("poison")

    @router.message(F.text == "locked")
    async def locked(message: Message) -> None:
        seen["locked"] = seen.get("locked", 0) + 1
        if seen["locked"] < 3:
            raise OperationalError("UPDATE x", {}, Exception("database is locked"))
        await message.answer("终于好了")

    @router.message(F.text == "hello")
    async def hello(message: Message) -> None:
        await message.answer("你好")

    dp = Dispatcher(ctx=ctx)
    dp.update.outer_middleware(DbSessionMiddleware(ctx))
    if with_error_router:
        dp.include_router(errors.build_router())
    dp.include_router(router)
    return Inbox(ctx, dp, bot), seen


async def status_of(ctx, update_id: int) -> tuple[str, int]:
    async with ctx.pool() as session:
        row = await session.scalar(select(InboxUpdate).where(InboxUpdate.update_id == update_id))
        return row.status, row.attempts


async def test_poison_update_fails_once_quickly_and_replies_once(sandbox, sandbox_bot, ctx):
    alice = sandbox.add_user("王阿姨")
    alice.start_bot()
    for with_router, uid in ((True, 1), (False, 2)):  # caught by handlers.errors, or not
        inbox, _ = make_inbox(ctx, sandbox_bot, with_router)
        await inbox.store([update(uid, alice, "boom")])
        loop = asyncio.get_running_loop()
        started = loop.time()
        await inbox.drain()
        await inbox.drain()  # nothing left to retry
        assert loop.time() - started < 0.5
        assert (await status_of(ctx, uid))[0] == "failed"
    replies = [m.text for m in sandbox.bot_messages(alice.id)]
    assert replies.count("收到") == 2  # one per poison update, never repeated


async def test_transient_db_error_is_retried_without_holding_other_chats(sandbox, sandbox_bot, ctx,
                                                                         monkeypatch):
    monkeypatch.setattr("bot.delivery.inbox.RETRY_BASE", 1.0)  # room to answer bob first
    alice, bob = sandbox.add_user("王阿姨"), sandbox.add_user("李师傅")
    alice.start_bot()
    bob.start_bot()
    inbox, seen = make_inbox(ctx, sandbox_bot)
    runner = asyncio.create_task(inbox.run())
    try:
        await inbox.store([update(10, alice, "locked")])
        await sandbox.wait_until(lambda: seen.get("locked") == 1, timeout=3)
        await inbox.store([update(11, bob, "hello")])  # another chat, during the backoff
        await sandbox.wait_for(bob.id, lambda m: m.text == "你好", timeout=0.8)
        assert seen["locked"] == 1  # bob was answered while alice's update waits its retry
        await sandbox.wait_for(alice.id, lambda m: m.text == "终于好了", timeout=8)
        for _ in range(100):  # the reply goes out just before the commit marks it done
            if await status_of(ctx, 10) == ("done", 2):
                break
            await asyncio.sleep(0.02)
        assert await status_of(ctx, 10) == ("done", 2)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
