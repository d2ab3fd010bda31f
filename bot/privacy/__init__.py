"""Privacy (个人信息保护): one masking module, residents' rights, retention, export audit.

- ``bot.privacy.mask``: ``mask(text, rooms=())`` for anything shown to a group, written to
  a file or a log; ``safe_cell`` against spreadsheet formula injection.
- ``bot.privacy.rights``: /privacy, /mydata, /forget.
- ``bot.privacy.retention``: the daily purge of raw updates and sent messages.
- ``bot.privacy.audit``: the ``export_audit`` record every export writes.

`bot.privacy.mask` is a leaf that every feature may import (cases, reports); the rest
reads the other features' tables, so it is loaded lazily here and this package stays
importable from anywhere without an import cycle."""
from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "PURGE",
    "ForgetAct",
    "ForgetButton",
    "Purged",
    "Said",
    "carries_number",
    "ensure_retention_timer",
    "export_log",
    "forget",
    "forget_pressed",
    "forget_prompt",
    "mask",
    "my_data",
    "privacy_text",
    "purge",
    "review",
    "set_guard",
    "texts",
    "wire",
]
_LAZY = {
    "ForgetAct": "bot.privacy.buttons", "ForgetButton": "bot.privacy.buttons",
    "PURGE": "bot.privacy.retention", "Purged": "bot.privacy.retention",
    "ensure_retention_timer": "bot.privacy.retention", "purge": "bot.privacy.retention",
    "forget": "bot.privacy.rights", "forget_pressed": "bot.privacy.rights",
    "forget_prompt": "bot.privacy.rights", "my_data": "bot.privacy.rights",
    "privacy_text": "bot.privacy.rights", "mask": "bot.privacy.mask",
    "Said": "bot.privacy.guard", "review": "bot.privacy.guard",
    "set_guard": "bot.privacy.guard", "carries_number": "bot.privacy.guard",
    "export_log": "bot.privacy.audit",
}


def __getattr__(name: str) -> Any:
    if name == "texts":
        return importlib.import_module("bot.privacy.texts")
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bot.privacy' has no attribute {name!r}")


def wire() -> None:
    """Register the daily retention purge. Idempotent."""
    from bot.privacy.retention import PURGE, on_purge_timer
    from scheduler import timers

    timers.register({PURGE: on_purge_timer})
