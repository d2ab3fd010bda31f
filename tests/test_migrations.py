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
