"""Composition of the domain: every feature registers its timer handlers, outbox hooks
and event subscriptions here, explicitly, once. `bot.app` calls it at start; tests and
CLI commands that run domain code without the app call it too."""
from __future__ import annotations

from bot import cases, org, polls, privacy, projects, reports

FEATURES = (org, cases, polls, projects, reports, privacy)


def wire() -> None:
    """Idempotent."""
    for feature in FEATURES:
        feature.wire()
