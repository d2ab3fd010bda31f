"""Shared fixtures. The database is real: a fresh SQLite file per test by default,
or PostgreSQL when LINLI_TEST_DATABASE_URL names one (CI runs the suite on both).

Migrations run once per session: SQLite migrates a template file that each test
copies; PostgreSQL migrates once and each test starts from TRUNCATEd tables."""
from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import features
from bot.clock import FakeClock
from bot.config import Settings
from bot.context import AppContext
from bot.db import migrate
from bot.db.base import Base
from bot.db.session import create_engine, create_session_factory
from bot.projects import polls as project_polls
from demo.world import World
from sandbox import SandboxServer
from tests import cases_kit, projects_kit

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"... under pytest -n N


def _per_worker(url: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (name_gw0...),
    created on first use; without xdist the configured database is used."""
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(
        hide_password=False)


TEST_DB = _per_worker(os.environ.get("LINLI_TEST_DATABASE_URL", ""))
features.wire()
_pg_tables: str | None = None  # PostgreSQL: migrated once; the tables to TRUNCATE
# Between tests: TRUNCATE only the tables a test wrote to (TRUNCATE of every table costs
# ~100 ms), and restart every sequence that moved, so ids start at 1 again.
_PG_RESET = """
CREATE OR REPLACE FUNCTION linli_test_reset() RETURNS void LANGUAGE plpgsql AS $$
DECLARE t text; dirty text[] := '{}'; has boolean; s record;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables
           WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', t) INTO has;
    IF has THEN dirty := dirty || quote_ident(t); END IF;
  END LOOP;
  IF array_length(dirty, 1) > 0 THEN
    EXECUTE 'TRUNCATE ' || array_to_string(dirty, ', ') || ' CASCADE';
  END IF;
  FOR s IN SELECT schemaname, sequencename FROM pg_sequences
           WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);
  END LOOP;
END $$;
"""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    """A failure is printed the moment the test body fails: if the teardown that follows
    then stalls (pytest-timeout ends it after 120 s), the cause is already on screen."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        import sys

        sys.stderr.write(f"\nFAILED {item.nodeid}\n{report.longreprtext[-3000:]}\n")
        sys.stderr.flush()


def pytest_report_header() -> str:
    return f"linli database: {TEST_DB or 'SQLite file per test'}"


def _off_loop(coro: Any) -> Any:
    """Run a coroutine to completion on a private loop in another thread (session
    fixtures are synchronous and must not disturb pytest-asyncio's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _migrate_file(path: Path) -> None:
    eng = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate.upgrade(eng)
    finally:
        await eng.dispose()  # the last connection closing checkpoints the WAL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file (once per session); tests get a copy of it."""
    path = tmp_path_factory.mktemp("template") / "linli.db"
    _off_loop(_migrate_file(path))
    return path


async def _pg_create_database(url: str) -> None:
    """CREATE DATABASE for this xdist worker if it does not exist yet."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres").render_as_string(hide_password=False),
                          isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": target.database})
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await admin.dispose()


async def _pg_prepare(eng: AsyncEngine) -> None:
    global _pg_tables
    if _pg_tables is None:
        if WORKER:
            await _pg_create_database(TEST_DB)
        async with eng.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await migrate.upgrade(eng)
        async with eng.begin() as conn:
            await conn.execute(text(_PG_RESET))
        async with eng.connect() as conn:
            existing = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        _pg_tables = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name in existing)
        return
    async with eng.begin() as conn:
        await conn.execute(text("SELECT linli_test_reset()"))


@pytest.fixture
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if TEST_DB:
        eng = create_engine(TEST_DB)
        await _pg_prepare(eng)
    else:
        template = request.getfixturevalue("sqlite_template")
        for suffix in ("", "-wal"):  # -wal only if a checkpoint was left undone
            if (source := Path(f"{template}{suffix}")).exists():
                shutil.copyfile(source, tmp_path / f"linli.db{suffix}")
        eng = create_engine(f"sqlite+aiosqlite:///{tmp_path}/linli.db")
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


# Service-level worlds: an org with a community, grids, workers and residents.

@pytest.fixture
async def cw(ctx: AppContext) -> cases_kit.World:
    """The case tests' community (tests/cases_kit.py)."""
    return await cases_kit.make_world(ctx)


@pytest.fixture
async def pw(ctx: AppContext) -> projects_kit.PWorld:
    """The project tests' community (tests/projects_kit.py)."""
    return await projects_kit.make_world(ctx)


@pytest.fixture
def fake_polls(monkeypatch: pytest.MonkeyPatch) -> projects_kit.FakePolls:
    fake = projects_kit.FakePolls()
    monkeypatch.setattr(project_polls, "start_poll", fake)
    return fake


@pytest.fixture
def no_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    async def none(session: Any, **kw: Any) -> None:
        return None

    monkeypatch.setattr(project_polls, "start_poll", none)
