"""Callback data of the 问答库 buttons (bot.ui): short prefixes, integer ids only."""
from __future__ import annotations

from dataclasses import dataclass

from bot.ui import Callback


@dataclass(frozen=True)
class FaqReply(Callback, prefix="fa"):
    """回复: a worker answers an inquiry."""
    i: int  # Inquiry id


@dataclass(frozen=True)
class FaqKeep(Callback, prefix="fk"):
    """加入问答库: the answer to an inquiry becomes an entry."""
    i: int  # Inquiry id
