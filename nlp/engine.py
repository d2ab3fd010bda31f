"""Matcher for a community's own rules file (``LINLI_RULES_FILE``).

The file has the format of the old hand-written rules (``categories`` /
``intents`` / ``urgency`` / ``negation`` with ``keywords``, ``patterns``,
``cooccur`` and ``negative``; validated with line numbers by nlp/rules.py).
Its weights are added on top of the learned ones by nlp/classifier.py.
:class:`Engine` finds every literal in one scan and scores each rule group.
"""

from __future__ import annotations

from .rules import INTENTS, CompiledRules, RuleGroup

__all__ = ["Engine"]



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
    except Exception:  # noqa: BLE001 - an optimisation only
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
    except Exception:  # noqa: BLE001 - an optimisation only
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
                except Exception:  # noqa: BLE001
                    req = None
                self._patterns.append((gi, rx, w, src, req))
        # regexes indexed by the characters they need: only the candidates whose
        # required characters occur in the text are tried (cost follows the
        # text).  Each regex is indexed under its smallest required character
        # set, and its other required sets are checked before searching.
        self._pat_rest: list[tuple[frozenset[str], ...]] = []
        always: list[int] = []
        tmp: dict[str, list[int]] = {}
        for i, (gi, rx, w, src, first) in enumerate(self._patterns):
            try:
                sets = _required_sets(_parser.parse(rx.pattern, rx.flags))
            except Exception:  # noqa: BLE001
                sets = []
            try:
                k = _key_set(_parser.parse(rx.pattern, rx.flags))
            except Exception:  # noqa: BLE001
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
