"""Projects handlers (placeholder until the projects feature lands)."""
from aiogram import Router


def build_router() -> Router:
    return Router(name=__name__)
