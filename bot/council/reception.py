"""书记接待日: an organizer sets a slot (optionally monthly), residents book it with a
button, the booked hear a reminder the day before, and what they raise is recorded as a
council topic. Timers: `council.reception_remind` (a day before) and
`council.reception_next` (at the start: the next month's slot of a monthly one)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers, points
from bot import texts as C
from bot.context import AppContext
from bot.council import service as svc
from bot.council import texts as T
from bot.council.actions import split_number
from bot.council.buttons import Book
from bot.db.models import Person, Timer
from bot.db.models.council import ReceptionBooking, ReceptionSlot
from bot.delivery import outbox
from bot.ui import Button
from scheduler import timers

REMIND, NEXT = "council.reception_remind", "council.reception_next"
FIELD_RE = re.compile(r"^\s*([^:：\s]{1,4})\s*[:：]\s*(.*)$")
FIELDS = {"时间": "time", "时长": "hours", "地点": "place", "名额": "capacity", "重复": "repeat"}


def _bad(field: str, value: str | None) -> svc.CouncilError:
    return svc.CouncilError(T.RECEPTION_BAD.format(field=field, value=value or ""), alert=False)


def _parse(text: str, *, now: datetime, tz: tzinfo) -> tuple[datetime, int, str, int, bool]:
    values: dict[str, str] = {}
    for raw in text.splitlines():
        m = FIELD_RE.match(raw)
        if m and m.group(1) in FIELDS:
            values[FIELDS[m.group(1)]] = m.group(2).strip()
    starts = points.parse_time(values.get("time", ""), now=now, tz=tz)
    if starts is None or starts <= now:
        raise _bad("时间", values.get("time"))
    if not values.get("place"):
        raise _bad("地点", "")
    hours = numbers.number(values.get("hours", "2").rstrip("小时"), low=1, high=12)
    if hours is None:
        raise _bad("时长", values.get("hours"))
    capacity = numbers.number(values.get("capacity", "").rstrip("人"), low=1, high=200)
    if capacity is None:
        raise _bad("名额", values.get("capacity"))
    return (starts, hours, values["place"][:100], capacity,
            values.get("repeat", "否").startswith("每月"))


def _when(slot: ReceptionSlot, tz: tzinfo) -> tuple[str, str]:
    start = slot.starts_at.astimezone(tz)
    return start.strftime("%m月%d日 %H:%M"), (start + timedelta(hours=slot.hours)).strftime("%H:%M")


async def _announce(session: AsyncSession, slot: ReceptionSlot, *, now: datetime,
                    tz: tzinfo) -> int:
    when, until = _when(slot, tz)
    await timers.schedule(session, REMIND, f"reception:{slot.id}",
                          max(now, slot.starts_at - timedelta(days=1)))
    if slot.monthly:
        await timers.schedule(session, NEXT, f"reception:{slot.id}", slot.starts_at)
    keyboard = [[Button(T.BOOK_BUTTON, Book(slot.id))]]
    return await svc.publish(session, slot.community_id, T.RECEPTION_POST.format(
        when=when, until=until, place=slot.place, capacity=slot.capacity), now=now,
        key=f"reception:{slot.id}:post", keyboard=keyboard)


async def create(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                 now: datetime, *, private: bool) -> str:
    """/reception: the template, or the slot from the form, posted to the groups."""
    if not private:
        raise svc.CouncilError(C.PRIVATE_ONLY, alert=False)
    community = await points.community_for(session, person, None, ctx.settings.admin_ids)
    await svc.require_organizer(session, person, community.id, ctx.settings.admin_ids)
    if not (args or "").strip():
        return T.RECEPTION_TEMPLATE
    starts, hours, place, capacity, monthly = _parse(args or "", now=now, tz=ctx.tz)
    slot = ReceptionSlot(community_id=community.id, starts_at=starts, hours=hours, place=place,
                         capacity=capacity, monthly=monthly, created_by_id=person.id)
    session.add(slot)
    await session.flush()
    groups = await _announce(session, slot, now=now, tz=ctx.tz)
    return T.RECEPTION_DONE.format(id=slot.id, when=_when(slot, ctx.tz)[0], groups=groups,
                                   repeat=T.RECEPTION_REPEAT if monthly else "")


async def _slot(session: AsyncSession, slot_id: int) -> ReceptionSlot:
    slot = await session.get(ReceptionSlot, slot_id)
    if slot is None:
        raise svc.CouncilError(T.NO_SUCH_RECEPTION.format(id=slot_id))
    return slot


async def _booked(session: AsyncSession, slot_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(ReceptionBooking).where(
        ReceptionBooking.slot_id == slot_id)) or 0)


async def book(session: AsyncSession, person: Person, cb: Book, ctx: AppContext,
               now: datetime) -> str:
    slot = await _slot(session, cb.slot_id)
    if slot.starts_at <= now:
        raise svc.CouncilError(T.BOOK_PAST)
    mine = await session.scalar(select(ReceptionBooking.id).where(
        ReceptionBooking.slot_id == slot.id, ReceptionBooking.person_id == person.id))
    if mine is not None:
        return T.BOOK_AGAIN
    if await _booked(session, slot.id) >= slot.capacity:
        raise svc.CouncilError(T.BOOK_FULL)
    session.add(ReceptionBooking(slot_id=slot.id, person_id=person.id, at=now))
    text = T.BOOKED.format(when=_when(slot, ctx.tz)[0], place=slot.place)
    return text if points.reachable(person) else text + T.BOOKED_START


async def _people(session: AsyncSession, slot_id: int) -> list[Person]:
    return list(await session.scalars(
        select(Person).join(ReceptionBooking, ReceptionBooking.person_id == Person.id)
        .where(ReceptionBooking.slot_id == slot_id).order_by(ReceptionBooking.id)))


async def listing(session: AsyncSession, person: Person, args: str | None,
                  ctx: AppContext) -> str:
    number, _ = split_number(args, "/reception_list 1")
    slot = await _slot(session, number)
    await svc.require_organizer(session, person, slot.community_id, ctx.settings.admin_ids)
    people = await _people(session, slot.id)
    return T.RECEPTION_LIST.format(id=slot.id, when=_when(slot, ctx.tz)[0], count=len(people),
                                   capacity=slot.capacity,
                                   names="、".join(p.name or "?" for p in people) or "—")


async def raised(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                 now: datetime) -> str:
    """/reception_topic S 内容: what a resident raised becomes a council topic."""
    number, text = split_number(args, "/reception_topic 1 内容")
    if not text:
        raise svc.CouncilError(T.RECEPTION_TOPIC_HOW, alert=False)
    slot = await _slot(session, number)
    await svc.require_organizer(session, person, slot.community_id, ctx.settings.admin_ids)
    topic = await svc.create_topic(session, community_id=slot.community_id,
                                   title=svc.short_title(text), text=text[:500],
                                   source="reception", proposer=person, now=now)
    await svc.publish(session, topic.community_id, svc.post_text(topic), now=now,
                      key=f"topic:{topic.id}:post", keyboard=svc.support_keyboard(topic.id))
    return T.RECEPTION_TOPIC_DONE.format(topic=topic.id)


async def on_remind(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    slot = await session.get(ReceptionSlot, int(timer.ref.rsplit(":", 1)[1]))
    if slot is None:
        return
    text = T.RECEPTION_REMINDER.format(when=_when(slot, ctx.tz)[0], place=slot.place)
    for person in await _people(session, slot.id):
        if points.reachable(person):
            assert person.tg_id is not None
            await outbox.enqueue(session, person.tg_id, now=ctx.clock.now(), text=text,
                                 dedupe_key=f"reception:{slot.id}:remind:{person.id}")


def _next_month(when: datetime, tz: tzinfo) -> datetime:
    local = when.astimezone(tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    for day in (local.day, 30, 29, 28):  # the 31st falls back to the month's last day
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


async def on_next(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    """A monthly slot began: open next month's, once."""
    slot = await session.get(ReceptionSlot, int(timer.ref.rsplit(":", 1)[1]))
    if slot is None or not slot.monthly:
        return
    slot.monthly = False  # the series continues from the new slot
    following = ReceptionSlot(community_id=slot.community_id,
                              starts_at=_next_month(slot.starts_at, ctx.tz), hours=slot.hours,
                              place=slot.place, capacity=slot.capacity, monthly=True,
                              created_by_id=slot.created_by_id)
    session.add(following)
    await session.flush()
    await _announce(session, following, now=ctx.clock.now(), tz=ctx.tz)
