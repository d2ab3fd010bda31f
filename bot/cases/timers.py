"""What the timers of the case loop do when due. Each re-checks the case, so a timer left over
from an earlier state does nothing; a reminder whose deadline has also passed
(downtime) is skipped in favour of the escalation. Registered by bot.cases.wire()."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases import access, core, notify, sla, workflow
from bot.cases import render as R
from bot.cases import texts as T
from bot.context import AppContext
from bot.db.models import Case, Department, Timer, Whistle
from bot.db.models.cases import ACCEPTED, OPEN


async def _case(session: AsyncSession, timer: Timer) -> Case | None:
    kind, _, ident = timer.ref.partition(":")
    return await core.load(session, int(ident)) if kind == "case" and ident.isdigit() else None


async def accept_remind(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    case = await _case(session, timer)
    now = ctx.clock.now()
    due = sla.current_due(case) if case is not None else None
    if case is None or case.status != OPEN or due is None or due <= now:
        return
    text = T.REMIND_ACCEPT.format(number=case.number, due=R.when(due, ctx.tz))
    await notify.to_people(session, await access.level_people(session, case), text, now,
                           case=case, kb=R.staff_keyboard(case))
    await core.event(session, ctx, case, "reminded", now, public=False, text="accept")


async def resolve_remind(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    case = await _case(session, timer)
    now = ctx.clock.now()
    due = sla.current_due(case) if case is not None else None
    if case is None or case.status != ACCEPTED or due is None or due <= now:
        return
    text = T.REMIND_RESOLVE.format(number=case.number, due=R.when(due, ctx.tz))
    owner = await core.person(session, case.owner_id)
    await notify.to_person(session, owner, text, now, case=case, kb=R.staff_keyboard(case))
    await core.event(session, ctx, case, "reminded", now, public=False, text="resolve")


async def accept_due(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    case = await _case(session, timer)
    if case is None or case.status != OPEN or sla.current_due(case) != timer.due_at:
        return
    now = ctx.clock.now()
    await workflow.escalate(session, ctx, case, now, actor=None, why=T.WHY_ACCEPT_LATE,
                            restart=sla.start_accept_clock)


async def resolve_due(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    case = await _case(session, timer)
    if case is None or case.status != ACCEPTED or sla.current_due(case) != timer.due_at:
        return
    now = ctx.clock.now()
    await workflow.escalate(session, ctx, case, now, actor=None, why=T.WHY_RESOLVE_LATE,
                            restart=sla.start_resolve_clock)


async def rating_due(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    case = await _case(session, timer)
    if case is not None:
        await workflow.close_unrated(session, ctx, case, int(timer.payload.get("round", 0)),
                                     ctx.clock.now())


async def whistle_due(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    _, _, ident = timer.ref.partition(":")
    row = await session.get(Whistle, int(ident)) if ident.isdigit() else None
    if row is None or row.acked_at is not None:
        return
    case = await core.load(session, row.case_id)
    dept = await session.get(Department, row.department_id)
    if case is None or dept is None or case.status not in (OPEN, ACCEPTED):
        return
    now = ctx.clock.now()
    text = T.WHISTLE_LATE.format(dept=dept.name, number=case.number)
    await notify.to_person(session, await core.person(session, case.owner_id), text, now, case=case)
    await workflow.escalate(session, ctx, case, now, actor=None, why=T.WHY_WHISTLE_LATE)


async def digest(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    case = await _case(session, timer)
    if case is not None:
        await notify.send_digest(session, ctx, case, ctx.clock.now())
