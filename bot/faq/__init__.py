"""The 问答库 (FAQ): each community's questions and answers, kept by its organizers
(/faq, /faq_add, /faq_del, the org file's `faq:`). A resident's inquiry in a group is
answered from it when an entry matches; otherwise it goes to the grid's workers, whose
reply reaches the resident and can join the 问答库 with one press.

The public surface for the chat layer and the case intake is this module; `wire()`
registers the org-file section."""
from __future__ import annotations

from bot.faq import texts
from bot.faq.buttons import FaqKeep, FaqReply
from bot.faq.commands import add, check_question, delete, listing, managed, save
from bot.faq.errors import FaqRefused
from bot.faq.inquiries import Said, answer, ask_reply, hear, in_private, keep, reply
from bot.faq.store import apply_section, check_section
from bot.org import orgfile

__all__ = [
    "FaqKeep", "FaqRefused", "FaqReply", "Said", "add", "answer", "ask_reply", "check_question",
    "delete", "hear", "in_private", "keep", "listing", "managed", "reply", "save", "texts", "wire",
]


def wire() -> None:
    """The org file's per-community `faq:` list. Idempotent."""
    orgfile.section(orgfile.Section("faq", "community", check_section, apply_section))
