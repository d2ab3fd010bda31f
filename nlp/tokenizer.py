"""A private jieba tokenizer with the Linli domain dictionary.

* Its own :class:`jieba.Tokenizer` instance: never the global ``jieba.dt``,
  never ``jieba.add_word`` (that would change every other user of jieba in
  the process).
* The prefix-dictionary cache is kept in a stable per-user location
  (``$LINLI_CACHE_DIR`` or ``$XDG_CACHE_HOME/linli`` or ``~/.cache/linli``),
  so only the very first start-up on a machine pays the 1-3 s build.
* Its dictionary is jieba's own (trimmed to words with frequency >=
  ``MIN_FREQ``) merged with ``nlp/data/userdict.txt``; the merged file and
  its prefix-dict cache are written once to the cache dir.
* Built once per process (:func:`get_tokenizer`), never per message, and
  never changed after.  jieba itself is imported only then: the shipped
  weights use characters, so classifying never needs it (``nlp suggest``,
  a ``tokens: jieba`` weights file and the FAQ matcher do).
* ``HMM=False`` everywhere, so new-word discovery cannot split domain words.
"""

from __future__ import annotations

import logging
import os
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

__all__ = ["DomainTokenizer", "cache_dir", "cut", "domain_words", "get_tokenizer", "userdict_path"]

_lock = threading.Lock()
_instance: DomainTokenizer | None = None


def userdict_path() -> Path:
    return Path(str(resources.files("nlp") / "data" / "userdict.txt"))


def domain_words() -> tuple[str, ...]:
    """The words of the user dictionary (飞线充电, 二次供水, 楼道灯 ...)."""
    out = []
    for raw in userdict_path().read_text(encoding="utf-8").splitlines():
        raw = raw.strip()
        if raw and not raw.startswith("#"):
            out.append(raw.split()[0])
    return tuple(out)


def cache_dir() -> Path:
    env = os.environ.get("LINLI_CACHE_DIR")
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "linli"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:  # read-only home: fall back to jieba's default temp dir
        import tempfile

        base = Path(tempfile.gettempdir())
    return base


# jieba's main dictionary has 349k words; words seen fewer than this many times in
# its corpus are dropped from our copy.  That halves start-up time and memory
# (the prefix dict is ~85 MB in full); domain words come from the user dictionary.
MIN_FREQ = 5


def _derived_dictionary() -> Path:
    """jieba's dictionary (words with freq >= MIN_FREQ) merged with our user
    dictionary, written once to the cache dir; its name changes whenever
    either input changes, so a stale file is never used."""
    import hashlib

    import jieba

    src = Path(jieba.__file__).parent / "dict.txt"
    user = userdict_path().read_bytes()
    st = src.stat()
    key = hashlib.md5(
        f"{st.st_size}:{st.st_mtime_ns}:{MIN_FREQ}:".encode() + user
    ).hexdigest()[:12]
    out = cache_dir() / f"linli-dict-{key}.txt"
    if not out.exists():
        lines: list[str] = []
        with src.open(encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and int(parts[1]) >= MIN_FREQ:
                    lines.append(line if line.endswith("\n") else line + "\n")
        for raw in user.decode("utf-8").splitlines():
            raw = raw.strip()
            if raw and not raw.startswith("#"):
                parts = raw.split()
                if len(parts) == 1:
                    parts.append("1000")
                lines.append(" ".join(parts) + "\n")
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("".join(lines), encoding="utf-8")
        tmp.replace(out)  # atomic: concurrent starters never see half a file
    return out


class DomainTokenizer:
    """Wraps one initialised ``jieba.Tokenizer`` with the domain dictionary."""

    def __init__(self, extra_words: tuple[str, ...] = ()) -> None:
        import jieba

        d = _derived_dictionary()
        tok = jieba.Tokenizer(dictionary=str(d))
        tok.tmp_dir = str(d.parent)
        tok.cache_file = d.stem + ".cache"
        # silence jieba's "Building prefix dict..." DEBUG lines on stderr for
        # the duration of our own initialisation only, then restore its level
        log = jieba.default_logger
        level = log.level
        log.setLevel(max(level, logging.WARNING))
        try:
            tok.initialize()
        finally:
            log.setLevel(level)
        for w in extra_words:
            if w and not tok.FREQ.get(w):
                tok.add_word(w)  # instance method: affects this tokenizer only
        self._tok = tok

    @property
    def jieba(self) -> jieba.Tokenizer:
        return self._tok

    def cut(self, text: str) -> list[str]:
        return self._tok.lcut(text, HMM=False)

    def has_word(self, word: str) -> bool:
        return bool(self._tok.FREQ.get(word))


def get_tokenizer() -> DomainTokenizer:
    """The process-wide domain tokenizer (built on first use)."""
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = DomainTokenizer()
    return _instance


def cut(text: str) -> list[str]:
    return get_tokenizer().cut(text)
