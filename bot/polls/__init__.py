"""Polls (民意调查, 群众评价): scheduled, targeted polls and the evaluation presets.

The public surface for the chat layer and other features is this module. Other features
start a preset poll with `create_evaluation_poll` and hear of closed polls through
`bot.events.PollClosed`; polls never import them. `wire()` registers the timer
callbacks, the after-send hook and the chart resolver (called at composition)."""
from __future__ import annotations

from bot.delivery import outbox
from bot.polls import texts
from bot.polls.actions import (
    Answer,
    cancel_listed,
    choice,
    choose,
    editable,
    groups_of,
    listed_result,
    listing,
    may_organize,
    organizer_communities,
    press_vote,
    record_answer,
    record_totals,
    results,
    save,
)
from bot.polls.buttons import (
    DialogButton,
    Dlg,
    ListAct,
    ListButton,
    VoteButton,
)
from bot.polls.render import (
    CHART,
    chart_file,
    communities_keyboard,
    field_keyboard,
    fields_keyboard,
    summary_keyboard,
    summary_text,
)
from bot.polls.service import (
    CLOSE,
    OPEN,
    REMIND,
    SENT_HOOK,
    PollError,
    PollNotRecordedYet,
    create_evaluation_poll,
    known_chats,
    on_close_timer,
    on_open_timer,
    on_remind_timer,
    on_sent,
    report_summary,
)
from bot.polls.spec import (
    FIELDS,
    Problem,
    Spec,
    SpecError,
    answer,
    problems,
    set_groups,
    toggle_group,
)
from bot.polls.votes import remember_member
from scheduler import timers

__all__ = [
    "FIELDS", "Answer", "DialogButton", "Dlg", "ListAct", "ListButton", "PollError",
    "PollNotRecordedYet", "Problem", "Spec", "SpecError", "VoteButton", "answer",
    "cancel_listed", "choice", "choose", "communities_keyboard", "create_evaluation_poll",
    "editable", "field_keyboard", "fields_keyboard", "groups_of", "known_chats",
    "listed_result", "listing", "may_organize", "organizer_communities", "press_vote",
    "problems", "record_answer", "record_totals", "remember_member", "report_summary",
    "results", "save",
    "set_groups", "summary_keyboard", "summary_text", "texts", "toggle_group", "wire",
]


def wire() -> None:
    """Register this feature's timers, outbox hooks and its reaction to an erased
    person. Idempotent."""
    from bot import events
    from bot.polls.votes import forget_member

    timers.register({OPEN: on_open_timer, REMIND: on_remind_timer, CLOSE: on_close_timer})
    events.subscribe(events.PersonErasing, forget_member)
    outbox.register(on_sent={SENT_HOOK: on_sent}, resolvers={CHART: chart_file})
