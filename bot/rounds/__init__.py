"""Grid workers' rounds (走访 / 巡查, 民情日志; 未诉先办): in private a worker starts a
round, records visits (a household of the register or a place, what was found, photos,
the outcome: nothing / fixed on the spot / 帮办代办 / a case) and closes it. A case found
on a round goes through the case loop's own intake with `Case.source = "patrol"`
(主动发现). Each household's card shows its visits (一户一档); a daily timer flags the
buildings of a grid not visited for N days to its workers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import AppContext
from bot.people import RegisterChanged
from bot.rounds import stale, texts
from bot.rounds.buttons import RoundAct, RoundBtn
from bot.rounds.service import PATROL, Step, close, note, press, start, visit_history

ensure_timers = stale.ensure_timers

__all__ = ["PATROL", "RoundAct", "RoundBtn", "Step", "close", "ensure_timers", "note", "press",
           "start", "texts", "visit_history", "wire"]


async def _register_changed(session: AsyncSession, ctx: AppContext | None,
                            event: RegisterChanged) -> None:
    """Residents were imported: the community's not-visited check starts."""
    from bot.clock import Clock
    from bot.config import Settings

    tz = ctx.tz if ctx is not None else Settings().tz  # the CLI has no app context
    now: datetime = ctx.clock.now() if ctx is not None else Clock().now()
    await stale.ensure_timer(session, event.community_id, now, tz)


def wire() -> None:
    """The daily not-visited check, the household card's visit history, and the start of
    the check when a community's residents are imported (idempotent)."""
    from bot import events, people
    from scheduler import timers

    timers.register({stale.KIND: stale.fire})
    if visit_history not in people.HOUSEHOLD_PARTS:
        people.HOUSEHOLD_PARTS.append(visit_history)
    events.subscribe(RegisterChanged, _register_changed)
