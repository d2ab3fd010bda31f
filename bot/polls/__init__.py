"""Polls (民意调查, 群众评价): scheduled, targeted polls and the evaluation presets."""
from __future__ import annotations


def wire() -> None:
    """Register this feature's timers, outbox hooks and event subscriptions."""
    from bot.polls import render, service  # noqa: F401  (transitional: decorators register)
