"""Issue 12 (A, F): long polling never dies of one bad answer, and a second polling
replica stands by on a database lease instead of dying of 409 Conflict."""
from __future__ import annotations

import asyncio
import logging

import pytest

from bot import app as app_module
from bot.app import App
from demo.world import shared_classifier
from sandbox import HTML

CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(app_module, "POLL_RETRY_BASE", 0.02)


async def test_html_502_and_409_from_getupdates_do_not_end_polling(sandbox, settings, clock, caplog):
    sandbox.inject("getUpdates", HTML, times=3)
    sandbox.inject("getUpdates", 409, description=CONFLICT, times=2)
    sandbox.inject("getUpdates", 502, times=1)
    from demo.world import World

    caplog.set_level(logging.WARNING, logger="bot.app")
    async with World.attach(sandbox, settings, clock) as world:
        alice = sandbox.add_user("王阿姨", "wang")
        alice.start_bot()
        reply = await sandbox.wait_for(alice.id, timeout=5)
        assert "邻里" in reply.text
        assert world._poller is not None and not world._poller.done()
    statuses = [r.status for r in sandbox.requests_for("getUpdates")]
    assert statuses[:6] == [502, 502, 502, 409, 409, 502]
    failing = [r.getMessage() for r in caplog.records if "getUpdates failing" in r.getMessage()]
    # once per state change: HTML page, conflict, 5xx — not once per attempt
    assert len(failing) == 3, failing
    assert "undecodable answer" in failing[0] and "<html>" not in failing[0][:40]
    assert any("working again" in r.getMessage() for r in caplog.records)


async def test_second_poller_stands_by_and_takes_over(sandbox, settings, clock):
    from demo.world import World

    settings = settings.model_copy(update={"api_base_url": sandbox.url})
    async with World.attach(sandbox, settings, clock) as world:
        world.app.poll_lease = 3.0
        second = await App.create(settings, sandbox.token, clock=clock,
                                  classifier=await asyncio.to_thread(shared_classifier, settings))
        second.poll_lease, second.poll_timeout = 3.0, 1
        standby = asyncio.create_task(second.poll())
        try:
            await sandbox.wait_until(lambda: second._standby_logged or standby.done(), timeout=5)
            assert second._standby_logged and not standby.done()
            conflicts = [r for r in sandbox.requests_for("getUpdates") if r.status == 409]
            assert not conflicts  # the standby never called getUpdates
            world._poller.cancel()  # the first stops polling: its lease is released
            await asyncio.gather(world._poller, return_exceptions=True)
            world._poller = None
            await second.inbox.store([])  # nothing; the second now polls into the same inbox
            alice = sandbox.add_user("李师傅", "li")
            alice.start_bot()
            await sandbox.wait_until(lambda: not sandbox.bot.updates, timeout=4)
            assert not second._standby_logged
        finally:
            second._stop.set()
            await asyncio.gather(standby, return_exceptions=True)
            await second.bot.session.close()
            await second.ctx.pool.kw["bind"].dispose()
        reply = await sandbox.wait_for(alice.id, timeout=5)  # the first app's inbox handles it
        assert "邻里" in reply.text


async def test_start_up_keeps_trying_through_5xx_html_and_drops(sandbox, monkeypatch, caplog):
    """`linli run` asks getMe first: a 502, a proxy's HTML page and a dropped connection
    are retried with backoff (logged once per kind), never a crash; a rejected token
    (401) is a clear error at once."""
    from bot.app import TokenError, check_token_with_telegram
    from bot.delivery import resilience
    from sandbox import DROP

    failed = resilience.Backoff.failed
    monkeypatch.setattr(resilience.Backoff, "failed",
                        lambda self, exc: min(failed(self, exc), 0.02))  # 2, 4, 8 s scaled
    sandbox.inject("getMe", 502, times=2)
    sandbox.inject("getMe", HTML, times=1)
    sandbox.inject("getMe", DROP, times=1)
    caplog.set_level(logging.WARNING, logger="bot.app")
    bot = sandbox.make_bot()
    try:
        await check_token_with_telegram(bot)
        assert [r.status for r in sandbox.requests_for("getMe")] == [502, 502, 502, 0, 200]
        failing = [r.getMessage() for r in caplog.records if "failing" in r.getMessage()]
        assert len(failing) == 3, failing  # 5xx, undecodable page, dropped: once each
    finally:
        await bot.session.close()
    sandbox.inject("getMe", 401, description="Unauthorized", times=1)
    fresh = sandbox.make_bot()  # (a bot remembers its getMe)
    try:
        with pytest.raises(TokenError):
            await check_token_with_telegram(fresh)
    finally:
        await fresh.session.close()
