"""/faq, /faq_add, /faq_del: the organizers keep their community's 问答库 from Telegram.
In a bound group /faq lists the questions and answers for everyone."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers
from bot.context import AppContext
from bot.db.models import Community, Person
from bot.db.models.faq import FaqEntry
from bot.faq import inquiries, store
from bot.faq import texts as T
from bot.faq.errors import FaqRefused
from bot.org import service as org

PART = 3500  # characters per message of a long list (Telegram allows 4096)
_SPLIT = re.compile(r"\s*[|｜]\s*")


async def _group_community(session: AsyncSession, chat_id: int) -> Community:
    grid_id = await org.bound_grid_id(session, chat_id)
    community_id = await store.community_of_grid(session, grid_id) if grid_id else None
    community = await session.get(Community, community_id) if community_id else None
    if community is None:
        raise FaqRefused(T.NO_COMMUNITY)
    return community


async def managed(session: AsyncSession, ctx: AppContext, person: Person,
                  chat_id: int | None) -> Community:
    """The community whose 问答库 this organizer changes: the group's, else their first."""
    if chat_id is not None:
        community = await _group_community(session, chat_id)
        if await org.can_organize(session, person, community.id, ctx.settings.admin_ids):
            return community
        raise FaqRefused(T.ORGANIZERS_ONLY)
    communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
    if not communities:
        raise FaqRefused(T.ORGANIZERS_ONLY)
    return communities[0]


async def listing(session: AsyncSession, ctx: AppContext, person: Person,
                  chat_id: int | None) -> list[str]:
    """/faq: in a group everyone sees the questions and answers; in private an organizer
    also sees where each came from, who added it, when, and how often it answered (a
    resident sees their own community's list)."""
    staff = chat_id is None and bool(
        await org.organizer_communities(session, person, ctx.settings.admin_ids))
    if staff:
        community = await managed(session, ctx, person, None)
    elif chat_id is not None:
        community = await _group_community(session, chat_id)
    else:
        home = await inquiries.home(session, person)
        community = await session.get(Community, home) if home else None
        if community is None:
            raise FaqRefused(T.NO_HOME)
    rows = await store.listing(session, community.id)
    if not rows:
        return [T.LIST_EMPTY.format(community=community.name)]
    names = {p.id: p for p in await _people(session, rows)} if staff else {}
    lines = [_line(e, names, ctx.tz) if staff else _line(e) for e in rows]
    head = T.LIST_HEAD.format(community=community.name, n=len(rows))
    return _parts([head, *lines, T.LIST_FOOT if staff else ""])


async def _people(session: AsyncSession, rows: list[FaqEntry]) -> list[Person]:
    ids = {e.added_by_id for e in rows if e.added_by_id}
    return [p for i in sorted(ids) if (p := await session.get(Person, i)) is not None]


def _line(entry: FaqEntry, names: dict[int, Person] | None = None,
          tz: ZoneInfo | None = None) -> str:
    words = T.LIST_KEYWORDS.format(words="、".join(entry.keywords)) if entry.keywords else ""
    line = T.LIST_LINE.format(id=entry.id, question=entry.question, keywords=words,
                              answer=entry.answer)
    if names is None or tz is None:
        return line
    who = names.get(entry.added_by_id or 0)
    return line + "\n" + T.LIST_STAFF.format(
        source=T.SOURCES.get(entry.source, entry.source), hits=entry.hits,
        who=(who.name or who.username or "") if who else "—", when=entry.added_at.astimezone(tz))


def _parts(blocks: list[str]) -> list[str]:
    parts, current = [], ""
    for block in (b for b in blocks if b):
        if current and len(current) + len(block) + 2 > PART:
            parts.append(current)
            current = ""
        current = f"{current}\n\n{block}" if current else block[:PART]
    return [*parts, current] if current else parts


async def add(session: AsyncSession, ctx: AppContext, person: Person, chat_id: int | None,
              args: str, now: datetime) -> str | None:
    """/faq_add 问题 | 答案 [| 关键词 …]. None: no arguments, ask step by step
    (the caller remembers the community via `managed` first)."""
    community = await managed(session, ctx, person, chat_id)
    if not args.strip():
        return None
    parts = _SPLIT.split(args.strip(), maxsplit=2)
    if len(parts) < 2:
        raise FaqRefused(T.ADD_HOW)
    keywords = parts[2].replace("，", " ").replace(",", " ").split() if len(parts) > 2 else None
    return await save(session, person, community.id, parts[0], parts[1], now, keywords)


async def save(session: AsyncSession, person: Person, community_id: int, question: str,
               answer: str, now: datetime, keywords: list[str] | None = None) -> str:
    question, answer = store.clean(question, answer)
    community = await session.get(Community, community_id)
    assert community is not None
    entry, created = await store.put(session, community_id, question, answer,
                                     keywords=keywords, by=person.id, now=now)
    template = T.ADDED if created else T.UPDATED
    return template.format(community=community.name, id=entry.id, question=question,
                           answer=answer)


async def delete(session: AsyncSession, ctx: AppContext, person: Person, chat_id: int | None,
                 args: str) -> str:
    """/faq_del N."""
    community = await managed(session, ctx, person, chat_id)
    number = numbers.number(args)
    if number is None:
        raise FaqRefused(T.DEL_HOW)
    entry = await store.remove(session, community.id, number)
    if entry is None:
        raise FaqRefused(T.NOT_FOUND.format(id=number))
    return T.DELETED.format(id=entry.id, question=entry.question)


def check_question(text: str) -> str:
    """The first step of the /faq_add dialog: a question that can be saved."""
    question = " ".join(text.split())
    if not 2 <= len(question) <= store.QUESTION_MAX:
        raise FaqRefused(T.QUESTION_BAD.format(limit=store.QUESTION_MAX))
    return question
