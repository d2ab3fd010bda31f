"""All models, imported so Base.metadata knows every table."""
from bot.db.models import (  # noqa: F401  (their tables)
    council,
    faq,
    levels,
    people,
    points,
    polls,
    projects,
    rollups,
    rounds,
    web,
    wishes,
)
from bot.db.models.cases import Case, CaseEvent, CasePhoto, CaseVoice, Whistle
from bot.db.models.infra import InboxUpdate, Lease, OutboxMessage, Timer
from bot.db.models.org import Building, Community, Department, Grid, GroupChat, Person, Role
from bot.db.models.privacy import ExportAudit

__all__ = [
    "Building",
    "Case",
    "CaseEvent",
    "CasePhoto",
    "CaseVoice",
    "Community",
    "Department",
    "ExportAudit",
    "Grid",
    "GroupChat",
    "InboxUpdate",
    "Lease",
    "OutboxMessage",
    "Person",
    "Role",
    "Timer",
    "Whistle",
]
