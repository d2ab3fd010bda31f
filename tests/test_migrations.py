from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import migrate
from bot.db.base import Base
from bot.db.models.cases import include_object
from bot.db.session import create_engine


async def test_migrations_create_exactly_the_models(engine):
    assert await migrate.current_revision(engine) == migrate.head_revision()
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(
                c, opts={"compare_type": False, "include_object": include_object}), Base.metadata)
        )
    assert diff == []


async def test_upgrade_twice_is_harmless(engine):
    await migrate.upgrade(engine)
    assert await migrate.current_revision(engine) == migrate.head_revision()


async def test_downgrade_and_upgrade_again(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/down.db")
    try:
        await migrate.upgrade(engine)
        await migrate.downgrade(engine, "base")
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert set(tables) <= {"alembic_version"}
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert {"cases", "outbox", "inbox", "timers"} <= set(tables)
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/wal.db")
    try:
        async with engine.connect() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert mode == "wal" and fks == 1
    finally:
        await engine.dispose()


async def test_two_upgrades_of_an_empty_database_at_once(tmp_path):
    """Two replicas (or `linli db upgrade` run twice) creating the same new database
    together: one waits for the other and finds it done; neither fails."""
    import asyncio

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from tests.conftest import TEST_DB, _pg_create_database

    if TEST_DB:
        url = make_url(TEST_DB)
        url = url.set(database=f"{url.database}_empty").render_as_string(hide_password=False)
        await _pg_create_database(url)
        first = create_engine(url)
        async with first.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
        first = create_engine(url)
    second = create_engine(url)
    try:
        await asyncio.gather(migrate.upgrade(first), migrate.upgrade(second))
        assert await migrate.current_revision(second) == migrate.head_revision()
    finally:
        await first.dispose()
        await second.dispose()
