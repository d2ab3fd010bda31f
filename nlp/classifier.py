"""The message classifier: learned keyword weights plus a few general rules.

``Classifier.classify(text)`` is pure (no bot, no DB, no I/O) and pure Python:

1. normalise the text (nlp/normalize.py) and find its features: jieba tokens
   and curated vocabulary phrases (nlp/features.py);
2. per label, add the bias and the weight of every feature present
   (nlp/weights/default.tsv, trained by ``linli nlp train``);
3. add a community's own rule weights (``LINLI_RULES_FILE``), if any;
4. apply the general rules of nlp/rules/default.yaml (negation, hypothetical
   questions, "already fixed", life-safety cues) and take the argmax.

``Classification.reasons`` holds the features that pushed the chosen labels
most; :func:`format_reasons` renders them as "判断依据：燃气味 +3.1，楼道 +0.8".
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .features import Featurizer
from .model import LABELS, Rules, Weights, decide, load_weights
from .normalize import normalize
from .place import Place, extract_place
from .rules import CATEGORIES, INTENTS, CompiledRules, RuleGroup, Settings, load_rules
from .tokenizer import DomainTokenizer, get_tokenizer
from .vocab import Vocabulary, default_vocab_path, load_vocab

__all__ = ["Classification", "Classifier", "format_reasons"]

_HAS_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z]")


_NO_WHY: tuple = ((), ())


@dataclass(frozen=True)
class Classification:
    intent: str
    category: str
    urgency: str
    confidence: float
    place: Place | None
    # () -> (matched, reasons): built only when ``matched``/``reasons`` is read,
    # so classifying stays cheap for callers that only want the labels
    why: Callable[[], tuple[tuple[str, ...], tuple[tuple[str, float], ...]]] | tuple = field(
        default=_NO_WHY, repr=False, compare=False)
    _done: dict = field(default_factory=dict, repr=False, compare=False)

    def _why(self) -> tuple:
        got = self._done.get("why")
        if got is None:
            got = self.why() if callable(self.why) else self.why
            self._done["why"] = got
        return got

    @property
    def matched(self) -> tuple[str, ...]:
        """Rules that fired, the strongest features and the scores (for logs)."""
        return self._why()[0]

    @property
    def reasons(self) -> tuple[tuple[str, float], ...]:
        """(feature, weight) that pushed the chosen labels most, strongest first."""
        return self._why()[1]

    def as_dict(self) -> dict:
        return {
            "intent": self.intent,
            "category": self.category,
            "urgency": self.urgency,
            "confidence": self.confidence,
            "place": self.place.as_dict() if self.place else None,
            "matched": list(self.matched),
            "reasons": [[k, w] for k, w in self.reasons],
        }

    def explain(self, n: int = 3) -> str:
        return format_reasons(self, n)


def format_reasons(c: Classification, n: int = 3) -> str:
    """``判断依据：燃气味 +3.1，楼道 +0.8`` (the top ``n`` reasons)."""
    top = [f"{k} {w:+.1f}" for k, w in c.reasons[:n]]
    return "判断依据：" + ("，".join(top) if top else "无明显关键词")


def _empty_rules(path: str) -> CompiledRules:
    return CompiledRules(
        path=path,
        settings=Settings(),
        categories={c: RuleGroup(name=c) for c in CATEGORIES},
        intents={i: RuleGroup(name=i) for i in INTENTS},
        urgency=RuleGroup(name="urgent"),
        resolved=RuleGroup(name="resolved"),
        negators=(),
    )


class _Active:
    """One consistent snapshot: vocabulary, weights and overlay."""

    def __init__(self, vocab: Vocabulary, weights: Weights, overlay: CompiledRules | None,
                 tokenizer: DomainTokenizer, path: str) -> None:
        self.vocab = vocab
        self.weights = weights
        self.featurizer = Featurizer(vocab, tokenizer)
        self.rules_obj = Rules(vocab)
        self.threshold = weights.urgent_threshold
        self.path = path
        self.overlay = overlay
        self.engine = None
        if overlay is not None and any(
            g.keywords or g.patterns or g.cooccur or g.negative for g in overlay.all_groups()
        ):
            from .engine import Engine

            self.engine = Engine(overlay)
            tok = tokenizer.jieba
            for w in self.engine.token_words:
                if not tok.FREQ.get(w):
                    tok.add_word(w)
        if overlay is not None:
            self.rules = overlay
        else:
            # no community file: the learned category words stand in for the
            # rules (``linli nlp suggest`` lists words it does not know yet)
            self.rules = _empty_rules(path)
            for f, es in weights.table.items():
                for t, li, x in es:
                    if t == 1 and x >= 0.5:
                        self.rules.categories[CATEGORIES[li]].keywords[f] = x


class Classifier:
    """Thread-safe holder of the active model; ``reload`` keeps the last good one."""

    def __init__(
        self,
        rules: CompiledRules | None = None,
        tokenizer: DomainTokenizer | None = None,
        *,
        vocab: Vocabulary | None = None,
        weights: Weights | None = None,
        always_tokenize: bool = True,
    ) -> None:
        """``rules``: a community rule file's compiled rules, added on top of
        the learned weights (``None``: none).  ``always_tokenize`` is kept for
        compatibility; the learned model always tokenises."""
        self._tokenizer = tokenizer or get_tokenizer()
        self._lock = threading.Lock()
        v = vocab or load_vocab()
        w = weights or load_weights()
        self._active = _Active(v, w, rules, self._tokenizer,
                               rules.path if rules is not None else v.path)

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> "Classifier":
        """The packaged model, plus the community rule file ``path`` if given."""
        return cls(_load_overlay(path))

    @property
    def rules(self) -> CompiledRules:
        return self._active.rules

    @property
    def rules_path(self) -> str:
        return self._active.path

    @property
    def weights(self) -> Weights:
        return self._active.weights

    def reload(self, path: str | Path | None = None) -> None:
        """Reload the vocabulary, weights and community rules.  On any error
        raise RulesError and keep the current ones active."""
        overlay = _load_overlay(path if path is not None else self.rules_path)
        active = _Active(load_vocab(), load_weights(), overlay, self._tokenizer,
                         overlay.path if overlay is not None else str(default_vocab_path()))
        with self._lock:
            self._active = active

    def tokens(self, text: str) -> list[str]:
        return self._tokenizer.cut(normalize(text))

    def features(self, text: str) -> dict[str, int]:
        return self._active.featurizer.features(normalize(text))

    # -- classification ------------------------------------------------------------
    def _scores(self, act: _Active, norm: str, feats: dict[str, int]):
        sc, k = act.weights.scores(feats)
        extra_resolved = False
        overlay_tr: list[tuple[str, str, float]] = []
        if act.engine is not None:
            eng = act.engine
            present = set(eng.find(norm))
            present.update("=" + t for t in feats if t in eng.token_words)
            gscores, traces = eng.score_all(norm, present)
            for (slug, gi) in eng.cat_gi:
                if gscores[gi]:
                    sc[1][CATEGORIES.index(slug)] += gscores[gi]
                    overlay_tr += [(slug, k, x) for k, x in traces[gi]]
            for (i, gi) in eng.intent_gi:
                if gscores[gi]:
                    sc[0][INTENTS.index(i)] += gscores[gi]
                    overlay_tr += [(i, k, x) for k, x in traces[gi]]
            if gscores[eng.urgency_gi]:
                sc[2][0] += gscores[eng.urgency_gi]
                overlay_tr += [("urgent", k, x) for k, x in traces[eng.urgency_gi]]
            extra_resolved = gscores[eng.resolved_gi] > 0
        return sc, k, extra_resolved, overlay_tr

    def classify(self, text: str) -> Classification:
        act = self._active  # one consistent snapshot even if reload() runs
        norm = normalize(text)
        place = extract_place(text)
        if not _HAS_WORD.search(norm):
            return Classification("chatter", "none", "normal", 1.0, place,
                                  (("no words (emoji/sticker only)",), ()))
        feats = act.featurizer.features(norm)
        sc, scale, extra_resolved, overlay_tr = self._scores(act, norm, feats)
        d = decide(sc[0], sc[1], sc[2][0], act.threshold, act.rules_obj, norm, extra_resolved)
        conf = 1.0 / (1.0 + math.exp(-d.margin))
        return Classification(d.intent, d.category, d.urgency, round(conf, 3), place,
                              lambda: _why(act, d, feats, scale, overlay_tr))

    def scores(self, text: str) -> dict[str, float]:
        """Debug helper: every label's raw learned score (before the general rules)."""
        act = self._active
        norm = normalize(text)
        sc, _, _, _ = self._scores(act, norm, act.featurizer.features(norm))
        out = {}
        for t, task in enumerate(("intent", "category", "urgency")):
            for lab, v in zip(LABELS[task], sc[t]):
                out[f"{task}:{lab}"] = v
        return out


def _why(act: _Active, d, feats, scale: float, overlay_tr) -> tuple:
    """(matched, reasons) of decision ``d``: each feature's total push towards
    the chosen labels (scaled like the score), strongest first."""
    chosen = {(0, INTENTS.index(d.intent))}
    if d.category != "none":
        chosen.add((1, CATEGORIES.index(d.category)))
    if d.urgency == "urgent":
        chosen.add((2, 0))
    push: dict[str, float] = {}
    table = act.weights.table
    for f in feats:
        for t, li, x in table.get(f, ()):
            if (t, li) in chosen:
                push[f] = push.get(f, 0.0) + x * scale
    names = {d.intent, d.category, "urgent" if d.urgency == "urgent" else d.intent}
    for lab, k, x in overlay_tr:
        if lab in names:
            push[k] = push.get(k, 0.0) + x
    reasons = tuple(
        (k, round(x, 2))
        for k, x in sorted(push.items(), key=lambda kv: (-kv[1], kv[0]))
        if round(x, 2) > 0
    )[:8]
    matched = [f"rule: {r}" for r in d.rules]
    matched += [f"{k} {x:+.2f}" for k, x in reasons]
    matched.append(
        f"scores: {d.intent} {d.intent_scores[INTENTS.index(d.intent)]:+.2f}, "
        f"urgent {d.urgency_score:+.2f} (threshold {act.threshold:+.2f})"
    )
    return tuple(matched), reasons


def _load_overlay(path: str | Path | None) -> CompiledRules | None:
    if path is None:
        return None
    p = Path(path)
    try:
        if p.resolve() == default_vocab_path().resolve():
            return None
    except OSError:
        pass
    return load_rules(p)
