"""With Redis configured, a dialog survives a restart of the bot (FSM state in Redis)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

from bot.app import build_storage
from bot.db.session import transaction
from bot.org.orgfile import import_file
from demo.world import World

REDIS = os.environ.get("LINLI_TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS, reason="set LINLI_TEST_REDIS_URL to test Redis")
EXAMPLE = Path(__file__).parents[1] / "examples" / "org.yaml"


def test_default_fsm_storage_is_in_memory(settings):
    assert isinstance(build_storage(settings), MemoryStorage)


@needs_redis
async def test_private_report_dialog_survives_a_restart(sandbox, settings, clock):
    # A fresh key prefix per run keeps runs apart on a shared Redis.
    redis_settings = settings.model_copy(update={"redis_url": REDIS})
    storage = build_storage(redis_settings)
    assert isinstance(storage, RedisStorage)
    await storage.close()
    chen = sandbox.add_user("陈阿姨", user_id=int(uuid.uuid4().int % 10**9) + 10**9)
    chen.start_bot()
    async with World.attach(sandbox, redis_settings, clock) as world:
        async with transaction(world.ctx.pool) as session:
            await import_file(session, EXAMPLE)
        await sandbox.wait_for(chen.id)
        chen.say(chen.id, "/report")
        await sandbox.wait_for(chen.id, lambda m: "请描述" in m.text)
    # The bot restarts; the resident simply goes on with the dialog.
    async with World.attach(sandbox, redis_settings, clock) as world:
        chen.say(chen.id, "2号楼门口的路灯坏了，晚上很黑")
        done = await sandbox.wait_for(chen.id, lambda m: "已登记工单" in m.text, timeout=10)
        assert "东湖-2026-0001" in done.text
