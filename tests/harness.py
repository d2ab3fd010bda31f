"""End-to-end fixtures: the real bot over HTTP against the local Bot API server.

    async def test_x(world):
        alice = world.sb.add_user("Alice")
        alice.start_bot()
        await world.settle()
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from bot.clock import FakeClock
from bot.config import Settings
from bot.sandbox import SandboxServer
from bot.sandbox.testing import sandbox
from bot.world import World

__all__ = ["World", "bind", "sandbox", "world"]


@pytest_asyncio.fixture
async def world(sandbox: SandboxServer, settings: Settings, clock: FakeClock) -> AsyncIterator[World]:
    async with World.attach(sandbox, settings, clock) as w:
        yield w


async def bind(world: World, chat: Any, grid_name: str = "第一网格") -> None:
    """Bind a sandbox group to a grid of the imported example org, as /bind would,
    replacing the example file's placeholder group; waits for the join to be handled."""
    from sqlalchemy import delete, select

    from bot.db.models import GroupChat, Grid
    from bot.db.session import transaction
    from bot.services import org

    await world.settle()
    async with transaction(world.ctx.pool) as session:
        await session.execute(delete(GroupChat).where(GroupChat.chat_id == -1001001))
        grid_id = await session.scalar(select(Grid.id).where(Grid.name == grid_name))
        assert grid_id is not None, grid_name
        await org.bind_group(session, chat.id, chat.title or "", grid_id)
