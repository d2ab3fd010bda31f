"""Shared fixtures of the case tests: a small community, people and helpers.
Imported by the other tests/test_cases_*.py modules (no tests here)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot import cases
from bot.context import AppContext
from bot.db.models import (
    Case,
    CaseEvent,
    Community,
    Department,
    Grid,
    GroupChat,
    OutboxMessage,
    Person,
)
from bot.db.session import transaction
from bot.org import service as org
from scheduler import timers

GROUP_CHAT = -100500


@functools.cache
def classifier() -> Any:
    from nlp import Classifier

    return Classifier.from_file()


@dataclass
class World:
    community_id: int
    grid_id: int
    group_id: int
    dept_id: int
    w1: Person
    w2: Person
    organizer: Person
    resident: Person  # has started the bot
    neighbour: Person  # has not
    lift_guy: Person  # member of the department
    street: Person


async def make_world(ctx: AppContext, *, routing: str = "round_robin",
                     settings: dict[str, Any] | None = None) -> World:
    ctx.classifier = classifier()
    async with transaction(ctx.pool) as s:
        community = Community(name="东湖社区", code="东湖", street="东湖街道", settings=settings or {})
        s.add(community)
        await s.flush()
        grid = Grid(community_id=community.id, name="第一网格", routing=routing)
        s.add(grid)
        await s.flush()
        group = GroupChat(chat_id=GROUP_CHAT, title="东湖一网格居民群", grid_id=grid.id)
        dept = Department(community_id=community.id, name="物业公司", ack_hours=4)
        s.add_all([group, dept])
        await s.flush()

        async def person(tg: int, name: str, started: bool = True) -> Person:
            p = await org.upsert_person(s, tg_id=tg, name=name)
            p.started_bot = started
            return p

        w1, w2 = await person(101, "王网格"), await person(102, "李网格")
        await org.grant(s, w1, "grid_worker", community.id, grid_id=grid.id, duty_order=1)
        await org.grant(s, w2, "grid_worker", community.id, grid_id=grid.id, duty_order=2)
        organizer = await person(201, "张书记")
        await org.grant(s, organizer, "organizer", community.id)
        lift_guy = await person(301, "物业小刘")
        await org.grant(s, lift_guy, "department", community.id, department_id=dept.id)
        street = await person(401, "街道老赵")
        await org.grant(s, street, "street", community.id)
        resident = await person(1001, "陈阿姨")
        neighbour = await person(1002, "刘大爷", started=False)
        return World(community.id, grid.id, group.id, dept.id, w1, w2, organizer, resident,
                     neighbour, lift_guy, street)


async def say(ctx: AppContext, who: Person, text: str, message_id: int, *,
              photos: list[tuple[str, str]] | None = None, media_group_id: str | None = None,
              force: bool = False, chat_id: int = GROUP_CHAT) -> cases.Intake:
    async with transaction(ctx.pool) as s:
        group = await org.group_by_chat(s, chat_id)
        person = await s.get(Person, who.id)
        assert person is not None
        src = cases.Source(chat_id=chat_id, message_id=message_id, text=text,
                           photos=photos or [], media_group_id=media_group_id, group=group)
        return await cases.intake_group(s, ctx, src, person, ctx.clock.now(), force=force)


async def act(ctx: AppContext, func: Any, *args: Any, who: Person, **kw: Any) -> Any:
    """Run a workflow action as `who` in its own transaction."""
    async with transaction(ctx.pool) as s:
        person = await s.get(Person, who.id)
        return await func(s, ctx, *args, person=person, now=ctx.clock.now(), **kw)


async def get_case(ctx: AppContext, case_id: int) -> Case:
    async with ctx.pool() as s:
        case = await cases.load(s, case_id)
        assert case is not None
        return case


async def outbox(ctx: AppContext, chat_id: int | None = None) -> list[OutboxMessage]:
    async with ctx.pool() as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if chat_id is not None:
            stmt = stmt.where(OutboxMessage.chat_id == chat_id)
        return list(await s.scalars(stmt))


def texts(rows: list[OutboxMessage]) -> list[str]:
    return [r.payload.get("text") or r.payload.get("caption") or "" for r in rows]


async def events(ctx: AppContext, case_id: int) -> list[str]:
    async with ctx.pool() as s:
        return list(await s.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


async def fire(ctx: AppContext, **delta: float) -> int:
    if delta:
        ctx.clock.advance(**delta)  # type: ignore[attr-defined]
    return await timers.fire_due(ctx)
