"""pytest helpers: ``from bot.sandbox.testing import sandbox, sandbox_bot`` in a test
module makes both fixtures available; ``raw_call`` sends a request by hand."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest_asyncio
from aiogram import Bot

from .server import SandboxServer


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with SandboxServer() as sb:
        yield sb
        assert not sb.internal_errors, sb.internal_errors


@pytest_asyncio.fixture
async def sandbox_bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    bot = sandbox.make_bot()
    try:
        yield bot
    finally:
        await bot.session.close()


async def raw_call(
    sb: SandboxServer, method: str, token: str | None = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    """POST form fields to ``/bot{token}/{method}``; return (status, decoded JSON)."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with aiohttp.ClientSession() as session:
        url = f"{sb.url}/bot{token or sb.token}/{method}"
        async with session.post(url, data=form) as response:
            return response.status, await response.json()
