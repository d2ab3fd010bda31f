"""Imports every module that registers timer handlers with @scheduler.timers.handles."""
import importlib

TIMER_MODULES = ["bot.cases", "bot.projects.service",
                 "bot.reports.service", "bot.polls.service"]

for _name in TIMER_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # a feature not built yet
        if exc.name != _name:
            raise
