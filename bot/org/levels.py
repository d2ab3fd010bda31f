"""Streets (街道) and districts (区) above the communities: their officers, the
communities each oversees, and the 权责清单. A community names its street in
Community.street; a street names its district (Level.parent_id)."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Community, Person, Role
from bot.db.models.levels import DISTRICT, STREET, Level, Responsibility

KINDS = (STREET, DISTRICT)


async def street_of(session: AsyncSession, community: Community) -> Level | None:
    if not community.street:
        return None
    return await session.scalar(
        select(Level).where(Level.kind == STREET, Level.name == community.street))


async def level_of(session: AsyncSession, community: Community, kind: str) -> Level | None:
    """The community's street or district row (None: not declared in the org file)."""
    street = await street_of(session, community)
    if kind == STREET or street is None:
        return street if kind == STREET else None
    if kind == DISTRICT and street.parent_id is not None:
        return await session.get(Level, street.parent_id)
    return None


async def officers(session: AsyncSession, level: Level) -> list[Person]:
    return list(await session.scalars(
        select(Person).join(Role, Role.person_id == Person.id)
        .where(Role.role == level.kind, Role.level_id == level.id)
        .order_by(Role.duty_order, Role.id)))


async def levels_of(session: AsyncSession, person_id: int) -> list[Level]:
    """The streets and districts this person is an officer of."""
    return list(await session.scalars(
        select(Level).join(Role, Role.level_id == Level.id)
        .where(Role.person_id == person_id, Role.role.in_(KINDS)).order_by(Level.id)))


async def streets_under(session: AsyncSession, levels: list[Level]) -> list[Level]:
    """The streets of these levels: the streets themselves and every district's streets."""
    ids = [lv.id for lv in levels]
    if not ids:
        return []
    return list(await session.scalars(
        select(Level).where(Level.kind == STREET,
                            or_(Level.id.in_(ids), Level.parent_id.in_(ids)))
        .order_by(Level.id)))


async def communities_of(session: AsyncSession, streets: list[Level]) -> list[Community]:
    names = [s.name for s in streets]
    if not names:
        return []
    return list(await session.scalars(
        select(Community).where(Community.street.in_(names)).order_by(Community.id)))


async def overseen_communities(session: AsyncSession, person_id: int) -> list[Community]:
    """Communities a street or district officer answers for (none for anyone else)."""
    levels = await levels_of(session, person_id)
    return await communities_of(session, await streets_under(session, levels)) if levels else []


async def responsibility_hours(session: AsyncSession, community: Community, department: str,
                               category: str) -> float | None:
    """权责清单: the street's own line for this department and category, else the
    line for everywhere; None when the list says nothing."""
    street = await street_of(session, community)
    rows = list(await session.scalars(
        select(Responsibility).where(
            Responsibility.department == department, Responsibility.category == category,
            or_(Responsibility.level_id.is_(None),
                Responsibility.level_id == (street.id if street else -1)))))
    rows.sort(key=lambda r: r.level_id is None)
    return rows[0].hours if rows else None
