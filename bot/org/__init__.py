"""The organisation: communities, grids, buildings, people and their roles, groups."""
from __future__ import annotations


def wire() -> None:
    """The org has no timers or hooks."""
