"""aiogram routers only. build_root_router() makes fresh routers on every call,
in explicit order, fallback last, so each test gets its own dispatcher."""
from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
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
    return root


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
