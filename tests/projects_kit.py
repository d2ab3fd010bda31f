"""Shared fixtures of the project tests: two communities, groups, people, helpers.
Imported by the other tests/test_projects_*.py modules (no tests here)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Community, Grid, GroupChat, OutboxMessage, Person, Timer
from bot.db.models.projects import Project
from bot.db.session import transaction
from bot.org import service as org
from bot.projects import service as projects
from bot.projects.parse import MilestoneSpec
from scheduler import timers

G1, G2, G_OTHER = -1001, -1002, -1003
R = TypeVar("R")


@dataclass
class PWorld:
    community_id: int
    other_community_id: int
    group_ids: list[int]  # GroupChat.id of G1, G2
    organizer: Person
    supervisor: Person
    resident: Person  # started the bot
    neighbour: Person  # never started the bot
    outsider: Person  # organizer of the other community


async def make_world(ctx: AppContext) -> PWorld:
    async with transaction(ctx.pool) as s:
        east = Community(name="东湖社区", code="东湖")
        west = Community(name="西湖社区", code="西湖")
        s.add_all([east, west])
        await s.flush()
        g1, g2 = Grid(community_id=east.id, name="一网格"), Grid(community_id=east.id, name="二网格")
        gw = Grid(community_id=west.id, name="西一网格")
        s.add_all([g1, g2, gw])
        await s.flush()
        chats = [GroupChat(chat_id=G1, title="东湖一网格群", grid_id=g1.id),
                 GroupChat(chat_id=G2, title="东湖二网格群", grid_id=g2.id),
                 GroupChat(chat_id=G_OTHER, title="西湖群", grid_id=gw.id)]
        s.add_all(chats)
        await s.flush()

        async def person(tg: int, name: str, username: str, started: bool = True) -> Person:
            p = await org.upsert_person(s, tg_id=tg, name=name, username=username)
            p.started_bot = started
            return p

        organizer = await person(201, "张书记", "zhang")
        await org.grant(s, organizer, "organizer", east.id)
        outsider = await person(301, "西湖书记", "xihu")
        await org.grant(s, outsider, "organizer", west.id)
        supervisor = await person(401, "李师傅", "lishifu")
        resident = await person(1001, "陈阿姨", "chen")
        neighbour = await person(1002, "刘大爷", "liu", started=False)
        return PWorld(east.id, west.id, [chats[0].id, chats[1].id], organizer, supervisor,
                      resident, neighbour, outsider)


async def in_tx(ctx: AppContext, func: Callable[[AsyncSession], Awaitable[R]]) -> R:
    async with transaction(ctx.pool) as s:
        return await func(s)


async def new_project(ctx: AppContext, pw: PWorld, *, milestones: list[MilestoneSpec] | None = None,
                      title: str = "3号楼加装电梯", supervisors: bool = True) -> int:
    async def run(s: AsyncSession) -> int:
        organizer = await s.get(Person, pw.organizer.id)
        sups = [await s.get(Person, pw.supervisor.id)] if supervisors else []
        project = await projects.create_project(
            s, community_id=pw.community_id, title=title, description="老人上下楼困难",
            budget=500000, created_by=organizer, now=ctx.clock.now(), tz=ctx.tz,
            supervisors=sups, milestones=milestones)  # type: ignore[arg-type]
        return project.id

    return await in_tx(ctx, run)


async def as_person(ctx: AppContext, who: Person, number: int,
                    func: Callable[..., Awaitable[R]], *args: Any, **kw: Any) -> R:
    """Run a service action on project `number` as `who`, in its own transaction."""
    async def run(s: AsyncSession) -> R:
        project = await projects.find(s, number)
        person = await s.get(Person, who.id)
        return await func(s, project, person, *args, **kw)

    return await in_tx(ctx, run)


async def load(ctx: AppContext, number: int) -> Project:
    async with ctx.pool() as s:
        return await projects.find(s, number)


async def outbox(ctx: AppContext, chat_id: int | None = None) -> list[OutboxMessage]:
    async with ctx.pool() as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if chat_id is not None:
            stmt = stmt.where(OutboxMessage.chat_id == chat_id)
        return list(await s.scalars(stmt))


def text_of(row: OutboxMessage) -> str:
    media = row.payload.get("media")
    caption = media["arg"].get("caption") if isinstance(media, dict) else None
    return row.payload.get("text") or row.payload.get("caption") or caption or ""


def texts(rows: list[OutboxMessage]) -> list[str]:
    return [text_of(r) for r in rows]


async def pending_timers(ctx: AppContext, kind: str) -> list[Timer]:
    async with ctx.pool() as s:
        return list(await s.scalars(select(Timer).where(Timer.kind == kind,
                                                        Timer.status == "pending")))


async def fire(ctx: AppContext, **delta: float) -> int:
    if delta:
        ctx.clock.advance(**delta)  # type: ignore[attr-defined]
    return await timers.fire_due(ctx)


def future(days: int) -> date:
    """A day relative to the FakeClock's start (Monday 2026-11-02, 09:00 in Shanghai)."""
    return date(2026, 11, 2) + timedelta(days=days)


class FakePolls:
    """Stands in for bot.polls.create_evaluation_poll (via project_polls.start_poll)."""

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []

    async def __call__(self, session: AsyncSession, **kw: Any) -> Any:
        poll = SimpleNamespace(id=700 + len(self.created), **kw)
        self.created.append(kw)
        return poll
