"""Named leases in the database: one holder at a time, until a wall-clock deadline.
Used by long polling (one poller among replicas; the others wait and take over)."""
from __future__ import annotations

import os
import secrets
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Lease
from bot.db.session import transaction


def instance_id() -> str:
    """Who this process is, in lease and claim columns (host:pid:random)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(3)}"


def wall() -> datetime:
    """Leases are real time on every replica, whatever clock the domain uses."""
    return datetime.now(UTC)


async def acquire(pool: async_sessionmaker[AsyncSession], name: str, holder: str,
                  seconds: float) -> bool:
    """Take or renew the lease `name` for `seconds`; False while another holds it."""
    now = wall()
    try:
        async with transaction(pool) as session:
            row = await session.scalar(
                select(Lease).where(Lease.name == name).with_for_update())
            if row is None:
                session.add(Lease(name=name, holder=holder,
                                  until=now + timedelta(seconds=seconds)))
                return True
            if row.holder != holder and row.until > now:
                return False
            row.holder, row.until = holder, now + timedelta(seconds=seconds)
            return True
    except IntegrityError:  # another replica inserted it first
        return False


async def release(pool: async_sessionmaker[AsyncSession], name: str, holder: str) -> None:
    """Give the lease up now (a clean stop): a waiting replica takes over at once."""
    async with transaction(pool) as session:
        await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
