"""People, roles and group bindings. Knows nothing of aiogram."""
from __future__ import annotations

import re
import time
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, case, or_, select
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.db.models import Community, Grid, GroupChat, Person, Role
from bot.org import levels

ROLE_NAMES = {
    "resident": "居民",
    "grid_worker": "网格员",
    "organizer": "社区工作人员",
    "admin": "管理员",
    "street": "街道",
    "district": "区",
    "department": "职能部门",
}


def building_number(name: str) -> str | None:
    match = re.search(r"([A-Za-z]?\d+)", name)
    return match.group(1) if match else None


def _find_person_statements() -> dict[tuple[bool, bool], Select[tuple[Person]]]:
    """Built once (the statement behind every update): (by id?, by name?) -> SELECT."""
    found, named = Person.tg_id == bindparam("tg"), Person.username == bindparam("name")
    unbound = case((Person.tg_id.is_(None), 0), else_=1)  # an org-file entry first
    return {
        (True, False): select(Person).where(found).order_by(Person.id).limit(1),
        (False, True): select(Person).where(named).order_by(unbound, Person.id).limit(1),
        (True, True): select(Person).where(or_(found, named)).order_by(
            case((found, 0), else_=1), unbound, Person.id).limit(1),
    }


_FIND_PERSON = _find_person_statements()


async def find_person(session: AsyncSession, tg_id: int | None,
                      username: str | None = None) -> Person | None:
    """By Telegram id, else an org-file entry by @username (one without a Telegram id
    first), in one SELECT."""
    username = username.lstrip("@") if username else None
    if tg_id is None and not username:
        return None
    return await session.scalar(_FIND_PERSON[tg_id is not None, bool(username)],
                                {"tg": tg_id, "name": username})


async def upsert_person(
    session: AsyncSession,
    *,
    tg_id: int | None,
    username: str | None = None,
    name: str = "",
    phone: str | None = None,
    create: bool = True,
) -> Person:
    """Find a person by Telegram id, else by @username (org-file entries), else create.
    `create=False`: someone not known yet is returned unsaved (no row); persist()
    stores them once something about them must be kept."""
    username = username.lstrip("@") if username else None
    person = await find_person(session, tg_id, username)
    if person is None:
        person = Person(tg_id=tg_id, username=username, name=name, phone=phone)
        if not create:
            return person
        session.add(person)
    else:
        if tg_id is not None:
            person.tg_id = tg_id
        if username:
            person.username = username
        if name:
            person.name = name
        if phone:
            person.phone = phone
    await session.flush()
    return person


async def persist(session: AsyncSession, person: Person) -> Person:
    """Store a person returned unsaved by upsert_person(create=False); a no-op for one
    already stored."""
    if sa_inspect(person).transient:
        session.add(person)
        await session.flush()
    return person


async def person_by_tg(session: AsyncSession, tg_id: int) -> Person | None:
    return await session.scalar(
        select(Person).where(Person.tg_id == tg_id).options(selectinload(Person.roles))
    )


async def person_by_username(session: AsyncSession, username: str) -> Person | None:
    return await session.scalar(select(Person).where(Person.username == username.lstrip("@")))


async def grant(
    session: AsyncSession,
    person: Person,
    role: str,
    community_id: int | None = None,
    *,
    grid_id: int | None = None,
    department_id: int | None = None,
    duty_order: int = 0,
) -> Role:
    existing = await session.scalar(
        select(Role).where(
            Role.person_id == person.id,
            Role.role == role,
            Role.community_id.is_(community_id) if community_id is None
            else Role.community_id == community_id,
            Role.grid_id.is_(grid_id) if grid_id is None else Role.grid_id == grid_id,
            Role.department_id.is_(department_id) if department_id is None
            else Role.department_id == department_id,
        )
    )
    if existing is not None:
        existing.duty_order = duty_order
        return existing
    row = Role(person_id=person.id, role=role, community_id=community_id, grid_id=grid_id,
               department_id=department_id, duty_order=duty_order)
    session.add(row)
    await session.flush()
    return row


async def roles_of(session: AsyncSession, person_id: int) -> list[Role]:
    return list(await session.scalars(select(Role).where(Role.person_id == person_id)))


@dataclass(frozen=True)
class RoleView:
    role: str
    label: str
    community: str | None
    grid: str | None


async def describe_roles(session: AsyncSession, person_id: int) -> list[RoleView]:
    rows = await session.execute(
        select(Role, Community.name, Grid.name, levels.Level.name)
        .outerjoin(Community, Community.id == Role.community_id)
        .outerjoin(Grid, Grid.id == Role.grid_id)
        .outerjoin(levels.Level, levels.Level.id == Role.level_id)  # a street / district
        .where(Role.person_id == person_id)
        .order_by(Role.id)
    )
    return [RoleView(r.role, ROLE_NAMES.get(r.role, r.role), c or lv, g) for r, c, g, lv in rows]


async def is_admin(session: AsyncSession, person: Person, admin_ids: list[int]) -> bool:
    if person.tg_id in admin_ids:
        return True
    return any(r.role == "admin" for r in await roles_of(session, person.id))


async def organizer_communities(
    session: AsyncSession, person: Person, admin_ids: list[int], *, overseen: bool = False
) -> list[Community]:
    """Communities this person may organise (admins: all). With `overseen`, also every
    community under their street or district (bot.org.levels): what an officer sees and
    compares (cases, figures, the ledger). A community's own organizer actions (its
    groups, workers, polls, projects, register, settings) stay with its organizers."""
    if await is_admin(session, person, admin_ids):
        return list(await session.scalars(select(Community).order_by(Community.id)))
    own = list(
        await session.scalars(
            select(Community)
            .join(Role, Role.community_id == Community.id)
            .where(Role.person_id == person.id, Role.role == "organizer")
            .order_by(Community.id)
        )
    )
    if not overseen:
        return own
    above = await levels.overseen_communities(session, person.id)
    return sorted({c.id: c for c in own + above}.values(), key=lambda c: c.id)


async def can_organize(
    session: AsyncSession, person: Person, community_id: int, admin_ids: list[int], *,
    overseen: bool = False
) -> bool:
    communities = await organizer_communities(session, person, admin_ids, overseen=overseen)
    return any(c.id == community_id for c in communities)


async def group_by_chat(session: AsyncSession, chat_id: int) -> GroupChat | None:
    """The group with its grid and community (one SELECT)."""
    return await session.scalar(
        select(GroupChat)
        .where(GroupChat.chat_id == chat_id)
        .options(joinedload(GroupChat.grid).joinedload(Grid.community))
    )


# -- the group → grid binding, cached ---------------------------------------------------
# Every group message asks "is this group bound, to which grid?"; the answer changes
# only by /bind (bind_group), a group first seen (remember_group) or an org import
# (forget_bindings). Those forget the cached answer when their transaction commits;
# a change made by another process (the CLI) is seen within BINDING_TTL seconds.

BINDING_TTL = 30.0
_FORGET = "linli_forget_bindings"  # session.info: chat ids (or ALL) to forget on commit
_ALL = 0
_bindings: weakref.WeakKeyDictionary[Any, dict[int, tuple[float, int | None]]] = (
    weakref.WeakKeyDictionary())


def _cache(session: AsyncSession) -> dict[int, tuple[float, int | None]]:
    return _bindings.setdefault(session.sync_session.get_bind(), {})


async def bound_grid_id(session: AsyncSession, chat_id: int) -> int | None:
    """The grid this group is bound to, or None (unknown or unbound group)."""
    cache = _cache(session)
    hit = cache.get(chat_id)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    grid_id = await session.scalar(select(GroupChat.grid_id).where(GroupChat.chat_id == chat_id))
    if not session.info.get(_FORGET):  # not while this transaction changes bindings
        cache[chat_id] = (now + BINDING_TTL, grid_id)
    return grid_id


def forget_bindings(session: AsyncSession, chat_id: int = _ALL) -> None:
    """Forget cached bindings (one group, or all) now and when `session` commits."""
    _drop(_cache(session), chat_id)
    session.info.setdefault(_FORGET, set()).add(chat_id)


def _drop(cache: dict[int, tuple[float, int | None]], chat_id: int) -> None:
    if chat_id == _ALL:
        cache.clear()
    else:
        cache.pop(chat_id, None)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    forget = session.info.pop(_FORGET, None)
    if forget:
        cache = _bindings.get(session.get_bind(), {})
        for chat_id in forget:
            _drop(cache, chat_id)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FORGET, None)


async def remember_group(session: AsyncSession, chat_id: int, title: str) -> GroupChat:
    group = await group_by_chat(session, chat_id)
    if group is None:
        forget_bindings(session, chat_id)
        group = GroupChat(chat_id=chat_id, title=title)
        session.add(group)
        await session.flush()
    else:
        group.title = title or group.title
        group.active = True
    return group


async def bind_group(session: AsyncSession, chat_id: int, title: str, grid_id: int) -> str:
    """Bind the group to the grid; returns "community · grid" for the confirmation."""
    group = await remember_group(session, chat_id, title)
    row = (await session.execute(
        select(Community.name, Grid.name).join(Grid, Grid.community_id == Community.id)
        .where(Grid.id == grid_id)
    )).one_or_none()
    if row is None:
        raise LookupError(grid_id)
    group.grid_id = grid_id
    forget_bindings(session, chat_id)
    return f"{row[0]} · {row[1]}"


async def all_community_ids(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(Community.id).order_by(Community.id)))


async def grids_for(session: AsyncSession, community_ids: list[int]) -> list[Grid]:
    return list(
        await session.scalars(
            select(Grid)
            .where(Grid.community_id.in_(community_ids))
            .options(selectinload(Grid.community))
            .order_by(Grid.community_id, Grid.id)
        )
    )


async def people_with_role(session: AsyncSession, role: str, *conditions: Any) -> list[Person]:
    """People holding `role` where the Role row meets `conditions`, in duty order."""
    return list(
        await session.scalars(
            select(Person)
            .join(Role, Role.person_id == Person.id)
            .where(Role.role == role, *conditions)
            .order_by(Role.duty_order, Role.id)
        )
    )


async def grid_workers(session: AsyncSession, grid_id: int) -> list[Person]:
    return await people_with_role(session, "grid_worker", Role.grid_id == grid_id)


async def organizers(session: AsyncSession, community_id: int) -> list[Person]:
    return await people_with_role(session, "organizer", Role.community_id == community_id)


async def group_chats_of_community(session: AsyncSession, community_id: int) -> list[GroupChat]:
    return list(
        await session.scalars(
            select(GroupChat)
            .join(Grid, Grid.id == GroupChat.grid_id)
            .where(Grid.community_id == community_id, GroupChat.active.is_(True))
            .order_by(GroupChat.id)
        )
    )
