"""Numbers people type after a command (case, poll, project, topic numbers, amounts):
read at the edge, in one place, so that none reaches the database out of range.

A Chinese keyboard often types full-width digits (１２３): they are digits like any
other. Characters that only look like digits (², ①) and numbers beyond an INTEGER
column are not numbers: callers answer with their usual "how to write it" hint."""
from __future__ import annotations

import re
import unicodedata

MAX_INT = 2_147_483_647  # the largest value of an INTEGER column (PostgreSQL int4)
_LEADING = re.compile(r"\s*[#＃]?(\S+)(?:\s+(.*))?", re.S)


def ascii_digits(text: str) -> str:
    """Every decimal digit of any script (full-width １２３, Arabic-Indic...) as 0-9."""
    return "".join(str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None
                   else c for c in text)


def number(text: str | None, *, low: int = 0, high: int = MAX_INT) -> int | None:
    """`text` (spaces and one leading # allowed) as a whole number in [low, high],
    or None: not a number, negative, too big, or digits that are not decimal."""
    raw = ascii_digits((text or "").strip().removeprefix("#").removeprefix("＃").strip())
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(high)):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def split_number(args: str | None, *, low: int = 1,
                 high: int = MAX_INT) -> tuple[int, str] | None:
    """"12 rest of it" -> (12, "rest of it"); "#12" and "１２" work too; None when
    the first word is not a number in [low, high]."""
    match = _LEADING.fullmatch(args or "")
    if match is None:
        return None
    value = number(match.group(1), low=low, high=high)
    return None if value is None else (value, (match.group(2) or "").strip())
