"""随手拍 points: a resident's photo report that opened a real case earns the reporter
the community's `report` rule when the case is resolved (bot.events.CaseResolved,
subscribed in bot.points.wire()).

Not paid: a case found on a round, a duplicate, a report without a photo, a report by
staff of the community, a case resolved by its own reporter. Once per case (the ledger's
ref `case:N`, so a reopened and resolved-again case pays nothing more), and at most
`report_daily` awards (default 3) for the reports a person made on one day."""
from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import Case, CasePhoto, Community, Person
from bot.db.models.cases import RESIDENT
from bot.db.models.points import REPORT, PointEntry
from bot.events import CaseResolved
from bot.org import service as org
from bot.points.service import grant, rule
from bot.points.settings import REPORT_DAILY

if TYPE_CHECKING:
    from bot.context import AppContext

DAILY = 3
STAFF = ("organizer", "grid_worker", "department")
DEFAULT_TZ = ZoneInfo(Settings.model_fields["timezone"].default)


def ref_of(case_id: int) -> str:
    return f"case:{case_id}"


async def report_daily(session: AsyncSession, community_id: int) -> int:
    community = await session.get(Community, community_id)
    custom = ((community.settings or {}).get("points_rules") or {}) if community else {}
    value = custom.get(REPORT_DAILY) if isinstance(custom, dict) else None
    return value if isinstance(value, int) and value >= 0 else DAILY


def _day(when: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    start = when.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


async def _is_photo_report(session: AsyncSession, case: Case, resolver_id: int) -> bool:
    if (case.reporter_id is None or case.source != RESIDENT or case.duplicate_of_id is not None
            or case.reporter_id == resolver_id):
        return False
    return await session.scalar(select(CasePhoto.id).where(
        CasePhoto.case_id == case.id, CasePhoto.kind == "report").limit(1)) is not None


async def on_case_resolved(session: AsyncSession, ctx: AppContext | None,
                           event: CaseResolved) -> None:
    case = await session.get(Case, event.case_id)
    if case is None or not await _is_photo_report(session, case, event.by_id):
        return
    reporter = await session.get(Person, case.reporter_id)
    if reporter is None or any(r.role in STAFF and r.community_id in (None, case.community_id)
                               for r in await org.roles_of(session, reporter.id)):
        return
    if await rule(session, case.community_id, REPORT) == 0:
        return
    start, end = _day(case.opened_at, ctx.tz if ctx else DEFAULT_TZ)
    same_day = [ref_of(i) for i in await session.scalars(select(Case.id).where(
        Case.reporter_id == reporter.id, Case.opened_at >= start, Case.opened_at < end))]
    paid = await session.scalar(select(func.count()).select_from(PointEntry).where(
        PointEntry.person_id == reporter.id, PointEntry.kind == REPORT,
        PointEntry.ref.in_(same_day)))
    if (paid or 0) >= await report_daily(session, case.community_id):
        return
    await grant(session, person=reporter, community_id=case.community_id, kind=REPORT,
                note=case.number, ref=ref_of(case.id), now=event.at)
