"""Shared fixtures. The database is real: a fresh SQLite file per test by default,
or PostgreSQL when LINLI_TEST_DATABASE_URL names one (CI runs the suite on both)."""
from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import features
from bot.clock import FakeClock
from bot.config import Settings
from bot.context import AppContext
from bot.db import migrate
from bot.db.base import Base
from bot.db.session import create_engine, create_session_factory
from demo.world import World
from sandbox import SandboxServer

TEST_DB = os.environ.get("LINLI_TEST_DATABASE_URL", "")
features.wire()
_pg_migrated = False


def pytest_report_header() -> str:
    return f"linli database: {TEST_DB or 'SQLite file per test'}"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    global _pg_migrated
    if TEST_DB:
        eng = create_engine(TEST_DB)
        if not _pg_migrated:
            async with eng.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await migrate.upgrade(eng)
            _pg_migrated = True
        else:
            async with eng.begin() as conn:
                existing = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
                names = ", ".join(t.name for t in Base.metadata.sorted_tables
                                  if t.name in existing)
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        eng = create_engine(f"sqlite+aiosqlite:///{tmp_path}/linli.db")
        await migrate.upgrade(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
def db_url(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def pool(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(_env_file=None, database_url=db_url, bot_token=None, admin_ids=[900],
                    quiet_hours="off", per_chat_interval=0.0, group_per_minute=1000,
                    global_per_second=1000)


@pytest.fixture
def ctx(settings: Settings, pool: async_sessionmaker[AsyncSession], clock: FakeClock) -> AppContext:
    return AppContext(settings=settings, pool=pool, clock=clock)


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    """The local Bot API server; a test fails if the server itself broke."""
    async with SandboxServer() as sb:
        yield sb
        assert not sb.internal_errors, sb.internal_errors


@pytest.fixture
async def sandbox_bot(sandbox: SandboxServer) -> AsyncIterator[Any]:
    bot = sandbox.make_bot()
    try:
        yield bot
    finally:
        await bot.session.close()


@pytest.fixture
async def world(sandbox: SandboxServer, settings: Settings, clock: FakeClock) -> AsyncIterator[World]:
    """The real bot over HTTP against the sandbox, with the example org imported."""
    async with World.attach(sandbox, settings, clock) as w:
        yield w
