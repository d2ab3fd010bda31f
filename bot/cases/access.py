"""Who may see and do what on a case. Every button press goes through here."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case, Community, Department, Person, Role
from bot.db.models.cases import LEVELS
from bot.org import levels
from bot.org import service as org


@dataclass(frozen=True)
class Rights:
    """What one person is to one case."""

    reporter: bool
    owner: bool
    worker: bool  # grid worker of the case's grid, or the assignee
    department: bool  # member of the routed or a whistled department
    organizer: bool  # organizer of the community, admin, or its street / district office
    street: bool

    @property
    def staff(self) -> bool:
        return self.owner or self.worker or self.department or self.organizer

    @property
    def can_accept(self) -> bool:
        return self.worker or self.department or self.organizer

    @property
    def can_handle(self) -> bool:
        """progress / resolve / transfer / whistle / escalate."""
        return self.owner or self.organizer


async def rights(session: AsyncSession, person: Person, case: Case, admin_ids: list[int]) -> Rights:
    roles = await org.roles_of(session, person.id)
    admin = person.tg_id in admin_ids or any(r.role == "admin" for r in roles)
    organizer = admin or any(
        r.role == "organizer" and r.community_id == case.community_id for r in roles
    )
    plain_street = any(
        r.role == "street" and r.level_id is None and r.community_id in (None, case.community_id)
        for r in roles
    )
    # a street / district officer sees and acts on every case of their communities
    overseer = any(r.level_id for r in roles) and case.community_id in {
        c.id for c in await levels.overseen_communities(session, person.id)}
    worker = case.assignee_id == person.id or any(
        r.role == "grid_worker" and case.grid_id is not None and r.grid_id == case.grid_id
        for r in roles
    )
    dept_ids = {r.department_id for r in roles if r.role == "department" and r.department_id}
    department = bool(dept_ids) and (
        case.department_id in dept_ids or bool(await _whistled(session, case.id, dept_ids))
    )
    return Rights(
        reporter=case.reporter_id == person.id,
        owner=case.owner_id == person.id,
        worker=worker,
        department=department,
        organizer=organizer or overseer or (plain_street and case.level in LEVELS[2:]),
        street=plain_street or overseer,
    )


async def _whistled(session: AsyncSession, case_id: int, dept_ids: set[int]) -> int | None:
    from bot.db.models import Whistle

    return await session.scalar(
        select(Whistle.id).where(Whistle.case_id == case_id, Whistle.department_id.in_(dept_ids))
    )


async def department_members(session: AsyncSession, department_id: int) -> list[Person]:
    return await org.people_with_role(session, "department", Role.department_id == department_id)


async def street_people(session: AsyncSession, community_id: int) -> list[Person]:
    """The street office of a community: the officers of its street (org file
    `streets:`), else people granted the plain "street" role for it."""
    community = await session.get(Community, community_id)
    level = await levels.street_of(session, community) if community else None
    people = await levels.officers(session, level) if level else []
    return people or await org.people_with_role(
        session, "street", Role.level_id.is_(None),
        or_(Role.community_id == community_id, Role.community_id.is_(None))
    )


async def level_people(session: AsyncSession, case: Case) -> list[Person]:
    """Who answers for the case at its current level; a level with nobody in it
    falls back to the level below (district → street → community)."""
    if case.level == "district":
        community = await session.get(Community, case.community_id)
        district = await levels.level_of(session, community, "district") if community else None
        people = await levels.officers(session, district) if district else []
        if people:
            return people
    if case.level in ("street", "district"):
        people = await street_people(session, case.community_id)
        if people:
            return people
    if case.level in LEVELS[1:]:
        return await org.organizers(session, case.community_id)
    if case.owner_id or case.assignee_id:
        person = await session.get(Person, case.owner_id or case.assignee_id)
        return [person] if person else []
    if case.department_id:
        return await department_members(session, case.department_id)
    return await org.grid_workers(session, case.grid_id) if case.grid_id else []


async def departments_of(session: AsyncSession, community_id: int) -> list[Department]:
    return list(
        await session.scalars(
            select(Department).where(Department.community_id == community_id)
            .order_by(Department.id)
        )
    )
