"""The case loop (接诉即办). This module is the feature's public surface: the chat side
and other features use only the names in `__all__`.

intake (group messages, private /report) → routing → workflow (accept, resolve, rate…)
and the steps a button starts (steps) → SLA timers (sla, timers) → who hears what
(notify) → texts and keyboards (render, buttons) → lists and views (query, commands)."""
from __future__ import annotations

from bot.cases import notify, sla, texts, timers
from bot.cases.buttons import Act, CaseBtn, CaseList, CasePick, CaseRate, ReportGrid, WhistleAck
from bot.cases.commands import (
    deep_link_case,
    duplicate,
    list_cases,
    list_page,
    my_cases,
    note,
    reload_rules,
    show,
    show_by_id,
)
from bot.cases.core import CaseRefused, InputRefused, by_number, load
from bot.cases.intake import (
    NOTHING_OPENED,
    Author,
    Intake,
    Photo,
    Source,
    choose_grid,
    edit,
    hear,
    intake_group,
    plus_one,
    report,
    report_by_reply,
    report_grid,
    wants_case,
)
from bot.cases.notify import ask_reason_in_group, say, set_buttons
from bot.cases.query import View
from bot.cases.render import households, rating_text
from bot.cases.settings import screen as settings_screen
from bot.cases.steps import (
    REASON,
    Noted,
    ask_note,
    offer_categories,
    offer_departments,
    offer_escalate,
    offer_workers,
    pick_category,
    pick_department,
    pick_escalate,
    pick_worker,
    refresh_buttons,
    show_detail,
    take_note,
)
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
    "NOTHING_OPENED",
    "REASON",
    "Act",
    "Author",
    "CaseBtn",
    "CaseList",
    "CasePick",
    "CaseRate",
    "CaseRefused",
    "InputRefused",
    "Intake",
    "Noted",
    "Photo",
    "ReportGrid",
    "Source",
    "View",
    "WhistleAck",
    "accept",
    "ack_whistle",
    "add_note",
    "add_reason",
    "ask_note",
    "ask_reason_in_group",
    "by_number",
    "choose_grid",
    "close_duplicate",
    "deep_link_case",
    "duplicate",
    "edit",
    "escalate_by",
    "hear",
    "households",
    "intake_group",
    "list_cases",
    "list_page",
    "load",
    "my_cases",
    "note",
    "offer_categories",
    "offer_departments",
    "offer_escalate",
    "offer_workers",
    "pick_category",
    "pick_department",
    "pick_escalate",
    "pick_worker",
    "plus_one",
    "progress",
    "rate",
    "rating_text",
    "reclassify",
    "refresh_buttons",
    "reload_rules",
    "report",
    "report_by_reply",
    "report_grid",
    "resolve",
    "say",
    "set_buttons",
    "settings_screen",
    "show",
    "show_by_id",
    "show_detail",
    "take_note",
    "texts",
    "to_project",
    "transfer",
    "wants_case",
    "whistle",
    "wire",
]


def wire() -> None:
    """Register what this feature's timers do and its outbox hooks (idempotent)."""
    from bot.cases import settings
    from bot.delivery import outbox
    from bot.org import orgfile

    orgfile.section(orgfile.Section("settings", "community", settings.check, settings.apply))
    from scheduler import timers as scheduler

    scheduler.register({
        sla.ACCEPT_REMIND: timers.accept_remind,
        sla.RESOLVE_REMIND: timers.resolve_remind,
        sla.ACCEPT_DUE: timers.accept_due,
        sla.RESOLVE_DUE: timers.resolve_due,
        sla.RATING_DUE: timers.rating_due,
        sla.WHISTLE_DUE: timers.whistle_due,
        sla.DIGEST: timers.digest,
    })
    outbox.register(on_sent={notify.CARD_SENT: notify.card_sent})
