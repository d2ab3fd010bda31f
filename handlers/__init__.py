"""aiogram routers only. build_root_router() makes fresh routers on every call,
in explicit order, fallback last, so each test gets its own dispatcher."""
from __future__ import annotations

import copy
import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command
from aiogram.fsm.state import State

# Feature modules, in the order their handlers are tried. Each has build_router().
MODULES = [
    "handlers.errors",  # error handlers: a refusal answered, a defect apologised for
    "handlers.common",
    "handlers.org",
    "handlers.reports",
    "handlers.levels",  # /depts, /rank, rating a whistled department
    "handlers.polls.commands",
    "handlers.projects.commands",
    "handlers.council.commands",
    "handlers.wishes.commands",
    "handlers.points.commands",
    "handlers.privacy",  # /privacy, /mydata, /forget
    "handlers.web",  # /web: a one-time link to the web desk
    "handlers.cases.settings",  # /settings
    "handlers.faq",  # /faq…; before intake: a worker's typed reply to an inquiry
    "handlers.people",  # /join, the register, a roster file; before intake (typed rooms)
    "handlers.rounds",  # /round; before intake: what a worker writes during a visit
    "handlers.cases.intake",  # catches plain group messages: after every command
    "handlers.fallback",
]


def build_root_router() -> Router:
    root = Router(name="root")
    for name in MODULES:
        root.include_router(importlib.import_module(name).build_router())
    inline_pure_filters(root)
    skip_commands_for_plain_text(root)
    return root


def _command_prefixes(handler: HandlerObject) -> str | None:
    """The prefixes of the Command filters of a handler, or None if it has none."""
    found = [flt.callback for flt in (handler.filters or [])
             if isinstance(flt.callback, Command)]
    return "".join(c.prefix for c in found) if found else None


def _may_be_command(event: Any, prefixes: str) -> bool:
    """What aiogram's Command filter needs before anything else: a Message whose text
    (or caption) begins, after white space, with one of the prefixes."""
    text = getattr(event, "text", None) or getattr(event, "caption", None)
    if not isinstance(text, str):
        return False
    first = text.lstrip()[:1]
    return bool(first) and first in prefixes


def skip_commands_for_plain_text(root: Router) -> int:
    """A plain group text was tried against every handler of every router in order,
    ~90 of them behind a Command filter that can only say no. For an event that is
    not a command (no text or caption beginning with a command prefix), each
    observer tries only its handlers without a Command filter, in the same order:
    the same handler is chosen, without the ~90 checks. Returns how many observers
    were changed."""
    changed = 0
    for router in root.chain_tail:
        for observer in router.observers.values():
            if isinstance(observer, TelegramEventObserver) and any(
                    _command_prefixes(h) is not None for h in observer.handlers):
                observer.trigger = _PlainFirst(observer)  # type: ignore[method-assign]
                changed += 1
    return changed


class _PlainFirst:
    """observer.trigger: the handlers without a Command filter only, for an event that
    cannot be a command (recomputed if handlers are registered later)."""

    def __init__(self, observer: TelegramEventObserver) -> None:
        self.full = observer.trigger
        self.observer = observer
        self.seen = -1
        self.prefixes = ""
        self.plain = copy.copy(observer)  # the same router, middlewares and filters

    def _refresh(self) -> None:
        handlers = self.observer.handlers
        prefixes = [_command_prefixes(h) for h in handlers]
        self.plain.handlers = [h for h, p in zip(handlers, prefixes, strict=True) if p is None]
        self.prefixes = "".join(p for p in prefixes if p)
        self.seen = len(handlers)

    async def __call__(self, event: Any, **kwargs: Any) -> Any:
        if self.seen != len(self.observer.handlers):
            self._refresh()
        if _may_be_command(event, self.prefixes):
            return await self.full(event, **kwargs)
        return await self.plain.trigger(event, **kwargs)


def inline_pure_filters(root: Router) -> int:
    """aiogram runs every sync filter in a worker thread (asyncio.to_thread), and a
    plain group message is tried against dozens of handlers. Magic filters (F...)
    and FSM states are pure attribute checks: run them in the event loop instead.
    Returns how many filters were changed."""
    changed = 0
    for router in root.chain_tail:
        for observer in router.observers.values():
            handlers = [*observer.handlers, getattr(observer, "_handler", None)]
            for handler in handlers:
                for flt in (getattr(handler, "filters", None) or []):
                    if flt.awaitable or not (flt.magic is not None
                                             or isinstance(flt.callback, State)
                                             or getattr(flt.callback, "__self__", None)
                                             .__class__ is State):
                        continue
                    flt.callback = _inline(flt.callback)
                    flt.awaitable = True
                    changed += 1
    return changed


def _inline(sync: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return sync(*args, **kwargs)

    return call
