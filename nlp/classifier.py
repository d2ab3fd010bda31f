"""The rule-based message classifier.

``Classifier.classify(text)`` is pure (no bot, no DB, no I/O): normalise ->
tokenise -> one scan for every rule literal -> per-target scores -> decide
intent, category and urgency.  See ``docs/nlp.md`` for the scoring model.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .normalize import normalize
from .place import Place, extract_place
from .rules import INTENTS, CompiledRules, RuleGroup, load_rules
from .tokenizer import DomainTokenizer, get_tokenizer

__all__ = ["Classification", "Classifier", "Engine", "Reasons", "explain_matched"]

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
    matched: tuple[str, ...] | Reasons  # the rules that fired, or the learned reasons

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


def _fmt(w: float) -> str:
    return f"{w:+g}"


def _tr(t: tuple) -> str:
    return f"{t[0]} {_fmt(t[1])}"


def _first_chars(node) -> frozenset[str] | None:
    """Characters one of which must occur in any text the regex matches
    (taken from its first mandatory element), or None if unknown.  Used only
    to skip regexes that cannot match; a None simply means "always try"."""
    from re import _constants as C  # type: ignore[attr-defined]

    def item(op, av):
        if op is C.LITERAL:
            ch = chr(av)
            return frozenset({ch, ch.lower(), ch.upper()})
        if op is C.IN:
            out: set[str] = set()
            for sop, sav in av:
                if sop is C.LITERAL:
                    ch = chr(sav)
                    out.update((ch, ch.lower(), ch.upper()))
                elif sop is C.RANGE and sav[1] - sav[0] <= 64:
                    out.update(chr(c) for c in range(sav[0], sav[1] + 1))
                else:
                    return None  # negated / category / big range
            return frozenset(out)
        if op is C.BRANCH:
            out = set()
            for br in av[1]:
                r = seq(br)
                if r is None:
                    return None
                out |= r
            return frozenset(out)
        if op is C.SUBPATTERN:
            return seq(av[-1])
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
            return seq(av[2])
        return "skip"

    def seq(sub):
        for op, av in sub:
            r = item(op, av)
            if r == "skip":
                if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.AT, C.ASSERT, C.ASSERT_NOT):
                    continue
                return None
            return r
        return None

    try:
        return seq(node)
    except Exception:
        return None


def _required_sets(node) -> list[frozenset[str]]:
    """Character sets that must *each* intersect any text the regex matches
    (one per mandatory element of the top-level sequence that can be
    summarised as a set of characters).  Used only to skip regexes that
    cannot match; an empty list means "always try"."""
    from re import _constants as C  # type: ignore[attr-defined]

    out: list[frozenset[str]] = []

    def walk(sub) -> None:
        for op, av in sub:
            if op is C.LITERAL or op is C.IN or op is C.BRANCH:
                r = _first_chars([(op, av)])
                if r is not None:
                    out.append(r)
            elif op is C.SUBPATTERN:
                walk(av[-1])
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
                walk(av[2])
            # anything else (optional parts, assertions, wildcards,
            # back-references) adds no constraint

    try:
        walk(node)
    except Exception:
        return []
    return out


# characters that occur in many chat messages: a regex is better indexed under
# rarer ones (only a cost estimate for the regex index, never a rule)
_COMMON = frozenset(
    "了的一楼不在上人家下里电个有都天门小车没是来道区到水我业好物大子开点还梯那地口能着停得就气几晚把去面修多要"
    "这们也说吗会看过为对以和时你他她啊吧呢就又很太真"
)


def _key_set(sub) -> tuple[float, frozenset[str]] | None:
    """The cheapest necessary character condition of a parsed regex: a set of
    characters one of which must occur in any text it matches, with its
    estimated cost (common characters cost more).  Branches contribute the
    union of their alternatives' conditions.  None: no condition known."""
    from re import _constants as C  # type: ignore[attr-defined]

    best: tuple[float, frozenset[str]] | None = None
    for op, av in sub:
        cand = None
        if op is C.LITERAL or op is C.IN:
            r = _first_chars([(op, av)])
            if r is not None:
                cand = (sum(10.0 if ch in _COMMON else 1.0 for ch in r), r)
        elif op is C.BRANCH:
            cost, chars = 0.0, set()
            for alt in av[1]:
                k = _key_set(alt)
                if k is None:
                    cost = -1.0
                    break
                cost += k[0]
                chars |= k[1]
            if cost >= 0:
                cand = (cost, frozenset(chars))
        elif op is C.SUBPATTERN:
            cand = _key_set(av[-1])
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
            cand = _key_set(av[2])
        if cand is not None and (best is None or cand[0] < best[0]):
            best = cand
    return best


class Engine:
    """Compiled rules plus index structures for one-pass matching.

    * every literal of every rule is found in one left-to-right scan that
      looks up text slices in a set (bucketed by first character and length);
    * hits are mapped to rule entries through an inverted index, so the cost
      is proportional to what matched, not to the number of rules;
    * regexes are skipped unless the text contains one of the characters
      their first mandatory element needs.
    """

    def __init__(self, rules: CompiledRules) -> None:
        from re import _parser

        self.rules = rules
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
        # token-only words are scanned as substrings too: jieba only needs to
        # run when one of them occurs (a token is always a substring)
        lits = rules.literals() | self.token_words
        buckets: dict[str, set[int]] = {}
        for x in lits:
            buckets.setdefault(x[0], set()).add(len(x))
        self._lits = frozenset(lits)
        self._buckets = {c: tuple(sorted(ls, reverse=True)) for c, ls in buckets.items()}
        # the scan looks up one-character words directly and longer words by
        # their first two characters (fewer candidate lengths per position)
        self._singles = frozenset(x for x in lits if len(x) == 1)
        b2: dict[str, set[int]] = {}
        for x in lits:
            if len(x) >= 2:
                b2.setdefault(x[:2], set()).add(len(x))
        self._buckets2 = {k: tuple(sorted(v, reverse=True)) for k, v in b2.items()}

        self.groups: list[RuleGroup] = rules.all_groups()
        self._gid = {id(g): i for i, g in enumerate(self.groups)}
        # inverted index: key ("word" or "=token") -> [(group index, key, weight)]
        self._kw_index: dict[str, list[tuple[int, str, float]]] = {}
        self._neg_index: dict[str, list[tuple[int, str, float]]] = {}
        for gi, g in enumerate(self.groups):
            for k, w in g.keywords.items():
                self._kw_index.setdefault(k, []).append((gi, k, w))
            for k, w in g.negative.items():
                self._neg_index.setdefault(k, []).append((gi, k, w))
        # inside one group a word contained in a longer matched word of the
        # same group does not count again ("下水道" hides "下水").  Keywords and
        # negative cues share this, so a negative cue can be lifted by a longer
        # keyword ("油烟机" hides the urgency negative "油烟").
        self._shadow: dict[tuple[int, str], tuple[str, ...]] = {}
        for gi, g in enumerate(self.groups):
            words = list(g.keywords) + list(g.negative)
            for w in words:
                longer = tuple(o for o in words if o != w and w.lstrip("=") in o.lstrip("="))
                if longer:
                    self._shadow[(gi, w)] = longer
        self._cooccur = [
            (gi, co, tuple(frozenset(slot) for slot in co.all), frozenset(co.unless))
            for gi, g in enumerate(self.groups)
            for co in g.cooccur
        ]
        # a co-occurrence rule is only checked when a word of its first slot is present
        self._co_index: dict[str, list[int]] = {}
        for ci, (_gi, _co, slots, _un) in enumerate(self._cooccur):
            for a in slots[0]:
                self._co_index.setdefault(a, []).append(ci)
        self._patterns = []
        for gi, g in enumerate(self.groups):
            for rx, w, src in g.patterns:
                try:
                    req = _first_chars(_parser.parse(rx.pattern, rx.flags))
                except Exception:
                    req = None
                self._patterns.append((gi, rx, w, src, req))
        # regexes indexed by the characters they need: only the candidates whose
        # required characters occur in the text are tried (cost follows the
        # text).  Each regex is indexed under its smallest required character
        # set, and its other required sets are checked before searching.
        self._pat_rest: list[tuple[frozenset[str], ...]] = []
        always: list[int] = []
        tmp: dict[str, list[int]] = {}
        for i, (_gi, rx, _w, _src, first) in enumerate(self._patterns):
            try:
                sets = _required_sets(_parser.parse(rx.pattern, rx.flags))
            except Exception:
                sets = []
            try:
                k = _key_set(_parser.parse(rx.pattern, rx.flags))
            except Exception:
                k = None
            key = k[1] if k is not None else first
            if key is None:
                always.append(i)
                self._pat_rest.append(tuple(sets))
                continue
            for ch in key:
                tmp.setdefault(ch, []).append(i)
            self._pat_rest.append(tuple(x for x in sets if x != key))
        self._pat_always = tuple(always)
        self._pat_by_char = {ch: tuple(v) for ch, v in tmp.items()}
        self._pat_keys = frozenset(self._pat_by_char)
        self._pat_mask = {ch: sum(1 << i for i in v) for ch, v in self._pat_by_char.items()}
        self._pat_always_mask = sum(1 << i for i in self._pat_always)
        # per present key, everything it does in one list: (group, signed
        # weight, trace tuple, longer words that shadow it or None); keyword
        # entries come before negative ones, as in the trace order
        tmp_e: dict[str, list[tuple]] = {}
        for key, lst in self._kw_index.items():
            for gi, k, w in lst:
                tmp_e.setdefault(key, []).append((gi, w, (k, w), self._shadow.get((gi, k))))
        for key, lst in self._neg_index.items():
            for gi, k, w in lst:
                tmp_e.setdefault(key, []).append((gi, -w, ("not " + k, -w), self._shadow.get((gi, k))))
        self._entries = {k: tuple(v) for k, v in tmp_e.items()}
        self._co_keys = frozenset(self._co_index)
        # group indices used by classify
        self.cat_gi = tuple((slug, self._gid[id(g)]) for slug, g in rules.categories.items())
        self.cat_kw = {slug: frozenset(g.keywords) for slug, g in rules.categories.items()}
        self.intent_gi = tuple((i, self._gid[id(rules.intents[i])]) for i in INTENTS)
        self.intent_gi_map = dict(self.intent_gi)
        self.resolved_gi = self._gid[id(rules.resolved)]
        self.urgency_gi = self._gid[id(rules.urgency)]
        self._negators = tuple(rules.negators)
        self._negatable = set()
        for g in rules.categories.values():
            self._negatable.update(k for k in g.keywords if not k.startswith("="))
        self._negatable.update(k for k in rules.intents["complaint"].keywords)

    # -- matching -----------------------------------------------------------------
    def find(self, text: str) -> dict[str, list[int]]:
        """Every rule literal in ``text`` with its start positions (overlaps included)."""
        hits: dict[str, list[int]] = {}
        lits, singles, buckets = self._lits, self._singles, self._buckets2
        for i in range(len(text)):
            ch = text[i]
            if ch in singles:
                if ch in hits:
                    hits[ch].append(i)
                else:
                    hits[ch] = [i]
            lens = buckets.get(text[i : i + 2])
            if lens is None:
                continue
            for n in lens:
                sub = text[i : i + n]
                if len(sub) == n and sub in lits:
                    if sub in hits:
                        hits[sub].append(i)
                    else:
                        hits[sub] = [i]
        return hits

    def _negated_ends(self, hits: dict[str, list[int]], text: str = "") -> list[int]:
        # "是不是X" asks whether X is the case; it does not negate X (round 5)
        return [
            pos + len(n)
            for n in self._negators
            for pos in hits.get(n, ())
            if not (n.startswith("不") and pos > 0 and text[pos - 1 : pos] == n[1:2])
        ]

    def pattern_candidates(self, text: str) -> list[int]:
        """Indices of the regexes that may match ``text``, in rule-file order.
        A regex left out cannot match: every one of its required character
        sets misses the text (tests check this on every labelled row)."""
        # candidate regexes as a bit mask (bit i = pattern i), so they come
        # out in rule-file order without sorting
        chars = set(text)
        mask = self._pat_always_mask
        pat_mask = self._pat_mask
        for ch in self._pat_keys.intersection(chars):
            mask |= pat_mask[ch]
        rest = self._pat_rest
        out = []
        while mask:
            low = mask & -mask
            mask ^= low
            pi = low.bit_length() - 1
            for r in rest[pi]:
                if chars.isdisjoint(r):
                    break
            else:
                out.append(pi)
        return out

    def score_all(
        self, text: str, present: set[str]
    ) -> tuple[list[float], list[list[tuple]]]:
        """Scores of every group given the set of present keys.  The trace of
        each group is a list of raw tuples, formatted only when shown."""
        n = len(self.groups)
        scores = [0.0] * n
        traces: list[list[tuple]] = [[] for _ in range(n)]
        entries = self._entries
        for key in present:
            es = entries.get(key)
            if es is None:
                continue
            for gi, w, tr, longer in es:
                if longer and not present.isdisjoint(longer):
                    continue
                scores[gi] += w
                traces[gi].append(tr)
        if not self._co_keys.isdisjoint(present):
            co_index = self._co_index
            cands: set[int] = set()
            for key in self._co_keys.intersection(present):
                cands.update(co_index[key])
            cooccur = self._cooccur
            for ci in cands:
                gi, co, slots, unless = cooccur[ci]
                if not present.isdisjoint(unless):
                    continue
                for sl in slots:
                    if present.isdisjoint(sl):
                        break
                else:
                    scores[gi] += co.weight
                    traces[gi].append((co.label, co.weight))
        patterns = self._patterns
        for pi in self.pattern_candidates(text):
            gi, rx, w, src, _req = patterns[pi]
            if rx.search(text):
                scores[gi] += w
                traces[gi].append(("/" + src + "/", w))
        return scores, traces


ENGINE_ENV = "LINLI_CLASSIFIER"  # "learned" or "rules"; unset: DEFAULT_ENGINE
# The lead sets "learned" after scoring both engines once on tests/data/nlp_holdout2.jsonl
# (docs/nlp.md "Which engine is the default").
DEFAULT_ENGINE = "learned"


def _choose(path: str | Path | None, engine: str | None) -> str:
    """Which engine a rules path means: a word file (``words:``) is for the
    learned weights, a full rule file (``categories:``) for the rule engine;
    without a file, ``engine`` or $LINLI_CLASSIFIER decides."""
    import os

    if path is not None:
        from .vocab import is_word_file

        return "learned" if is_word_file(path) else "rules"
    choice = engine or os.environ.get(ENGINE_ENV, "").strip().lower() or DEFAULT_ENGINE
    if choice not in ("learned", "rules"):
        from .rules import RulesError

        raise RulesError(ENGINE_ENV, [(None, f'"{choice}": use "learned" or "rules"')])
    return choice


class Classifier:
    """Thread-safe holder of the active classifier; ``reload`` keeps the last good one.

    Two engines: the learned keyword weights (``nlp/model.py``) and the hand
    rules (this module's ``Engine``).  ``Classifier(rules)`` is the rule
    engine; ``from_file`` picks one (see ``_choose``)."""

    def __init__(
        self,
        rules: CompiledRules | None,
        tokenizer: DomainTokenizer | None = None,
        *,
        always_tokenize: bool = False,
        learned: Any = None,
    ) -> None:
        """``always_tokenize=False`` (default) runs jieba only when the text
        contains a token-only rule word (``=word``) as a substring, which is
        the only time the tokens can change the result."""
        self.always_tokenize = always_tokenize
        self._lock = threading.Lock()
        self._learned = learned  # a LearnedClassifier, or None: the rule engine
        self._engine: Engine | None = None
        if rules is not None:
            self._tokenizer = tokenizer or get_tokenizer()
            self._engine = Engine(rules)
            self._ensure_words(self._engine)

    @classmethod
    def from_file(cls, path: str | Path | None = None, *, engine: str | None = None
                  ) -> Classifier:
        """``path``: a rule file or a word file (``None``: the packaged defaults)."""
        if _choose(path, engine) == "learned":
            from .model import LearnedClassifier

            return cls(None, learned=LearnedClassifier.load(path))
        return cls(load_rules(path))

    @property
    def engine(self) -> str:
        return "learned" if self._learned is not None else "rules"

    @property
    def rules(self) -> CompiledRules:
        if self._engine is None:
            raise AttributeError("the learned classifier has no rule file")
        return self._engine.rules

    @property
    def rules_path(self) -> str:
        learned = self._learned
        return learned.rules_path if learned is not None else self.rules.path

    def reload(self, path: str | Path | None = None) -> None:
        """Load and activate a new rule or word file.  On any error raise
        RulesError and keep the current one active."""
        if path is None:
            learned = self._learned
            path = self.rules_path if learned is None else learned.user_path
        if path is None or _choose(path, self.engine) == "learned":
            from .model import LearnedClassifier

            learned = LearnedClassifier.load(path)  # fully built before swapping
            with self._lock:
                self._learned = learned
            return
        rules = load_rules(path)
        engine = Engine(rules)  # compile fully before swapping
        if not hasattr(self, "_tokenizer"):
            self._tokenizer = get_tokenizer()
        self._ensure_words(engine)
        with self._lock:
            self._engine = engine  # set before dropping the learned one: no gap
            self._learned = None

    def known_words(self, category: str) -> set[str]:
        """Words that already count for ``category`` (``nlp suggest`` skips them)."""
        learned = self._learned
        if learned is not None:
            return learned.known_words(category)
        rules = self.rules
        return rules.category_words(category) if category in rules.categories else set()

    def _ensure_words(self, engine: Engine) -> None:
        # token-only ('=word') rule words must be whole tokens to ever match;
        # add them to *this* tokenizer instance (never jieba.add_word)
        tok = self._tokenizer.jieba
        for w in engine.token_words:
            if not tok.FREQ.get(w):
                tok.add_word(w)

    # -- classification ----------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        learned = self._learned
        if learned is not None:
            return learned.tokens(text)
        return self._tokenizer.cut(normalize(text))

    def classify(self, text: str) -> Classification:
        learned = self._learned  # read first: reload() sets the engine before clearing it
        if learned is not None:
            return learned.classify(text)
        eng = self._engine  # one consistent snapshot even if reload() runs
        assert eng is not None
        rules = eng.rules
        st = rules.settings
        norm = normalize(text)
        place = extract_place(text)
        if not _HAS_WORD.search(norm):
            return Classification(
                "chatter", "none", "normal", 1.0, place, ("no words (emoji/sticker only)",)
            )
        matched: list[str] = []
        hits = eng.find(norm)
        present = set(hits)
        neg_ends = eng._negated_ends(hits, norm)
        if neg_ends:  # a rule word right after 不是/不是说... does not count
            for w in list(present):
                if w in eng._negatable and all(
                    any(0 <= p - e <= st.negation_window for e in neg_ends) for p in hits[w]
                ):
                    present.discard(w)
                    matched.append(f"negated: {w}")
        if self.always_tokenize or not eng.token_words.isdisjoint(hits):
            present.update("=" + t for t in self._tokenizer.cut(norm) if t in eng.token_words)
        scores, traces = eng.score_all(norm, present)

        # categories
        cat_scores: dict[str, float] = {}
        for slug, g_i in eng.cat_gi:
            v = scores[g_i]
            if v > 0:
                cat_scores[slug] = v
        cat_extra: dict[str, list[str]] = {}
        if len(cat_scores) > 1 and st.first_mention_bonus:
            # two problems in one message: the one named first is usually the main one
            first: dict[str, int] = {}
            cat_kw = eng.cat_kw
            for slug in cat_scores:
                kws = cat_kw[slug]
                ps = [min(hits[w]) for w in present if w in kws and w in hits]
                if ps:
                    first[slug] = min(ps)
            if first:
                lead = min(first, key=lambda c: first[c])
                cat_scores[lead] += st.first_mention_bonus
                cat_extra[lead] = [f"mentioned first {_fmt(st.first_mention_bonus)}"]
        best_cat, best_cs = "none", 0.0
        if cat_scores:
            cats = rules.categories
            best_cat = max(cat_scores, key=lambda c: (cat_scores[c], cats[c].priority))
            best_cs = cat_scores[best_cat]
            if best_cs < st.min_category_score:
                best_cat, best_cs = "none", 0.0

        # intents (traces are formatted only for the intent that wins)
        iscore = {i: scores[g_i] for i, g_i in eng.intent_gi}
        itr_gi = eng.intent_gi_map
        itr_extra: dict[str, list[str]] = {"chatter": [], "complaint": []}
        resolved = scores[eng.resolved_gi]
        if resolved > 0:
            iscore["chatter"] += resolved
            iscore["complaint"] -= resolved
            itr_extra["chatter"].extend(f"resolved: {_tr(t)}" for t in traces[eng.resolved_gi])
        own_complaint = iscore["complaint"]  # the complaint's own cues, before evidence
        us = scores[eng.urgency_gi]
        if best_cat != "none":
            bonus = min(best_cs, st.category_cap) * st.category_to_complaint
            if (
                st.topic_only_factor != 1.0
                and own_complaint <= 0
                and us <= 0  # a hazard is always a problem
                and max(iscore["inquiry"], iscore["suggestion"], iscore["chatter"]) >= st.min_intent_score
            ):
                # a question, proposal or notice *about* a topic ("充电桩怎么收费",
                # "燃气公司下周入户安检,家里请留人") names the topic without
                # reporting a problem: its words count for less
                bonus *= st.topic_only_factor
            iscore["complaint"] += bonus
            itr_extra["complaint"].append(f"intent complaint: category evidence {_fmt(bonus)}")
        if us > 0 and st.urgency_to_complaint and resolved <= 0:
            ubonus = min(us, st.category_cap) * st.urgency_to_complaint
            iscore["complaint"] += ubonus
            itr_extra["complaint"].append(f"intent complaint: urgency evidence {_fmt(ubonus)}")

        ranked = sorted(INTENTS, key=lambda i: (-iscore[i], _INTENT_ORDER[i]))
        intent = ranked[0]
        if iscore[intent] < st.min_intent_score:
            intent = "chatter"
            matched.append("intent chatter: no cue strong enough")
        margin = iscore[intent] - max(v for k, v in iscore.items() if k != intent)
        conf = 1.0 / (1.0 + math.exp(-margin))
        matched.extend(f"intent {intent}: {_tr(t)}" for t in traces[itr_gi[intent]])
        matched.extend(itr_extra.get(intent, ()))

        category, urgency = "none", "normal"
        if intent in ("complaint", "suggestion"):
            if best_cat == "none":
                category = "other"
                matched.append("category other: no category rule matched")
            else:
                category = best_cat
                g = rules.categories[best_cat]
                matched.extend(f"category {best_cat}: {_tr(t)}" for t in traces[eng._gid[id(g)]])
                matched.extend(f"category {best_cat}: {t}" for t in cat_extra.get(best_cat, ()))
                runner = max((v for c, v in cat_scores.items() if c != best_cat), default=0.0)
                conf *= 1.0 / (1.0 + math.exp(-(best_cs - runner)))
        if intent == "complaint" and us >= st.urgent_threshold and resolved <= 0:
            urgency = "urgent"
            matched.extend(f"urgent: {_tr(t)}" for t in traces[eng.urgency_gi])
        return Classification(intent, category, urgency, round(conf, 3), place, tuple(matched))

    def scores(self, text: str) -> dict[str, float]:
        """Debug helper: the raw score of every rule group (not used by classify)."""
        eng = self._engine
        assert eng is not None, "rule engine only"
        norm = normalize(text)
        present = set(eng.find(norm))
        present.update("=" + t for t in self._tokenizer.cut(norm) if t in eng.token_words)
        scores, _ = eng.score_all(norm, present)
        return {g.name: v for g, v in zip(eng.groups, scores, strict=False)}
