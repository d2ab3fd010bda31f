"""Keyboards as plain data, so the domain can queue a message with buttons without
knowing aiogram. A `Callback` packs to the wire format `prefix:field:field` (the same
one aiogram's CallbackData uses, so data stays under Telegram's 64 bytes with short
prefixes and integer fields); handlers match it with `handlers.filters.On`."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, Self, get_type_hints

from bot.numbers import MAX_INT

SEP = ":"


class CallbackError(ValueError):
    """Callback data that is not ours, or forged."""


@dataclass(frozen=True)
class Callback:
    """Subclass as a frozen dataclass with int (or IntEnum) fields and a short prefix."""

    prefix: ClassVar[str]
    _registry: ClassVar[dict[str, type[Callback]]] = {}

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix:
            if prefix in Callback._registry:
                raise ValueError(f"callback prefix {prefix!r} used twice")
            cls.prefix = prefix
            Callback._registry[prefix] = cls

    def pack(self) -> str:
        data = SEP.join([self.prefix, *(str(int(getattr(self, f.name))) for f in fields(self))])
        if len(data.encode()) > 64:
            raise CallbackError(f"callback data over 64 bytes: {data}")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self:
        prefix, *parts = data.split(SEP)
        names = [f.name for f in fields(cls)]
        if prefix != cls.prefix or len(parts) != len(names):
            raise CallbackError(data)
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for name, raw in zip(names, parts, strict=True):
            try:
                number = int(raw)
            except ValueError as exc:
                raise CallbackError(data) from exc
            if not -MAX_INT - 1 <= number <= MAX_INT:  # ids and indexes: INTEGER columns
                raise CallbackError(data)
            kind = hints[name]
            if isinstance(kind, type) and issubclass(kind, IntEnum):
                try:
                    values[name] = kind(number)
                except ValueError as exc:
                    raise CallbackError(data) from exc
            else:
                values[name] = number
        return cls(**values)


@dataclass(frozen=True)
class Button:
    text: str
    callback: Callback | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, str]:
        if self.url is not None:
            return {"text": self.text, "url": self.url}
        assert self.callback is not None, "a button needs a callback or a url"
        return {"text": self.text, "callback_data": self.callback.pack()}


Keyboard = Sequence[Sequence[Button]]


def rows(buttons: Iterable[Button], width: int) -> list[list[Button]]:
    """Lay buttons out `width` to a row."""
    items = list(buttons)
    return [items[i:i + width] for i in range(0, len(items), width)]


def markup(keyboard: Keyboard | None) -> dict[str, Any] | None:
    """The Bot API's InlineKeyboardMarkup as the plain dict the outbox stores."""
    if not keyboard or not any(keyboard):
        return None
    return {"inline_keyboard": [[b.as_dict() for b in row] for row in keyboard if row]}


@dataclass(frozen=True)
class Upload:
    """A file made at send time (a chart PNG, an export): what an outbox resolver
    returns; the sender turns it into a Telegram upload."""

    data: bytes
    filename: str
