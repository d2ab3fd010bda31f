"""The learned classifier: keyword weights (``nlp/data/weights.txt``) and the decision.

Weights file (UTF-8, written by ``linli nlp train``; ``#`` lines are the header)::

    # linli-weights: 1
    # training_sha256: ...           (and the other facts of the training run)
    intent    bias     chatter:+0.512 complaint:-0.201 ...
    intent    楼道灯   complaint:+1.031 facilities:...
    category  电梯     elevator:+3.402 ...
    urgent    bias     -3.210
    urgent    燃气味   +2.954

Columns are tab-separated; lines are sorted by task, then keyword.  The score
of a label is its bias plus the weights of the message's features (times
``1/sqrt(number of features)`` when the header says ``scale: l2``); the
highest score wins.  Pure Python: scikit-learn is needed only to train.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .classifier import Classification
from .features import Featurizer
from .normalize import normalize
from .place import extract_place
from .rules import CATEGORIES, INTENTS, RulesError
from .tokenizer import DomainTokenizer, get_learned_tokenizer
from .vocab import General, UserWords, load_general, load_user_words

__all__ = [
    "FORMAT",
    "LearnedClassifier",
    "Weights",
    "decide",
    "default_weights_path",
    "load_weights",
]

FORMAT = "1"
TASK_LABELS = {"intent": INTENTS, "category": CATEGORIES, "urgent": ("urgent",)}
_HAS_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z]")
CASE_INTENTS = ("complaint", "suggestion")
OWN_TO_COMPLAINT = 0.5  # share of a word file's category/urgency weight added to complaint


def default_weights_path() -> Path:
    return Path(str(resources.files("nlp") / "data" / "weights.txt"))


_OFFSET = {"intent": 0, "category": len(INTENTS), "urgent": len(INTENTS) + len(CATEGORIES)}
_SIZE = len(INTENTS) + len(CATEGORIES) + 1


@dataclass
class Weights:
    header: dict[str, str]
    bias: dict[str, list[float]]  # task -> one bias per label (TASK_LABELS order)
    # task -> feature -> ((label index, weight), ...)
    table: dict[str, dict[str, tuple[tuple[int, float], ...]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # one lookup per feature for all three tasks: feature -> {flat label index: weight}
        flat: dict[str, dict[int, float]] = {}
        for task, tab in self.table.items():
            off = _OFFSET[task]
            for f, es in tab.items():
                d = flat.setdefault(f, {})
                for li, w in es:
                    d[off + li] = w
        self._flat = flat
        self._bias = [b for task in TASK_LABELS for b in self.bias[task]]
        # the same as dense rows, so that a message's scores are one C-level column sum
        zero = 0.0
        self._dense = {f: tuple(d.get(i, zero) for i in range(_SIZE)) for f, d in flat.items()}

    @property
    def l2(self) -> bool:
        return self.header.get("scale", "binary") == "l2"

    @property
    def urgent_threshold(self) -> float:
        return float(self.header.get("urgent_threshold", "0"))

    @property
    def bigrams(self) -> bool:
        return self.header.get("bigrams", "no") == "yes"

    def _k(self, feats: list[str]) -> float:
        return 1.0 / math.sqrt(len(feats)) if self.l2 and feats else 1.0

    def all_scores(self, feats: list[str]) -> dict[str, list[float]]:
        """Per task, per label: bias + the weights of the features present."""
        dense = self._dense
        rows = [r for f in feats if (r := dense.get(f)) is not None]
        k = self._k(feats)
        if rows:
            s = [b + k * x for b, x in zip(self._bias, map(sum, zip(*rows, strict=True)), strict=True)]
        else:
            s = list(self._bias)
        return {t: s[_OFFSET[t]:_OFFSET[t] + len(ls)] for t, ls in TASK_LABELS.items()}

    def scores(self, task: str, feats: list[str]) -> list[float]:
        return self.all_scores(feats)[task]

    def reasons(self, task: str, label: int, feats: list[str]) -> list[tuple[str, float]]:
        """(feature, contribution) of every present feature with a weight for ``label``."""
        i, k, flat = _OFFSET[task] + label, self._k(feats), self._flat
        return [(f, d[i] * k) for f in feats if (d := flat.get(f)) is not None and i in d]


def load_weights(path: str | Path | None = None) -> Weights:
    p = Path(path) if path is not None else default_weights_path()
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise RulesError(str(p), [(None, f"cannot read weights: {e}")]) from e
    header: dict[str, str] = {}
    # a label missing from its task's bias line was not in the training data: never chosen
    bias: dict[str, list[float]] = {t: [-1e9] * len(ls) for t, ls in TASK_LABELS.items()}
    table: dict[str, dict[str, tuple[tuple[int, float], ...]]] = {t: {} for t in TASK_LABELS}
    index = {t: {lab: i for i, lab in enumerate(ls)} for t, ls in TASK_LABELS.items()}
    for n, line in enumerate(lines, start=1):
        if line.startswith("#"):
            k, _, v = line[1:].partition(":")
            header[k.strip()] = v.strip()
            continue
        if not line.strip():
            continue
        try:
            task, feat, rest = line.split("\t")
            if task == "urgent":
                entries: tuple[tuple[int, float], ...] = ((0, float(rest)),)
            else:
                ix = index[task]
                entries = tuple(
                    (ix[lab], float(w)) for lab, _, w in (e.rpartition(":") for e in rest.split())
                )
        except (ValueError, KeyError) as e:
            raise RulesError(str(p), [(n, f"bad weights line: {e}")]) from e
        if feat == "bias":
            for li, w in entries:
                bias[task][li] = w
        else:
            table[task][feat] = entries
    if header.get("linli-weights") != FORMAT:
        raise RulesError(str(p), [(1, f"not a linli weights file of format {FORMAT}")])
    return Weights(header, bias, table)


def _softmax_top(s: list[float]) -> tuple[int, float]:
    best = max(range(len(s)), key=s.__getitem__)
    m = s[best]
    return best, 1.0 / sum(math.exp(x - m) for x in s)


def decide(intent_s: list[float], cat_s: list[float], urgent_s: float, threshold: float,
           safety: bool) -> tuple[str, str, bool]:
    """Labels from the scores: the same function classifies and cross-validates."""
    intent = INTENTS[max(range(len(intent_s)), key=intent_s.__getitem__)]
    category = "none"
    if intent in CASE_INTENTS:
        category = CATEGORIES[max(range(len(cat_s)), key=cat_s.__getitem__)]
    urgent = intent == "complaint" and (urgent_s >= threshold or safety)
    return intent, category, urgent


_FAMILY_ZH = {"gas": "燃气或焦糊味", "fire": "起火冒烟", "trapped": "有人被困或遇险",
              "live_wire": "漏电带电", "falling": "坠落危险", "freezing": "严寒停暖停水",
              "traffic": "有人倒在车道", "flooding": "水灌进屋"}


def _show(feature: str) -> str:
    """A feature as a reader sees it: a bigram is its two characters (and adds up
    with the word of the same text), a safety cue family is named in Chinese."""
    if feature.startswith("b:"):
        return feature[2:]
    if feature.startswith("安全:"):
        return "安全信号·" + _FAMILY_ZH.get(feature[3:], feature[3:])
    return feature


def _top(entries: list[tuple[str, float]], n: int = 3) -> list[tuple[str, float]]:
    total: dict[str, float] = {}
    for f, x in entries:
        if x > 0:
            k = _show(f)
            total[k] = total.get(k, 0.0) + x
    return sorted((e for e in total.items() if e[1] > 0), key=lambda e: -e[1])[:n]


class LearnedClassifier:
    """Learned keyword weights + general rules (+ a community's own words)."""

    def __init__(self, weights: Weights, general: General, user: UserWords | None = None,
                 tokenizer: DomainTokenizer | None = None, path: str | None = None) -> None:
        self.weights = weights
        self.general = general
        self.user = user
        self.user_path = user.path if user is not None else None
        self.path = path or str(default_weights_path())
        self.featurizer = Featurizer(
            tokenizer or get_learned_tokenizer(),
            general.phrases if weights.header.get("phrases", "yes") == "yes" else (),
            weights.bigrams,
            general if weights.header.get("cues", "no") == "yes" else None,
            weights.header.get("numbers", "no") == "yes")
        self._lock = threading.Lock()

    @classmethod
    def load(cls, user_words: str | Path | None = None) -> LearnedClassifier:
        user = load_user_words(user_words) if user_words is not None else None
        return cls(load_weights(), load_general(), user,
                   path=str(user_words) if user_words is not None else None)

    @property
    def rules_path(self) -> str:
        return self.path

    def tokens(self, text: str) -> list[str]:
        return self.featurizer.tokenizer.cut(normalize(text))

    def known_words(self, category: str) -> set[str]:
        """Keywords with a positive weight for ``category`` (for ``nlp suggest``)."""
        li = CATEGORIES.index(category)
        words = {f for f, es in self.weights.table["category"].items()
                 if any(i == li and w > 0 for i, w in es)}
        if self.user:
            words.update(self.user.words.get(category, {}))
        return words

    def _scores(self, feats: list[str], extra: dict[str, list[tuple[str, float]]]
                ) -> dict[str, list[float]]:
        s = self.weights.all_scores(feats)
        for task, labels in TASK_LABELS.items():
            for li, lab in enumerate(labels):
                for _word, x in extra.get(lab, ()):
                    s[task][li] += x
        return s

    def _own_words(self, norm: str) -> dict[str, list[tuple[str, float]]]:
        """The word file's words in the message; a category or urgency word also
        counts half towards complaint (a problem named is a problem reported)."""
        extra = self.user.scores(norm) if self.user else {}
        lift = [(w, x * OWN_TO_COMPLAINT) for lab, ws in extra.items()
                if lab in CATEGORIES or lab == "urgent" for w, x in ws]
        if lift:
            extra.setdefault("complaint", []).extend(lift)
        return extra

    def _reasons(self, task: str, label: str, feats: list[str],
                 extra: dict[str, list[tuple[str, float]]]) -> list[tuple[str, float]]:
        li = TASK_LABELS[task].index(label)
        own = [(w + "(自定义)", x) for w, x in extra.get(label, ())]
        return _top(self.weights.reasons(task, li, feats) + own)

    def classify(self, text: str) -> Classification:
        norm = normalize(text)
        place = extract_place(text)
        if not _HAS_WORD.search(norm):
            return Classification("chatter", "none", "normal", 1.0, place,
                                  ("no words (emoji/sticker only)",))
        cues = self.general.safety_cues(norm)
        feats = self.featurizer.features(norm, cues)
        extra = self._own_words(norm)
        s = self._scores(feats, extra)
        si, sc, su = s["intent"], s["category"], s["urgent"][0]
        forced = [(fam, m) for fam, m in cues if fam in self.general.force_urgent]
        threshold = self.weights.urgent_threshold
        intent, category, urgent = decide(si, sc, su, threshold, bool(forced))
        _, conf = _softmax_top(si)
        matched: list[str] = []
        if category != "none":
            conf *= _softmax_top(sc)[1]
            matched += [f"category {category}: {f} {x:+.2f}"
                        for f, x in self._reasons("category", category, feats, extra)]
        if urgent:
            if su >= threshold:
                matched += [f"urgent: {f} {x:+.2f}"
                            for f, x in self._reasons("urgent", "urgent", feats, extra)]
            matched += [f"urgent: 安全规则·{_FAMILY_ZH.get(fam, fam)}「{m}」" for fam, m in forced]
        matched += [f"intent {intent}: {f} {x:+.2f}"
                    for f, x in self._reasons("intent", intent, feats, extra)]
        return Classification(intent, category, "urgent" if urgent else "normal",
                              round(conf, 3), place, tuple(matched))
