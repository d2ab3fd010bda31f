"""Who took personal data out: every export writes an `ExportAudit` row in the caller's
transaction (the file and its record commit together)."""
from __future__ import annotations

import getpass
import logging
import socket
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Person
from bot.db.models.privacy import ExportAudit
from bot.errors import Refusal
from bot.org import service as org
from bot.privacy import texts as T

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
                 masked: bool, rows: int, person_id: int | None = None,
                 reason: str | None = None) -> ExportAudit:
    entry = ExportAudit(who=who[:100], person_id=person_id, what=what, scope=scope, fmt=fmt,
                        masked=masked, rows=rows, reason=(reason or "").strip() or None)
    session.add(entry)
    await session.flush()
    log.info("export %s (%s, %s rows, masked=%s) by %s", what, scope, rows, masked, who)
    return entry


async def recent(session: AsyncSession, limit: int = 50) -> Sequence[ExportAudit]:
    return list(await session.scalars(
        select(ExportAudit).order_by(ExportAudit.id.desc()).limit(limit)))


async def export_log(session: AsyncSession, person: Person, ctx: AppContext,
                  limit: int = 20) -> str:
    """/exports: the latest exports, for admins — who took what out, masked or not, why."""
    if not await org.is_admin(session, person, ctx.settings.admin_ids):
        raise Refusal(T.EXPORTS_ADMINS)
    entries = await recent(session, limit)
    if not entries:
        return T.EXPORTS_NONE
    lines = [T.EXPORTS_HEAD.format(n=len(entries))]
    for e in entries:
        lines.append(T.EXPORTS_LINE.format(
            at=e.at.astimezone(ctx.tz), who=e.who, what=T.EXPORT_WHAT.get(e.what, e.what),
            scope=e.scope, fmt=e.fmt, rows=e.rows,
            masked=T.EXPORT_MASKED if e.masked else T.EXPORT_UNMASKED.format(
                reason=e.reason or "—")))
    return "\n".join(lines)
