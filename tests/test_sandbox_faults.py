"""Fault injection, flood control and request recording."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

from sandbox import DROP, FloodLimits, SandboxServer
from tests.harness import raw_call

pytestmark = pytest.mark.asyncio


def make_group(sb: SandboxServer):
    return sb.add_group("和平里小区", [sb.add_user("刘大爷")])


async def test_injected_429_is_retry_after(sandbox: SandboxServer, sandbox_bot) -> None:
    group = make_group(sandbox)
    sandbox.inject(method="sendMessage", error=429, retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as info:
            await sandbox_bot.send_message(group.id, "通知")
        assert info.value.retry_after == 3
    await sandbox_bot.send_message(group.id, "通知")  # the fault is used up
    assert [r.status for r in sandbox.requests_for("sendMessage")] == [429, 429, 200]


async def test_injected_429_shape(sandbox: SandboxServer) -> None:
    sandbox.inject(error=429, retry_after=7)
    status, body = await raw_call(sandbox, "getMe")
    assert status == 429
    assert body == {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }  # fmt: skip


@pytest.mark.parametrize(("code", "text"), [(500, "Internal Server Error"), (502, "Bad Gateway")])
async def test_injected_server_errors(sandbox: SandboxServer, sandbox_bot, code, text) -> None:
    group = make_group(sandbox)
    sandbox.inject(method="sendMessage", error=code)
    with pytest.raises(TelegramServerError, match=text):
        await sandbox_bot.send_message(group.id, "通知")
    await sandbox_bot.send_message(group.id, "通知")


async def test_injected_connection_drop(sandbox: SandboxServer, sandbox_bot) -> None:
    group = make_group(sandbox)
    sandbox.inject(method="sendMessage", error=DROP)
    with pytest.raises(TelegramNetworkError):
        await sandbox_bot.send_message(group.id, "通知")
    assert sandbox.messages(group)[-1].text != "通知"  # nothing was sent
    await sandbox_bot.send_message(group.id, "通知")
    assert sandbox.messages(group)[-1].text == "通知"


async def test_fault_filtered_by_chat(sandbox: SandboxServer, sandbox_bot) -> None:
    group, other = make_group(sandbox), make_group(sandbox)
    sandbox.inject(method="sendMessage", error=500, chat_id=group.id)
    await sandbox_bot.send_message(other.id, "另一个群")
    with pytest.raises(TelegramServerError):
        await sandbox_bot.send_message(group.id, "这个群")


async def test_flood_control_per_chat(sandbox: SandboxServer, sandbox_bot) -> None:
    group = make_group(sandbox)
    sandbox.set_flood_control(True, FloodLimits(per_chat=(1, 1.0), per_chat_burst=2))
    await sandbox_bot.send_message(group.id, "1")
    await sandbox_bot.send_message(group.id, "2")
    with pytest.raises(TelegramRetryAfter) as info:
        await sandbox_bot.send_message(group.id, "3")
    assert info.value.retry_after == 1


async def test_flood_control_per_group_minute(sandbox: SandboxServer, sandbox_bot) -> None:
    group = make_group(sandbox)
    sandbox.set_flood_control(
        True, FloodLimits(per_chat=(100, 1.0), per_group=(20, 60.0), overall=(100, 1.0))
    )
    for i in range(20):
        await sandbox_bot.send_message(group.id, f"第{i}条")
    with pytest.raises(TelegramRetryAfter) as info:
        await sandbox_bot.send_message(group.id, "第21条")
    assert 55 <= info.value.retry_after <= 60


async def test_flood_control_is_off_by_default(sandbox: SandboxServer, sandbox_bot) -> None:
    group = make_group(sandbox)
    for i in range(40):
        await sandbox_bot.send_message(group.id, f"{i}")


async def test_requests_are_recorded(sandbox: SandboxServer, sandbox_bot) -> None:
    group = make_group(sandbox)
    await sandbox_bot.send_message(group.id, "<b>公告</b>", parse_mode="HTML")
    record = sandbox.requests_for("sendMessage")[-1]
    assert record.params["text"] == "<b>公告</b>"
    assert record.params["parse_mode"] == "HTML"
    assert record.params["chat_id"] == str(group.id)
    assert record.ok and record.time > 0
