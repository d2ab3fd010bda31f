"""Routing (派单): a category routed to a department by rule, else the grid's workers
by duty order (the first on the roster) or round-robin (organizers choose per grid)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Department, Grid, Person
from bot.org import service as org


@dataclass(frozen=True)
class Route:
    assignee: Person | None
    department: Department | None


async def department_for(session: AsyncSession, community_id: int, category: str) -> Department | None:
    for dept in await session.scalars(
        select(Department).where(Department.community_id == community_id).order_by(Department.id)
    ):
        if category in (dept.categories or []):
            return dept
    return None


async def pick_worker(session: AsyncSession, grid: Grid, exclude: int | None = None) -> Person | None:
    """Duty: the first worker of the duty order. Round-robin: the next in turn.
    Called under the community lock taken for numbering, so the cursor is safe."""
    workers = [w for w in await org.grid_workers(session, grid.id) if w.id != exclude]
    if not workers:
        return None
    if grid.routing == "duty":
        return workers[0]
    worker = workers[grid.rr_cursor % len(workers)]
    grid.rr_cursor = (grid.rr_cursor + 1) % len(workers)
    return worker


async def route(session: AsyncSession, grid: Grid | None, community_id: int, category: str) -> Route:
    dept = await department_for(session, community_id, category)
    worker = await pick_worker(session, grid) if grid is not None else None
    return Route(worker, dept)
