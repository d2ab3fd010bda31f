"""Apply Alembic migrations on an async engine (at start-up and `linli db upgrade`).

Alembic (with Mako and Pygments, ~0.3 s and several MB) is imported only when there is
something to do: a database already at the head revision is told so by one SELECT."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _run(sync_conn: Any, action: str, *args: Any, **kwargs: Any) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = sync_conn
    getattr(command, action)(cfg, *args, **kwargs)


def _head_of_files() -> str | None:
    """The head revision as the scripts say, without Alembic: the one revision that no
    script names as its down_revision; None if that is not plain (Alembic decides)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            return None
        revision, parent = found["revision"], found.get("down_revision", "None")
        if not re.fullmatch(r"""(['"])[\w-]+\1""", revision) or not re.fullmatch(
                r"""None|(['"])[\w-]+\1""", parent):
            return None  # a tuple of parents (a merge) or an expression
        revisions.add(revision[1:-1])
        if parent != "None":
            parents.add(parent[1:-1])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(sync_conn: Any) -> bool:
    head = _head_of_files()
    if head is None or not sync_conn.dialect.has_table(sync_conn, "alembic_version"):
        return False
    current = [row[0] for row in sync_conn.exec_driver_sql(
        "SELECT version_num FROM alembic_version")]
    return current == [head]


def _upgrade(sync_conn: Any, revision: str) -> None:
    if revision == "head" and _at_head(sync_conn):
        return
    _run(sync_conn, "upgrade", revision)


# PostgreSQL: upgrades (replicas starting together, `linli db upgrade` run twice) take
# this transaction-scoped advisory lock first, so they run one after the other and the
# later one finds the database at head, instead of both creating the same tables.
_UPGRADE_LOCK = 0x6C696E6C69  # "linli"


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    from bot.db.models.cases import create_search_index
    from bot.db.models.rollups import create_case_rollup

    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_UPGRADE_LOCK})")
        await conn.run_sync(_upgrade, revision)
        if revision == "head":  # a database made before the search index gets it now
            await conn.run_sync(create_search_index)
            await conn.run_sync(create_case_rollup)  # made before the rollup: filled now


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_run, "downgrade", revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda c: MigrationContext.configure(c).get_current_revision()
        )


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def autogenerate(engine: AsyncEngine, message: str) -> None:
    """Developer tool: write a new revision for model changes (`linli db revision`)."""
    async with engine.begin() as conn:
        await conn.run_sync(_run, "revision", message=message, autogenerate=True)
