"""Imports every module that registers timer handlers with @bot.timers.handles."""
import importlib

TIMER_MODULES = ["bot.services.cases", "bot.services.projects",
                 "bot.services.reports", "bot.services.opinion"]

for _name in TIMER_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # a feature not built yet
        if exc.name != _name:
            raise
