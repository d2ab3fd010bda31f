from __future__ import annotations

from bot.errors import Refusal


class FaqRefused(Refusal):
    """A 问答库 request refused; str() is the Chinese answer."""
