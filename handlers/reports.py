"""Reports handlers (placeholder until the reports feature lands)."""
from aiogram import Router


def build_router() -> Router:
    return Router(name=__name__)
