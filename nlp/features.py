"""Message -> features, shared by training (nlp/train.py) and classification.

A feature is a plain string a reader can recognise:

* every jieba token (the project's own tokenizer, ``HMM=False``) that holds a
  Chinese character or a letter, plus the marks ``?`` and ``!``;
* every curated vocabulary phrase found as a substring.

A token and a phrase with the same text are the same feature.  General rule
"negation": a feature that starts right after a negator (``不是垃圾的事``)
is dropped, unless the negator is the ``是不是`` of a question.
"""

from __future__ import annotations

import re

from .tokenizer import DomainTokenizer
from .vocab import Vocabulary

__all__ = ["Featurizer"]

_WORD = re.compile(r"[\u4e00-\u9fffa-z]")
_MARKS = frozenset("?!")


class Featurizer:
    def __init__(self, vocab: Vocabulary, tokenizer: DomainTokenizer) -> None:
        self.vocab = vocab
        self.tokenizer = tokenizer
        self._phrases = frozenset(vocab.phrases)
        b2: dict[str, set[int]] = {}
        for p in vocab.phrases:
            if len(p) >= 2:
                b2.setdefault(p[:2], set()).add(len(p))
        self._b2 = {k: tuple(sorted(v, reverse=True)) for k, v in b2.items()}
        self._singles = frozenset(p for p in vocab.phrases if len(p) == 1)
        self._negators = tuple(sorted(vocab.negators, key=len, reverse=True))
        self._window = vocab.negation_window

    def phrases(self, norm: str) -> dict[str, int]:
        """Vocabulary phrases in ``norm`` with their first start position."""
        hits: dict[str, int] = {}
        b2, lits, singles = self._b2, self._phrases, self._singles
        for i in range(len(norm)):
            if singles and norm[i] in singles and norm[i] not in hits:
                hits[norm[i]] = i
            lens = b2.get(norm[i : i + 2])
            if lens is None:
                continue
            for n in lens:
                sub = norm[i : i + n]
                if len(sub) == n and sub in lits and sub not in hits:
                    hits[sub] = i
        return hits

    def negated_spans(self, norm: str) -> list[tuple[int, int]]:
        """(start, end) of text a negator governs: the ``window`` characters
        after it (``不是说垃圾`` -> ``垃圾``)."""
        spans = []
        for n in self._negators:
            start = norm.find(n)
            while start >= 0:
                # "是不是X" asks whether X is the case; it does not negate X
                if not (n.startswith("不") and start > 0 and norm[start - 1] == n[1:2]):
                    end = start + len(n)
                    spans.append((start, end))
                start = norm.find(n, start + 1)
        return spans

    def features(self, norm: str) -> dict[str, int]:
        """Feature -> first start position in ``norm``."""
        feats: dict[str, int] = {}
        pos = 0
        for t in self.tokenizer.cut(norm):
            if t in _MARKS or _WORD.search(t):
                if t not in feats:
                    feats[t] = pos
            pos += len(t)
        for p, i in self.phrases(norm).items():
            if p not in feats or i < feats[p]:
                feats[p] = i
        if self._negators:
            spans = self.negated_spans(norm)
            if spans:
                w = self._window
                for f, i in list(feats.items()):
                    for s, e in spans:
                        if e <= i <= e + w and not (s <= i < e):
                            del feats[f]
                            break
        return feats
