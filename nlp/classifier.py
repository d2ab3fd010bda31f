"""The message classifier the bot holds: its result type and the reloadable holder.

``Classifier.classify(text)`` is pure (no bot, no DB, no I/O): normalise ->
features -> sums of learned weights (``nlp/model.py``) -> intent, category,
urgency and place.  See ``docs/nlp.md`` for the method.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .place import Place

if TYPE_CHECKING:
    from .model import LearnedClassifier

__all__ = ["Classification", "Classifier", "Reasons", "explain_matched"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Classification:
    intent: str
    category: str
    urgency: str
    confidence: float
    place: Place | None
    matched: tuple[str, ...] | Reasons  # the reasons, per decision

    def as_dict(self) -> dict:
        return {
            "intent": self.intent,
            "category": self.category,
            "urgency": self.urgency,
            "confidence": self.confidence,
            "place": self.place.as_dict() if self.place else None,
            "matched": list(self.matched),
        }


class Reasons(Sequence[str]):
    """``Classification.matched`` of the learned engine: the reasons are worked out
    the first time they are read (most chat messages never open a case, and nobody
    reads theirs).  Behaves like the tuple of strings it stands for."""

    __slots__ = ("_items", "_make")

    def __init__(self, make: Callable[[], tuple[str, ...]]) -> None:
        self._make: Callable[[], tuple[str, ...]] | None = make
        self._items: tuple[str, ...] = ()

    def _get(self) -> tuple[str, ...]:
        if self._make is not None:
            self._items, self._make = self._make(), None
        return self._items

    def __getitem__(self, i):  # type: ignore[override]
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._get())

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __contains__(self, x: object) -> bool:
        return x in self._get()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Reasons):
            other = other._get()
        return self._get() == other

    def __hash__(self) -> int:
        return hash(self._get())

    def __repr__(self) -> str:
        return repr(self._get())


def explain_matched(matched: list[str] | tuple[str, ...], top: int = 3) -> str:
    """判断依据: the first reasons that decided the labels, e.g. "判断依据：燃气 +3.64，楼道 +0.80"
    (``matched`` without its "category heating_gas: " prefixes).  Works on a fresh
    :class:`Classification` and on the ``matched`` list stored with a case alike."""
    if not matched:
        return "判断依据：无匹配规则"
    return "判断依据：" + "，".join(str(m).split(": ", 1)[-1] for m in list(matched)[:top])


ENGINE_ENV = "LINLI_CLASSIFIER"  # no longer read: one engine; "rules" gets a warning


class Classifier:
    """Thread-safe holder of the active classifier: the learned weights plus the
    general rules (``nlp/model.py``) and a community's word file, if any.
    ``reload`` builds the new one fully and keeps the last good one on an error."""

    def __init__(self, model: LearnedClassifier) -> None:
        self._lock = threading.Lock()
        self._model = model

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> Classifier:
        """``path``: a community's word file (``words:``), or None for the packaged
        classifier alone.  Raises :class:`~nlp.labels.RulesError` on a bad file,
        including an old full rule file (``categories:``)."""
        from .model import LearnedClassifier

        if os.environ.get(ENGINE_ENV, "").strip().lower() == "rules":
            log.warning("%s=rules is ignored: the hand-rule engine was removed, the learned "
                        "classifier is the only one (docs/nlp.md); unset it", ENGINE_ENV)
        return cls(LearnedClassifier.load(path))

    @property
    def rules_path(self) -> str:
        """The word file in use, else the packaged weights file."""
        return self._model.rules_path

    def reload(self, path: str | Path | None = None) -> None:
        """Load and activate a word file (None: the current one, or the packaged
        classifier alone).  On any error raise RulesError and keep the current one."""
        from .model import LearnedClassifier

        model = LearnedClassifier.load(path if path is not None else self._model.user_path)
        with self._lock:
            self._model = model

    def known_words(self, category: str) -> set[str]:
        """Words that already count for ``category`` (``nlp suggest`` skips them)."""
        return self._model.known_words(category)

    def tokens(self, text: str) -> list[str]:
        """jieba words of the normalised text (``nlp suggest``)."""
        return self._model.tokens(text)

    def classify(self, text: str) -> Classification:
        return self._model.classify(text)  # one consistent model even if reload() runs
