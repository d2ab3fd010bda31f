"""Staff commands: /mycases, /cases (filters, paging), /note, /dup, /reload_rules."""
from __future__ import annotations

import asyncio
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.db.models import Case, Person
from bot.cases import query as Q
from bot import cases
from bot.org import service as org
from bot.cases import texts as T
from bot import texts as TC
from handlers.cases.callbacks import Act, CaseBtn, CaseList
from handlers.cases.flow import refuse


def _list_keyboard(rows: list[Case], f: Q.Filters | None = None, page: int = 0,
                   pages: int = 1) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    for case in rows:
        kb.button(text=case.number, callback_data=CaseBtn(a=Act.DETAIL, c=case.id))
    sizes = [2] * ((len(rows) + 1) // 2)
    if f is not None and pages > 1:
        nav = 0
        for p, label in ((page - 1, T.BTN_PREV), (page + 1, T.BTN_NEXT)):
            if 0 <= p < pages:
                kb.button(text=label, callback_data=CaseList(p=p, s=f.status, g=f.grid_id,
                                                             k=f.category, f=f.flags))
                nav += 1
        sizes.append(nav)
    if not kb.buttons:
        return None
    kb.adjust(*sizes)
    return kb.as_markup()


async def _listing(session: AsyncSession, person: Person, ctx: AppContext, f: Q.Filters,
                   page: int, now: datetime) -> tuple[str, InlineKeyboardMarkup | None] | None:
    communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
    if not communities:
        return None
    rows, total = await Q.list_cases(session, [c.id for c in communities], f, page, now)
    if not total:
        return T.CASES_EMPTY, None
    pages = (total + Q.PAGE - 1) // Q.PAGE
    grids = await org.grids_for(session, [c.id for c in communities])
    names = await Q.owner_names(session, rows)
    lines = [T.CASES_HEADER.format(page=page + 1, pages=pages, n=total,
                                   filters=f.describe({g.id: g.name for g in grids}))]
    lines += [Q.list_line(c, names.get(c.owner_id or c.assignee_id or 0, T.WORKER_PENDING), now)
              for c in rows]
    return "\n".join(lines), _list_keyboard(rows, f, page, pages)


def build_router() -> Router:
    router = Router(name=__name__)

    @router.message(Command("mycases"))
    async def mycases(message: Message, session: AsyncSession, person: Person,
                      now: datetime) -> None:
        rows = await Q.my_cases(session, person, now)
        if not rows:
            await message.answer(T.MYCASES_EMPTY, parse_mode=None)
            return
        names = await Q.owner_names(session, rows)
        lines = [T.MYCASES_HEADER.format(n=len(rows))]
        lines += [Q.list_line(c, names.get(c.owner_id or c.assignee_id or 0, T.WORKER_PENDING),
                              now) for c in rows]
        await message.answer("\n".join(lines), parse_mode=None, reply_markup=_list_keyboard(rows))

    @router.message(Command("cases"))
    async def list_cases(message: Message, command: CommandObject, session: AsyncSession,
                         person: Person, ctx: AppContext, now: datetime) -> None:
        communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
        if not communities:
            await message.answer(TC.NOT_ALLOWED, parse_mode=None)
            return
        try:
            f = Q.parse_filters(command.args or "",
                                await org.grids_for(session, [c.id for c in communities]))
        except Q.BadFilter as exc:
            await message.answer(T.CASES_BAD_FILTER.format(word=exc.args[0]), parse_mode=None)
            return
        shown = await _listing(session, person, ctx, f, 0, now)
        assert shown is not None
        await message.answer(shown[0], parse_mode=None, reply_markup=shown[1])

    @router.callback_query(CaseList.filter())
    async def page(query: CallbackQuery, callback_data: CaseList, session: AsyncSession,
                   person: Person, ctx: AppContext, now: datetime) -> None:
        f = Q.Filters(callback_data.s, callback_data.g, callback_data.k, callback_data.f)
        shown = await _listing(session, person, ctx, f, callback_data.p, now)
        if shown is None:
            await refuse(query, TC.NOT_ALLOWED)
            return
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(shown[0], parse_mode=None, reply_markup=shown[1])

    @router.message(Command("note"))
    async def note(message: Message, command: CommandObject, session: AsyncSession,
                   person: Person, ctx: AppContext, now: datetime) -> None:
        number, _, text = (command.args or "").strip().partition(" ")
        case = await Q.find(session, number) if number else None
        if not number or not text.strip():
            await message.answer(T.NOTE_HOW, parse_mode=None)
            return
        if case is None:
            await message.answer(T.CASE_NOT_FOUND.format(number=number), parse_mode=None)
            return
        try:
            await cases.add_note(session, ctx, case.id, person, text, now)
        except cases.CaseRefused as exc:
            await message.answer(str(exc), parse_mode=None)
            return
        await message.answer(T.NOTE_OK, parse_mode=None)

    @router.message(Command("dup"))
    async def dup(message: Message, command: CommandObject, session: AsyncSession,
                  person: Person, ctx: AppContext, now: datetime) -> None:
        parts = (command.args or "").split()
        if len(parts) != 2:
            await message.answer(T.DUP_HOW, parse_mode=None)
            return
        found = [await Q.find(session, p) for p in parts]
        for number, case in zip(parts, found, strict=True):
            if case is None:
                await message.answer(T.CASE_NOT_FOUND.format(number=number), parse_mode=None)
                return
        case, other = found
        assert case is not None and other is not None
        try:
            await cases.close_duplicate(session, ctx, case.id, other.id, person, now)
        except cases.CaseRefused as exc:
            await message.answer(str(exc), parse_mode=None)
            return
        await message.answer(T.DUP_OK.format(number=case.number, other=other.number),
                             parse_mode=None)

    @router.message(Command("reload_rules"))
    async def reload_rules(message: Message, session: AsyncSession, person: Person,
                           ctx: AppContext) -> None:
        if not await org.organizer_communities(session, person, ctx.settings.admin_ids):
            await message.answer(TC.NOT_ALLOWED, parse_mode=None)
            return
        from nlp import RulesError

        try:
            await asyncio.to_thread(ctx.classifier.reload, ctx.settings.rules_file)
        except RulesError as exc:
            await message.answer(T.RELOAD_FAILED.format(error=str(exc)[:3000]), parse_mode=None)
            return
        await message.answer(T.RELOAD_OK.format(path=ctx.classifier.rules_path), parse_mode=None)

    return router
