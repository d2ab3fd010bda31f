"""Issue 12 (E): webhook mode is safe by default: a secret always (generated and
registered with setWebhook when none is configured), 127.0.0.1 unless told, refused
calls logged at most once a minute."""
from __future__ import annotations

import logging
import socket

import aiohttp
from pydantic import SecretStr

from bot.config import Settings
from bot.db.models import InboxUpdate
from demo.world import World


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_listens_on_loopback_by_default():
    assert Settings(_env_file=None).webhook_host == "127.0.0.1"


async def test_webhook_without_configured_secret_generates_and_registers_one(
        sandbox, settings, clock, caplog):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    hooked = settings.model_copy(update={"webhook_url": url, "webhook_port": port})
    assert hooked.webhook_secret is None
    caplog.set_level(logging.WARNING, logger="bot.app")
    async with World.attach(sandbox, hooked, clock, mode="webhook") as w:
        secret = sandbox.bot.webhook.secret_token
        assert secret and len(secret) >= 32  # registered with setWebhook
        alice = w.sb.add_user("王阿姨")
        alice.start_bot()  # Telegram (the sandbox) sends the secret: accepted
        reply = await w.sb.wait_for(alice.id, timeout=5)
        assert "邻里" in reply.text
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}, {}):
                bad = await http.post(url, json={"update_id": 7, "message": {}},
                                      headers=headers)
                assert bad.status == 401
        async with w.ctx.pool() as session:
            assert await session.get(InboxUpdate, 7) is None
    refused = [r for r in caplog.records if "webhook call refused" in r.getMessage()]
    assert len(refused) == 1  # three refused calls, one log line
    assert any("LINLI_WEBHOOK_SECRET is not set" in r.getMessage() for r in caplog.records)


async def test_webhook_refuses_a_body_that_is_not_strict_json(sandbox, settings, clock):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    hooked = settings.model_copy(update={"webhook_url": url, "webhook_port": port,
                                         "webhook_secret": SecretStr("s" * 40)})
    async with World.attach(sandbox, hooked, clock, mode="webhook") as w:
        async with aiohttp.ClientSession() as http:
            for body in ('{"update_id": 8, "message": {"x": NaN}}', '{"update_id": 9,',
                         '[1, 2]', '{"update_id": 10, "x": -Infinity}'):
                bad = await http.post(url, data=body, headers={
                    "X-Telegram-Bot-Api-Secret-Token": "s" * 40,
                    "Content-Type": "application/json"})
                assert bad.status == 400  # never stored: Telegram would not send it
        async with w.ctx.pool() as session:
            for update_id in (8, 9, 10):
                assert await session.get(InboxUpdate, update_id) is None
