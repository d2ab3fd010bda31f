"""Log lines that carry no personal data: the shape of a payload, not its values; a
validation error's places and kinds, not the input that failed."""
from __future__ import annotations

from typing import Any


def shape(payload: Any) -> str:
    """The keys of an update (two levels), e.g. "{message: {chat, from, text}}"."""
    if not isinstance(payload, dict):
        return type(payload).__name__
    parts = []
    for key, value in list(payload.items())[:10]:
        inner = f": {{{', '.join(sorted(map(str, value)))}}}" if isinstance(value, dict) else ""
        parts.append(f"{key}{inner}")
    return "{" + ", ".join(parts) + "}"


def describe_error(exc: BaseException) -> str:
    """A pydantic ValidationError without the input values; other errors by type only
    plus their message masked."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            items = errors(include_input=False, include_url=False)
        except TypeError:
            items = None
        if items is not None:
            where = "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('type')}"
                              for e in items[:5])
            return f"{type(exc).__name__} ({len(items)} errors) {where}"
    from bot.privacy.mask import mask

    return f"{type(exc).__name__}: {mask(str(exc))[:200]}"
