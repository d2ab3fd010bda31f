"""What people do with wishes, as the handlers ask for it: /wish, /wishes, /wish_say,
/wish_done (a photo's caption) and the 通过 / 认领 buttons. Refusals are WishError."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers, points
from bot.context import AppContext
from bot.db.models import Person
from bot.wishes import contact
from bot.wishes import service as svc
from bot.wishes import settings as wish_settings
from bot.wishes import texts as T
from bot.wishes.buttons import Claim, Phone, Review


def split_number(args: str | None, example: str) -> tuple[int, str]:
    found = numbers.split_number(args)
    if found is None:
        raise svc.WishError(T.NUMBER_HOW.format(example=example), alert=False)
    return found


async def wish(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
               now: datetime, *, private: bool) -> str:
    if not private:
        raise svc.WishError(T.PRIVATE_ONLY, alert=False)
    try:
        community = await points.community_for(session, person, None, ctx.settings.admin_ids)
    except points.PointsError:
        if not (args or "").strip():
            return T.HOW
        raise
    if not (args or "").strip():
        limit = wish_settings.limit(community)
        return T.HOW + (T.LIMIT_LINE.format(limit=limit) if limit else "")
    posted = await svc.post(session, person, args or "", community_id=community.id, now=now)
    return T.POSTED.format(id=posted.id)


async def listing(session: AsyncSession, person: Person, group: int | None,
                  ctx: AppContext) -> str:
    community = await points.community_for(session, person, group, ctx.settings.admin_ids)
    rows = await svc.listing(session, community.id)
    if not rows:
        return T.LIST_EMPTY.format(community=community.name)
    return "\n".join([T.LIST_HEADER.format(community=community.name)] + [
        T.LIST_LINE.format(id=w.id, text=w.public_text[:40], state=T.STATES[w.status])
        for w in rows])


async def say(session: AsyncSession, person: Person, args: str | None, now: datetime) -> str:
    number, text = split_number(args, "/wish_say 3 我明天上午过来")
    if not text:
        raise svc.WishError(T.SAY_HOW, alert=False)
    return await svc.say(session, person, number, text, now=now)


async def done(session: AsyncSession, person: Person, args: str | None, photo: str | None,
               ctx: AppContext, now: datetime) -> str:
    if not (args or "").strip():
        raise svc.WishError(T.DONE_HOW, alert=False)
    number, _ = split_number(args, "/wish_done 3")
    return await svc.done(session, person, number, photo, admin_ids=ctx.settings.admin_ids,
                          now=now)


async def review_button(session: AsyncSession, person: Person, cb: Review, ctx: AppContext,
                        now: datetime) -> str:
    return await svc.review(session, person, cb.wish_id, bool(cb.approve),
                            admin_ids=ctx.settings.admin_ids, now=now)


async def claim_button(session: AsyncSession, person: Person, cb: Claim,
                       now: datetime) -> tuple[str, str | None]:
    return await svc.claim(session, person, cb.wish_id, now=now)


async def phone(session: AsyncSession, person: Person, args: str | None, now: datetime) -> str:
    """/wish_phone N [手机号]: agree to give one's number to the other party."""
    if not (args or "").strip():
        return T.PHONE_HOW
    number, typed = split_number(args, "/wish_phone 3 13800001234")
    return await contact.consent(session, person, number, typed or None, now=now, alert=False)


async def phone_button(session: AsyncSession, person: Person, cb: Phone, now: datetime) -> str:
    return await contact.consent(session, person, cb.wish_id, None, now=now, alert=True)
