"""What services, timers and the sender share at run time (built once in bot.app)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings

if TYPE_CHECKING:
    from aiogram import Bot


@dataclass
class AppContext:
    settings: Settings
    pool: async_sessionmaker[AsyncSession]
    clock: Clock = field(default_factory=Clock)
    classifier: Any = None  # nlp.Classifier; Any keeps bot/ importable without jieba warm-up
    bot: Bot | None = None
    # Set after a commit that queued messages, so the sender wakes at once.
    outbox_event: asyncio.Event = field(default_factory=asyncio.Event)
    timer_event: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def tz(self) -> Any:
        return self.settings.tz
