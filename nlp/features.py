"""Message -> features, shared by training (``nlp/train.py``) and classification.

A feature is a plain string a reader recognises:

* the tokens: every Chinese character and every run of Latin letters (the
  shipped weights, ``tokens: chars``), or every jieba word of the project's
  tokenizer (``tokens: jieba``), plus the marks ``?`` and ``!``;
* every curated vocabulary phrase found as a substring (a phrase and a token
  with the same text are one feature);
* ``安全:`` + the family of every life-safety cue of the general rules
  (``安全:gas``), so the cues get learned weights like any word;
* optionally, ``b:`` + every pair of adjacent Chinese characters, and
  ``#数字`` when the message holds a number of three or more digits.
"""

from __future__ import annotations

import math
import re

from .tokenizer import DomainTokenizer
from .vocab import General

__all__ = ["Featurizer", "scale_factor"]

# Chinese characters including extension A and the rarer planes (Cantonese 䢂, 𨋢 ...)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
# a token that is a feature: holds a Chinese character or a letter, or is "?" or "!"
# (jieba yields every other character as a token of its own)
_TOKEN = re.compile(f"[{_HAN}a-z?!]")
# tokens="chars": every Chinese character, every run of Latin letters, "?" and "!"
_CHAR = re.compile(f"[{_HAN}]|[a-z]+|[?!]")
_CJK_PAIR = re.compile(f"(?=([{_HAN}]{{2}}))")
_NUMBER = re.compile(r"[0-9]{3,}")


def scale_factor(scale: str, n: int) -> float:
    """What each present feature counts in a message with ``n`` features:
    ``binary`` 1; ``l2`` 1/sqrt(n); ``capN`` (e.g. ``cap60``) 1 up to N features,
    then sqrt(N/n), so that a long letter's many generic words weigh as much,
    together, as a chat message's few."""
    if n <= 0 or scale == "binary":
        return 1.0
    if scale == "l2":
        return 1.0 / math.sqrt(n)
    if scale.startswith("cap"):
        cap = int(scale[3:])
        return 1.0 if n <= cap else math.sqrt(cap / n)
    raise ValueError(f"unknown scale {scale!r}")


class Featurizer:
    def __init__(self, tokenizer: DomainTokenizer | None, phrases: tuple[str, ...] = (),
                 bigrams: bool = False, general: General | None = None,
                 numbers: bool = False) -> None:
        """``tokenizer`` None: the tokens are single characters (and Latin words)."""
        self.tokenizer = tokenizer
        self.numbers = numbers
        self.phrases = phrases
        self.bigrams = bigrams
        self.general = general
        # phrases by their first character, so that a message is scanned only for
        # the phrases that can occur in it
        by_first: dict[str, list[str]] = {}
        for p in phrases:
            by_first.setdefault(p[0], []).append(p)
        self._by_first = {c: tuple(ps) for c, ps in by_first.items()}
        self._first = frozenset(by_first)
        self._order = {p: i for i, p in enumerate(phrases)}

    def features(self, norm: str, cues: list[tuple[str, str]] | None = None) -> list[str]:
        """The distinct features of a normalised message, in order of first occurrence.
        ``cues``: the message's ``General.safety_cues`` when the caller has them."""
        if self.tokenizer is None:
            seen = dict.fromkeys(_CHAR.findall(norm))
        else:
            seen = dict.fromkeys(filter(_TOKEN.search, self.tokenizer.cut(norm)))
        by_first = self._by_first
        found = [p for c in self._first.intersection(norm) for p in by_first[c] if p in norm]
        if found:
            found.sort(key=self._order.__getitem__)  # the order does not depend on sets
            for p in found:
                seen[p] = None
        if self.numbers and _NUMBER.search(norm):
            seen["#数字"] = None  # a room number, a phone number ...
        if self.general is not None:
            if cues is None:
                cues = self.general.safety_cues(norm)
            for fam, _ in cues:
                seen["安全:" + fam] = None
        if self.bigrams:
            seen.update(dict.fromkeys(map("b:".__add__, _CJK_PAIR.findall(norm))))
        return list(seen)
