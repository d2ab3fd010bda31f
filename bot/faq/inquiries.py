"""A resident's inquiry (咨询) in a bound group: answered from the community's 问答库
when an entry matches, else sent to the grid's workers with a 回复 button; their reply
goes back to the group thread and can join the 问答库 with one press."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Building, Person, Role
from bot.db.models.faq import Inquiry
from bot.delivery import outbox
from bot.faq import match, store
from bot.faq import texts as T
from bot.faq.buttons import FaqKeep, FaqReply
from bot.faq.errors import FaqRefused
from bot.org import service as org
from bot.ui import Button, Keyboard, markup

REPLY_MAX = 1000
EXCERPT = 300


@dataclass(frozen=True)
class Said:
    """What to tell the person who acted, with buttons."""
    text: str
    keyboard: Keyboard | None = None


def _name(person: Person | None) -> str:
    if person is None:
        return "居民"
    return person.name or (f"@{person.username}" if person.username else "居民")


async def _to_group(session: AsyncSession, chat_id: int, message_id: int, text: str,
                    now: datetime, key: str) -> None:
    """A reply in the asker's thread, sent now: the resident is waiting for it."""
    await outbox.enqueue(session, chat_id, now=now, dedupe_key=key, text=text, parse_mode=None,
                         ref=f"faq:{chat_id}:{message_id}",
                         reply_parameters={"message_id": message_id,
                                           "allow_sending_without_reply": True})


async def answer(session: AsyncSession, community_id: int, text: str) -> match.Known | None:
    """The 问答库 entry that answers `text` (cached: no query for a community seen lately)."""
    return match.best(text, await store.entries(session, community_id))


async def hear(session: AsyncSession, ctx: AppContext, chat_id: int, message_id: int,
               text: str, asker: Person, now: datetime) -> str:
    """An inquiry in a group: 'answered' from the 问答库, 'routed' to the grid's workers,
    'pointer' (nobody to ask: a general hint) or 'ignored' (the group is not bound)."""
    grid_id = await org.bound_grid_id(session, chat_id)  # cached
    community_id = await store.community_of_grid(session, grid_id) if grid_id else None
    if grid_id is None or community_id is None:
        return "ignored"
    found = await answer(session, community_id, text)
    if found is not None:
        await store.hit(session, found.id)
        await _to_group(session, chat_id, message_id,
                        T.ANSWER.format(answer=found.answer, question=found.question), now,
                        f"faq-ans:{chat_id}:{message_id}")
        return "answered"
    if await session.scalar(select(Inquiry.id).where(Inquiry.chat_id == chat_id,
                                                     Inquiry.message_id == message_id)):
        return "routed"  # a redelivered update
    people = [p for p in (await org.grid_workers(session, grid_id)
                          or await org.organizers(session, community_id))
              if p.tg_id and not p.blocked_bot]
    if not people:
        await _to_group(session, chat_id, message_id, T.POINTER, now,
                        f"faq-hint:{chat_id}:{message_id}")
        return "pointer"
    inquiry = Inquiry(community_id=community_id, grid_id=grid_id, chat_id=chat_id,
                      message_id=message_id, asker_id=asker.id, text=text, asked_at=now)
    session.add(inquiry)
    await session.flush()
    group = await org.group_by_chat(session, chat_id)
    note = T.TO_WORKER.format(title=group.title if group else "", asker=_name(asker),
                              text=text[:EXCERPT])
    kb = markup([[Button(T.BTN_REPLY, FaqReply(i=inquiry.id))]])
    for person in people:
        await outbox.enqueue(session, person.tg_id or 0, now=now, text=note, parse_mode=None,
                             reply_markup=kb, dedupe_key=f"faq-inq:{inquiry.id}:{person.id}")
    await _to_group(session, chat_id, message_id, T.ROUTED, now,
                    f"faq-routed:{chat_id}:{message_id}")
    return "routed"


async def in_private(session: AsyncSession, ctx: AppContext, person: Person,
                     text: str) -> str | None:
    """A question typed to the bot in private: the answer of the asker's community's
    问答库, if the classifier reads it as an inquiry and an entry matches (else None:
    the case intake takes the message as before)."""
    if not text.strip() or ctx.classifier is None:
        return None
    if ctx.classifier.classify(text).intent != "inquiry":
        return None
    community_id = await home(session, person)
    found = await answer(session, community_id, text) if community_id else None
    return T.ANSWER.format(answer=found.answer, question=found.question) if found else None


async def home(session: AsyncSession, person: Person) -> int | None:
    """The asker's community: their building's, else the one of a group where they
    asked before, else the only community there is."""
    if person.building_id is not None:
        grid_id = await session.scalar(select(Building.grid_id)
                                       .where(Building.id == person.building_id))
        if grid_id is not None:
            return await store.community_of_grid(session, grid_id)
    asked = await session.scalar(select(Inquiry.community_id).where(
        Inquiry.asker_id == person.id).order_by(Inquiry.id.desc()).limit(1))
    if asked is not None:
        return asked
    communities = await org.all_community_ids(session)
    return communities[0] if len(communities) == 1 else None


async def _inquiry(session: AsyncSession, ctx: AppContext, inquiry_id: int,
                   person: Person) -> Inquiry:
    """The inquiry, if this person may answer it (a worker of its grid, an organizer)."""
    inquiry = await session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise FaqRefused(T.REPLY_EXPIRED, alert=True)
    worker = await session.scalar(select(Role.id).where(
        Role.person_id == person.id, Role.role == "grid_worker", Role.grid_id == inquiry.grid_id))
    if worker is None and not await org.can_organize(session, person, inquiry.community_id,
                                                     ctx.settings.admin_ids):
        raise FaqRefused(T.NOT_YOURS, alert=True)
    return inquiry


async def _answered(session: AsyncSession, inquiry: Inquiry) -> None:
    if inquiry.answered_at is not None:
        who = await session.get(Person, inquiry.answered_by_id) if inquiry.answered_by_id else None
        raise FaqRefused(T.ALREADY_REPLIED.format(worker=_name(who)), alert=True)


async def ask_reply(session: AsyncSession, ctx: AppContext, inquiry_id: int,
                    person: Person) -> str:
    """回复 pressed: the prompt; the reply is the next private message (reply)."""
    inquiry = await _inquiry(session, ctx, inquiry_id, person)
    await _answered(session, inquiry)
    return T.ASK_REPLY.format(limit=REPLY_MAX, text=inquiry.text[:EXCERPT])


async def reply(session: AsyncSession, ctx: AppContext, inquiry_id: int, person: Person,
                text: str, now: datetime) -> Said:
    """The worker's reply: posted in the asker's thread; 加入问答库 offered."""
    text = text.strip()
    if not text:
        raise FaqRefused(T.REPLY_EMPTY)
    if len(text) > REPLY_MAX:
        raise FaqRefused(T.REPLY_TOO_LONG.format(n=len(text), limit=REPLY_MAX))
    inquiry = await _inquiry(session, ctx, inquiry_id, person)
    await _answered(session, inquiry)
    inquiry.answer, inquiry.answered_by_id, inquiry.answered_at = text, person.id, now
    await _to_group(session, inquiry.chat_id, inquiry.message_id,
                    T.REPLIED.format(worker=_name(person), answer=text), now,
                    f"faq-reply:{inquiry.id}")
    return Said(T.REPLY_SENT, [[Button(T.BTN_KEEP, FaqKeep(i=inquiry.id))]])


async def keep(session: AsyncSession, ctx: AppContext, inquiry_id: int, person: Person,
               now: datetime) -> str:
    """加入问答库: the inquiry's words as the question, the reply as the answer."""
    inquiry = await _inquiry(session, ctx, inquiry_id, person)
    if inquiry.answer is None:
        raise FaqRefused(T.REPLY_EXPIRED, alert=True)
    if inquiry.faq_id is not None:
        return T.ALREADY_KEPT.format(id=inquiry.faq_id)
    question = " ".join(inquiry.text.split()).rstrip("？?。!！~～ ")[:store.QUESTION_MAX]
    entry, _ = await store.put(session, inquiry.community_id, question, inquiry.answer,
                               by=person.id, source="inquiry", now=now)
    inquiry.faq_id = entry.id
    return T.KEPT.format(id=entry.id)
