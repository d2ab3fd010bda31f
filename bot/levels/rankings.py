"""比学赶超 / 夺旗打榜: each month the grids of a community and the communities of a
street are ranked on the three rates of bot.reports.stats, the share of cases found
first by the grid workers' rounds (主动发现), and overdue cases; the rule is shown
with every ranking. Posted at month start (timer "rank.monthly" per community) to the
organizers and the street's officers, and to a community's groups if it opts in
(Community.settings["rank_to_groups"] = true); /rank shows the current month. The
street's officers get the month's /depts figures with it."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Case, Community, Grid, Person, Timer
from bot.db.models.cases import PATROL
from bot.db.models.levels import Level
from bot.delivery import outbox
from bot.delivery.outbox import after_quiet_hours, parse_quiet_hours
from bot.levels import texts as T
from bot.levels.buttons import RankView
from bot.levels.depts import dept_figures, depts_text
from bot.levels.scope import Screen, period_keyboard, period_of, scope_of, streets_of
from bot.org import levels
from bot.org import service as org
from bot.reports import stats
from bot.reports.render import pct, period_label
from bot.reports.service import next_monthly
from scheduler import timers

RANK = "rank.monthly"
WEIGHTS = (("response_rate", 30), ("resolve_rate", 40), ("satisfaction_rate", 30))
FOUND_BONUS, OVERDUE_PENALTY = 10, 2
MAX_TEXT = 3900
SETTING = "rank_to_groups"


@dataclass
class Entry:
    name: str
    f: stats.Figures
    found: int
    score: float | None = None
    flag: str = ""

    @property
    def found_share(self) -> float | None:
        return self.found / self.f.opened if self.f.opened else None


def score(f: stats.Figures, found: int) -> float | None:
    """The rule of RANK_RULE; None when no rate has data yet."""
    have = [(getattr(f, rate), w) for rate, w in WEIGHTS if getattr(f, rate) is not None]
    if not have:
        return None
    base = sum(v * w for v, w in have) / sum(w for _, w in have) * 100
    share = found / f.opened if f.opened else 0.0
    return base + share * FOUND_BONUS - f.overdue * OVERDUE_PENALTY


async def found_first(session: AsyncSession, scope: stats.Scope, period: stats.Period) -> int:
    """Cases of the period found on a round (主动发现), counted as stats counts opened."""
    return int(await session.scalar(
        select(func.count()).select_from(Case)
        .where(*scope.where(), stats.NOT_DUP, Case.source == PATROL,
               and_(Case.opened_at >= period.start, Case.opened_at < period.end))) or 0)


async def _entry(session: AsyncSession, name: str, scope: stats.Scope, period: stats.Period,
                 now: datetime) -> Entry:
    f = await stats.figures(session, scope, period, now, extras=False)
    found = await found_first(session, scope, period)
    return Entry(name, f, found, score(f, found))


def rank(entries: list[Entry]) -> list[Entry]:
    """Best first; 🚩 to the first, 🟨 to the last when three or more have a score."""
    ordered = sorted(entries, key=lambda e: (e.score is None, -(e.score or 0), e.f.overdue,
                                             e.name))
    scored = [e for e in ordered if e.score is not None]
    if scored:
        scored[0].flag = T.RANK_RED
    if len(scored) >= 3:
        scored[-1].flag = T.RANK_YELLOW
    return ordered


async def grid_ranking(session: AsyncSession, community: Community, period: stats.Period,
                       now: datetime) -> list[Entry]:
    grids = list(await session.scalars(
        select(Grid).where(Grid.community_id == community.id).order_by(Grid.id)))
    base = stats.Scope(community.id)
    return rank([await _entry(session, g.name, replace(base, grid_id=g.id), period, now)
                 for g in grids])


async def community_ranking(session: AsyncSession, communities: list[Community],
                            period: stats.Period, now: datetime) -> list[Entry]:
    return rank([await _entry(session, c.name, stats.Scope(c.id), period, now)
                 for c in communities])


def ranking_text(title: str, entries: list[Entry]) -> str:
    if not any(e.f.opened or e.f.due_accept or e.f.due_resolve or e.f.closed for e in entries):
        return f"{title}\n{T.RANK_EMPTY}"
    lines = [title]
    for place, e in enumerate(entries, start=1):
        lines.append(T.RANK_LINE.format(
            flag=e.flag, place=place, name=escape(e.name),
            score=T.RANK_NO_SCORE if e.score is None else T.RANK_SCORE.format(e.score),
            response=pct(e.f.response_rate), resolve=pct(e.f.resolve_rate),
            satisfaction=pct(e.f.satisfaction_rate), found=e.found, opened=e.f.opened,
            found_share=pct(e.found_share), overdue=e.f.overdue))
    return "\n".join(lines)


async def street_text(session: AsyncSession, street: Level, period: stats.Period,
                      now: datetime) -> str:
    communities = await levels.communities_of(session, [street])
    entries = await community_ranking(session, communities, period, now)
    title = T.RANK_TITLE_STREET.format(street=escape(street.name), period=period_label(period))
    return ranking_text(title, entries)


async def grids_text(session: AsyncSession, community: Community, period: stats.Period,
                     now: datetime) -> str:
    title = T.RANK_TITLE_GRIDS.format(community=escape(community.name),
                                      period=period_label(period))
    return ranking_text(title, await grid_ranking(session, community, period, now))


def _fit(parts: list[str]) -> str:
    text = "\n\n".join([*parts, T.RANK_RULE])
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT].rsplit("\n", 1)[0] + "\n……"


async def rank_screen(session: AsyncSession, person: Person, ctx: AppContext,
                      view: RankView | None = None) -> Screen:
    """/rank: a street officer sees their streets' communities side by side and each
    community's grids; an organizer their street's table and their own grids."""
    p = view.p if view is not None else 0
    period, now = period_of(p, ctx), ctx.clock.now()
    streets = await streets_of(session, person)
    _, communities = await scope_of(session, person, ctx)
    if not streets:  # an organizer: the street(s) their communities belong to
        found = [await levels.street_of(session, c) for c in communities]
        streets = list({s.id: s for s in found if s is not None}.values())
    parts = [await street_text(session, s, period, now) for s in streets]
    parts += [await grids_text(session, c, period, now) for c in communities[:6]]
    return Screen(_fit(parts), period_keyboard(p, RankView))


# --- the monthly post ----------------------------------------------------------------------

def _ref(community_id: int) -> str:
    return f"community:{community_id}"


async def ensure_rank_timers(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    """One pending monthly ranking timer per community (idempotent)."""
    made = 0
    for community_id in await session.scalars(select(Community.id).order_by(Community.id)):
        if not await timers.pending(session, RANK, _ref(community_id)):
            await timers.schedule(session, RANK, _ref(community_id), next_monthly(now, tz))
            made += 1
    return made


async def _post(session: AsyncSession, ctx: AppContext, chats: list[int], text: str,
                key: str) -> None:
    now = ctx.clock.now()
    not_before = after_quiet_hours(now, parse_quiet_hours(ctx.settings.quiet_hours), ctx.tz)
    for chat_id in dict.fromkeys(chats):
        await outbox.enqueue(session, chat_id, now=now, not_before=not_before, text=text,
                             parse_mode="HTML", dedupe_key=f"{key}:{chat_id}", ref=RANK)


def _chats(people: list[Person]) -> list[int]:
    return [p.tg_id for p in people if p.tg_id is not None and not p.blocked_bot]


async def fire_rank(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    """Last month's rankings of this community (and its street), then the next timer.
    Two communities of one street post the street's table to its officers once."""
    community = await session.get(Community, int(timer.ref.split(":", 1)[1]))
    if community is None:
        return
    now = ctx.clock.now()
    await timers.schedule(session, RANK, timer.ref,
                          next_monthly(max(timer.due_at, now), ctx.tz))
    day = timer.due_at.astimezone(ctx.tz).date().replace(day=1) - timedelta(days=1)
    period = stats.month_of(day, ctx.tz)
    month = f"{period.first_day:%Y-%m}"
    grids = await grids_text(session, community, period, now)
    street = await levels.street_of(session, community)
    table = await street_text(session, street, period, now) if street else None
    ours = [t for t in (table, grids) if t]
    await _post(session, ctx, _chats(await org.organizers(session, community.id)), _fit(ours),
                f"rank:community:{community.id}:{month}")
    if street is not None and table is not None:
        district = await levels.level_of(session, community, "district")
        officers = await levels.officers(session, street)
        officers += await levels.officers(session, district) if district else []
        ids = [c.id for c in await levels.communities_of(session, [street])]
        depts = depts_text(street.name, period, await dept_figures(session, ids, period))
        await _post(session, ctx, _chats(officers), _fit([table, depts]),
                    f"rank:street:{street.id}:{month}")
    if (community.settings or {}).get(SETTING):
        chats = [g.chat_id for g in await org.group_chats_of_community(session, community.id)]
        await _post(session, ctx, chats, _fit(ours), f"rank:groups:{community.id}:{month}")
