"""Learned weights (``nlp/weights/default.tsv``) and the decision step.

Weights file format (UTF-8, tab-separated, written by ``linli nlp train``)::

    # header lines: "# key: value" (version, data sha256, CV figures, ...)
    bias      <task>  label:+w label:+w ...
    <feature> <task>  label:+w label:+w ...

``task`` is ``intent``, ``category`` or ``urgency`` (label ``urgent``).  A
message's score for a label is the label's bias plus the weights of every
feature present in it, times ``1/sqrt(number of features of the message)``
when the header says ``feature_scale: l2`` (the feature vector is
L2-normalised, so a long message does not pile up many small weights).
Pure Python; scikit-learn is only used to train.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .rules import CATEGORIES, INTENTS
from .vocab import Vocabulary

__all__ = ["Weights", "Decision", "decide", "default_weights_path", "load_weights", "TASKS",
           "feature_scale"]

TASKS = ("intent", "category", "urgency")
LABELS = {"intent": INTENTS, "category": CATEGORIES, "urgency": ("urgent",)}
_TI = {t: i for i, t in enumerate(TASKS)}


def default_weights_path() -> Path:
    return Path(str(resources.files("nlp") / "weights" / "default.tsv"))


@dataclass
class Weights:
    bias: dict[str, list[float]]
    # feature -> ((task index, label index, weight), ...)
    table: dict[str, tuple[tuple[int, int, float], ...]]
    header: dict[str, str] = field(default_factory=dict)

    @property
    def urgent_threshold(self) -> float:
        return float(self.header.get("urgent_threshold", "0"))

    @property
    def l2(self) -> bool:
        return self.header.get("feature_scale", "binary") == "l2"

    def __post_init__(self) -> None:
        # flat copies for scoring: one list of every label's score
        ni, nc = len(LABELS["intent"]), len(LABELS["category"])
        off = (0, ni, ni + nc)
        self._cut = (ni, ni + nc)
        self._flat = {f: tuple((off[t] + li, x) for t, li, x in es) for f, es in self.table.items()}
        self._bias = [*self.bias["intent"], *self.bias["category"], *self.bias["urgency"]]
        self._l2 = self.header.get("feature_scale", "binary") == "l2"

    def scores(self, feats) -> tuple[list[list[float]], float]:
        """([intent scores, category scores, [urgency score]], feature scale)
        of a message with features ``feats``."""
        sums = [0.0] * len(self._bias)
        get = self._flat.get
        for f in feats:
            es = get(f)
            if es is not None:
                for j, x in es:
                    sums[j] += x
        k = feature_scale(len(feats)) if self._l2 else 1.0
        sc = [b + k * x for b, x in zip(self._bias, sums)]
        a, b = self._cut
        return [sc[:a], sc[a:b], sc[b:]], k

    @classmethod
    def from_rows(cls, rows: dict[str, dict[str, dict[str, float]]],
                  header: dict[str, str] | None = None) -> "Weights":
        """``rows[task][feature or "bias"][label] = weight``."""
        bias = {t: [0.0] * len(LABELS[t]) for t in TASKS}
        table: dict[str, list[tuple[int, int, float]]] = {}
        for task, feats in rows.items():
            li = {lab: i for i, lab in enumerate(LABELS[task])}
            for f, ws in feats.items():
                for lab, w in ws.items():
                    if f == "bias":
                        bias[task][li[lab]] = w
                    else:
                        table.setdefault(f, []).append((_TI[task], li[lab], w))
        return cls(bias, {f: tuple(v) for f, v in table.items()}, dict(header or {}))


def feature_scale(n: int) -> float:
    """The L2 norm's factor for a binary vector with ``n`` features."""
    return 1.0 / math.sqrt(n) if n > 1 else 1.0


def parse_weights(text: str) -> Weights:
    header: dict[str, str] = {}
    rows: dict[str, dict[str, dict[str, float]]] = {t: {} for t in TASKS}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            k, _, v = line[1:].partition(":")
            header[k.strip()] = v.strip()
            continue
        feat, task, ws = line.split("\t")
        d = rows[task].setdefault(feat, {})
        for item in ws.split(" "):
            lab, _, w = item.rpartition(":")
            d[lab] = float(w)
    return Weights.from_rows(rows, header)


def load_weights(path: str | Path | None = None) -> Weights:
    p = Path(path) if path is not None else default_weights_path()
    return parse_weights(p.read_text(encoding="utf-8"))


@dataclass
class Decision:
    intent: str
    category: str
    urgency: str
    margin: float
    intent_scores: list[float]
    category_scores: list[float]
    urgency_score: float
    rules: list[str]


class Rules:
    """The general rules of the vocabulary file, compiled for speed."""

    def __init__(self, vocab: Vocabulary) -> None:
        import re

        self.vocab = vocab
        self.safety = vocab.safety
        self.any_safety = (
            re.compile("|".join(f"(?:{rx.pattern})" for _, rx in vocab.safety))
            if vocab.safety else None
        )
        s = vocab.setting
        self.safety_urgency = s("safety_urgency", 6.0)
        self.safety_complaint = s("safety_complaint", 2.0)
        self.resolved_complaint = s("resolved_complaint", 3.0)
        self.hypothetical_shift = s("hypothetical_shift", 3.0)

        def alt(words):  # one precompiled scan instead of a loop over words
            words = sorted({w for w in words if w}, key=len, reverse=True)
            return re.compile("|".join(map(re.escape, words))) if words else None

        self._hypo, self._question = alt(vocab.hypothetical), alt(vocab.question)
        self._resolved, self._still = alt(vocab.resolved), alt(vocab.still_broken)
        self._notice = alt(vocab.notice)

    def fired(self, norm: str) -> tuple[list[str], bool, bool]:
        """(safety families, resolved?, hypothetical question?)."""
        v = self.vocab
        hypo = bool(self._hypo and self._question and self._hypo.search(norm)
                    and self._question.search(norm))
        resolved = bool(self._resolved and self._resolved.search(norm)
                        and not (self._still and self._still.search(norm)))
        fams: list[str] = []
        if (
            self.any_safety is not None
            and not hypo
            and not resolved
            and self.any_safety.search(norm)
            and not (self._notice and self._notice.search(norm))
            and not (v.past is not None and v.past.search(norm))
        ):
            fams = [f for f, rx in self.safety if rx.search(norm)]
        return fams, resolved, hypo


def decide(
    iscore: list[float],
    cscore: list[float],
    u: float,
    threshold: float,
    rules: Rules | None,
    norm: str,
    extra_resolved: bool = False,
) -> Decision:
    """Argmax per task plus the general rules (see nlp/rules/default.yaml)."""
    fired: list[str] = []
    fams, resolved, hypo = rules.fired(norm) if rules is not None else ([], False, False)
    resolved = resolved or extra_resolved
    if fams:
        u += rules.safety_urgency  # type: ignore[union-attr]
        iscore[0] += rules.safety_complaint  # type: ignore[union-attr]
        fired.append("life-safety cue: " + ", ".join(dict.fromkeys(fams)))
    if resolved:
        k = rules.resolved_complaint if rules is not None else 3.0
        iscore[0] -= k
        iscore[3] += k
        fired.append("already fixed")
    if hypo:
        k = rules.hypothetical_shift  # type: ignore[union-attr]
        iscore[0] -= k
        iscore[2] += k
        fired.append("hypothetical question")
    order = sorted(range(4), key=lambda i: (-iscore[i], i))
    ii = order[0]
    intent = INTENTS[ii]
    margin = iscore[ii] - iscore[order[1]]
    category = "none"
    if intent in ("complaint", "suggestion"):
        ci = cscore.index(max(cscore))
        category = CATEGORIES[ci]
    urgency = "normal"
    if intent == "complaint" and u >= threshold and not resolved and not hypo:
        urgency = "urgent"
    return Decision(intent, category, urgency, margin, iscore, cscore, u, fired)
