"""What /stats and /export show: the figures screen with period and scope buttons, the
charts, the ledger file. No aiogram: refusals are `bot.errors.Refusal`, keyboards are
`bot.ui` data, files are `bot.ui.Upload`."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts as C
from bot.context import AppContext
from bot.db.models import Community, Grid, Person
from bot.db.models.levels import STREET, Level
from bot.errors import Refusal
from bot.org import levels
from bot.org import service as org
from bot.reports import charts as report_charts
from bot.reports import compare, ledger, stats
from bot.reports import texts as T
from bot.reports.buttons import ExportPick, StatsCharts, StatsView
from bot.reports.render import period_label, stats_message
from bot.ui import Button, Keyboard, Upload, rows

DEFAULT_PERIOD = stats.PERIOD_CODES.index("tm")
EXPORT_PERIODS = ("tm", "lm", "ty")


@dataclass(frozen=True)
class Screen:
    text: str
    keyboard: Keyboard | None = None


@dataclass(frozen=True)
class Photo:
    upload: Upload
    caption: str | None


@dataclass(frozen=True)
class Document:
    upload: Upload
    caption: str


# --- who may see what -------------------------------------------------------------------

async def _communities(session: AsyncSession, person: Person, ctx: AppContext) -> list[Community]:
    """The communities whose figures and ledger this person sees: organised, or under
    their street or district."""
    communities = await org.organizer_communities(session, person, ctx.settings.admin_ids,
                                                  overseen=True)
    if not communities:
        raise Refusal(C.NOT_ALLOWED)
    return communities


async def _allowed(session: AsyncSession, person: Person, ctx: AppContext, community_id: int,
                   grid_id: int) -> tuple[Community, Grid | None]:
    """The community and grid of a button, if they exist and this person organises them."""
    refused = Refusal(C.NOT_ALLOWED, alert=True)
    community = await session.get(Community, community_id)
    if community is None or not await org.can_organize(session, person, community_id,
                                                       ctx.settings.admin_ids, overseen=True):
        raise refused
    grid = await session.get(Grid, grid_id) if grid_id else None
    if grid_id and (grid is None or grid.community_id != community_id):
        raise refused
    return community, grid


def _period(p: int, ctx: AppContext) -> stats.Period:
    if not 0 <= p < len(stats.PERIOD_CODES):
        raise Refusal(C.NOT_ALLOWED, alert=True)
    return stats.period_choice(stats.PERIOD_CODES[p], ctx.clock.now(), ctx.tz)


def _scope_label(community: Community, grid: Grid | None) -> str:
    if grid is None:
        return f"{community.name} · {T.SCOPE_ALL}"
    return T.SCOPE_GRID.format(community=community.name, grid=grid.name)


# --- /stats -----------------------------------------------------------------------------

def _stats_keyboard(view: StatsView, grids: list[Grid], communities: list[Community]
                    ) -> Keyboard:
    def mark(label: str, chosen: bool) -> str:
        return f"• {label}" if chosen else label

    periods = [Button(mark(T.PERIOD_BUTTONS[code], i == view.p), StatsView(view.c, view.g, i))
               for i, code in enumerate(stats.PERIOD_CODES)]
    scopes = [(0, T.ALL_GRIDS_BUTTON)] + [(g.id, g.name) for g in grids]
    others = [Button(c.name, StatsView(c.id, 0, view.p)) for c in communities if c.id != view.c]
    return [
        periods,
        *rows((Button(mark(name, gid == view.g), StatsView(view.c, gid, view.p))
               for gid, name in scopes), 3),
        *rows(others, 2),
        [Button(T.STATS_CHARTS, StatsCharts(view.c, view.g, view.p))],
    ]


async def stats_screen(session: AsyncSession, person: Person, ctx: AppContext,
                       view: StatsView | None = None) -> Screen:
    """The figures of a view (default: this month, the first community organised)."""
    if view is None:
        view = StatsView((await _communities(session, person, ctx))[0].id, 0, DEFAULT_PERIOD)
    community, grid = await _allowed(session, person, ctx, view.c, view.g)
    period = _period(view.p, ctx)
    scope = stats.Scope(community.id, grid.id if grid else None)
    f = await stats.figures(session, scope, period, ctx.clock.now())
    grids = await org.grids_for(session, [community.id])
    communities = await _communities(session, person, ctx)
    text = stats_message(_scope_label(community, grid), f)
    if len(communities) > 1 and grid is None:  # a street's communities side by side
        text += "\n\n" + await compare.side_by_side(session, communities, period,
                                                      ctx.clock.now())
    return Screen(text, _stats_keyboard(view, grids, communities))


async def stats_charts(session: AsyncSession, person: Person, ctx: AppContext,
                       cb: StatsCharts) -> list[Photo]:
    community, grid = await _allowed(session, person, ctx, cb.c, cb.g)
    period = _period(cb.p, ctx)
    scope = stats.Scope(community.id, grid.id if grid else None)
    label = report_charts.Label(_scope_label(community, grid), period_label(period))
    made = await report_charts.captioned_charts(session, scope, period, ctx.clock.now(), ctx.tz,
                                                label)
    return [Photo(Upload(c.png, f"chart{i}.png"), c.caption) for i, c in enumerate(made)]


# --- /export ----------------------------------------------------------------------------

def _export_keyboard(community_id: int) -> Keyboard:
    return rows((Button(f"{T.PERIOD_BUTTONS[code]} · {name}", ExportPick(community_id, i, f))
                 for i, code in enumerate(EXPORT_PERIODS)
                 for f, name in enumerate((T.EXPORT_FORMAT_XLSX, T.EXPORT_FORMAT_CSV))), 2)


async def _streets(session: AsyncSession, person: Person, ctx: AppContext) -> list[Level]:
    """The streets whose whole ledger this person may export: a street officer's street,
    a district officer's streets, every street for an admin."""
    if await org.is_admin(session, person, ctx.settings.admin_ids):
        return list(await session.scalars(
            select(Level).where(Level.kind == STREET).order_by(Level.id)))
    return await levels.streets_under(session, await levels.levels_of(session, person.id))


async def _street(session: AsyncSession, person: Person, ctx: AppContext,
                  level_id: int) -> tuple[Level, list[Community]]:
    street = next((s for s in await _streets(session, person, ctx) if s.id == level_id), None)
    if street is None:
        raise Refusal(C.NOT_ALLOWED, alert=True)
    return street, await levels.communities_of(session, [street])


async def export_menu(session: AsyncSession, person: Person, ctx: AppContext) -> Screen:
    """/export without arguments: the period and format buttons (a community first; a
    street officer may also choose the whole street)."""
    communities = await _communities(session, person, ctx)
    streets = await _streets(session, person, ctx)
    if len(communities) == 1 and not streets:
        return Screen(T.EXPORT_CHOOSE, _export_keyboard(communities[0].id))
    whole = [[Button(T.EXPORT_STREET_BUTTON.format(street=s.name), ExportPick(-s.id, -1, 0))]
             for s in streets]
    return Screen(T.STATS_CHOOSE_COMMUNITY, whole + rows(
        (Button(c.name, ExportPick(c.id, -1, 0)) for c in communities), 2))


def parse_export_args(args: str) -> tuple[date, date, str, str | None] | None:
    """"2026-10-01 2026-10-31 [csv] [社区]" -> (first, last, fmt, community key)."""
    words = args.split()
    fmt = "csv" if any(w.lower() == "csv" for w in words) else "xlsx"
    words = [w for w in words if w.lower() not in ledger.FORMATS]
    try:
        first, last = date.fromisoformat(words[0]), date.fromisoformat(words[1])
    except (IndexError, ValueError):
        return None
    if last < first or len(words) > 3:
        return None
    return first, last, fmt, words[2] if len(words) == 3 else None


async def export_by_args(session: AsyncSession, person: Person, ctx: AppContext,
                         args: str) -> Document | Screen:
    """/export 2026-10-01 2026-10-31 [csv] [社区] [明文 理由：…] (明文: admins only)."""
    communities = await _communities(session, person, ctx)
    args, _, reason = args.partition(T.EXPORT_REASON_WORD)
    words = args.split()
    unmasked = T.EXPORT_UNMASKED_WORD in words
    if unmasked:
        if not await org.is_admin(session, person, ctx.settings.admin_ids):
            raise Refusal(T.EXPORT_UNMASKED_ADMINS)
        reason = reason.strip(" ：:")
        if not reason:
            raise Refusal(T.EXPORT_UNMASKED_REASON)
    parsed = parse_export_args(" ".join(w for w in words if w != T.EXPORT_UNMASKED_WORD))
    if parsed is None:
        raise Refusal(T.EXPORT_BAD_ARGS)
    first, last, fmt, key = parsed
    period = stats.day_range(first, last, ctx.tz)
    reason = reason if unmasked else None
    street = next((s for s in await _streets(session, person, ctx) if s.name == key), None)
    if street is not None:  # /export … 丽景街街道: every community of the street
        return await street_ledger_file(session, ctx, street, period, fmt, person, reason)
    community = communities[0] if key is None else next(
        (c for c in communities if key in (c.name, c.code)), None)
    if community is None:
        raise Refusal(T.EXPORT_BAD_ARGS)
    return await ledger_file(session, ctx, community, period, fmt, person, reason=reason)


async def export_periods(session: AsyncSession, person: Person, ctx: AppContext,
                         cb: ExportPick) -> Screen:
    """A community (or a whole street, `c` < 0) chosen in the export menu: its period and
    format buttons."""
    if cb.c < 0:
        street, _ = await _street(session, person, ctx, -cb.c)
        return Screen(T.EXPORT_CHOOSE_STREET.format(street=street.name), _export_keyboard(cb.c))
    await _allowed(session, person, ctx, cb.c, 0)
    return Screen(T.EXPORT_CHOOSE, _export_keyboard(cb.c))


async def export_picked(session: AsyncSession, person: Person, ctx: AppContext,
                        cb: ExportPick) -> Document | Screen:
    """A period and format chosen in the export menu: the file."""
    if not (0 <= cb.p < len(EXPORT_PERIODS) and 0 <= cb.f < len(ledger.FORMATS)):
        raise Refusal(C.NOT_ALLOWED, alert=True)
    period = stats.period_choice(EXPORT_PERIODS[cb.p], ctx.clock.now(), ctx.tz)
    if cb.c < 0:
        street, _ = await _street(session, person, ctx, -cb.c)
        return await street_ledger_file(session, ctx, street, period, ledger.FORMATS[cb.f],
                                        person)
    community, _ = await _allowed(session, person, ctx, cb.c, 0)
    return await ledger_file(session, ctx, community, period, ledger.FORMATS[cb.f], person)


async def ledger_file(session: AsyncSession, ctx: AppContext, community: Community,
                      period: stats.Period, fmt: str,
                      person: Person | None = None,
                      reason: str | None = None) -> Document | Screen:
    """The ledger of one community and period as a file (a Screen when there is none);
    unmasked when a `reason` is given (the caller checked the right)."""
    return await _ledger_file(session, ctx, community.name, [community.id], period, fmt,
                              person, reason)


async def street_ledger_file(session: AsyncSession, ctx: AppContext, street: Level,
                             period: stats.Period, fmt: str, person: Person | None = None,
                             reason: str | None = None) -> Document | Screen:
    """The ledger of every community of a street in one file, recorded in the export
    audit like any other (its scope names the street)."""
    communities = await levels.communities_of(session, [street])
    name = T.EXPORT_STREET_NAME.format(street=street.name, n=len(communities))
    return await _ledger_file(session, ctx, name, [c.id for c in communities], period, fmt,
                              person, reason, label=f"street {street.name}",
                              file_name=street.name)


async def _ledger_file(session: AsyncSession, ctx: AppContext, name: str,
                       community_ids: list[int], period: stats.Period, fmt: str,
                       person: Person | None, reason: str | None, *, label: str = "",
                       file_name: str | None = None) -> Document | Screen:
    query = ledger.LedgerQuery(community_ids or [-1], period.start, period.end, ctx.tz,
                               unmasked=reason is not None, label=label)
    with tempfile.TemporaryDirectory(prefix="linli-ledger-") as tmp:
        path = Path(tmp) / f"ledger.{fmt}"
        who = f"tg:{person.tg_id} {person.name}" if person is not None else None
        count = await ledger.export(session, query, path, fmt, who=who,
                                    person_id=person.id if person is not None else None,
                                    reason=reason)
        data = path.read_bytes() if count else b""
    if count == 0:
        return Screen(T.EXPORT_EMPTY)
    caption = T.EXPORT_DONE.format(community=name, period=period_label(period),
                                   rows=count) + (T.EXPORT_UNMASKED_NOTE if reason else "")
    filename = T.EXPORT_FILENAME.format(community=file_name or name, first=period.first_day,
                                        last=period.last_day, ext=fmt)
    return Document(Upload(data, filename), caption)
