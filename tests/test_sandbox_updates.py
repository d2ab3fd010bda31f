"""getUpdates, webhooks and privacy mode."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram.exceptions import TelegramConflictError
from aiohttp import web

from sandbox import SandboxServer

pytestmark = pytest.mark.asyncio


async def test_offset_confirms_updates(sandbox: SandboxServer, sandbox_bot) -> None:
    user = sandbox.add_user("陈先生")
    user.start_bot()
    user.say(user.id, "你好")
    first = await sandbox_bot.get_updates()
    assert [u.message.text for u in first] == ["/start", "你好"]
    again = await sandbox_bot.get_updates()
    assert [u.update_id for u in again] == [u.update_id for u in first]  # not confirmed
    assert await sandbox_bot.get_updates(offset=first[-1].update_id + 1) == []
    user.say(user.id, "在吗")
    later = await sandbox_bot.get_updates(offset=first[-1].update_id + 1, limit=1)
    assert [u.message.text for u in later] == ["在吗"]
    assert later[0].update_id == first[-1].update_id + 1


async def test_long_poll_wakes_when_an_update_arrives(sandbox: SandboxServer, sandbox_bot) -> None:
    user = sandbox.add_user("周女士")
    sandbox.bot.started.add(user.id)

    async def later() -> None:
        await asyncio.sleep(0.3)
        user.say(user.id, "晚到的消息")

    started = time.monotonic()
    task = asyncio.create_task(later())
    updates = await sandbox_bot.get_updates(timeout=10)
    elapsed = time.monotonic() - started
    await task
    assert [u.message.text for u in updates] == ["晚到的消息"]
    assert 0.25 < elapsed < 2


async def test_long_poll_times_out_empty(sandbox: SandboxServer, sandbox_bot) -> None:
    started = time.monotonic()
    assert await sandbox_bot.get_updates(timeout=1) == []
    assert 0.9 < time.monotonic() - started < 3


async def test_allowed_updates(sandbox: SandboxServer, sandbox_bot) -> None:
    user = sandbox.add_user("吴")
    await sandbox_bot.get_updates(allowed_updates=["callback_query"])
    user.start_bot()
    assert await sandbox_bot.get_updates() == []


async def test_get_updates_conflicts_with_webhook(sandbox: SandboxServer, sandbox_bot) -> None:
    await sandbox_bot.set_webhook("https://example.invalid/hook")
    with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook"):
        await sandbox_bot.get_updates()
    await sandbox_bot.delete_webhook()
    assert await sandbox_bot.get_updates() == []


async def test_delete_webhook_drops_pending(sandbox: SandboxServer, sandbox_bot) -> None:
    sandbox.add_user("郑").start_bot()
    await sandbox_bot.delete_webhook(drop_pending_updates=True)
    assert await sandbox_bot.get_updates() == []


class WebhookReceiver:
    """A tiny web app that fails the first ``failures`` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[str | None, dict]] = []
        self.attempts = 0
        self.got = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.attempts <= self.failures:
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((secret, await request.json()))
        self.got.set()
        return web.json_response({})

    async def __aenter__(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hook"

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


async def test_webhook_delivery_with_secret(sandbox: SandboxServer, sandbox_bot) -> None:
    receiver = WebhookReceiver()
    async with receiver as url:
        await sandbox_bot.set_webhook(url, secret_token="s3cr3t-Token_1")
        info = await sandbox_bot.get_webhook_info()
        assert info.url == url
        sandbox.add_user("冯").start_bot()
        await asyncio.wait_for(receiver.got.wait(), 5)
    secret, update = receiver.received[0]
    assert secret == "s3cr3t-Token_1"
    assert update["message"]["text"] == "/start"
    assert (await sandbox_bot.get_webhook_info()).pending_update_count == 0


async def test_webhook_redelivers_after_failure(sandbox: SandboxServer, sandbox_bot) -> None:
    receiver = WebhookReceiver(failures=2)
    async with receiver as url:
        await sandbox_bot.set_webhook(url)
        user = sandbox.add_user("褚")
        user.start_bot()
        await sandbox.wait_until(lambda: len(receiver.received) == 1)
        assert receiver.attempts == 3
        user.say(user.id, "第二条")
        await sandbox.wait_until(lambda: len(receiver.received) == 2)
    texts = [u["message"]["text"] for _, u in receiver.received]
    assert texts == ["/start", "第二条"]  # in order, none lost
    statuses = [d.status for d in sandbox.webhook_deliveries]
    assert statuses == [500, 500, 200, 200]
    info = await sandbox_bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_webhook_connection_error_is_retried(sandbox: SandboxServer, sandbox_bot) -> None:
    await sandbox_bot.set_webhook("http://127.0.0.1:9/unreachable")
    sandbox.add_user("卫").start_bot()
    await sandbox.wait_until(lambda: len(sandbox.webhook_deliveries) >= 2)
    assert all(d.status is None for d in sandbox.webhook_deliveries)
    assert (await sandbox_bot.get_webhook_info()).pending_update_count == 1


async def test_webhook_secret_characters(sandbox: SandboxServer, sandbox_bot) -> None:
    from aiogram.exceptions import TelegramBadRequest

    with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
        await sandbox_bot.set_webhook("https://example.invalid/h", secret_token="有 空格")


async def test_privacy_mode_filters_group_messages(sandbox: SandboxServer, sandbox_bot) -> None:
    owner = sandbox.add_user("蒋", "jiang")
    group = sandbox.add_group("金色家园", [owner])
    await sandbox_bot.get_updates(offset=-1)  # drop the join updates
    await sandbox_bot.delete_webhook(drop_pending_updates=True)
    bot_msg = await sandbox_bot.send_message(group.id, "请回复楼号")
    sandbox.say(owner, group, "今天天气不错")  # invisible
    sandbox.say(owner, group, "/help")
    sandbox.say(owner, group, "/help@other_bot")  # invisible: another bot's command
    sandbox.say(owner, group, "@linli_test_bot 电梯坏了")
    replied = sandbox.messages(group)[0]
    stored_bot_msg = sandbox.world.get_message(group.id, bot_msg.message_id)
    sandbox.say(owner, group, "3号楼", reply_to=stored_bot_msg)
    sandbox.say(owner, group, "回复别人", reply_to=replied)  # invisible
    texts = [u.message.text for u in await sandbox_bot.get_updates()]
    assert texts == ["/help", "@linli_test_bot 电梯坏了", "3号楼"]
    me = await sandbox_bot.get_me()
    assert me.can_read_all_group_messages is False


async def test_privacy_off_or_admin_sees_everything(sandbox: SandboxServer, sandbox_bot) -> None:
    owner = sandbox.add_user("沈")
    group = sandbox.add_group("绿城", [owner])
    admin_group = sandbox.add_group("绿城二期", [owner], bot_is_admin=True)
    await sandbox_bot.delete_webhook(drop_pending_updates=True)
    sandbox.say(owner, admin_group, "管理员机器人能看到")
    sandbox.say(owner, group, "隐私模式看不到")
    sandbox.set_privacy(False)
    sandbox.say(owner, group, "关闭隐私后能看到")
    texts = [u.message.text for u in await sandbox_bot.get_updates()]
    assert texts == ["管理员机器人能看到", "关闭隐私后能看到"]


async def test_my_chat_member_on_group_creation(sandbox: SandboxServer, sandbox_bot) -> None:
    owner = sandbox.add_user("韩")
    group = sandbox.add_group("万科城", [owner], bot_is_admin=True)
    updates = await sandbox_bot.get_updates()
    change = updates[0].my_chat_member
    assert change.chat.id == group.id and change.from_user.id == owner.id
    assert (change.old_chat_member.status, change.new_chat_member.status) == (
        "left", "administrator",
    )  # fmt: skip
    assert updates[1].message.new_chat_members[0].id == sandbox.bot.user.id


async def test_webhook_response_method_is_executed(sandbox: SandboxServer, sandbox_bot) -> None:
    async def reply(request: web.Request) -> web.Response:
        update = await request.json()
        chat_id = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "已收到"})

    app = web.Application()
    app.router.add_post("/hook", reply)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = site._server.sockets[0].getsockname()[1]
        await sandbox_bot.set_webhook(f"http://127.0.0.1:{port}/hook")
        user = sandbox.add_user("欧阳")
        user.start_bot()
        answer = await sandbox.wait_for(user.id)
    finally:
        await runner.cleanup()
    assert answer.text == "已收到"
    assert sandbox.requests_for("sendMessage")[-1].via == "webhook-reply"
