"""Apply Alembic migrations on an async engine (at start-up and `linli db upgrade`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _run(sync_conn: Any, action: str, *args: Any, **kwargs: Any) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = sync_conn
    getattr(command, action)(cfg, *args, **kwargs)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    from bot.db.models.cases import create_search_index

    async with engine.begin() as conn:
        await conn.run_sync(_run, "upgrade", revision)
        if revision == "head":  # a database made before the search index gets it now
            await conn.run_sync(create_search_index)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_run, "downgrade", revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda c: MigrationContext.configure(c).get_current_revision()
        )


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def autogenerate(engine: AsyncEngine, message: str) -> None:
    """Developer tool: write a new revision for model changes (`linli db revision`)."""
    async with engine.begin() as conn:
        await conn.run_sync(_run, "revision", message=message, autogenerate=True)
