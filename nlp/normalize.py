"""Text normalisation applied before tokenising and rule matching.

Steps (in order):

1. full-width ASCII (U+FF01..U+FF5E) and the ideographic space -> half-width;
2. Traditional -> Simplified Chinese (OpenCC ``t2s``; skipped when the text
   holds no character that ``t2s`` would change, which is the common case);
3. sticker placeholders (``[表情]``, ``[微笑]``, ``[Smile]``) and emoji removed;
4. runs of the same punctuation mark collapsed to one (``!!!!`` -> ``!``);
   runs of 3+ of the same CJK character or Latin letter collapsed to two
   (``啊啊啊啊`` -> ``啊啊``, ``咚咚咚`` -> ``咚咚``); digits are never touched,
   so building and room numbers survive (``1111`` stays ``1111``);
5. whitespace runs collapsed to a single space, the text stripped and
   ASCII letters lower-cased (rule words are lower-cased when compiled).

The OpenCC converter is built once, lazily, and shared (it is read-only).
"""

from __future__ import annotations

import re
import threading

__all__ = ["normalize", "t2s", "to_halfwidth"]

_FW_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FW_TABLE[0x3000] = 0x20  # ideographic space
# a few CJK punctuation marks that mean the same as ASCII ones to the classifier
_FW_TABLE.update({ord("。"): ord("."), ord("、"): ord(","), ord("～"): ord("~")})

_PLACEHOLDER = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,6}\]")
_EMOJI = re.compile(
    "["
    "\U0001F000-\U0001FAFF"  # pictographs, emoticons, transport, symbols
    "\U00002600-\U000027BF"  # misc symbols, dingbats
    "\U00002B00-\U00002BFF"
    "\U0000FE0F\U0000200D\U000020E3"  # variation selector, ZWJ, keycap
    "\U0001F1E6-\U0001F1FF"
    "\U000E0020-\U000E007F"
    "]+"
)
_ALARM_CHARS = frozenset("\U0001F6A8\U0001F198")
_ALARM = re.compile("[\U0001F6A8\U0001F198]")
_PUNCT_RUN = re.compile(r"([!?.,~…\-—=*#:;·•])\1+")
_CHAR_RUN = re.compile(r"([\u4e00-\u9fffA-Za-z])\1{2,}")
_SPACE = re.compile(r"\s+")
# either kind of run: a cheap test before the two substitutions
_ANY_RUN = re.compile(r"([!?.,~…\-—=*#:;·•])\1|([\u4e00-\u9fffA-Za-z])\2\2")

_cc = None
_trad_chars: frozenset[str] = frozenset()
_lock = threading.Lock()


def _converter():
    global _cc, _trad_chars
    if _cc is None:
        with _lock:
            if _cc is None:
                from opencc import OpenCC

                cc = OpenCC("t2s")
                cc._init_dict()  # load dictionaries now, not on the first call
                chars: set[str] = set()
                for _max, _min, mapping in cc.dict_cache.values():
                    for key, value in mapping.items():
                        # single characters that t2s changes; a phrase that
                        # needs converting contains at least one of them
                        if len(key) == 1 and key != value:
                            chars.add(key)
                _trad_chars = frozenset(chars)
                _cc = cc
    return _cc


def to_halfwidth(text: str) -> str:
    """Full-width ASCII and ideographic space to half-width."""
    return text.translate(_FW_TABLE)


def t2s(text: str) -> str:
    """Traditional -> Simplified; cheap no-op when nothing needs converting."""
    cc = _converter()
    if _trad_chars.isdisjoint(text):
        return text
    return cc.convert(text)


_s2t = None


def s2t(text: str) -> str:
    """Simplified -> Traditional, for looking up text stored as a Traditional writer
    wrote it (the desk's search); loaded on first use."""
    global _s2t
    if _s2t is None:
        from opencc import OpenCC

        _s2t = OpenCC("s2t")
    return _s2t.convert(text)


def normalize(text: str) -> str:
    """Normalise one message for matching (see module docstring)."""
    text = to_halfwidth(text)
    text = t2s(text)
    if "[" in text:
        text = _PLACEHOLDER.sub(" ", text)
    if not _ALARM_CHARS.isdisjoint(text) and _EMOJI.sub("", text).strip():
        # 🚨 / 🆘 next to words are an alarm marker, like "急!" (round 5)
        text = _ALARM.sub(" 急! ", text)
    text = _EMOJI.sub(" ", text)
    if _ANY_RUN.search(text):
        text = _PUNCT_RUN.sub(r"\1", text)
        text = _CHAR_RUN.sub(r"\1\1", text)
    # str.split() and re's \s use the same Unicode whitespace definition
    return " ".join(text.split()).lower()
