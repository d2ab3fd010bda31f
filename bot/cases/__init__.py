"""The case loop (接诉即办): the public face of the case services.

intake (case_intake) → routing (case_routing) → worker flow and evaluation
(case_workflow) → SLA timers (case_sla, case_timers) → who hears what (case_notify),
texts and keyboards (case_render), lists and views (case_query).
`wire()` registers its timer handlers and outbox hooks (called at composition)."""
from __future__ import annotations

from bot.cases.core import CaseRefused, by_number, load
from bot.cases.intake import Intake, Source, edit, intake_group, intake_private, plus_one
from bot.cases.workflow import (
    accept,
    ack_whistle,
    add_note,
    add_reason,
    close_duplicate,
    escalate_by,
    progress,
    rate,
    reclassify,
    resolve,
    to_project,
    transfer,
    whistle,
)

__all__ = [
    "CaseRefused", "Intake", "Source", "accept", "ack_whistle", "add_note", "add_reason",
    "by_number", "close_duplicate", "edit", "escalate_by", "intake_group", "intake_private",
    "load", "plus_one", "progress", "rate", "reclassify", "resolve", "to_project", "transfer",
    "whistle",
]


def wire() -> None:
    """Register this feature's timers, outbox hooks and event subscriptions."""
    from bot.cases import notify, timers  # noqa: F401  (transitional: decorators register)
