"""Reading cases: by number, a worker's open cases, the organizers' filtered list,
and what one person may see of one case."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot import numbers
from bot.cases import texts as T
from bot.db.models import Case, Grid, Person, Role
from bot.db.models.cases import ACCEPTED, ACTIVE, CLOSED, OPEN, RESOLVED
from bot.taxonomy import CATEGORIES
from bot.ui import Keyboard, markup

STATUSES = (OPEN, ACCEPTED, RESOLVED, CLOSED)
PAGE = 10
NUMBER_RE = re.compile(r"^(?P<code>.+)-(?P<year>\d{4})-(?P<seq>\d{1,6})$")


async def find(session: AsyncSession, text: str, community_id: int | None = None,
               year: int | None = None) -> Case | None:
    """A full number (东湖-2026-0001), or a bare sequence number within a community."""
    text = (text or "").strip()
    stmt = select(Case).options(selectinload(Case.photos))
    m = NUMBER_RE.match(text)
    if m:
        return await session.scalar(stmt.where(
            Case.number == f"{m['code']}-{m['year']}-{int(m['seq']):04d}"))
    seq = numbers.number(text)
    if seq is not None and community_id is not None:
        stmt = stmt.where(Case.community_id == community_id, Case.seq == seq)
        if year is not None:
            stmt = stmt.where(Case.year == year)
        return await session.scalar(stmt.order_by(Case.year.desc()).limit(1))
    return None


def _overdue_expr(now: datetime):  # type: ignore[no-untyped-def]
    return or_(and_(Case.status == OPEN, Case.accept_due <= now),
               and_(Case.status == ACCEPTED, Case.resolve_due <= now))


async def my_cases(session: AsyncSession, person: Person, now: datetime) -> list[Case]:
    """Open cases the person owns or is assigned (incl. their department's), overdue
    first, then by deadline."""
    dept_ids = list(await session.scalars(select(Role.department_id).where(
        Role.person_id == person.id, Role.role == "department", Role.department_id.is_not(None))))
    mine = or_(Case.owner_id == person.id,
               and_(Case.status == OPEN, Case.assignee_id == person.id),
               and_(Case.status == OPEN, Case.department_id.in_(dept_ids or [-1]),
                    Case.assignee_id.is_(None)))
    due = sql_case((Case.status == OPEN, Case.accept_due), else_=Case.resolve_due)
    overdue = sql_case((_overdue_expr(now), 0), else_=1)
    return list(await session.scalars(
        select(Case).where(Case.status.in_(ACTIVE), mine)
        .order_by(overdue, due.is_(None), due, Case.id).limit(50)))


@dataclass(frozen=True)
class Filters:
    status: int = 0  # index + 1 in STATUSES
    grid_id: int = 0
    category: int = 0  # index + 1 in CATEGORIES
    flags: int = 0  # 1 overdue, 2 urgent

    def describe(self, grid_names: dict[int, str]) -> str:
        parts = []
        if self.status:
            parts.append(T.STATUS[STATUSES[self.status - 1]])
        if self.grid_id:
            parts.append(grid_names.get(self.grid_id, str(self.grid_id)))
        if self.category:
            parts.append(list(CATEGORIES.values())[self.category - 1])
        if self.flags & 1:
            parts.append("超时")
        if self.flags & 2:
            parts.append("紧急")
        return f"（{'、'.join(parts)}）" if parts else ""


class BadFilter(ValueError):
    pass


def parse_filters(args: str, grids: list[Grid]) -> Filters:
    status = grid_id = category = flags = 0
    status_words = {**{v: k for k, v in T.STATUS.items()}, **{s: s for s in STATUSES}}
    cat_words = {**{v: k for k, v in CATEGORIES.items()}, **{k: k for k in CATEGORIES}}
    for word in (args or "").split():
        if word in status_words:
            status = STATUSES.index(status_words[word]) + 1
        elif word in cat_words:
            category = list(CATEGORIES).index(cat_words[word]) + 1
        elif word in ("超时", "overdue"):
            flags |= 1
        elif word in ("紧急", "urgent"):
            flags |= 2
        elif (grid := next((g for g in grids if g.name == word), None)) is not None:
            grid_id = grid.id
        else:
            raise BadFilter(word)
    return Filters(status, grid_id, category, flags)


async def list_cases(session: AsyncSession, community_ids: list[int], f: Filters, page: int,
                     now: datetime) -> tuple[list[Case], int]:
    cond = [Case.community_id.in_(community_ids or [-1])]
    if f.status:
        cond.append(Case.status == STATUSES[f.status - 1])
    if f.grid_id:
        cond.append(Case.grid_id == f.grid_id)
    if f.category:
        cond.append(Case.category == list(CATEGORIES)[f.category - 1])
    if f.flags & 1:
        cond.append(_overdue_expr(now))
    if f.flags & 2:
        cond.append(Case.urgency == "urgent")
    total = await session.scalar(select(func.count()).select_from(Case).where(*cond)) or 0
    overdue = sql_case((_overdue_expr(now), 0), else_=1)
    rows = list(await session.scalars(
        select(Case).where(*cond).order_by(overdue, Case.opened_at.desc(), Case.id.desc())
        .offset(max(page, 0) * PAGE).limit(PAGE)))
    return rows, total


@dataclass
class View:
    """What to show: a text and its buttons."""

    text: str
    keyboard: Keyboard | None = None

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return markup(self.keyboard)


async def view(session: AsyncSession, case: Case, person: Person, admin_ids: list[int],
               now: datetime, tz: object, *, in_group: bool = False) -> View:
    """/case N: the timeline for the reporter, its workers and organizers; the public
    card for everyone else (and always in a group, masked)."""
    from bot.cases import access, core
    from bot.cases import render as R

    reporter = await core.person(session, case.reporter_id)
    owner = await core.person(session, case.owner_id or case.assignee_id)
    if in_group:
        return View(R.public_text(case, reporter, R.public_card(case, reporter, owner)), None)
    rights = await access.rights(session, person, case, admin_ids)
    if not (rights.reporter or rights.staff or rights.street):
        return View(R.public_card(case, reporter, owner), None)
    events = await core.events_of(session, case.id)
    card = R.staff_card(case, reporter, owner, now, tz)  # type: ignore[arg-type]
    text = card + "\n\n" + R.timeline(events, tz, public_only=not rights.staff)  # type: ignore[arg-type]
    keyboard = R.staff_keyboard(case, organizer=rights.organizer) if rights.staff else None
    if rights.reporter and not rights.staff and case.status == RESOLVED:
        keyboard = R.rate_keyboard(case)
    return View(R.excerpt(text, 4000), keyboard)


def list_line(case: Case, owner_name: str, now: datetime) -> str:
    from bot.cases import render as R
    from bot.cases import sla
    from bot.taxonomy import category_name

    return T.CASES_LINE.format(overdue="⏰" if sla.overdue(case, now) else "",
                               number=case.number, status=T.STATUS[case.status],
                               category=category_name(case.category),
                               urgent=R.urgent_mark(case), owner=owner_name)


async def owner_names(session: AsyncSession, rows: list[Case]) -> dict[int, str]:
    ids = {c.owner_id or c.assignee_id for c in rows} - {None}
    if not ids:
        return {}
    people = await session.scalars(select(Person).where(Person.id.in_(ids)))
    return {p.id: p.name for p in people}
