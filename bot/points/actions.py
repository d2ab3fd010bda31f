"""What people do with volunteering and points, as the handlers ask for it: /volunteer,
/activity_new, /checkin, /activity_checkin, /points, /points_grant, /leaderboard
(_off/_on), /shop, /shop_add, /exchange and the 报名 button. Each returns the answer's
text (and keyboard); refusals are PointsError. `group` is None in a private chat."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers
from bot import texts as C
from bot.context import AppContext
from bot.db.models import Person
from bot.db.models.points import MANUAL, PARTY, VOLUNTEER
from bot.delivery import outbox
from bot.org import service as org
from bot.points import service as svc
from bot.points import texts as T
from bot.points.buttons import SignUp
from bot.ui import Button, Keyboard, markup


def _words(args: str | None) -> list[str]:
    return [w for w in re.split(r"\s+", (args or "").strip()) if w]


def local(when: datetime, ctx: AppContext) -> str:
    return when.astimezone(ctx.tz).strftime("%m月%d日 %H:%M")


async def volunteer(session: AsyncSession, person: Person, args: str | None, group: int | None,
                    ctx: AppContext, now: datetime) -> str:
    words = _words(args)
    community = await svc.community_for(session, person, group, ctx.settings.admin_ids)
    if words and words[0] in ("双报到", "党员"):
        if len(words) < 2:
            raise svc.PointsError(T.UNIT_NEEDED, alert=False)
        row = await svc.register(session, person, community.id, kind=PARTY,
                                 unit=" ".join(words[1:])[:100], now=now)
    elif words:
        return T.REGISTER_HOW
    else:
        row = await svc.register(session, person, community.id, kind=VOLUNTEER, unit=None,
                                 now=now)
    return T.REGISTERED.format(kind=T.kind_of(row.kind, row.unit))


def activity_keyboard(activity_id: int) -> Keyboard:
    return [[Button(T.SIGNUP_BUTTON, SignUp(activity_id))]]


async def activity_new(session: AsyncSession, person: Person, args: str | None,
                       ctx: AppContext, now: datetime, *, private: bool) -> str:
    """/activity_new + the form: posted to the community's groups with 报名."""
    if not private:
        raise svc.PointsError(C.PRIVATE_ONLY, alert=False)
    community = await svc.community_for(session, person, None, ctx.settings.admin_ids)
    await svc.require_organizer(session, person, community.id, ctx.settings.admin_ids)
    if not (args or "").strip():
        return T.ACTIVITY_TEMPLATE
    activity = await svc.create_activity(
        session, person, community.id, svc.parse_activity(args or "", now=now, tz=ctx.tz),
        now=now)
    groups = await org.group_chats_of_community(session, community.id)
    text = T.ACTIVITY_POST.format(id=activity.id, title=activity.title,
                                  when=local(activity.starts_at, ctx), place=activity.place,
                                  slots=activity.slots, taken=0, hours=activity.hours)
    for g in groups:
        await outbox.enqueue(session, g.chat_id, now=now, text=text,
                             reply_markup=markup(activity_keyboard(activity.id)),
                             ref=f"activity:{activity.id}",
                             dedupe_key=f"activity:{activity.id}:post:{g.chat_id}")
    return T.ACTIVITY_DONE.format(id=activity.id, groups=len(groups), code=activity.code)


async def signup_button(session: AsyncSession, person: Person, cb: SignUp,
                        now: datetime) -> str:
    return await svc.sign_up(session, person, cb.activity_id, now=now)


async def checkin(session: AsyncSession, person: Person, args: str | None,
                  now: datetime) -> str:
    if not (args or "").strip():
        raise svc.PointsError(T.CHECKIN_HOW, alert=False)
    return await svc.check_in_code(session, person, (args or "").strip(), now=now)


async def activity_checkin(session: AsyncSession, person: Person, args: str | None,
                           ctx: AppContext, now: datetime) -> str:
    found = numbers.split_number(args)
    if found is None:
        raise svc.PointsError(T.ACTIVITY_CHECKIN_HOW, alert=False)
    return await svc.check_in_marked(session, person, found[0], _words(found[1]),
                                     admin_ids=ctx.settings.admin_ids, now=now)


async def points(session: AsyncSession, person: Person, args: str | None, group: int | None,
                 ctx: AppContext) -> str:
    """/points: my balance and ledger; an organizer may add @someone."""
    community = await svc.community_for(session, person, group, ctx.settings.admin_ids)
    whose = person
    words = _words(args)
    if words:
        await svc.require_organizer(session, person, community.id, ctx.settings.admin_ids)
        whose = await svc.person_named(session, words[0])
    lines = [T.BALANCE.format(name=whose.name or "您",
                              balance=await svc.balance(session, whose.id, community.id))]
    rows = await svc.ledger(session, whose.id, community.id)
    lines += [T.LEDGER_LINE.format(when=local(e.at, ctx), amount=e.amount,
                                   reason=T.REASONS[e.kind],
                                   note=f"（{e.note}）" if e.note else "",
                                   who=f" — {by}" if by else "") for e, by in rows]
    if not rows:
        lines.append(T.LEDGER_EMPTY)
    return "\n".join(lines)


async def grant_command(session: AsyncSession, person: Person, args: str | None,
                        ctx: AppContext, now: datetime) -> str:
    """/points_grant @who 随手拍|出力|服务 N|奖励 N [note]."""
    words = _words(args)
    if len(words) < 2 or words[1] not in T.REASON_WORDS:
        raise svc.PointsError(T.GRANT_HOW, alert=False)
    community = await svc.community_for(session, person, None, ctx.settings.admin_ids)
    await svc.require_organizer(session, person, community.id, ctx.settings.admin_ids)
    who = await svc.person_named(session, words[0])
    kind = T.REASON_WORDS[words[1]]
    number = numbers.number(words[2], low=1, high=1000) if len(words) > 2 else None
    note = " ".join(words[3 if number is not None else 2:])
    if kind == MANUAL and not number:
        raise svc.PointsError(T.GRANT_HOW, alert=False)
    entry = await svc.grant(session, person=who, community_id=community.id, kind=kind, now=now,
                            units=(number or 1) if kind != MANUAL else 1,
                            amount=number if kind == MANUAL else None, note=note, by=person)
    assert entry is not None
    return T.GRANTED.format(who=who.name or words[0], amount=entry.amount,
                            reason=T.REASONS[kind],
                            balance=await svc.balance(session, who.id, community.id))


async def leaderboard(session: AsyncSession, person: Person, group: int | None,
                      ctx: AppContext, now: datetime) -> str:
    community = await svc.community_for(session, person, group, ctx.settings.admin_ids)
    start, end, month = svc.month_bounds(now, ctx.tz)
    rows = await svc.leaderboard(session, community.id, start, end)
    lines = [T.BOARD_HEADER.format(community=community.name, month=month)]
    lines += [T.BOARD_LINE.format(rank=i, name=name, points=n)
              for i, (name, n) in enumerate(rows, 1)] or [T.BOARD_EMPTY]
    lines.append(T.BOARD_FOOT)
    return "\n".join(lines)


async def leaderboard_optout(session: AsyncSession, person: Person, ctx: AppContext,
                             now: datetime, *, hidden: bool) -> str:
    community = await svc.community_for(session, person, None, ctx.settings.admin_ids)
    await svc.set_hidden(session, person, community.id, hidden, now=now)
    return T.BOARD_OFF if hidden else T.BOARD_ON


async def shop(session: AsyncSession, person: Person, group: int | None,
               ctx: AppContext) -> str:
    community = await svc.community_for(session, person, group, ctx.settings.admin_ids)
    rows = await svc.items(session, community.id)
    if not rows:
        return T.SHOP_EMPTY
    return "\n".join([T.SHOP_HEADER.format(community=community.name)] + [
        T.SHOP_LINE.format(name=i.name, cost=i.cost,
                           stock=T.SHOP_STOCK.format(stock=i.stock) if i.stock is not None
                           else "") for i in rows])


async def shop_add(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                   now: datetime) -> str:
    words = _words(args)
    cost = numbers.number(words[1], low=1, high=100_000) if len(words) in (2, 3) else None
    stock = numbers.number(words[2], high=100_000) if len(words) == 3 else None
    if cost is None or (len(words) == 3 and stock is None):
        raise svc.PointsError(T.SHOP_ADD_HOW, alert=False)
    community = await svc.community_for(session, person, None, ctx.settings.admin_ids)
    await svc.require_organizer(session, person, community.id, ctx.settings.admin_ids)
    item = await svc.add_item(session, community.id, words[0][:50], cost, stock)
    return T.SHOP_ADDED.format(name=item.name, cost=item.cost,
                               stock=T.SHOP_STOCK.format(stock=stock) if stock is not None
                               else "")


async def exchange(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                   now: datetime) -> str:
    words = _words(args)
    count = numbers.number(words[2], low=1, high=100) if len(words) == 3 else 1
    if len(words) not in (2, 3) or count is None:
        raise svc.PointsError(T.EXCHANGE_HOW, alert=False)
    community = await svc.community_for(session, person, None, ctx.settings.admin_ids)
    await svc.require_organizer(session, person, community.id, ctx.settings.admin_ids)
    who = await svc.person_named(session, words[0])
    item, cost, left = await svc.exchange(session, person, community.id, who, words[1], count,
                                          now=now)
    if svc.reachable(who):
        assert who.tg_id is not None
        await outbox.enqueue(session, who.tg_id, now=now, ref=f"points:{who.id}",
                             text=T.EXCHANGED_NOTE.format(cost=cost, name=item.name,
                                                          count=count, balance=left))
    return T.EXCHANGED.format(who=who.name or words[0], cost=cost, name=item.name, count=count,
                              balance=left)
