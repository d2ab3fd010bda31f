"""Polls handlers (placeholder until the polls feature lands)."""
from aiogram import Router


def build_router() -> Router:
    return Router(name=__name__)
