"""The rule-based message classifier.

``Classifier.classify(text)`` is pure (no bot, no DB, no I/O): normalise ->
tokenise -> one scan for every rule literal -> per-target scores -> decide
intent, category and urgency.  See ``docs/nlp.md`` for the scoring model.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from .normalize import normalize
from .place import Place, extract_place
from .rules import INTENTS, CompiledRules, RuleGroup, load_rules
from .tokenizer import DomainTokenizer, get_tokenizer

__all__ = ["Classification", "Classifier", "Engine"]

_HAS_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z]")
# tie order when two intents score the same: the costlier miss first
_INTENT_ORDER = {"complaint": 0, "suggestion": 1, "inquiry": 2, "chatter": 3}


@dataclass(frozen=True)
class Classification:
    intent: str
    category: str
    urgency: str
    confidence: float
    place: Place | None
    matched: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "intent": self.intent,
            "category": self.category,
            "urgency": self.urgency,
            "confidence": self.confidence,
            "place": self.place.as_dict() if self.place else None,
            "matched": list(self.matched),
        }


def _fmt(w: float) -> str:
    return f"{w:+g}"


class Engine:
    """Compiled rules plus the index structures for one-pass matching."""

    def __init__(self, rules: CompiledRules) -> None:
        self.rules = rules
        lits = sorted(rules.literals(), key=lambda s: (-len(s), s))
        # one scan: at every position the longest literal starting there ...
        self._scan = (
            re.compile("(?=(" + "|".join(re.escape(x) for x in lits) + "))") if lits else None
        )
        # ... plus the shorter literals that are prefixes of it
        litset = set(lits)
        self._prefixes: dict[str, tuple[str, ...]] = {}
        for x in lits:
            pre = tuple(x[:i] for i in range(1, len(x)) if x[:i] in litset)
            if pre:
                self._prefixes[x] = pre
        self.token_words = {
            k[1:]
            for g in rules.all_groups()
            for k in (*g.keywords, *g.negative)
            if k.startswith("=")
        } | {
            a[1:]
            for g in rules.all_groups()
            for co in g.cooccur
            for slot in (*co.all, co.unless)
            for a in slot
            if a.startswith("=")
        }
        # inside one group a keyword contained in a longer matched keyword of
        # the same group does not count again ("下水道" hides "下水")
        self._shadow: dict[int, dict[str, tuple[str, ...]]] = {}
        for g in rules.all_groups():
            words = list(g.keywords)
            self._shadow[id(g)] = {
                w: tuple(o for o in words if o != w and w.lstrip("=") in o.lstrip("="))
                for w in words
            }
        self._negators = set(rules.negators)
        self._negatable = set()
        for g in rules.categories.values():
            self._negatable.update(k for k in g.keywords if not k.startswith("="))
        self._negatable.update(k for k in rules.intents["complaint"].keywords)

    # -- matching -----------------------------------------------------------------
    def find(self, text: str) -> dict[str, list[int]]:
        hits: dict[str, list[int]] = {}
        if self._scan is None:
            return hits
        for m in self._scan.finditer(text):
            lit = m.group(1)
            pos = m.start()
            hits.setdefault(lit, []).append(pos)
            for p in self._prefixes.get(lit, ()):
                hits.setdefault(p, []).append(pos)
        return hits

    def _negated_ends(self, hits: dict[str, list[int]]) -> list[int]:
        ends = []
        for n in self._negators:
            for pos in hits.get(n, ()):
                ends.append(pos + len(n))
        return ends

    def score(
        self,
        g: RuleGroup,
        text: str,
        hits: dict[str, list[int]],
        live: set[str],
        tokens: set[str],
        out: list[str] | None,
        tag: str,
    ) -> float:
        def present(w: str) -> bool:
            return w[1:] in tokens if w.startswith("=") else w in live

        s = 0.0
        shadow = self._shadow.get(id(g), {})
        for w, wt in g.keywords.items():
            if present(w) and not any(present(o) for o in shadow.get(w, ())):
                s += wt
                if out is not None:
                    out.append(f"{tag}: {w} {_fmt(wt)}")
        for rx, wt, src in g.patterns:
            if rx.search(text):
                s += wt
                if out is not None:
                    out.append(f"{tag}: /{src}/ {_fmt(wt)}")
        for co in g.cooccur:
            if all(any(present(a) for a in slot) for slot in co.all) and not any(
                present(a) for a in co.unless
            ):
                s += co.weight
                if out is not None:
                    out.append(f"{tag}: {co.label} {_fmt(co.weight)}")
        for w, wt in g.negative.items():
            if present(w):
                s -= wt
                if out is not None:
                    out.append(f"{tag}: not {w} {_fmt(-wt)}")
        return s


class Classifier:
    """Thread-safe holder of the active rules; ``reload`` keeps the last good ones."""

    def __init__(self, rules: CompiledRules, tokenizer: DomainTokenizer | None = None) -> None:
        self._tokenizer = tokenizer or get_tokenizer()
        self._engine = Engine(rules)
        self._lock = threading.Lock()
        self._ensure_words(self._engine)

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> "Classifier":
        """Load rules from ``path`` (``None``: the packaged default rules)."""
        return cls(load_rules(path))

    @property
    def rules(self) -> CompiledRules:
        return self._engine.rules

    @property
    def rules_path(self) -> str:
        return self._engine.rules.path

    def reload(self, path: str | Path | None = None) -> None:
        """Load and activate new rules.  On any error raise RulesError and keep
        the current rules active."""
        rules = load_rules(path if path is not None else self.rules_path)
        engine = Engine(rules)  # compile fully before swapping
        self._ensure_words(engine)
        with self._lock:
            self._engine = engine

    def _ensure_words(self, engine: Engine) -> None:
        # token-only ('=word') rule words must be whole tokens to ever match;
        # add them to *this* tokenizer instance (never jieba.add_word)
        tok = self._tokenizer.jieba
        for w in engine.token_words:
            if not tok.FREQ.get(w):
                tok.add_word(w)

    # -- classification ----------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        return self._tokenizer.cut(normalize(text))

    def classify(self, text: str) -> Classification:
        eng = self._engine  # one consistent snapshot even if reload() runs
        rules = eng.rules
        st = rules.settings
        norm = normalize(text)
        place = extract_place(text)
        if not _HAS_WORD.search(norm):
            return Classification("chatter", "none", "normal", 1.0, place, ("no words (emoji/sticker only)",))

        tokens = set(self._tokenizer.cut(norm)) if eng.token_words else set()
        hits = eng.find(norm)
        # negation: a rule word right after 不是/不是说... does not count
        live = set(hits)
        neg_ends = eng._negated_ends(hits)
        matched: list[str] = []
        if neg_ends:
            for w in list(live):
                if w in eng._negatable:
                    poss = hits[w]
                    if all(any(0 <= p - e <= st.negation_window for e in neg_ends) for p in poss):
                        live.discard(w)
                        matched.append(f"negated: {w}")

        # categories
        cat_scores: dict[str, float] = {}
        cat_trace: dict[str, list[str]] = {}
        for slug, g in rules.categories.items():
            tr: list[str] = []
            s = eng.score(g, norm, hits, live, tokens, tr, f"category {slug}")
            if s > 0:
                cat_scores[slug] = s
                cat_trace[slug] = tr
        if len(cat_scores) > 1 and st.first_mention_bonus:
            # two problems in one message: the one named first is usually the main one
            first: dict[str, int] = {}
            for slug in cat_scores:
                ps = [
                    min(hits[w])
                    for w in rules.categories[slug].keywords
                    if w in live and w in hits
                ]
                if ps:
                    first[slug] = min(ps)
            if first:
                lead = min(first, key=lambda c: first[c])
                cat_scores[lead] += st.first_mention_bonus
                cat_trace[lead].append(
                    f"category {lead}: mentioned first {_fmt(st.first_mention_bonus)}"
                )
        best_cat, best_cs = "none", 0.0
        if cat_scores:
            best_cat = max(
                cat_scores, key=lambda c: (cat_scores[c], rules.categories[c].priority)
            )
            best_cs = cat_scores[best_cat]
            if best_cs < st.min_category_score:
                best_cat, best_cs = "none", 0.0

        # intents
        itr: dict[str, list[str]] = {}
        iscore: dict[str, float] = {}
        for slug in INTENTS:
            tr = []
            iscore[slug] = eng.score(rules.intents[slug], norm, hits, live, tokens, tr, f"intent {slug}")
            itr[slug] = tr
        rtr: list[str] = []
        resolved = eng.score(rules.resolved, norm, hits, live, tokens, rtr, "resolved")
        if resolved > 0:
            iscore["chatter"] += resolved
            iscore["complaint"] -= resolved
            itr["chatter"].extend(rtr)
        if best_cat != "none":
            bonus = min(best_cs, st.category_cap) * st.category_to_complaint
            iscore["complaint"] += bonus
            itr["complaint"].append(f"intent complaint: category evidence {_fmt(bonus)}")

        ranked = sorted(INTENTS, key=lambda i: (-iscore[i], _INTENT_ORDER[i]))
        intent = ranked[0]
        if iscore[intent] < st.min_intent_score:
            intent = "chatter"
            matched.append("intent chatter: no cue strong enough")
        top = iscore[intent]
        second = max(v for k, v in iscore.items() if k != intent)
        margin = top - second
        conf = 1.0 / (1.0 + math.exp(-margin))
        matched.extend(itr[intent])

        category, urgency = "none", "normal"
        if intent in ("complaint", "suggestion"):
            if best_cat == "none":
                category = "other"
                matched.append("category other: no category rule matched")
            else:
                category = best_cat
                matched.extend(cat_trace[best_cat])
                runner = sorted((v for c, v in cat_scores.items() if c != best_cat), reverse=True)
                cm = best_cs - (runner[0] if runner else 0.0)
                conf *= 1.0 / (1.0 + math.exp(-cm))
                conf = max(conf, 0.0)
        if intent == "complaint":
            utr: list[str] = []
            us = eng.score(rules.urgency, norm, hits, live, tokens, utr, "urgent")
            if us >= st.urgent_threshold and resolved <= 0:
                urgency = "urgent"
                matched.extend(utr)
        return Classification(intent, category, urgency, round(conf, 3), place, tuple(matched))

    def scores(self, text: str) -> dict[str, dict[str, float]]:
        """Debug helper: every raw score (not used by classify)."""
        eng = self._engine
        norm = normalize(text)
        hits = eng.find(norm)
        tokens = set(self._tokenizer.cut(norm))
        live = set(hits)
        r = eng.rules
        return {
            "category": {c: eng.score(g, norm, hits, live, tokens, None, c) for c, g in r.categories.items()},
            "intent": {i: eng.score(g, norm, hits, live, tokens, None, i) for i, g in r.intents.items()},
            "urgent": {"urgent": eng.score(r.urgency, norm, hits, live, tokens, None, "u")},
            "resolved": {"resolved": eng.score(r.resolved, norm, hits, live, tokens, None, "r")},
        }

