"""The /forget confirmation buttons."""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from bot.ui import Callback


class ForgetAct(IntEnum):
    CONFIRM = 1
    KEEP = 2


@dataclass(frozen=True)
class ForgetButton(Callback, prefix="pvf"):
    a: ForgetAct
