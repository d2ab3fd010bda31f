"""/stats (figures with period and scope buttons, charts) and /export (the ledger file)."""
from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    FSInputFile,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Community, Grid, Person
from bot.reports import ledger
from bot.org import service as org
from bot.reports import charts as report_charts
from bot.reports import stats
from bot.reports.render import period_label, stats_message
from bot import texts as C
from bot.reports import texts as T

PRIVATE = F.chat.type == "private"
DEFAULT_PERIOD = stats.PERIOD_CODES.index("tm")
EXPORT_PERIODS = ("tm", "lm", "ty")


class StatsView(CallbackData, prefix="rs"):
    c: int  # community id
    g: int  # grid id, 0 = whole community
    p: int  # index into stats.PERIOD_CODES


class StatsCharts(CallbackData, prefix="rc"):
    c: int
    g: int
    p: int


class ExportPick(CallbackData, prefix="rx"):
    c: int
    p: int  # index into EXPORT_PERIODS, -1 = choose the period next
    f: int  # 0 xlsx, 1 csv


# --- rendering -------------------------------------------------------------------------

def _stats_keyboard(view: StatsView, grids: list[Grid], communities: list[Community]
                    ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    mark = "• {}".format
    for i, code in enumerate(stats.PERIOD_CODES):
        label = T.PERIOD_BUTTONS[code]
        kb.button(text=mark(label) if i == view.p else label,
                  callback_data=StatsView(c=view.c, g=view.g, p=i))
    sizes = [len(stats.PERIOD_CODES)]
    scopes = [(0, T.ALL_GRIDS_BUTTON)] + [(g.id, g.name) for g in grids]
    for gid, name in scopes:
        kb.button(text=mark(name) if gid == view.g else name,
                  callback_data=StatsView(c=view.c, g=gid, p=view.p))
    sizes += [3] * ((len(scopes) + 2) // 3)
    others = [c for c in communities if c.id != view.c]
    for community in others:
        kb.button(text=community.name, callback_data=StatsView(c=community.id, g=0, p=view.p))
    sizes += [2] * ((len(others) + 1) // 2)
    kb.button(text=T.STATS_CHARTS, callback_data=StatsCharts(c=view.c, g=view.g, p=view.p))
    kb.adjust(*sizes, 1)
    return kb.as_markup()


async def _allowed(session: AsyncSession, person: Person, ctx: AppContext, community_id: int,
                   grid_id: int) -> tuple[Community, Grid | None] | None:
    """The community and grid of a view, if they exist and this person organises them."""
    community = await session.get(Community, community_id)
    if community is None or not await org.can_organize(session, person, community_id,
                                                       ctx.settings.admin_ids):
        return None
    grid = await session.get(Grid, grid_id) if grid_id else None
    if grid_id and (grid is None or grid.community_id != community_id):
        return None
    return community, grid


def _scope_label(community: Community, grid: Grid | None) -> str:
    if grid is None:
        return f"{community.name} · {T.SCOPE_ALL}"
    return T.SCOPE_GRID.format(community=community.name, grid=grid.name)


def _period(p: int, ctx: AppContext) -> stats.Period | None:
    if not 0 <= p < len(stats.PERIOD_CODES):
        return None
    return stats.period_choice(stats.PERIOD_CODES[p], ctx.clock.now(), ctx.tz)


async def _render_stats(session: AsyncSession, person: Person, ctx: AppContext, view: StatsView
                        ) -> tuple[str, InlineKeyboardMarkup] | None:
    allowed = await _allowed(session, person, ctx, view.c, view.g)
    period = _period(view.p, ctx)
    if allowed is None or period is None:
        return None
    community, grid = allowed
    scope = stats.Scope(community.id, grid.id if grid else None)
    f = await stats.figures(session, scope, period, ctx.clock.now())
    grids = await org.grids_for(session, [community.id])
    communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
    return (stats_message(_scope_label(community, grid), f),
            _stats_keyboard(view, grids, communities))


def _export_keyboard(community_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for i, code in enumerate(EXPORT_PERIODS):
        for f, name in enumerate((T.EXPORT_FORMAT_XLSX, T.EXPORT_FORMAT_CSV)):
            kb.button(text=f"{T.PERIOD_BUTTONS[code]} · {name}",
                      callback_data=ExportPick(c=community_id, p=i, f=f))
    kb.adjust(2)
    return kb.as_markup()


async def _send_ledger(message: Message, session: AsyncSession, ctx: AppContext,
                       community: Community, period: stats.Period, fmt: str) -> None:
    query = ledger.LedgerQuery([community.id], period.start, period.end, ctx.tz)
    with tempfile.TemporaryDirectory(prefix="linli-ledger-") as tmp:
        path = Path(tmp) / f"ledger.{fmt}"
        count = await ledger.export(session, query, path, fmt)
        if count == 0:
            await message.answer(T.EXPORT_EMPTY)
            return
        name = T.EXPORT_FILENAME.format(community=community.name, first=period.first_day,
                                        last=period.last_day, ext=fmt)
        await message.answer_document(
            FSInputFile(path, filename=name),
            caption=T.EXPORT_DONE.format(community=community.name,
                                         period=period_label(period), rows=count))


def _parse_export_args(args: str) -> tuple[date, date, str, str | None] | None:
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


# --- router ----------------------------------------------------------------------------

def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("stats", "export"), ~PRIVATE)
    async def not_here(message: Message) -> None:
        await message.reply(C.PRIVATE_ONLY)

    @router.message(Command("stats"), PRIVATE)
    async def stats_cmd(message: Message, session: AsyncSession, person: Person,
                        ctx: AppContext) -> None:
        communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
        if not communities:
            await message.answer(C.NOT_ALLOWED)
            return
        view = StatsView(c=communities[0].id, g=0, p=DEFAULT_PERIOD)
        rendered = await _render_stats(session, person, ctx, view)
        assert rendered is not None
        await message.answer(rendered[0], reply_markup=rendered[1])

    @router.callback_query(StatsView.filter())
    async def stats_view(query: CallbackQuery, callback_data: StatsView, session: AsyncSession,
                         person: Person, ctx: AppContext) -> None:
        rendered = await _render_stats(session, person, ctx, callback_data)
        if rendered is None or not isinstance(query.message, Message):
            await query.answer(C.NOT_ALLOWED, show_alert=True)
            return
        await query.answer(T.STATS_UPDATED)
        text, kb = rendered
        if query.message.html_text != text or query.message.reply_markup != kb:
            await query.message.edit_text(text, reply_markup=kb)

    @router.callback_query(StatsCharts.filter())
    async def stats_charts(query: CallbackQuery, callback_data: StatsCharts,
                           session: AsyncSession, person: Person, ctx: AppContext) -> None:
        v = callback_data
        allowed = await _allowed(session, person, ctx, v.c, v.g)
        period = _period(v.p, ctx)
        if allowed is None or period is None or not isinstance(query.message, Message):
            await query.answer(C.NOT_ALLOWED, show_alert=True)
            return
        await query.answer(T.STATS_CHARTS_SENT)
        community, grid = allowed
        scope = stats.Scope(community.id, grid.id if grid else None)
        pngs = await report_charts.all_charts(session, scope, period, ctx.clock.now(), ctx.tz)
        caption = T.STATS_CHART_CAPTION.format(scope=_scope_label(community, grid),
                                               period=period_label(period))
        for i, png in enumerate(pngs):
            await query.message.answer_photo(BufferedInputFile(png, f"chart{i}.png"),
                                             caption=caption if i == 0 else None)

    @router.message(Command("export"), PRIVATE)
    async def export_cmd(message: Message, command: CommandObject, session: AsyncSession,
                         person: Person, ctx: AppContext) -> None:
        communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
        if not communities:
            await message.answer(C.NOT_ALLOWED)
            return
        if not command.args:
            if len(communities) == 1:
                await message.answer(T.EXPORT_CHOOSE, reply_markup=_export_keyboard(communities[0].id))
                return
            kb = InlineKeyboardBuilder()
            for c in communities:
                kb.button(text=c.name, callback_data=ExportPick(c=c.id, p=-1, f=0))
            kb.adjust(2)
            await message.answer(T.STATS_CHOOSE_COMMUNITY, reply_markup=kb.as_markup())
            return
        parsed = _parse_export_args(command.args)
        if parsed is None:
            await message.answer(T.EXPORT_BAD_ARGS)
            return
        first, last, fmt, key = parsed
        community = communities[0] if key is None else next(
            (c for c in communities if key in (c.name, c.code)), None)
        if community is None:
            await message.answer(T.EXPORT_BAD_ARGS)
            return
        await _send_ledger(message, session, ctx, community,
                           stats.day_range(first, last, ctx.tz), fmt)

    @router.callback_query(ExportPick.filter())
    async def export_pick(query: CallbackQuery, callback_data: ExportPick,
                          session: AsyncSession, person: Person, ctx: AppContext) -> None:
        v = callback_data
        allowed = await _allowed(session, person, ctx, v.c, 0)
        if allowed is None or not isinstance(query.message, Message) or not (
                -1 <= v.p < len(EXPORT_PERIODS)) or v.f not in (0, 1):
            await query.answer(C.NOT_ALLOWED, show_alert=True)
            return
        if v.p == -1:
            await query.answer()
            await query.message.edit_text(T.EXPORT_CHOOSE, reply_markup=_export_keyboard(v.c))
            return
        await query.answer(T.EXPORT_WORKING)
        period = stats.period_choice(EXPORT_PERIODS[v.p], ctx.clock.now(), ctx.tz)
        await _send_ledger(query.message, session, ctx, allowed[0], period, ledger.FORMATS[v.f])

    return router
