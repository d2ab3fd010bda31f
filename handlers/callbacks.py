"""Callback data factories: short prefixes, integer ids only (64-byte limit)."""
from aiogram.filters.callback_data import CallbackData


class BindGrid(CallbackData, prefix="bg"):
    grid_id: int
