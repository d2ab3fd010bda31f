"""微心愿 (wish wall): a resident in difficulty, or a worker for them, posts a small wish;
staff approve it (the public text hides addresses and numbers); a registered volunteer
or 双报到 party member claims it; the bot relays their messages; the resident or a
worker confirms it done with a photo and the claimer earns points (bot.points).
`report_summary` counts wishes for the monthly and quarterly posts (bot.reports)."""
from __future__ import annotations

from bot.wishes import texts
from bot.wishes.actions import (
    claim_button,
    done,
    listing,
    phone,
    phone_button,
    review_button,
    say,
    wish,
)
from bot.wishes.buttons import Claim, Phone, Review
from bot.wishes.service import WishError, report_summary

__all__ = ["Claim", "Phone", "Review", "WishError", "claim_button", "done", "listing", "phone",
           "phone_button", "report_summary", "review_button", "say", "texts", "wire", "wish"]


def wire() -> None:
    """The org file's `wishes:` section (the limit per wish); a person erased. Idempotent."""
    from bot import events
    from bot.org import orgfile
    from bot.wishes import service, settings

    orgfile.section(orgfile.Section("wishes", "community", settings.check, settings.apply))
    events.subscribe(events.PersonErasing, service.on_person_erasing)
