"""The case commands as services: each takes the command's arguments as typed and
returns what to answer (`/case`, `/mycases`, `/cases`, `/note`, `/dup`, `/reload_rules`)."""
from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers
from bot import texts as TC
from bot.cases import core, notify, query, workflow
from bot.cases import render as R
from bot.cases import texts as T
from bot.cases.buttons import CaseList
from bot.cases.query import View
from bot.context import AppContext
from bot.db.models import Case, Community, Person
from bot.org import service as org


async def show(session: AsyncSession, ctx: AppContext, person: Person, args: str,
               group_chat_id: int | None, now: datetime) -> View:
    """`/case N`: in a group only the group's community, and only the public card;
    a group bound to no community shows no case at all (anyone can make a group)."""
    community_id = None
    if group_chat_id is not None:
        group = await org.group_by_chat(session, group_chat_id)
        if group is None or group.grid is None:
            raise core.CaseRefused(TC.UNBOUND_GROUP, alert=False)
        community_id = group.grid.community_id
    if not args:
        return View(await _case_how(session, person, community_id, now.astimezone(ctx.tz).year))
    case = await query.find(session, args, community_id, now.astimezone(ctx.tz).year)
    if case is None:
        return View(T.CASE_NOT_FOUND.format(number=_echo(args)))
    if community_id is not None and case.community_id != community_id:
        return View(T.CASE_OTHER_COMMUNITY.format(number=_echo(args)))
    return await query.view(session, case, person, ctx.settings.admin_ids, now, ctx.tz,
                            in_group=group_chat_id is not None)


def _echo(typed: str, limit: int = 40) -> str:
    """What the user typed, shown back capped (a huge argument must not make the
    answer longer than Telegram allows)."""
    return typed if len(typed) <= limit else typed[:limit] + "…"


def deep_link_case(args: str | None) -> int | None:
    """The case id of a `/start case_<id>` link (bot.cases.notify.case_link)."""
    arg = (args or "").strip()
    if not arg.startswith(notify.DEEP_LINK):
        return None
    return numbers.number(arg[len(notify.DEEP_LINK):])


async def show_by_id(session: AsyncSession, ctx: AppContext, person: Person, case_id: int,
                     now: datetime) -> View:
    """A 查看进度 link opened in private: the view `/case N` gives this person there
    (public card for residents, staff card and buttons for staff)."""
    case = await core.load(session, case_id)
    if case is None:
        return View(T.CASE_NOT_FOUND.format(number=case_id))
    return await query.view(session, case, person, ctx.settings.admin_ids, now, ctx.tz,
                            in_group=False)


async def _case_how(session: AsyncSession, person: Person, community_id: int | None,
                    year: int) -> str:
    """The usage line, with an example number of the asker's own community."""
    if community_id is None:
        roles = await org.roles_of(session, person.id)
        community_id = next((r.community_id for r in roles if r.community_id), None)
    community = await session.get(Community, community_id) if community_id else None
    if community is None:
        return T.CASE_HOW_PLAIN
    return T.CASE_HOW.format(code=community.code, year=year)


async def _lines(session: AsyncSession, rows: list[Case], now: datetime) -> list[str]:
    names = await query.owner_names(session, rows)
    return [query.list_line(c, names.get(c.owner_id or c.assignee_id or 0, T.WORKER_PENDING), now)
            for c in rows]


async def my_cases(session: AsyncSession, person: Person, now: datetime) -> View:
    rows = await query.my_cases(session, person, now)
    if not rows:
        return View(T.MYCASES_EMPTY)
    lines = [T.MYCASES_HEADER.format(n=len(rows)), *await _lines(session, rows, now)]
    return View("\n".join(lines), R.list_keyboard(rows))


async def list_cases(session: AsyncSession, ctx: AppContext, person: Person, args: str,
                     now: datetime) -> View:
    """`/cases [filters]`: the first page (organizers); a grid worker or department
    member sees their own cases, as /mycases."""
    communities = await org.organizer_communities(session, person, ctx.settings.admin_ids,
                                                  overseen=True)
    if not communities:
        if any(r.role in ("grid_worker", "department")
               for r in await org.roles_of(session, person.id)):
            return await my_cases(session, person, now)
        raise core.CaseRefused(TC.NOT_ALLOWED)
    try:
        f = query.parse_filters(args, await org.grids_for(session, [c.id for c in communities]))
    except query.BadFilter as exc:
        return View(T.CASES_BAD_FILTER.format(word=exc.args[0]))
    return await list_page(session, ctx, person, CaseList(p=0, s=f.status, g=f.grid_id,
                                                          k=f.category, f=f.flags), now)


async def list_page(session: AsyncSession, ctx: AppContext, person: Person, page: CaseList,
                    now: datetime) -> View:
    communities = await org.organizer_communities(session, person, ctx.settings.admin_ids,
                                                  overseen=True)
    if not communities:
        raise core.CaseRefused(TC.NOT_ALLOWED)
    f = query.Filters(page.s, page.g, page.k, page.f)
    ids = [c.id for c in communities]
    rows, total = await query.list_cases(session, ids, f, page.p, now)
    if not total:
        return View(T.CASES_EMPTY)
    pages = (total + query.PAGE - 1) // query.PAGE
    grids = {g.id: g.name for g in await org.grids_for(session, ids)}
    header = T.CASES_HEADER.format(page=page.p + 1, pages=pages, n=total,
                                   filters=f.describe(grids))
    nav = [(label, CaseList(p=p, s=page.s, g=page.g, k=page.k, f=page.f))
           for p, label in ((page.p - 1, T.BTN_PREV), (page.p + 1, T.BTN_NEXT)) if 0 <= p < pages]
    return View("\n".join([header, *await _lines(session, rows, now)]),
                R.list_keyboard(rows, nav if pages > 1 else None))


async def note(session: AsyncSession, ctx: AppContext, person: Person, args: str,
               now: datetime) -> str:
    """`/note N text`: a public note on the timeline (organizers)."""
    number, _, text = args.strip().partition(" ")
    if not number or not text.strip():
        return T.NOTE_HOW
    case = await query.find(session, number)
    if case is None:
        return T.CASE_NOT_FOUND.format(number=_echo(number))
    await workflow.add_note(session, ctx, case.id, person, text, now)
    return T.NOTE_OK


async def duplicate(session: AsyncSession, ctx: AppContext, person: Person, args: str,
                    now: datetime) -> str:
    """`/dup N M`: close N as a duplicate of M (organizers)."""
    numbers = args.split()
    if len(numbers) != 2:
        return T.DUP_HOW
    found = [await query.find(session, n) for n in numbers]
    for number, case in zip(numbers, found, strict=True):
        if case is None:
            return T.CASE_NOT_FOUND.format(number=_echo(number))
    case, other = found
    assert case is not None and other is not None
    await workflow.close_duplicate(session, ctx, case.id, other.id, person, now)
    return T.DUP_OK.format(number=case.number, other=other.number)


async def reload_rules(session: AsyncSession, ctx: AppContext, person: Person) -> str:
    """`/reload_rules` (organizers): on an error the old rules stay."""
    from nlp import RulesError

    if not await org.organizer_communities(session, person, ctx.settings.admin_ids):
        raise core.CaseRefused(TC.NOT_ALLOWED)
    try:
        await asyncio.to_thread(ctx.classifier.reload, ctx.settings.rules_file)
    except RulesError as exc:
        return T.RELOAD_FAILED.format(error=(exc.zh or str(exc))[:3000])  # zh: for organizers
    return T.RELOAD_OK.format(path=ctx.classifier.rules_path)
