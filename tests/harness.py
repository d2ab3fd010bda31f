"""End-to-end helpers; the fixtures (`sandbox`, `sandbox_bot`, `world`) are in conftest.

    async def test_x(world):
        alice = world.sb.add_user("Alice")
        alice.start_bot()
        await world.settle()
"""
from __future__ import annotations

import json
from typing import Any

import aiohttp
from sqlalchemy import delete, select

from bot.db.models import Grid, GroupChat
from bot.db.session import transaction
from bot.org import service as org
from demo.world import World
from sandbox import SandboxServer


async def bind(world: World, chat: Any, grid_name: str = "第一网格") -> None:
    """Bind a sandbox group to a grid of the imported example org, as /bind would,
    replacing the example file's placeholder group; waits for the join to be handled."""
    await world.settle()
    async with transaction(world.ctx.pool) as session:
        await session.execute(delete(GroupChat).where(GroupChat.chat_id == -1001001))
        grid_id = await session.scalar(select(Grid.id).where(Grid.name == grid_name))
        assert grid_id is not None, grid_name
        await org.bind_group(session, chat.id, chat.title or "", grid_id)


async def raw_call(
    sb: SandboxServer, method: str, token: str | None = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    """POST form fields to ``/bot{token}/{method}``; return (status, decoded JSON)."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with aiohttp.ClientSession() as session:
        url = f"{sb.url}/bot{token or sb.token}/{method}"
        async with session.post(url, data=form) as response:
            return response.status, await response.json()
