"""The organizer's desk: what the web front end (`web/`) asks of the domain.

Who sees which cases (a `Desk` built from the person's roles), the ledger page with its
filters (the same columns and masking as the xlsx ledger, `bot.reports.ledger`), the
dashboard's figures (`bot.reports.stats`), the building heat table, and the projects
and polls overview. No aiohttp, no aiogram: plain values in, plain values out."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select, text
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases import access
from bot.cases import render as case_render
from bot.cases.query import STATUSES
from bot.db.models import Case, CaseVoice, Community, Grid, GroupChat, Person, Role
from bot.db.models.cases import (
    ACCEPTED,
    OPEN,
    PATROL,
    SEARCH_FTS,
    SEARCH_SEPARATOR,
    SEARCHED,
    search_sql,
)
from bot.db.models.polls import Poll
from bot.org import service as org
from bot.polls import service as polls
from bot.privacy.mask import mask_name
from bot.projects import render as project_render
from bot.projects import service as projects
from bot.projects import texts as project_texts
from bot.reports import ledger, rollup, stats
from bot.reports import texts as T
from bot.taxonomy import CATEGORIES, category_name

PER_PAGE = 50
MAX_PER_PAGE = 200
WEEKS = 12
OVERDUE_SHOWN = 100  # the oldest; the total is given too
# A search's matches are counted up to this many ("共 10000+ 件"): counting them all reads
# every case of the filter (hundreds of thousands for an admin), to print a number.
SEARCH_COUNTED = 10_000
TRIGRAM = 3  # pg_trgm and FTS5's trigram tokenizer find terms of three characters or more
EVER = (date(2000, 1, 1), date(2100, 1, 1))
ROLE_ORDER = ("admin", "district", "street", "organizer", "grid_worker", "department")


# --- who sees what --------------------------------------------------------------------------

@dataclass(frozen=True)
class Desk:
    """What one staff member may see: whole communities (organizers, street officers,
    admins), grids (grid workers), departments, and always their own cases."""

    person_id: int
    name: str
    role: str  # the widest of ROLE_ORDER
    community_ids: tuple[int, ...] = ()
    grid_ids: tuple[int, ...] = ()
    department_ids: tuple[int, ...] = ()
    all_community_ids: tuple[int, ...] = ()  # also the communities of grids/departments

    @property
    def role_name(self) -> str:
        return org.ROLE_NAMES.get(self.role, self.role)

    @property
    def organizes(self) -> bool:
        return bool(self.community_ids)

    def cases(self) -> ColumnElement[bool]:
        """Always within the communities of the person's roles (so the community
        indexes serve every query); there, whole communities or the narrower parts."""
        within = Case.community_id.in_(self.all_community_ids or (-1,))
        if set(self.all_community_ids) <= set(self.community_ids):
            return within
        conds: list[ColumnElement[bool]] = [Case.owner_id == self.person_id,
                                            Case.assignee_id == self.person_id]
        if self.community_ids:
            conds.append(Case.community_id.in_(self.community_ids))
        if self.grid_ids:
            conds.append(Case.grid_id.in_(self.grid_ids))
        if self.department_ids:
            conds.append(Case.department_id.in_(self.department_ids))
        return and_(within, or_(*conds))


async def desk_of(session: AsyncSession, person: Person, admin_ids: list[int]) -> Desk | None:
    """The person's desk, or None for someone with no staff role (a resident)."""
    roles = await org.roles_of(session, person.id)
    kinds = {r.role for r in roles}
    if await org.is_admin(session, person, admin_ids):
        kinds.add("admin")
    role = next((k for k in ROLE_ORDER if k in kinds), None)
    if role is None:
        return None
    every = tuple(await org.all_community_ids(session))
    # A plain street role for no community and no street is the street office of every
    # community (as bot.cases.access.street_people reads it); an officer of a street or
    # district (org file `streets:` / `districts:`, Role.level_id) sees what it oversees.
    if role == "admin" or any(r.role == "street" and r.community_id is None
                              and r.level_id is None for r in roles):
        communities: tuple[int, ...] = every
    else:
        wide = await org.organizer_communities(session, person, admin_ids, overseen=True)
        communities = tuple(sorted({c.id for c in wide} | {
            r.community_id for r in roles if r.community_id and r.role == "street"}))
    grids = tuple(sorted({r.grid_id for r in roles if r.role == "grid_worker" and r.grid_id}))
    depts = tuple(sorted({r.department_id for r in roles
                          if r.role == "department" and r.department_id}))
    touched = set(communities) | {r.community_id for r in roles
                                  if r.community_id and r.role in ROLE_ORDER}
    return Desk(person.id, person.name, role, communities, grids, depts,
                tuple(sorted(c for c in touched if c in every)))


async def visible_case(session: AsyncSession, desk: Desk, case_id: int) -> bool:
    return bool(await session.scalar(
        select(Case.id).where(Case.id == case_id, desk.cases())))


# --- the ledger page ------------------------------------------------------------------------

SORTS: dict[str, Any] = {
    "opened": Case.opened_at, "number": Case.number, "status": Case.status,
    "category": Case.category, "urgency": Case.urgency, "grid": Grid.name,
    "accepted": Case.accepted_at, "resolved": Case.resolved_at, "plus": Case.plus_count,
    "rating": Case.rating,
}
SOURCES = ("group", "private")


@dataclass(frozen=True)
class LedgerFilter:
    status: str = ""
    category: str = ""
    grid_id: int = 0
    worker_id: int = 0
    urgency: str = ""
    overdue: bool = False
    start: date | None = None
    end: date | None = None  # inclusive
    source: str = ""  # group | private | a group's chat id
    q: str = ""
    sort: str = "opened"
    desc: bool = True
    page: int = 0
    per_page: int = PER_PAGE

    @classmethod
    def parse(cls, args: dict[str, str]) -> LedgerFilter:
        """From query-string values; anything unknown or malformed is ignored."""
        def num(key: str) -> int:
            value = (args.get(key) or "").strip()
            return int(value) if value.lstrip("-").isdigit() else 0

        def day(key: str) -> date | None:
            try:
                return date.fromisoformat((args.get(key) or "").strip())
            except ValueError:
                return None

        status = args.get("status", "")
        category = args.get("category", "")
        source = (args.get("source") or "").strip()
        if source not in SOURCES and not source.lstrip("-").isdigit():
            source = ""
        sort = args.get("sort", "opened")
        return cls(
            status=status if status in STATUSES else "",
            category=category if category in CATEGORIES else "",
            grid_id=num("grid"), worker_id=num("worker"),
            urgency=args.get("urgency", "") if args.get("urgency") in ("urgent", "normal") else "",
            overdue=args.get("overdue") in ("1", "on", "true"),
            start=day("start"), end=day("end"), source=source,
            q=_term(args.get("q") or ""),
            sort=sort if sort in SORTS else "opened",
            desc=args.get("dir", "desc") != "asc",
            page=max(num("page"), 0),
            per_page=min(max(num("per") or PER_PAGE, 10), MAX_PER_PAGE),
        )

    def conditions(self, now: datetime, tz: ZoneInfo, dialect: str = ""
                   ) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if self.status:
            conds.append(Case.status == self.status)
        if self.category:
            conds.append(Case.category == self.category)
        if self.grid_id:
            conds.append(Case.grid_id == self.grid_id)
        if self.worker_id:
            conds.append(or_(Case.owner_id == self.worker_id,
                             and_(Case.owner_id.is_(None), Case.assignee_id == self.worker_id)))
        if self.urgency:
            conds.append(Case.urgency == self.urgency)
        if self.overdue:
            conds.append(overdue_now(now))
        start, end = self.period(tz)
        if self.start:
            conds.append(Case.opened_at >= start)
        if self.end:
            conds.append(Case.opened_at < end)
        if self.source == "group":
            conds.append(Case.source_chat_id < 0)
        elif self.source == "private":
            conds.append(or_(Case.source_chat_id.is_(None), Case.source_chat_id > 0))
        elif self.source:
            conds.append(Case.source_chat_id == int(self.source))
        if self.q:
            conds.append(searched(self.q, dialect))
        return conds

    def period(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        p = stats.day_range(self.start or EVER[0], self.end or EVER[1], tz)
        return p.start, p.end

    def with_page(self, page: int) -> LedgerFilter:
        return replace(self, page=max(page, 0))


def _term(q: str) -> str:
    """A search term: LIKE's wildcards and the search index's separator removed."""
    for c in ("%", "_", SEARCH_SEPARATOR):
        q = q.replace(c, "")
    return q.strip()[:100]


def searched(q: str, dialect: str = "") -> ColumnElement[bool]:
    """Number, text, place or result contains `q` (case-insensitive). On PostgreSQL a
    term of TRIGRAM or more characters is looked up in the searched columns joined
    (bot.db.models.cases.search_sql, the expression of the pg_trgm index) — the same
    matches, as the term never holds the separator; shorter terms have no trigram to look
    up. A term without upper/lower case (Chinese, digits) uses LIKE: PostgreSQL's ILIKE
    reads Chinese text about four times slower."""
    like = f"%{q}%"
    cased = q.lower() != q.upper()

    def has(col: Any) -> ColumnElement[bool]:
        return col.ilike(like) if cased else col.like(like)

    if dialect == "postgresql" and len(q) >= TRIGRAM:
        return has(literal_column(search_sql(Case.__tablename__)))
    if dialect == "sqlite" and len(q) >= TRIGRAM:  # the FTS5 trigram table: same matches
        phrase = '"' + q.replace('"', '""') + '"'
        return Case.id.in_(text(f"SELECT rowid FROM {SEARCH_FTS} WHERE {SEARCH_FTS} MATCH :phrase")
                           .bindparams(phrase=phrase))
    return or_(*(has(getattr(Case, c)) for c in SEARCHED))


def overdue_now(now: datetime) -> ColumnElement[bool]:
    """Past a deadline right now (the ⏰ of /cases and 晾晒). The status condition
    stands first and alone so that (community_id, status) finds the few active cases
    instead of reading the history; the deadlines are a CASE, not an OR, or SQLite
    reads every past resolve_due of many communities through its "OR by union" plan."""
    late = sql_case((and_(Case.status == OPEN, Case.accept_due < now), 1),
                    (Case.resolve_due < now, 1), else_=0)
    return and_(Case.status.in_([OPEN, ACCEPTED]), late == 1)


@dataclass
class LedgerRow:
    case_id: int
    values: list[Any]  # as the xlsx ledger's columns (T.LEDGER_COLUMNS)
    overdue: bool
    urgent: bool


@dataclass
class LedgerPage:
    rows: list[LedgerRow]
    total: int
    page: int
    pages: int
    columns: tuple[str, ...] = T.LEDGER_COLUMNS
    more: bool = False  # a search with more than `total` (SEARCH_COUNTED) matches


def _joined(stmt: Any) -> Any:
    return (stmt.outerjoin(Grid, Grid.id == Case.grid_id)
            .outerjoin(GroupChat, GroupChat.chat_id == Case.source_chat_id)
            .outerjoin(ledger.Reporter, ledger.Reporter.id == Case.reporter_id)
            .outerjoin(ledger.Owner, ledger.Owner.id == Case.owner_id))


async def ledger_page(session: AsyncSession, desk: Desk, f: LedgerFilter, now: datetime,
                      tz: ZoneInfo) -> LedgerPage:
    where = [desk.cases(), *f.conditions(now, tz, _dialect(session))]
    counted = (select(func.count()).select_from(
        select(Case.id).where(*where).limit(SEARCH_COUNTED + 1).subquery()) if f.q else
        select(func.count()).select_from(Case).where(*where))
    total = int(await session.scalar(counted) or 0)
    more = bool(f.q) and total > SEARCH_COUNTED
    total = SEARCH_COUNTED if more else total
    pages = max((total + f.per_page - 1) // f.per_page, 1)
    page = min(f.page, pages - 1)
    col = SORTS[f.sort]
    order = [col.desc() if f.desc else col.asc(), Case.id.desc() if f.desc else Case.id.asc()]
    # The page's ids first, from cases alone (an index gives them in order), then the
    # joined columns of those 50: joining first would join every case in the scope
    # before sorting (seconds for a street's million cases on SQLite).
    ids = select(Case.id).where(*where)
    if f.sort == "grid":
        ids = ids.outerjoin(Grid, Grid.id == Case.grid_id)
    chosen = list(await session.scalars(
        ids.order_by(*order).offset(page * f.per_page).limit(f.per_page)))
    late = overdue_now(now).label("late")
    result = (await session.execute(
        _joined(select(*ledger.COLUMNS, late, Case.urgency.label("u")))
        .where(Case.id.in_(chosen or [-1])).order_by(*order))).all()
    whistled = await ledger._whistled(session, [r[0] for r in result])
    rows = [LedgerRow(r[0], ledger._row(tuple(r[:len(ledger.COLUMNS)]),
                                        whistled.get(r[0], []), tz),
                      bool(r.late), r.u == "urgent") for r in result]
    return LedgerPage(rows, total, page, pages, more=more)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def export_query(desk: Desk, f: LedgerFilter, now: datetime, tz: ZoneInfo
                 ) -> ledger.LedgerQuery:
    """The ledger export of exactly what the page shows (all pages)."""
    start, end = f.period(tz)
    communities = desk.all_community_ids or (-1,)
    return ledger.LedgerQuery(communities, start, end, tz,
                              where=(desk.cases(), *f.conditions(now, tz)),
                              label=describe(f))


def describe(f: LedgerFilter) -> str:
    parts = [f"{k}={v}" for k, v in (
        ("status", f.status), ("category", f.category), ("grid", f.grid_id),
        ("worker", f.worker_id), ("urgency", f.urgency), ("overdue", int(f.overdue)),
        ("source", f.source), ("q", f.q)) if v]
    return "web " + " ".join(parts) if parts else "web"


@dataclass
class Choices:
    """What the filter menus offer (only what the desk may see)."""

    communities: list[Community]
    grids: list[Grid]
    workers: list[Person]
    groups: list[GroupChat]
    statuses: dict[str, str] = field(default_factory=lambda: dict(T.STATUS))
    categories: dict[str, str] = field(default_factory=lambda: dict(CATEGORIES))


async def choices(session: AsyncSession, desk: Desk) -> Choices:
    ids = list(desk.all_community_ids)
    communities = list(await session.scalars(
        select(Community).where(Community.id.in_(ids or [-1])).order_by(Community.id)))
    grids = [g for g in await org.grids_for(session, ids)
             if g.community_id in desk.community_ids or g.id in desk.grid_ids]
    workers = list(dict.fromkeys(await org.people_with_role(
        session, "grid_worker", Role.grid_id.in_([g.id for g in grids] or [-1]))))
    groups = list(await session.scalars(
        select(GroupChat).where(GroupChat.grid_id.in_([g.id for g in grids] or [-1]))
        .order_by(GroupChat.title)))
    return Choices(communities, grids, workers, groups)


# --- one case -------------------------------------------------------------------------------

@dataclass
class CaseDetail:
    case: Case
    community: str
    grid: str
    reporter: str
    owner: str
    text: str  # masked as in the ledger (phones, ids, the reporter's room)
    note: str
    timeline: list[tuple[str, str, str]]  # (when, who, what)
    photos: list[tuple[int, str]]  # (photo id, report|result)
    households: int
    voices: list[str]  # masked names of the +1 households
    rating: str
    status: str
    level: str
    due: str
    rights: access.Rights
    workers: list[tuple[int, str]]  # transfer targets
    departments: list[tuple[int, str]]  # whistle targets
    level_index: int
    photo_required: bool = False  # 办结 needs an after-photo (the community's setting)


async def case_detail(session: AsyncSession, desk: Desk, case_id: int, person: Person,
                      admin_ids: list[int], now: datetime, tz: ZoneInfo) -> CaseDetail | None:
    """The case as its staff see it, or None when it is not on this desk."""
    from bot.cases import core, workflow
    from bot.cases import texts as CT
    from bot.db.models.cases import LEVELS

    if not await visible_case(session, desk, case_id):
        return None
    case = await core.load(session, case_id)
    assert case is not None
    rights = await access.rights(session, person, case, admin_ids)
    reporter = await core.person(session, case.reporter_id)
    owner = await core.person(session, case.owner_id or case.assignee_id)
    community = await session.get(Community, case.community_id)
    grid = await session.get(Grid, case.grid_id) if case.grid_id else None
    def hide(text: str) -> str:
        return case_render.public_text(case, reporter, text)

    voiced = (await session.execute(
        select(Person.id, Person.name).join(CaseVoice, CaseVoice.person_id == Person.id)
        .where(CaseVoice.case_id == case.id).order_by(CaseVoice.id))).all()
    voices = [name for _, name in voiced]
    # residents in the timeline (the reporter, neighbours who said "+1") are masked as
    # everywhere on the desk; staff acting on the case (a patrol's own reporter) are not
    residents = ({case.reporter_id} | {pid for pid, _ in voiced}) - {
        case.owner_id, case.assignee_id}
    timeline = []
    for e in await core.events_of(session, case.id):
        line = hide(case_render.event_line(e))
        actor = str((e.data or {}).get("actor", ""))
        if e.actor_id is not None and e.actor_id in residents:
            masked = (T.ANONYMOUS if case.anonymous and e.actor_id == case.reporter_id
                      else mask_name(actor))
            line, actor = (line.replace(actor, masked) if actor else line), masked
        timeline.append((case_render.when(e.at, tz), "" if actor in line else actor, line))
    workers = [(w.id, case_render.name_of(w)) for w in await org.grid_workers(
        session, case.grid_id or 0) if w.id not in (case.owner_id, case.assignee_id)]
    depts = [(d.id, d.name) for d in await access.departments_of(session, case.community_id)]
    return CaseDetail(
        case=case, community=community.name if community else "", grid=grid.name if grid else "",
        reporter=T.ANONYMOUS if case.anonymous else mask_name(reporter.name if reporter else ""),
        owner=case_render.name_of(owner), text=hide(case.text),
        note=hide(case.resolution_note or ""), timeline=timeline,
        photos=[(p.id, p.kind) for p in case.photos], households=case_render.households(case),
        voices=[mask_name(v) for v in voices], rating=case_render.rating_label(case.rating),
        status=CT.STATUS[case.status], level=CT.LEVEL[case.level],
        due=case_render.due_line(case, now, tz), rights=rights, workers=workers,
        departments=depts, level_index=LEVELS.index(case.level),
        photo_required=workflow.photo_required(community.settings if community else {},
                                               case.category))


async def photo_file(session: AsyncSession, desk: Desk, photo_id: int) -> str | None:
    """The Telegram file id of a case photo on this desk."""
    from bot.db.models import CasePhoto

    row = (await session.execute(
        select(CasePhoto.file_id).join(Case, Case.id == CasePhoto.case_id)
        .where(CasePhoto.id == photo_id, desk.cases()))).first()
    return row[0] if row else None


# --- the dashboard --------------------------------------------------------------------------

def _rate(value: float | None) -> float | None:
    return round(100 * value, 1) if value is not None else None


def _ratio(num: int, den: int) -> float | None:
    return _rate(num / den) if den else None


@dataclass
class Rates:
    """The dashboard's part of stats.Figures, for one group."""

    opened: int = 0
    resolved: int = 0
    overdue: int = 0
    due_accept: int = 0
    accepted_in_time: int = 0
    due_resolve: int = 0
    resolved_of_due: int = 0
    rated: int = 0
    good: int = 0  # 满意 + 基本满意
    found: int = 0  # of `opened`, found on a grid worker's round (主动发现, source patrol)

    def line(self, label: str) -> dict[str, Any]:
        return {"label": label, "opened": self.opened, "resolved": self.resolved,
                "overdue": self.overdue,
                "response": _ratio(self.accepted_in_time, self.due_accept),
                "resolve": _ratio(self.resolved_of_due, self.due_resolve),
                "satisfaction": _ratio(self.good, self.rated),
                "found": self.found, "found_share": _ratio(self.found, self.opened)}


DIMENSIONS = {"communities": Case.community_id, "grid": Case.grid_id, "worker": Case.owner_id,
              "category": Case.category}


class _Fold:
    """Counts of (community, grid, owner, category) groups added up for the whole
    ("community", key 0) and per community, grid, worker and category (every count is
    additive)."""

    def __init__(self, dims: tuple[str, ...]) -> None:
        self.dims = dims
        self.by: dict[str, dict[Any, Rates]] = {"community": {}, **{d: {} for d in dims}}

    def __call__(self, keys: tuple[Any, ...]) -> list[Rates]:
        targets = [self.by["community"].setdefault(0, Rates())]
        for dim, k in zip(self.dims, keys, strict=True):
            targets.append(self.by[dim].setdefault(k, Rates()))
        return targets


async def rates_by(session: AsyncSession, where: list[ColumnElement[bool]],
                   period: stats.Period, now: datetime,
                   dims: tuple[str, ...] = tuple(DIMENSIONS)) -> dict[str, dict[Any, Rates]]:
    """Opened, resolved, overdue and the three rates for the whole of `where` ("community",
    key 0) and per community ("communities"), grid, worker (owner) and category, in one
    GROUP BY per anchor column: the same definitions as stats.figures (docs/reports.md),
    which costs a dozen queries per scope; `found` as rankings.found_first (主动发现).
    tests/test_web_auth.py checks that they agree."""
    start, end = period.start, period.end
    fold = _Fold(dims)  # fewer dimensions, fewer groups: the comparison needs one
    keys = [DIMENSIONS[d] for d in dims]

    async def grouped(*cols: Any, conds: list[Any]) -> list[tuple[list[Rates], list[int]]]:
        rows = await session.execute(select(*keys, *cols).where(*where, *conds).group_by(*keys))
        return [(fold(tuple(r[:len(keys)])), [int(v) for v in r[len(keys):]]) for r in rows]

    n, within = stats._n, stats._in
    for targets, (count, found) in await grouped(func.count(), n(Case.source == PATROL), conds=[
            stats.NOT_DUP, within(Case.opened_at, start, end)]):
        for r in targets:
            r.opened += count
            r.found += found
    for targets, (count,) in await grouped(func.count(), conds=[
            stats.NOT_DUP, stats.IS_RESOLVED, within(Case.resolved_at, start, end)]):
        for r in targets:
            r.resolved += count
    for targets, (rated, good) in await grouped(
            n(Case.rating.is_not(None)), n(Case.rating.in_([stats.SATISFIED, stats.BASIC])),
            conds=[stats.NOT_DUP, within(Case.closed_at, start, end)]):
        for r in targets:
            r.rated, r.good = r.rated + rated, r.good + good
    where_, counts = stats.due_for_accept(start, end, now)
    for targets, (due, in_time, missed) in await grouped(*counts, conds=where_):
        for r in targets:
            r.due_accept += due
            r.accepted_in_time += in_time
            r.overdue += missed
    where_, counts = stats.due_for_resolve(start, end, now)
    for targets, (due, resolved, missed, twice) in await grouped(*counts, conds=where_):
        for r in targets:
            r.due_resolve += due
            r.resolved_of_due += resolved
            r.overdue += missed - twice
    return fold.by


async def dashboard(session: AsyncSession, desk: Desk, community_id: int, period: stats.Period,
                    now: datetime, tz: ZoneInfo) -> dict[str, Any] | None:
    """The three rates per community / grid / worker / category over `period`, the
    weekly trend, the cases overdue now and the building heat table; None when the
    community is not on this desk. Grid workers see their grids and themselves."""
    if community_id not in desk.all_community_ids:
        return None
    community = await session.get(Community, community_id)
    assert community is not None
    whole = community_id in desk.community_ids
    grids = [g for g in await org.grids_for(session, [community_id])
             if whole or g.id in desk.grid_ids]
    people: list[Person] = []
    for g in grids:
        people += [w for w in await org.grid_workers(session, g.id) if w not in people]
    if not whole:
        people = [p for p in people if p.id == desk.person_id]
    base = [Case.community_id == community_id]

    found = await rates_by(session, base, period, now, dims=("grid", "worker", "category"))

    def lines(dim: str, labels: list[tuple[Any, str]]) -> list[dict[str, Any]]:
        return [found[dim].get(k, Rates()).line(label) for k, label in labels]

    counted = [(k, category_name(k)) for k, _n in sorted(
        ((k, r.opened) for k, r in found["category"].items() if r.opened),
        key=lambda kv: (-kv[1], kv[0]))]
    scope = {
        "community": lines("community", [(0, community.name)]) if whole else [],
        "grid": lines("grid", [(g.id, g.name) for g in grids]),
        "worker": lines("worker", [(p.id, case_render.name_of(p)) for p in people]),
        "category": lines("category", counted) if whole else [],
    }
    where = base if whole else [*base, Case.grid_id.in_([g.id for g in grids] or [-1])]
    return {"community": community.name, "scope": scope,
            "period": [period.first_day.isoformat(), period.last_day.isoformat()],
            "weeks": await _weeks(session, where, now, tz),
            "overdue": await _overdue(session, desk, community_id, now, tz),
            "buildings": await _buildings(session, desk, community_id, period)}


async def compare(session: AsyncSession, desk: Desk, period: stats.Period, now: datetime
                  ) -> list[dict[str, Any]]:
    """The viewer's whole communities side by side over `period` (a street officer
    compares them; /stats does in text, bot/reports/compare.py): one Rates line each
    (opened, resolved, overdue in the period, the three rates, found first and its
    share) and the cases overdue now. Empty for a viewer with fewer than two."""
    ids = list(desk.community_ids)
    if len(ids) < 2:
        return []
    names = dict((await session.execute(
        select(Community.id, Community.name).where(Community.id.in_(ids)))).all())
    # Whole past days from the per-day rollup, the edges live (bot.reports.rollup): the
    # same figures as rates_by(…, dims=("communities",)) without reading a year of cases.
    found = await rollup.rates_by_community(session, ids, period, now)
    late = dict((await session.execute(
        select(Case.community_id, func.count())
        .where(*_late(desk, ids, now)).group_by(Case.community_id))).all())
    return [{"id": cid, **found.get(cid, Rates()).line(names.get(cid, "")),
             "overdue_now": int(late.get(cid, 0))} for cid in ids]


def _late(desk: Desk, community_ids: list[int], now: datetime) -> list[ColumnElement[bool]]:
    """The cases of these communities on this desk overdue right now (stats.overdue_now)."""
    return [Case.community_id.in_(community_ids), desk.cases(), stats.HAS_SLA, overdue_now(now)]


async def _weeks(session: AsyncSession, where: list[ColumnElement[bool]], now: datetime,
                 tz: ZoneInfo) -> list[dict[str, Any]]:
    """Cases opened and resolved per week, the last WEEKS weeks: the counts of
    stats.count_between, all weeks in one query per column."""
    this = stats.week_of(now.astimezone(tz).date(), tz)
    bounds = [(this.start - timedelta(weeks=i), this.end - timedelta(weeks=i))
              for i in range(WEEKS - 1, -1, -1)]
    counts = {}
    for key, col, extra in (("opened", Case.opened_at, []),
                            ("resolved", Case.resolved_at, [stats.IS_RESOLVED])):
        counts[key] = (await session.execute(
            select(*(stats._n(stats._in(col, a, b)) for a, b in bounds))
            .where(*where, stats.NOT_DUP, *extra, stats._in(col, bounds[0][0], this.end))
        )).one()
    return [{"week": a.astimezone(tz).date().isoformat(), "opened": int(counts["opened"][i]),
             "resolved": int(counts["resolved"][i])} for i, (a, _b) in enumerate(bounds)]


async def _overdue(session: AsyncSession, desk: Desk, community_id: int, now: datetime,
                   tz: ZoneInfo) -> dict[str, Any]:
    """The cases overdue now that this desk sees (as stats.overdue_now, 晾晒): their
    number, and the oldest OVERDUE_SHOWN of them; both from the active cases only."""
    where = _late(desk, [community_id], now)
    total = int(await session.scalar(select(func.count()).select_from(Case).where(*where)) or 0)
    rows = (await session.execute(
        select(Case.id, Case.number, Case.category, Case.accept_due, Case.resolve_due,
               Person.name)
        .outerjoin(Person, Person.id == Case.owner_id).where(*where)
        # By id (intake order, so oldest first): ordering by opened_at would make SQLite
        # walk the community's whole history by (community_id, opened_at) to find a few.
        .order_by(Case.id).limit(OVERDUE_SHOWN))).all()
    out = []
    for case_id, number, category, accept_due, resolve_due, owner in rows:
        late_resolve = resolve_due is not None and resolve_due < now
        out.append({"id": case_id, "number": number, "category": category_name(category),
                    "stage": "办结" if late_resolve else "受理",
                    "due": case_render.when(resolve_due if late_resolve else accept_due, tz),
                    "owner": owner or ""})
    return {"total": total, "rows": out}


async def _buildings(session: AsyncSession, desk: Desk, community_id: int,
                     period: stats.Period) -> dict[str, Any]:
    """Cases per building and category opened in the period (the heat table)."""
    n = func.count().label("n")
    rows = (await session.execute(
        select(Case.building, Case.category, n)
        .where(Case.community_id == community_id, desk.cases(), stats.NOT_DUP,
               Case.building.is_not(None), Case.opened_at >= period.start,
               Case.opened_at < period.end)
        .group_by(Case.building, Case.category))).all()
    cats = sorted({c for _b, c, _n in rows}, key=lambda c: list(CATEGORIES).index(c)
                  if c in CATEGORIES else 99)
    table: dict[str, dict[str, int]] = {}
    for b, c, count in rows:
        table.setdefault(str(b), {})[c] = int(count)
    ordered = sorted(table.items(), key=lambda kv: -sum(kv[1].values()))
    return {"categories": [category_name(c) for c in cats],
            "rows": [{"building": b, "counts": [v.get(c, 0) for c in cats],
                      "total": sum(v.values())} for b, v in ordered]}


# --- projects and polls ---------------------------------------------------------------------

async def projects_and_polls(session: AsyncSession, desk: Desk, tz: ZoneInfo
                             ) -> dict[str, Any]:
    """Projects with their progress and milestones; polls with turnout and totals (never
    who voted what: anonymous polls have only totals anyway)."""
    ids = list(desk.all_community_ids)
    names = dict((await session.execute(
        select(Community.id, Community.name).where(Community.id.in_(ids or [-1])))).all())
    out_projects = []
    for cid in ids:
        for p in await projects.list_projects(session, cid):
            out_projects.append({
                "id": p.id, "community": names.get(cid, ""), "title": p.title,
                "stage": project_texts.STAGES.get(p.stage, p.stage),
                "progress": project_render.progress(p),
                "milestones": [{"title": m.title, "done": m.done_at is not None,
                                "due": m.due_date.isoformat() if m.due_date else ""}
                               for m in p.milestones]})
    polls_out = []
    for poll in await session.scalars(select(Poll).where(Poll.community_id.in_(ids or [-1]))
                                      .order_by(Poll.id.desc()).limit(50)):
        tally = await polls.current_tally(session, poll)
        polls_out.append({
            "id": poll.id, "community": names.get(poll.community_id, ""),
            "question": poll.question, "status": poll.status, "anonymous": poll.anonymous,
            "closes": case_render.when(poll.closes_at, tz), "voters": tally.voters,
            "turnout": _rate(tally.turnout),
            "rows": [{"label": r.label, "count": r.count, "percent": r.percent}
                     for r in tally.rows]})
    return {"projects": out_projects, "polls": polls_out}


__all__ = ["Desk", "LedgerFilter", "case_detail", "choices", "compare", "dashboard", "desk_of",
           "export_query", "ledger_page", "photo_file", "projects_and_polls",
           "visible_case"]
