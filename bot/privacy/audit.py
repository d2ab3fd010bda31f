"""Who took personal data out: every export writes an `ExportAudit` row in the caller's
transaction (the file and its record commit together)."""
from __future__ import annotations

import getpass
import logging
import socket
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models.privacy import ExportAudit

log = logging.getLogger(__name__)


def cli_user() -> str:
    """Who runs a `linli` command: the operating-system account and host."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        user = "?"
    return f"cli:{user}@{socket.gethostname()}"[:100]


def telegram_user(tg_id: int | None, name: str | None) -> str:
    return f"tg:{tg_id} {name or ''}".strip()[:100]


async def record(session: AsyncSession, *, who: str, what: str, scope: str, fmt: str,
                 masked: bool, rows: int, person_id: int | None = None) -> ExportAudit:
    entry = ExportAudit(who=who[:100], person_id=person_id, what=what, scope=scope, fmt=fmt,
                        masked=masked, rows=rows)
    session.add(entry)
    await session.flush()
    log.info("export %s (%s, %s rows, masked=%s) by %s", what, scope, rows, masked, who)
    return entry


async def recent(session: AsyncSession, limit: int = 50) -> Sequence[ExportAudit]:
    return list(await session.scalars(
        select(ExportAudit).order_by(ExportAudit.id.desc()).limit(limit)))
