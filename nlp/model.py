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
from operator import add
from pathlib import Path

from .classifier import Classification, Reasons
from .features import Featurizer, scale_factor
from .labels import CATEGORIES, INTENTS, RulesError
from .normalize import normalize
from .place import extract_place
from .tokenizer import DomainTokenizer, domain_words, get_tokenizer
from .vocab import General, UserWords, load_general, load_user_words

__all__ = [
    "FORMAT",
    "LearnedClassifier",
    "Weights",
    "decide",
    "default_weights_path",
    "load_weights",
    "phrases",
]

FORMAT = "1"
TASK_LABELS = {"intent": INTENTS, "category": CATEGORIES, "urgent": ("urgent",)}
_HAS_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134fA-Za-z]")
CASE_INTENTS = ("complaint", "suggestion")
OWN_TO_COMPLAINT = 0.5  # share of a word file's category/urgency weight added to complaint


def phrases(general: General, tokens: str) -> tuple[str, ...]:
    """The phrase features: the curated vocabulary, and with character tokens also
    the domain dictionary's words (飞线充电, 楼道灯 ...), which jieba would keep whole."""
    if tokens != "chars":
        return general.phrases
    return tuple(sorted(set(general.phrases) | {normalize(w) for w in domain_words()}))


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
        # one dense row per feature over the labels of all three tasks, so that a
        # message's scores are one C-level column sum
        flat: dict[str, dict[int, float]] = {}
        for task, tab in self.table.items():
            off = _OFFSET[task]
            for f, es in tab.items():
                d = flat.setdefault(f, {})
                for li, w in es:
                    d[off + li] = w
        self._bias = [b for task in TASK_LABELS for b in self.bias[task]]
        zero = 0.0
        self._dense = {f: tuple(d.get(i, zero) for i in range(_SIZE)) for f, d in flat.items()}

    @property
    def scale(self) -> str:
        return self.header.get("scale", "binary")

    @property
    def urgent_threshold(self) -> float:
        return float(self.header.get("urgent_threshold", "0"))

    @property
    def bigrams(self) -> bool:
        return self.header.get("bigrams", "no") == "yes"

    def _k(self, feats: list[str]) -> float:
        return scale_factor(self.scale, len(feats))

    def present(self, feats: list[str]) -> list[tuple[str, tuple[float, ...]]]:
        """(feature, its weights for every label) of the features that have weights."""
        dense = self._dense
        return [(f, r) for f in feats if (r := dense.get(f)) is not None]

    def flat_scores(self, feats: list[str], k: float) -> list[float]:
        """Bias + k x the weights of the features, for every label of every task."""
        rows = [*filter(None, map(self._dense.get, feats))]  # C-level loops: the hot path
        if not rows:
            return list(self._bias)
        sums = map(sum, zip(*rows, strict=True))
        return list(map(add, self._bias, sums if k == 1.0 else map(k.__mul__, sums)))

    @staticmethod
    def split(flat: list[float]) -> dict[str, list[float]]:
        return {t: flat[_OFFSET[t]:_OFFSET[t] + len(ls)] for t, ls in TASK_LABELS.items()}

    def all_scores(self, feats: list[str]) -> dict[str, list[float]]:
        """Per task, per label: bias + the weights of the features present."""
        return self.split(self.flat_scores(feats, self._k(feats)))

    def scores(self, task: str, feats: list[str]) -> list[float]:
        return self.all_scores(feats)[task]

    def reasons(self, task: str, label: int, feats: list[str]) -> list[tuple[str, float]]:
        """(feature, contribution) of every present feature with a weight for ``label``."""
        i, k = _OFFSET[task] + label, self._k(feats)
        return [(f, r[i] * k) for f, r in self.present(feats) if r[i]]


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


_ENDS_A_WORD = frozenset("了的着过吗呢吧啊呀嘛么")  # particles: what follows is another word


def _top(entries: list[tuple[str, float]], n: int = 3) -> list[tuple[str, float]]:
    """The n strongest reasons.  A bigram and the word of the same text count
    together, and a single character counts with the strongest word present
    that holds it (燃 and 气 with 燃气), so that a reader sees words."""
    total: dict[str, float] = {}
    chars: list[tuple[str, float]] = []
    for f, x in entries:
        if f[:2] == "b:" and f[2] in _ENDS_A_WORD:
            continue  # 了快: a pair across a word's end, no word a reader would see
        if x > 0:
            k = f[2:] if f[:2] == "b:" else _show(f) if f[:3] == "安全:" else f
            if len(k) == 1:
                chars.append((k, x))
            else:
                total[k] = total.get(k, 0.0) + x
    for c, x in chars:
        words = [w for w in total if c in w and not w.startswith("安全信号")]
        k = max(words, key=total.__getitem__) if words else c
        total[k] = total.get(k, 0.0) + x
    return sorted(total.items(), key=lambda e: -e[1])[:n]


class LearnedClassifier:
    """Learned keyword weights + general rules (+ a community's own words)."""

    def __init__(self, weights: Weights, general: General, user: UserWords | None = None,
                 tokenizer: DomainTokenizer | None = None, path: str | None = None) -> None:
        self.weights = weights
        self.general = general
        self.user = user
        self.user_path = user.path if user is not None else None
        self.path = path or str(default_weights_path())
        tokens = weights.header.get("tokens", "jieba")
        self._tokenizer = tokenizer
        self.featurizer = Featurizer(
            (tokenizer or get_tokenizer()) if tokens == "jieba" else None,
            phrases(general, tokens) if weights.header.get("phrases", "yes") == "yes" else (),
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
        """jieba words (for ``nlp suggest``), whatever the weights' own tokens are."""
        tok = self.featurizer.tokenizer or self._tokenizer or get_tokenizer()
        return tok.cut(normalize(text))

    def known_words(self, category: str) -> set[str]:
        """Keywords with a positive weight for ``category`` (for ``nlp suggest``)."""
        li = CATEGORIES.index(category)
        words = {f for f, es in self.weights.table["category"].items()
                 if any(i == li and w > 0 for i, w in es)}
        if self.user:
            words.update(self.user.words.get(category, {}))
        return words

    def _scores(self, flat: list[float], extra: dict[str, list[tuple[str, float]]]
                ) -> dict[str, list[float]]:
        s = self.weights.split(flat)
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

    @staticmethod
    def _reasons(task: str, label: str, present: list[tuple[str, tuple[float, ...]]], k: float,
                 extra: dict[str, list[tuple[str, float]]]) -> list[tuple[str, float]]:
        i = _OFFSET[task] + TASK_LABELS[task].index(label)
        own = [(w + "(自定义)", x) for w, x in extra.get(label, ())]
        return _top([(f, r[i] * k) for f, r in present if r[i] > 0] + own)

    def classify(self, text: str) -> Classification:
        norm = normalize(text)
        place = extract_place(text)
        if not _HAS_WORD.search(norm):
            return Classification("chatter", "none", "normal", 1.0, place,
                                  ("no words (emoji/sticker only)",))
        cues = self.general.safety_cues(norm)
        feats = self.featurizer.features(norm, cues)
        extra = self._own_words(norm)
        w = self.weights
        k = w._k(feats)
        s = self._scores(w.flat_scores(feats, k), extra)
        si, sc, su = s["intent"], s["category"], s["urgent"][0]
        forced = [(fam, m) for fam, m in cues if fam in self.general.force_urgent]
        threshold = self.weights.urgent_threshold
        intent, category, urgent = decide(si, sc, su, threshold, bool(forced))
        _, conf = _softmax_top(si)
        if category != "none":
            conf *= _softmax_top(sc)[1]

        def reasons() -> tuple[str, ...]:
            present = w.present(feats)
            matched: list[str] = []
            if category != "none":
                matched += [f"category {category}: {f} {x:+.2f}"
                            for f, x in self._reasons("category", category, present, k, extra)]
            if urgent:
                if su >= threshold:
                    matched += [f"urgent: {f} {x:+.2f}"
                                for f, x in self._reasons("urgent", "urgent", present, k, extra)]
                matched += [f"urgent: 安全规则·{_FAMILY_ZH.get(fam, fam)}「{m}」"
                            for fam, m in forced]
            matched += [f"intent {intent}: {f} {x:+.2f}"
                        for f, x in self._reasons("intent", intent, present, k, extra)]
            return tuple(matched)

        return Classification(intent, category, "urgent" if urgent else "normal",
                              round(conf, 3), place, Reasons(reasons))
