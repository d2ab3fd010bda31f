"""Privacy: what is posted to a group never shows phone numbers, ID numbers or the
reporter's room number."""
from __future__ import annotations

import re

# 13812345678, 138-1234-5678, 138 1234 5678, 138xxxx8888, +86 138...
_PHONE = re.compile(
    r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9][0-9xX*]{1}[- ]?[0-9xX*]{4}[- ]?[0-9xX*]{4}(?![0-9])"
)
# 18-digit resident ID numbers (last character may be X), and old 15-digit ones.
_ID = re.compile(r"(?<![0-9])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# Landlines such as 010-12345678 / 0571-8765432.
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])")

PHONE_MASK = "[电话已隐藏]"
ID_MASK = "[证件号已隐藏]"
ROOM_MASK = "***"


def mask(text: str, rooms: list[str | None] | tuple[str | None, ...] = ()) -> str:
    """Mask phones, ID numbers and the given room numbers (e.g. "301", "3-2-301")."""
    text = _ID.sub(ID_MASK, text)
    text = _PHONE.sub(PHONE_MASK, text)
    text = _LANDLINE.sub(PHONE_MASK, text)
    for room in sorted({r for r in rooms if r}, key=len, reverse=True):
        text = re.sub(rf"(?<![0-9]){re.escape(room)}(?![0-9])", ROOM_MASK, text)
    return text
