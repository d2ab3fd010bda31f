"""Issue 12: two webhook replicas behind a round-robin proxy on one PostgreSQL (and
Redis when configured): complaints, reminders, escalation DMs and group digests each
reach their chat once, and a replica killed (SIGKILL) while holding a message's claim
loses nothing: the message goes out once, by the other replica, after the lease.

A smaller version of `benchmarks/chaos.py --scenario replicas`. One replica runs in
this process (its start-up costs nothing), the other is `linli run` in a child process
(the one that is killed)."""
from __future__ import annotations

import os

import pytest
from pydantic import SecretStr

from benchmarks.replicas import (
    SECRET,
    Limits,
    Replica,
    cast,
    free_port,
    import_org,
    play,
    spawn,
    stop,
    wait_listening,
)
from bot import app as app_module
from bot.clock import Clock
from bot.delivery import sender as sender_module
from demo.world import shared_classifier
from sandbox.proxy import RoundRobinProxy
from scheduler.setup import Scheduler
from tests.conftest import TEST_DB

REDIS = os.environ.get("LINLI_TEST_REDIS_URL", "")
LEASE = 3.0  # seconds a claim lasts (90 in production)
TICK = 0.3  # seconds between scheduler ticks (15 in production)

pytestmark = pytest.mark.skipif(
    not TEST_DB, reason="replicas share one PostgreSQL; SQLite serves a single process "
                        "(set LINLI_TEST_DATABASE_URL to run this)")


async def test_two_replicas_send_each_message_once_and_survive_a_kill(
        sandbox, settings, db_url, pool, tmp_path, monkeypatch):
    monkeypatch.setattr(sender_module, "CLAIM_SECONDS", LEASE)
    monkeypatch.setattr(app_module, "build_scheduler", lambda ctx: Scheduler(ctx, TICK))
    people = cast(sandbox)
    await import_org(pool, people.group.id)
    async with RoundRobinProxy([]) as proxy:
        public = f"{proxy.url}/telegram"
        child = await spawn(sandbox, db_url, REDIS or None, public, limits=Limits(),
                            claim_seconds=LEASE, tick_seconds=TICK, log_dir=tmp_path)
        app = runner = None
        try:
            port = free_port()
            here = settings.model_copy(update={
                "webhook_url": public, "webhook_port": port,
                "webhook_secret": SecretStr(SECRET), "redis_url": REDIS or None,
                "api_base_url": sandbox.url})
            app = await app_module.App.create(here, sandbox.token, clock=Clock(),
                                              classifier=shared_classifier(here))
            await app.start()
            runner = await app.serve_webhook()
            local = Replica(url=f"http://127.0.0.1:{port}", app=app)
            proxy.backends[:] = [local.url, child.url]
            await wait_listening(child)
            figures = await play(sandbox, pool, people, [local, child], messages=12,
                                 kill=True, hang=1.0, settle_s=15)
        finally:
            if runner is not None:
                await runner.cleanup()
            if app is not None:
                await app.stop()
            await stop(child)
    print(figures)
    assert figures["cases opened"] == 12  # every complaint, whichever replica got it
    assert figures["inbox failed"] == 0
    assert figures["reminder DMs"] >= 12 and figures["escalation DMs"] >= 12
    assert figures["group digests"] >= 1
    assert figures["hung row sent after the lease"] is True
    assert figures["messages doubled"] == 0
    assert figures["messages lost"] == 0
    assert proxy.served[child.url] > 0 and proxy.served[local.url] > 0
