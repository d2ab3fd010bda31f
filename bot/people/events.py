"""The register's event: residents were imported or changed in bulk (rounds keep their
not-visited timer for the community)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.events import Event


@dataclass(frozen=True)
class RegisterChanged(Event):
    community_id: int
