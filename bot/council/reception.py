"""书记接待日: an organizer sets a slot (optionally monthly), residents book it with a
button and say what they want to raise (/reception_matter), the booked hear a reminder
the day before, the organizer sees the list with the matters, and after the day records
each one's outcome (/reception_result): answered, a case (opened by the handler through
bot.cases, which sits above the council), a council topic, or did not come. Timers:
`council.reception_remind` (a day before), `council.reception_next` (at the start: the
next month's slot of a monthly one), `council.reception_after` (at the end: the
organizer is asked for the outcomes)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers, points
from bot import texts as C
from bot.context import AppContext
from bot.council import service as svc
from bot.council import texts as T
from bot.council.buttons import Book
from bot.db.models import Case, Person, Timer
from bot.db.models.council import (
    ABSENT,
    ANSWERED,
    CASE,
    TOPIC,
    ReceptionBooking,
    ReceptionSlot,
)
from bot.delivery import outbox
from bot.ui import Button
from scheduler import timers

REMIND, NEXT, AFTER = ("council.reception_remind", "council.reception_next",
                       "council.reception_after")
OUTCOME_WORDS = {"解答": ANSWERED, "已解答": ANSWERED, "答复": ANSWERED, "已答复": ANSWERED,
                 "解决": ANSWERED, "工单": CASE, "转工单": CASE, "议题": TOPIC, "转议题": TOPIC,
                 "未到": ABSENT, "没来": ABSENT}
FIELD_RE = re.compile(r"^\s*([^:：\s]{1,4})\s*[:：]\s*(.*)$")
FIELDS = {"时间": "time", "时长": "hours", "地点": "place", "名额": "capacity", "重复": "repeat"}


def split_number(args: str | None, example: str) -> tuple[int, str]:
    found = numbers.split_number(args)
    if found is None:
        raise svc.CouncilError(T.RECEPTION_NUMBER_HOW.format(example=example), alert=False)
    return found


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
    await timers.schedule(session, AFTER, f"reception:{slot.id}",
                          slot.starts_at + timedelta(hours=slot.hours))
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


async def _add_booking(session: AsyncSession, person: Person, slot: ReceptionSlot, *,
                       now: datetime) -> ReceptionBooking | None:
    """A new booking, or None when the person already has one (past and full refused)."""
    if slot.starts_at <= now:
        raise svc.CouncilError(T.BOOK_PAST)
    mine = await session.scalar(select(ReceptionBooking.id).where(
        ReceptionBooking.slot_id == slot.id, ReceptionBooking.person_id == person.id))
    if mine is not None:
        return None
    if await _booked(session, slot.id) >= slot.capacity:
        raise svc.CouncilError(T.BOOK_FULL)
    booking = ReceptionBooking(slot_id=slot.id, person_id=person.id, at=now)
    session.add(booking)
    await session.flush()
    return booking


async def book(session: AsyncSession, person: Person, cb: Book, ctx: AppContext,
               now: datetime) -> str:
    slot = await _slot(session, cb.slot_id)
    if await _add_booking(session, person, slot, now=now) is None:
        return T.BOOK_AGAIN
    when = _when(slot, ctx.tz)[0]
    text = T.BOOKED.format(when=when, place=slot.place)
    if not points.reachable(person):
        return text + T.BOOKED_START
    assert person.tg_id is not None
    await outbox.enqueue(session, person.tg_id, now=now,
                         text=T.MATTER_ASK.format(id=slot.id, when=when, place=slot.place),
                         dedupe_key=f"reception:{slot.id}:ask:{person.id}")
    return text + T.BOOKED_MATTER


async def matter(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                 now: datetime, *, private: bool = True) -> str:
    """/reception_matter S 内容: what the resident wants to raise (booking first if need be);
    in private only: the matter is for staff, not the neighbours."""
    if not private:
        raise svc.CouncilError(T.MATTER_PRIVATE, alert=False)
    number, text = split_number(args, "/reception_matter 1 楼道灯坏了很久")
    if not text:
        raise svc.CouncilError(T.MATTER_HOW.format(id=number), alert=False)
    slot = await _slot(session, number)
    booking = await session.scalar(select(ReceptionBooking).where(
        ReceptionBooking.slot_id == slot.id, ReceptionBooking.person_id == person.id))
    if booking is None:
        booking = await _add_booking(session, person, slot, now=now)
        assert booking is not None
    elif booking.outcome is not None:
        raise svc.CouncilError(T.MATTER_CLOSED, alert=False)
    elif slot.starts_at <= now:  # the organizer may already have heard or listed it
        raise svc.CouncilError(T.MATTER_PAST, alert=False)
    booking.matter = text[:500]
    return T.MATTER_SAVED.format(when=_when(slot, ctx.tz)[0], place=slot.place)


async def _bookings(session: AsyncSession, slot_id: int
                    ) -> list[tuple[ReceptionBooking, Person]]:
    rows = await session.execute(
        select(ReceptionBooking, Person).join(Person, Person.id == ReceptionBooking.person_id)
        .where(ReceptionBooking.slot_id == slot_id).order_by(ReceptionBooking.id))
    return [(b, p) for b, p in rows]


async def _people(session: AsyncSession, slot_id: int) -> list[Person]:
    return list(await session.scalars(
        select(Person).join(ReceptionBooking, ReceptionBooking.person_id == Person.id)
        .where(ReceptionBooking.slot_id == slot_id).order_by(ReceptionBooking.id)))


async def listing(session: AsyncSession, person: Person, args: str | None,
                  ctx: AppContext) -> str:
    number, _ = split_number(args, "/reception_list 1")
    slot = await _slot(session, number)
    await svc.require_organizer(session, person, slot.community_id, ctx.settings.admin_ids)
    rows = await _bookings(session, slot.id)
    lines = [T.RECEPTION_LIST.format(id=slot.id, when=_when(slot, ctx.tz)[0], count=len(rows),
                                     capacity=slot.capacity,
                                     names="、".join(p.name or "?" for _, p in rows) or "—")]
    for i, (b, p) in enumerate(rows, 1):
        lines.append(T.LIST_ITEM_LINE.format(n=i, name=p.name or "?",
                                             matter=b.matter or T.NO_MATTER,
                                             outcome=await _outcome_words(session, b)))
    if rows:
        lines.append(T.RESULT_HINT.format(id=slot.id))
    return "\n".join(lines)[:4000]


async def _outcome_words(session: AsyncSession, booking: ReceptionBooking) -> str:
    if booking.outcome is None:
        return T.OUTCOME_PENDING
    if booking.outcome == CASE and booking.case_id is not None:
        number = await session.scalar(select(Case.number).where(Case.id == booking.case_id))
        return T.OUTCOME_CASE.format(number=number)
    if booking.outcome == TOPIC:
        return T.OUTCOME_TOPIC.format(topic=booking.topic_id)
    note = f"：{booking.outcome_note}" if booking.outcome_note else ""
    return T.OUTCOMES[booking.outcome] + note


@dataclass
class Recorded:
    answer: str
    case: svc.CaseWanted | None = None


async def record(session: AsyncSession, person: Person, args: str | None, ctx: AppContext,
                 now: datetime) -> Recorded:
    """/reception_result S 序号 解答|工单|议题|未到 [说明]: what became of one matter."""
    number, rest = split_number(args, "/reception_result 1 2 工单")
    words = rest.split(maxsplit=2)
    index = numbers.number(words[0], low=1, high=1000) if words else None
    outcome = OUTCOME_WORDS.get(words[1]) if len(words) > 1 else None
    if index is None or outcome is None:
        raise svc.CouncilError(T.RESULT_HOW.format(id=number), alert=False)
    note = words[2].strip() if len(words) > 2 else ""
    slot = await _slot(session, number)
    await svc.require_organizer(session, person, slot.community_id, ctx.settings.admin_ids)
    rows = await _bookings(session, slot.id)
    if index > len(rows):
        raise svc.CouncilError(T.RESULT_NO_ITEM.format(id=slot.id, n=index, count=len(rows)),
                               alert=False)
    booking, resident = rows[index - 1]
    if booking.outcome is not None:
        raise svc.CouncilError(T.RESULT_AGAIN.format(n=index, outcome=await _outcome_words(
            session, booking)), alert=False)
    if now < slot.starts_at:
        raise svc.CouncilError(T.RESULT_EARLY.format(id=slot.id), alert=False)
    text = "；".join(x for x in (booking.matter or "", note) if x)
    if outcome == ANSWERED and not note:
        raise svc.CouncilError(T.RESULT_NEED_NOTE, alert=False)
    if outcome in (CASE, TOPIC) and not text:
        raise svc.CouncilError(T.RESULT_NEED_TEXT.format(id=slot.id, n=index), alert=False)
    if outcome == CASE:
        return Recorded("", svc.CaseWanted(booking.id, resident, await svc.grid_for(
            session, resident, slot.community_id), text[:1000], -(10**9 + booking.id)))
    _done(booking, outcome, note, person, now)
    if outcome == TOPIC:
        topic = await svc.create_topic(session, community_id=slot.community_id,
                                       title=svc.short_title(text), text=text[:500],
                                       source="reception", proposer=resident, now=now)
        booking.topic_id = topic.id
        await svc.publish(session, topic.community_id, svc.post_text(topic), now=now,
                          key=f"topic:{topic.id}:post", keyboard=svc.support_keyboard(topic.id))
        await _tell(session, resident, T.TOLD_TOPIC.format(matter=_short(booking),
                                                           topic=topic.id), now=now)
        return Recorded(T.RESULT_TOPIC.format(n=index, topic=topic.id))
    if outcome == ANSWERED:
        await _tell(session, resident, T.TOLD_ANSWERED.format(matter=_short(booking),
                                                              note=note), now=now)
    return Recorded(T.RESULT_DONE.format(n=index, name=resident.name or "?",
                                         outcome=T.OUTCOMES[outcome]))


async def case_opened(session: AsyncSession, person: Person, wanted: svc.CaseWanted,
                      case_id: int, case_number: str, now: datetime) -> str:
    """The case the handler opened for a matter: on the record (the case loop itself
    tells the resident its number)."""
    booking = await session.get(ReceptionBooking, wanted.ref)
    assert booking is not None
    _done(booking, CASE, "", person, now)
    booking.case_id = case_id
    return T.RESULT_CASE.format(number=case_number)


def _done(booking: ReceptionBooking, outcome: str, note: str, person: Person,
          now: datetime) -> None:
    booking.outcome, booking.outcome_note = outcome, note[:500] or None
    booking.outcome_at, booking.outcome_by_id = now, person.id


def _short(booking: ReceptionBooking) -> str:
    return (booking.matter or "")[:30] or T.NO_MATTER


async def _tell(session: AsyncSession, person: Person, text: str, *, now: datetime) -> None:
    if points.reachable(person):
        assert person.tg_id is not None
        await outbox.enqueue(session, person.tg_id, now=now, text=text)


async def on_after(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    """The day is over: its organizer is asked for the outcomes still missing."""
    slot = await session.get(ReceptionSlot, int(timer.ref.rsplit(":", 1)[1]))
    if slot is None or slot.created_by_id is None:
        return
    rows = await _bookings(session, slot.id)
    open_ = sum(1 for b, _ in rows if b.outcome is None)
    organizer = await session.get(Person, slot.created_by_id)
    if open_ and points.reachable(organizer):
        assert organizer is not None and organizer.tg_id is not None
        await outbox.enqueue(session, organizer.tg_id, now=ctx.clock.now(),
                             text=T.AFTER_NOTE.format(id=slot.id, count=open_),
                             dedupe_key=f"reception:{slot.id}:after")


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
