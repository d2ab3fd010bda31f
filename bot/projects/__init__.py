"""Community projects (共同缔造): stages, updates, pledges, decision and evaluation polls.

The public surface for the chat layer and other features is this module. Projects start
decision and evaluation polls through the polls feature's public surface and hear of
their results as `bot.events.PollClosed`. `wire()` registers the timer callbacks, the
album resolver and that subscription (called at composition)."""
from __future__ import annotations

from bot import council, events
from bot.delivery import outbox
from bot.projects import texts
from bot.projects.actions import (
    Member,
    card,
    follow_button,
    from_topic,
    join_button,
    listing,
    milestone,
    new,
    pledge,
    pledge_button,
    pledge_done,
    resume,
    shelve,
    stage,
    supervisor,
    update,
)
from bot.projects.announce import MEDIA, album
from bot.projects.buttons import ProjFollow, ProjJoin, ProjPledge
from bot.projects.parse import ProjectError
from bot.projects.schedule import DIGEST, MILESTONE, STALE
from bot.projects.service import (
    PhotoIn,
    add_album_photo,
    create_from_case,
    get,
    on_council_decided,
    on_poll_closed,
    report_summary,
)
from bot.projects.timers import milestone_overdue, stale_reminder, weekly_digest
from scheduler import timers

__all__ = [
    "Member",
    "PhotoIn",
    "ProjFollow",
    "ProjJoin",
    "ProjPledge",
    "ProjectError",
    "add_album_photo",
    "card",
    "create_from_case",
    "follow_button",
    "from_topic",
    "get",
    "join_button",
    "listing",
    "milestone",
    "new",
    "on_council_decided",
    "on_poll_closed",
    "pledge",
    "pledge_button", "pledge_done",
    "report_summary",
    "resume",
    "shelve",
    "stage",
    "supervisor",
    "texts",
    "update",
    "wire",
]


def wire() -> None:
    """Register this feature's timers, outbox hooks and event subscriptions. Idempotent."""
    timers.register({STALE: stale_reminder, MILESTONE: milestone_overdue, DIGEST: weekly_digest})
    outbox.register(resolvers={MEDIA: album})
    events.subscribe(events.PollClosed, on_poll_closed)
    events.subscribe(council.CouncilDecided, on_council_decided)
