"""Composition of the domain: every feature registers its timer handlers, outbox hooks
and event subscriptions here, explicitly, once. `bot.app` calls it at start; tests and
CLI commands that run domain code without the app call it too."""
from __future__ import annotations

from bot import (
    cases,
    council,
    faq,
    levels,
    org,
    people,
    points,
    polls,
    privacy,
    projects,
    reports,
    rounds,
    wishes,
)

FEATURES = (org, cases, polls, points, wishes, council, projects, reports, privacy, levels, faq,
            people, rounds)


def wire() -> None:
    """Idempotent."""
    for feature in FEATURES:
        feature.wire()
