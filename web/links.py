"""One-time login links (/web): issued in the bot's transaction, redeemed once by the
desk. Imported by handlers/web.py, so it needs neither aiohttp nor templates."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Person
from bot.db.models.web import WebLogin
from bot.delivery import outbox
from bot.reports.desk import desk_of
from web import texts as T
from web.config import PREFIX, WebSettings, base_url


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(session: AsyncSession, ctx: AppContext, person: Person, now: datetime,
                web: WebSettings | None = None) -> str:
    """Queue a private message with a fresh link (staff only); returns the answer to
    show when nothing was sent (or "" when the link is on its way)."""
    if await desk_of(session, person, ctx.settings.admin_ids) is None:
        return T.LINK_STAFF_ONLY
    web = web or WebSettings()
    url = await create(session, ctx, person, now, web)
    base = base_url(ctx.settings, web)
    assert person.tg_id is not None
    extra = {}
    if base.startswith("https://"):  # Telegram opens Mini Apps over HTTPS only
        extra["reply_markup"] = {"inline_keyboard": [[
            {"text": T.OPEN_MINIAPP, "web_app": {"url": f"{base}{PREFIX}/app"}}]]}
    # A link preview fetches the page with GET, which never spends the link: only the
    # page's button (a POST) does.
    await outbox.enqueue(session, person.tg_id, now=now, ref=f"web:{person.id}",
                         text=T.LINK_SENT.format(minutes=web.link_minutes, url=url),
                         parse_mode=None, **extra)
    return ""


async def create(session: AsyncSession, ctx: AppContext, person: Person, now: datetime,
                 web: WebSettings) -> str:
    """A fresh one-time login link for `person` (no check of roles: `issue` does that;
    the desk checks them again on every page)."""
    token = secrets.token_urlsafe(32)
    session.add(WebLogin(token_hash=_hash(token), person_id=person.id, created_at=now,
                         expires_at=now + timedelta(minutes=web.link_minutes)))
    await session.flush()
    return f"{base_url(ctx.settings, web)}{PREFIX}/login/{token}"


async def redeem(session: AsyncSession, token: str, now: datetime) -> int | None:
    """The person id of a valid, unexpired, unused link, which is spent now; None
    otherwise. A conditional UPDATE: of two presses exactly one wins."""
    digest = _hash(token or "")
    row = await session.scalar(select(WebLogin).where(WebLogin.token_hash == digest))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    won = await session.execute(
        update(WebLogin).where(WebLogin.id == row.id, WebLogin.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    return row.person_id if won.rowcount == 1 else None


async def valid(session: AsyncSession, token: str, now: datetime) -> bool:
    row = await session.scalar(select(WebLogin).where(WebLogin.token_hash == _hash(token or "")))
    return row is not None and row.used_at is None and row.expires_at > now
