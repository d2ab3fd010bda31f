"""aiogram routers only. build_root_router() makes fresh routers on every call,
in explicit order, fallback last, so each test gets its own dispatcher."""
from __future__ import annotations

import importlib

from aiogram import Router

# Feature modules, in the order their handlers are tried. Each has build_router().
MODULES = [
    "handlers.errors",  # error handlers: a refusal answered, a defect apologised for
    "handlers.common",
    "handlers.org",
    "handlers.reports",
    "handlers.polls.commands",
    "handlers.projects.commands",
    "handlers.privacy",  # /privacy, /mydata, /forget
    "handlers.cases.intake",  # catches plain group messages: after every command
    "handlers.fallback",
]


def build_root_router() -> Router:
    root = Router(name="root")
    for name in MODULES:
        root.include_router(importlib.import_module(name).build_router())
    return root
