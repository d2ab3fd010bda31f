"""Typed events between features. A feature that reacts to another's event subscribes
at composition (bot/features.py) instead of importing it; subscribers run inside the
publisher's transaction, in subscription order, so the reaction commits with the cause.

    @dataclass(frozen=True)
    class PollClosed(Event): poll_id: int ...
    events.subscribe(PollClosed, projects.on_poll_closed)
    await events.publish(session, ctx, PollClosed(...))
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from bot.context import AppContext


class Event:
    """Base of all events; subclasses are frozen dataclasses of plain values."""


E = TypeVar("E", bound=Event)
Subscriber = Callable[[AsyncSession, "AppContext | None", Any], Awaitable[None]]
_SUBSCRIBERS: dict[type[Event], list[Subscriber]] = {}


def subscribe(kind: type[E], handler: Callable[[AsyncSession, AppContext | None, E],
                                                Awaitable[None]]) -> None:
    """Idempotent: subscribing the same handler twice keeps one."""
    handlers = _SUBSCRIBERS.setdefault(kind, [])
    if handler not in handlers:
        handlers.append(handler)


async def publish(session: AsyncSession, ctx: AppContext | None, event: Event) -> int:
    """Run every subscriber of this event's type; returns how many ran."""
    handlers = _SUBSCRIBERS.get(type(event), [])
    for handler in handlers:
        await handler(session, ctx, event)
    return len(handlers)


# The events features exchange. Plain values only: no ORM rows across features.

@dataclass(frozen=True)
class PollClosed(Event):
    """A poll closed and its result was counted (polls → projects)."""

    poll_id: int
    project_id: int | None
    preset: str | None
    counts: tuple[tuple[str, int], ...]  # (option label, votes) in option order
    voters: int
    closed_at: datetime


@dataclass(frozen=True)
class CaseResolved(Event):
    """A case was marked resolved by its handler (cases → levels: rate the whistled
    departments)."""

    case_id: int
    by_id: int
    at: datetime


@dataclass(frozen=True)
class PersonErasing(Event):
    """A person asked to be erased (/forget), just before their row goes: features settle
    what others were counting on them for (privacy → wishes)."""

    person_id: int
    at: datetime
