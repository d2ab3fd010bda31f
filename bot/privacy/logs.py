"""Log lines that carry no personal data: the shape of a payload, not its values; an
error's kind and where it happened, not the input that caused it.

- ``shape(payload)``: the keys of an update, two levels deep.
- ``describe_error(exc)``: a pydantic error's places and kinds; a database error's first
  line (the engine hides statement parameters, `bot.db.session.create_engine`), masked;
  any other error by its type and a short hash of its message (the same defect logs the
  same hash), since a message is often built from the input.
- ``traceback_of(exc)``: the stack of an error and of its causes, file, line and code
  only, never a message."""
from __future__ import annotations

import hashlib
import traceback
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
    """What went wrong, without the values that went in (see the module's docstring)."""
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
    from sqlalchemy.exc import SQLAlchemyError

    from bot.privacy.mask import mask

    message = str(exc)
    if isinstance(exc, SQLAlchemyError):
        return f"{type(exc).__name__}: {mask(message.splitlines()[0] if message else '')[:200]}"
    if not message:
        return type(exc).__name__
    digest = hashlib.sha256(message.encode(errors="replace")).hexdigest()[:8]
    return f"{type(exc).__name__} (message #{digest})"


def traceback_of(exc: BaseException) -> str:
    """Python's traceback of `exc` and its causes, each message replaced by
    describe_error()."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 5:
        chain.append(current)
        current = current.__cause__ or current.__context__
    parts = [
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_tb(e.__traceback__)) + describe_error(e)
        for e in reversed(chain)]
    return "\n\nDuring the handling of the above, another error:\n\n".join(parts)
