"""Residents' council (居民议事, 四议两公开): topics from residents, cases or organizers,
附议 in the groups, the four stages recorded with who and when, meetings with notice,
reminder, attendance, quorum and a bot-counted (anonymous by default) vote, and the two
publications: the decision with the minutes, and the result when the work is done.

Projects sit above the council: they record their decisions on a topic and hear of a
meeting's decision as `CouncilDecided` (subscribed in bot.projects.wire())."""
from __future__ import annotations

from bot.council import reception, texts
from bot.council.actions import (
    attend,
    ballot_button,
    cancel,
    card,
    checkin_button,
    close,
    from_case,
    listing,
    meeting,
    next_stage,
    open_vote,
    propose,
    result,
    support_button,
    task_case,
)
from bot.council.buttons import Ballot, Book, CheckIn, Support
from bot.council.service import (
    REMIND,
    CaseWanted,
    CouncilDecided,
    CouncilError,
    get_topic,
    on_remind,
    publish_result,
    record_outside_decision,
    report_summary,
    task_case_opened,
    topic_for_project,
)
from scheduler import timers

__all__ = [
    "REMIND", "Ballot", "Book", "CaseWanted", "CheckIn", "CouncilDecided", "CouncilError",
    "Support", "attend",
    "ballot_button", "cancel", "card", "checkin_button", "close", "from_case", "get_topic", "listing",
    "meeting", "next_stage", "on_remind", "open_vote", "propose", "publish_result",
    "reception", "record_outside_decision", "report_summary", "result", "support_button", "task_case",
    "task_case_opened", "texts", "topic_for_project", "wire",
]


def wire() -> None:
    """Register the meeting and reception timers. Idempotent."""
    timers.register({REMIND: on_remind, reception.REMIND: reception.on_remind,
                     reception.NEXT: reception.on_next, reception.AFTER: reception.on_after})
