"""A small hand-made community whose October 2026 figures are worked out by hand
in the tests (shared by the reports and ledger tests; no tests in this module).

Times are UTC; the community's timezone is Asia/Shanghai (UTC+8), so October is
[2026-09-30 16:00Z, 2026-10-31 16:00Z). The default FakeClock "now" is 2026-11-02 01:00Z.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Case,
    Community,
    Department,
    Grid,
    GroupChat,
    Person,
    Role,
    Whistle,
)

H = timedelta(hours=1)
ACCEPT_SLA, RESOLVE_SLA = 2 * H, 72 * H


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@dataclass
class World:
    community: Community
    grid_a: Grid
    grid_b: Grid
    w1: Person
    w2: Person
    organizer: Person
    reporter: Person
    chat_a: int
    chat_b: int
    cases: dict[str, Case]


_seq = 0


def make_case(community: Community, grid: Grid, chat: int, opened: datetime, **kw: Any) -> Case:
    global _seq
    _seq += 1
    sla = kw.pop("kind", "complaint") == "complaint"
    values: dict[str, Any] = dict(
        community_id=community.id, grid_id=grid.id, year=2026, seq=_seq,
        number=f"{community.code}-2026-{_seq:04d}", kind="complaint" if sla else "suggestion",
        text="楼道灯坏了", category="facilities",
        source_chat_id=chat, source_message_id=_seq, opened_at=opened,
        accept_due=opened + ACCEPT_SLA if sla else None,
        resolve_due=opened + RESOLVE_SLA if sla else None,
    )
    values.update(kw)
    values.setdefault("category_auto", values["category"])
    return Case(**values)


async def build(session: AsyncSession, code: str = "东湖") -> World:
    community = Community(name=f"{code}社区", code=code)
    session.add(community)
    await session.flush()
    grid_a = Grid(community_id=community.id, name="第一网格")
    grid_b = Grid(community_id=community.id, name="第二网格")
    base = 5_000_000 + zlib.crc32(code.encode()) % 10_000 * 100
    w1 = Person(tg_id=base + 11, name="李网格")
    w2 = Person(tg_id=base + 12, name="赵网格")
    organizer = Person(tg_id=base + 10, name="王书记", started_bot=True)
    reporter = Person(tg_id=base + 20, name="张建国")
    session.add_all([grid_a, grid_b, w1, w2, organizer, reporter])
    await session.flush()
    chat_a, chat_b = -100_000 - base, -200_000 - base
    session.add_all([
        Role(person_id=organizer.id, role="organizer", community_id=community.id),
        Role(person_id=w1.id, role="grid_worker", community_id=community.id, grid_id=grid_a.id),
        Role(person_id=w2.id, role="grid_worker", community_id=community.id, grid_id=grid_b.id),
        GroupChat(chat_id=chat_a, title="东湖一区居民群", grid_id=grid_a.id),
        GroupChat(chat_id=chat_b, title="东湖二区居民群", grid_id=grid_b.id),
    ])
    A = dict(community=community, grid=grid_a, chat=chat_a)
    B = dict(community=community, grid=grid_b, chat=chat_b)
    t1, t2, t3 = utc(2026, 10, 10, 2), utc(2026, 10, 11, 2), utc(2026, 10, 12, 2)
    t7 = utc(2026, 9, 30, 15)  # 23:00 local on 30 September: opened before October
    cases = {
        # on time, resolved in a day, rated 满意; 2 households said "me too"
        "c1": make_case(**A, opened=t1, category="sanitation", building="3", place="3号楼",
                        reporter_id=reporter.id, owner_id=w1.id, status="closed",
                        accepted_at=t1 + H, resolved_at=t1 + 24 * H, closed_at=t1 + 48 * H,
                        rated_at=t1 + 48 * H, rating="satisfied", close_reason="rated",
                        plus_count=2, resolution_note="已清运"),
        # accepted late (3h > 2h) and resolved late (80h > 72h), rated 基本满意
        "c2": make_case(**A, opened=t2, category="parking", building="3", owner_id=w1.id,
                        reporter_id=reporter.id, anonymous=True, status="closed",
                        accepted_at=t2 + 3 * H, resolved_at=t2 + 80 * H,
                        closed_at=t2 + 100 * H, rated_at=t2 + 100 * H, rating="basic",
                        close_reason="rated"),
        # reopened once, resolved again at 40h, closed without a rating
        "c3": make_case(**B, opened=t3, category="sanitation", category_auto="other",
                        building="5", owner_id=w2.id, status="closed", reopened_count=1,
                        accepted_at=t3 + H / 2, resolved_at=t3 + 40 * H,
                        closed_at=t3 + 112 * H, close_reason="unrated"),
        # never accepted: misses both deadlines
        "c4": make_case(**B, opened=utc(2026, 10, 20, 2), category="noise", building="5",
                        owner_id=w2.id, status="open"),
        # a suggestion: no SLA
        "c5": make_case(**A, opened=utc(2026, 10, 15, 2), kind="suggestion", category="other",
                        owner_id=w1.id, status="accepted", accepted_at=utc(2026, 10, 15, 3)),
        # merged as a duplicate: only in the duplicate count
        "c6": make_case(**A, opened=utc(2026, 10, 16, 2), category="sanitation", building="3",
                        status="closed", closed_at=utc(2026, 10, 16, 2, 10),
                        close_reason="duplicate"),
        # opened in September, accepted/resolved/closed in October; rated 不满意
        "c7": make_case(**A, opened=t7, category="water", owner_id=w1.id, status="closed",
                        accepted_at=t7 + 1.5 * H, resolved_at=t7 + 36 * H,
                        closed_at=t7 + 60 * H, rated_at=t7 + 60 * H, rating="unsatisfied",
                        close_reason="rated"),
        # opened 23:00 local on 31 October; its deadlines and acceptance fall in November
        "c8": make_case(**B, opened=utc(2026, 10, 31, 15), category="sanitation",
                        owner_id=w2.id, status="accepted", accepted_at=utc(2026, 10, 31, 17)),
    }
    session.add_all(cases.values())
    await session.flush()
    dept = Department(community_id=community.id, name="物业")
    session.add(dept)
    await session.flush()
    session.add(Whistle(case_id=cases["c2"].id, department_id=dept.id, by_id=w1.id,
                        at=t2 + 4 * H, ack_due=t2 + 8 * H))
    await session.flush()
    return World(community, grid_a, grid_b, w1, w2, organizer, reporter, chat_a, chat_b, cases)
