"""Cases handlers (placeholder until the cases feature lands)."""
from aiogram import Router


def build_router() -> Router:
    return Router(name=__name__)
