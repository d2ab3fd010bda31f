"""End-to-end fixtures: the real bot over HTTP against the local Bot API server.

    async def test_x(world):
        alice = world.sb.add_user("Alice")
        alice.start_bot()
        await world.settle()
"""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.clock import FakeClock
from bot.config import Settings
from bot.sandbox import SandboxServer
from bot.sandbox.testing import sandbox
from bot.world import World

__all__ = ["World", "sandbox", "world"]


@pytest_asyncio.fixture
async def world(sandbox: SandboxServer, settings: Settings, clock: FakeClock) -> AsyncIterator[World]:
    async with World.attach(sandbox, settings, clock) as w:
        yield w
