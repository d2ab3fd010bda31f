"""Community projects (共同缔造): stages, updates, pledges, decision and evaluation polls."""
from __future__ import annotations


def wire() -> None:
    """Register this feature's timers, outbox hooks and event subscriptions."""
    from bot.projects import announce, service, timers  # noqa: F401  (transitional)
