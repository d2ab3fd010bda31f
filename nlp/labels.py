"""The labels a message can get, and the one error that loading a classifier file raises."""

from __future__ import annotations

__all__ = ["CATEGORIES", "INTENTS", "RulesError"]

INTENTS = ("complaint", "suggestion", "inquiry", "chatter")
CATEGORIES = (
    "sanitation",
    "noise",
    "parking",
    "ebike",
    "street_order",
    "elevator",
    "water",
    "heating_gas",
    "facilities",
    "property",
    "greenery",
    "safety",
    "neighbour",
    "other",
)


class RulesError(ValueError):
    """A weights file, the general rules or a word file is invalid.  ``errors`` holds
    ``(line, message)`` pairs (line None when unknown).  ``zh``, when set, says the
    same for an organizer in Chinese (``/reload_rules`` shows it)."""

    def __init__(self, path: str, errors: list[tuple[int | None, str]], zh: str | None = None):
        self.path = path
        self.errors = list(errors)
        self.zh = zh
        lines = [
            f"{path}:{line}: {msg}" if line is not None else f"{path}: {msg}"
            for line, msg in self.errors
        ]
        super().__init__(f"{len(self.errors)} error(s) in {path}:\n  " + "\n  ".join(lines))
