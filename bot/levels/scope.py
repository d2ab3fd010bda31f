"""Who sees which communities in /depts and /rank, and the month buttons."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts as C
from bot.context import AppContext
from bot.db.models import Community, Person
from bot.db.models.levels import Level
from bot.errors import Refusal
from bot.levels import texts as T
from bot.org import levels
from bot.org import service as org
from bot.reports import stats
from bot.ui import Button, Callback, Keyboard

PERIODS = ("tm", "lm")


@dataclass(frozen=True)
class Screen:
    text: str
    keyboard: Keyboard | None = None


def period_of(p: int, ctx: AppContext) -> stats.Period:
    if not 0 <= p < len(PERIODS):
        raise Refusal(C.NOT_ALLOWED, alert=True)
    return stats.period_choice(PERIODS[p], ctx.clock.now(), ctx.tz)


def period_keyboard(p: int, make: Callable[[int], Callback]) -> Keyboard:
    return [[Button(("• " if i == p else "") + T.RANK_BTN[code], make(i))
             for i, code in enumerate(PERIODS)]]


async def streets_of(session: AsyncSession, person: Person) -> list[Level]:
    """The streets a street or district officer answers for."""
    return await levels.streets_under(session, await levels.levels_of(session, person.id))


async def scope_of(session: AsyncSession, person: Person, ctx: AppContext
                   ) -> tuple[str, list[Community]]:
    """(label, communities): an officer's streets, else the communities organised."""
    streets = await streets_of(session, person)
    if streets:
        return "、".join(s.name for s in streets), await levels.communities_of(session, streets)
    communities = await org.organizer_communities(session, person, ctx.settings.admin_ids)
    if not communities:
        raise Refusal(C.NOT_ALLOWED)
    return "、".join(c.name for c in communities), communities
