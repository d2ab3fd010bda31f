"""Departments are rated too (提高基层吹哨满意度赋分权限): when a case a department was
whistled onto is resolved, whoever handles it for the community rates each department's
response; /depts shows the street (or the community) each department's 报到 time,
resolution time and score for a month."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Case, Department, Person, Role, Whistle
from bot.db.models.cases import CLOSED, RESOLVED
from bot.db.models.levels import DeptRating
from bot.delivery import outbox
from bot.errors import Refusal
from bot.events import CaseResolved
from bot.levels import texts as T
from bot.levels.buttons import DeptRate, DeptsView
from bot.levels.scope import Screen, period_keyboard, period_of, scope_of
from bot.polls.evaluation import SATISFACTION, SATISFIED_SLUGS
from bot.reports import stats
from bot.reports.render import pct, span
from bot.ui import Button, Keyboard, markup

RATINGS = SATISFACTION.choices  # DeptRate.v - 1
MAX_REASON = 300


def rate_keyboard(whistle_id: int) -> Keyboard:
    return [[Button(c.text, DeptRate(whistle_id, i + 1)) for i, c in enumerate(RATINGS)]]


async def _tell(session: AsyncSession, person: Person | None, text: str, now: datetime,
                kb: Keyboard | None = None, key: str | None = None) -> None:
    if person is None or person.tg_id is None or person.blocked_bot:
        return
    await outbox.enqueue(session, person.tg_id, now=now, text=text, parse_mode=None,
                         dedupe_key=key, reply_markup=markup(kb))


async def on_case_resolved(session: AsyncSession, ctx: AppContext | None,
                           event: CaseResolved) -> None:
    """Ask whoever resolved the case to rate each department whistled onto it."""
    rows = (await session.execute(
        select(Whistle, Department.name, Case.number)
        .join(Department, Department.id == Whistle.department_id)
        .join(Case, Case.id == Whistle.case_id)
        .outerjoin(DeptRating, DeptRating.whistle_id == Whistle.id)
        .where(Whistle.case_id == event.case_id, DeptRating.id.is_(None))
        .order_by(Whistle.id))).all()
    if not rows:
        return
    rater = await session.get(Person, event.by_id)
    tz = ctx.tz if ctx is not None else None
    for whistle, dept, number in rows:
        ack = (T.RATE_ACKED.format(span=span(whistle.acked_at - whistle.at))
               if whistle.acked_at else T.RATE_NOT_ACKED)
        text = T.RATE_ASK.format(dept=dept, number=number, ack=ack,
                                 at=f"{whistle.at.astimezone(tz):%m-%d %H:%M}")
        await _tell(session, rater, text, event.at, rate_keyboard(whistle.id),
                    key=f"dept-rate:{whistle.id}")


@dataclass(frozen=True)
class Rated:
    text: str
    whistle_id: int
    ask_reason: bool  # 不满意: the next private message is the reason


async def _may_rate(session: AsyncSession, person: Person, case: Case,
                    admin_ids: list[int]) -> bool:
    if person.tg_id in admin_ids or person.id in (case.owner_id, case.assignee_id):
        return True
    roles = list(await session.scalars(select(Role).where(Role.person_id == person.id)))
    return any(r.role == "admin"
               or (r.role == "organizer" and r.community_id == case.community_id)
               or (r.role == "grid_worker" and case.grid_id and r.grid_id == case.grid_id)
               for r in roles)


async def rate(session: AsyncSession, ctx: AppContext, person: Person, cb: DeptRate,
               now: datetime) -> Rated:
    row = (await session.execute(
        select(Whistle, Case, Department)
        .join(Case, Case.id == Whistle.case_id)
        .join(Department, Department.id == Whistle.department_id)
        .where(Whistle.id == cb.w))).one_or_none()
    if row is None or not 1 <= cb.v <= len(RATINGS):
        from bot import texts as C

        raise Refusal(C.BUTTON_UNKNOWN, alert=True)
    whistle, case, dept = row
    if not await _may_rate(session, person, case, ctx.settings.admin_ids):
        raise Refusal(T.RATE_NO_RIGHT, alert=True)
    existing = await session.scalar(select(DeptRating).where(DeptRating.whistle_id == whistle.id))
    if existing is not None:
        raise Refusal(T.RATE_ALREADY.format(dept=dept.name, rating=_label(existing.rating)),
                      alert=True)
    if case.status not in (RESOLVED, CLOSED):
        raise Refusal(T.RATE_NOT_RESOLVED, alert=True)
    choice = RATINGS[cb.v - 1]
    session.add(DeptRating(whistle_id=whistle.id, rating=choice.slug, by_id=person.id, at=now))
    await session.flush()
    unsatisfied = choice.slug not in SATISFIED_SLUGS
    if not unsatisfied:
        await _tell_department(session, whistle, dept, case, choice.text, None, now)
    text = (T.RATE_ASK_REASON if unsatisfied else T.RATE_OK).format(dept=dept.name,
                                                                     rating=choice.text)
    return Rated(text, whistle.id, unsatisfied)


async def add_reason(session: AsyncSession, person: Person, whistle_id: int, text: str | None,
                     now: datetime) -> str:
    """The reason after 不满意 (None: skipped); the department hears the rating then."""
    rating = await session.scalar(select(DeptRating).where(DeptRating.whistle_id == whistle_id))
    row = (await session.execute(
        select(Whistle, Case, Department).join(Case, Case.id == Whistle.case_id)
        .join(Department, Department.id == Whistle.department_id)
        .where(Whistle.id == whistle_id))).one_or_none()
    if rating is None or row is None or rating.by_id != person.id:
        return T.RATE_REASON_SKIPPED
    if text is not None:
        text = text.strip()
        if not text:
            raise Refusal(T.RATE_REASON_EMPTY)
        if len(text) > MAX_REASON:
            raise Refusal(T.RATE_REASON_LONG.format(n=MAX_REASON))
        rating.reason = text
    whistle, case, dept = row
    await _tell_department(session, whistle, dept, case, _label(rating.rating), text, now)
    return T.RATE_REASON_OK if text else T.RATE_REASON_SKIPPED


async def _tell_department(session: AsyncSession, whistle: Whistle, dept: Department, case: Case,
                           rating: str, reason: str | None, now: datetime) -> None:
    members = await session.scalars(
        select(Person).join(Role, Role.person_id == Person.id)
        .where(Role.role == "department", Role.department_id == dept.id))
    text = T.RATE_TOLD_DEPT.format(dept=dept.name, number=case.number, rating=rating,
                                   reason=T.RATE_TOLD_REASON.format(reason=reason) if reason
                                   else "")
    for member in members:
        await _tell(session, member, text, now, key=f"dept-rated:{whistle.id}:{member.id}")


def _label(slug: str) -> str:
    return next((c.text for c in RATINGS if c.slug == slug), slug)


# --- the figures -------------------------------------------------------------------------

@dataclass
class DeptFigures:
    name: str
    whistles: int = 0
    acked: int = 0
    on_time: int = 0
    to_ack: stats.Durations | None = None
    to_resolve: stats.Durations | None = None
    rated: int = 0
    satisfied: int = 0
    unsatisfied: int = 0
    reasons: list[str] | None = None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


async def dept_figures(session: AsyncSession, community_ids: list[int], period: stats.Period
                       ) -> list[DeptFigures]:
    """Per department name (a street's 城管 is one department across its communities),
    over the whistles made in the period."""
    rows = (await session.execute(
        select(Department.name, Whistle.at, Whistle.ack_due, Whistle.acked_at, Case.status,
               Case.resolved_at, DeptRating.rating, DeptRating.reason)
        .join(Department, Department.id == Whistle.department_id)
        .join(Case, Case.id == Whistle.case_id)
        .outerjoin(DeptRating, DeptRating.whistle_id == Whistle.id)
        .where(Department.community_id.in_(community_ids or [-1]),
               Whistle.at >= period.start, Whistle.at < period.end)
        .order_by(Department.name, Whistle.at))).all()
    acks: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    solves: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    out: dict[str, DeptFigures] = {}
    for name, at, due, acked, status, resolved, rating, reason in rows:
        f = out.setdefault(name, DeptFigures(name, reasons=[]))
        f.whistles += 1
        if acked is not None:
            f.acked += 1
            f.on_time += acked <= due
            acks[name].append((at, acked))
        if status in (RESOLVED, CLOSED) and resolved is not None and resolved >= at:
            solves[name].append((at, resolved))
        if rating is not None:
            f.rated += 1
            f.satisfied += rating in SATISFIED_SLUGS
            f.unsatisfied += rating not in SATISFIED_SLUGS
            if reason and f.reasons is not None:
                f.reasons.append(reason)
    for name, f in out.items():
        f.to_ack, f.to_resolve = stats.durations(acks[name]), stats.durations(solves[name])
    return sorted(out.values(), key=lambda f: (-(f.satisfaction or 0), -f.whistles, f.name))


def depts_text(scope: str, period: stats.Period, figures: list[DeptFigures]) -> str:
    from bot.reports.render import period_label

    lines = [T.DEPTS_TITLE.format(scope=escape(scope), period=period_label(period))]
    if not figures:
        lines.append(T.DEPTS_EMPTY)
    for f in figures:
        reasons = (T.DEPTS_REASONS.format(items="；".join(escape(r) for r in f.reasons[:3]))
                   if f.reasons else "")
        lines.append(T.DEPTS_LINE.format(
            dept=escape(f.name), whistles=f.whistles, acked=f.acked, on_time=f.on_time,
            ack_median=span(f.to_ack.median if f.to_ack else None),
            resolve_median=span(f.to_resolve.median if f.to_resolve else None),
            rated=f.rated, satisfaction=pct(f.satisfaction), unsatisfied=f.unsatisfied,
            reasons=reasons))
    lines.append(T.DEPTS_RULE)
    return "\n\n".join(lines)


async def depts_screen(session: AsyncSession, person: Person, ctx: AppContext,
                       view: DeptsView | None = None) -> Screen:
    """/depts: this month's (or last month's) figures of the departments in the asker's
    scope: a street officer's whole street, an organizer's community."""
    p = view.p if view is not None else 0
    period = period_of(p, ctx)
    label, communities = await scope_of(session, person, ctx)
    figures = await dept_figures(session, [c.id for c in communities], period)
    return Screen(depts_text(label, period, figures), period_keyboard(p, DeptsView))
