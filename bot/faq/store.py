"""The 问答库 rows: add, change, delete, list; the per-community cache the intake reads
(no query for a community already looked at, even when it has no entries); the
org file's `faq:` section."""
from __future__ import annotations

import time
import weakref
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.db.models import Grid
from bot.db.models.faq import FaqEntry
from bot.faq import match
from bot.faq import texts as T

QUESTION_MAX = 200
ANSWER_MAX = 1000
CACHE_TTL = 30.0  # a change made by another process (linli org import) shows within this
_FORGET = "linli_forget_faq"  # session.info: community ids to forget when it commits

Entries = tuple[match.Known, ...]
_cache: weakref.WeakKeyDictionary[Any, dict[int, tuple[float, Entries]]] = (
    weakref.WeakKeyDictionary())
# per database: a grid never changes community
_grid_community: weakref.WeakKeyDictionary[Any, dict[int, int]] = weakref.WeakKeyDictionary()


def _store(session: AsyncSession) -> dict[int, tuple[float, Entries]]:
    return _cache.setdefault(session.sync_session.get_bind(), {})


async def entries(session: AsyncSession, community_id: int) -> Entries:
    """The community's entries as matched, cached."""
    store = _store(session)
    hit = store.get(community_id)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    rows = await session.execute(
        select(FaqEntry.id, FaqEntry.question, FaqEntry.answer, FaqEntry.keywords)
        .where(FaqEntry.community_id == community_id).order_by(FaqEntry.id))
    found = tuple(match.known(i, q, a, k or []) for i, q, a, k in rows)
    if community_id not in session.info.get(_FORGET, ()):  # not while changing them
        store[community_id] = (now + CACHE_TTL, found)
    return found


async def community_of_grid(session: AsyncSession, grid_id: int) -> int | None:
    known = _grid_community.setdefault(session.sync_session.get_bind(), {})
    if grid_id not in known:
        community_id = await session.scalar(select(Grid.community_id).where(Grid.id == grid_id))
        if community_id is None:
            return None
        known[grid_id] = community_id
    return known[grid_id]


def _forget(session: AsyncSession, community_id: int) -> None:
    _store(session).pop(community_id, None)
    session.info.setdefault(_FORGET, set()).add(community_id)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    forget = session.info.pop(_FORGET, None)
    if forget:
        store = _cache.get(session.get_bind(), {})
        for community_id in forget:
            store.pop(community_id, None)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FORGET, None)


def clean(question: str, answer: str) -> tuple[str, str]:
    """Trimmed texts, or a FaqRefused saying what is wrong."""
    from bot.faq.errors import FaqRefused

    question, answer = " ".join(question.split()), answer.strip()
    if not 2 <= len(question) <= QUESTION_MAX:
        raise FaqRefused(T.QUESTION_BAD.format(limit=QUESTION_MAX))
    if not 1 <= len(answer) <= ANSWER_MAX:
        raise FaqRefused(T.ANSWER_BAD.format(limit=ANSWER_MAX))
    return question, answer


async def put(session: AsyncSession, community_id: int, question: str, answer: str, *,
              keywords: list[str] | None = None, by: int | None = None, source: str = "chat",
              now: datetime) -> tuple[FaqEntry, bool]:
    """Add an entry, or change the answer of the same question. True: it is new."""
    entry = await session.scalar(select(FaqEntry).where(
        FaqEntry.community_id == community_id, FaqEntry.question == question))
    created = entry is None
    if entry is None:
        entry = FaqEntry(community_id=community_id, question=question, added_at=now)
        session.add(entry)
    entry.answer, entry.source, entry.added_by_id = answer, source, by
    if keywords is not None or created:
        entry.keywords = [str(k) for k in keywords or []]
    await session.flush()
    _forget(session, community_id)
    return entry, created


async def remove(session: AsyncSession, community_id: int, entry_id: int) -> FaqEntry | None:
    entry = await session.get(FaqEntry, entry_id)
    if entry is None or entry.community_id != community_id:
        return None
    await session.delete(entry)
    await session.flush()
    _forget(session, community_id)
    return entry


async def listing(session: AsyncSession, community_id: int) -> list[FaqEntry]:
    return list(await session.scalars(
        select(FaqEntry).where(FaqEntry.community_id == community_id).order_by(FaqEntry.id)))


async def count(session: AsyncSession, community_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(FaqEntry)
                                    .where(FaqEntry.community_id == community_id)) or 0)


async def hit(session: AsyncSession, entry_id: int) -> None:
    entry = await session.get(FaqEntry, entry_id)
    if entry is not None:
        entry.hits += 1


# --- the org file's `faq:` section (a community's list of entries) ----------------------

def check_section(node: Any, ck: Any) -> None:
    if not isinstance(node, list):
        ck.err(node, "faq: expected a list of {question, answer, keywords}")
        return
    seen: set[str] = set()
    for item in node:
        if not ck.mapping(item, "faq entry", ("question", "answer"),
                          {"question", "answer", "keywords"}):
            continue
        question, answer = item.get("question"), item.get("answer")
        if not isinstance(question, str) or not 2 <= len(question.strip()) <= QUESTION_MAX:
            ck.err(item, f"faq entry: question must be text of 2 to {QUESTION_MAX} characters")
        elif question.strip() in seen:
            ck.err(item, f"faq entry: question '{question.strip()}' appears twice")
        else:
            seen.add(question.strip())
        if answer is not None and (not isinstance(answer, (str, int, float))
                                   or not 1 <= len(str(answer)) <= ANSWER_MAX):
            ck.err(item, f"faq entry: answer must be text of 1 to {ANSWER_MAX} characters")
        keywords = item.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, (str, int))
                                                     for k in keywords):
            ck.err(item, "faq entry: keywords must be a list of words, e.g. [物业, 上班]")


async def apply_section(session: AsyncSession, node: Any, ctx: dict[str, Any]) -> int:
    from bot.clock import Clock

    community = ctx["community"]
    now = Clock().now()
    for item in node:
        question, answer = clean(str(item["question"]), str(item["answer"]))
        await put(session, community.id, question, answer, source="file", now=now,
                  keywords=[str(k) for k in item.get("keywords") or []])
    return len(node)
