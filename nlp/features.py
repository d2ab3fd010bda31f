"""Message -> features, shared by training (``nlp/train.py``) and classification.

A feature is a plain string a reader recognises:

* every jieba token (the project's own tokenizer, ``HMM=False``) that holds a
  Chinese character or a letter, plus the marks ``?`` and ``!``;
* every curated vocabulary phrase found as a substring (a phrase and a token
  with the same text are one feature);
* ``安全:`` + the family of every life-safety cue of the general rules
  (``安全:gas``), so the cues get learned weights like any word;
* optionally, ``b:`` + every pair of adjacent Chinese characters, and
  ``#数字`` when the message holds a number of three or more digits.
"""

from __future__ import annotations

import re

from .tokenizer import DomainTokenizer
from .vocab import General

__all__ = ["Featurizer"]

_WORD = re.compile(r"[\u4e00-\u9fffa-z]")
_CJK_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")
_MARKS = frozenset("?!")
_NUMBER = re.compile(r"[0-9]{3,}")


class Featurizer:
    def __init__(self, tokenizer: DomainTokenizer, phrases: tuple[str, ...] = (),
                 bigrams: bool = False, general: General | None = None,
                 numbers: bool = False) -> None:
        self.tokenizer = tokenizer
        self.numbers = numbers
        self.phrases = phrases
        self.bigrams = bigrams
        self.general = general

    def features(self, norm: str, cues: list[tuple[str, str]] | None = None) -> list[str]:
        """The distinct features of a normalised message, in order of first occurrence.
        ``cues``: the message's ``General.safety_cues`` when the caller has them."""
        seen: dict[str, None] = {}
        for t in self.tokenizer.cut(norm):
            if t in _MARKS or _WORD.search(t):
                seen[t] = None
        for p in self.phrases:
            if p in norm:
                seen[p] = None
        if self.numbers and _NUMBER.search(norm):
            seen["#数字"] = None  # a room number, a phone number ...
        if self.general is not None:
            if cues is None:
                cues = self.general.safety_cues(norm)
            for fam, _ in cues:
                seen["安全:" + fam] = None
        if self.bigrams:
            for b in _CJK_PAIR.findall(norm):
                seen["b:" + b] = None
        return list(seen)
