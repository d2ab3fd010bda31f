"""Input from outside that the database would refuse: made harmless at the edge."""
from __future__ import annotations

from typing import Any


def without_nul(value: Any) -> Any:
    """The update with every NUL character in its strings replaced by a space (PostgreSQL
    refuses NUL in text; a space keeps Telegram's entity offsets right). The same object
    when there is none."""
    if isinstance(value, str):
        return value.replace("\x00", " ") if "\x00" in value else value
    if isinstance(value, dict):
        cleaned = {key: without_nul(item) for key, item in value.items()}
        return value if all(cleaned[k] is value[k] for k in value) else cleaned
    if isinstance(value, list):
        cleaned_list = [without_nul(item) for item in value]
        return value if all(a is b for a, b in zip(cleaned_list, value, strict=True)) \
            else cleaned_list
    return value
