"""A private jieba tokenizer with the Linli domain dictionary.

* Its own :class:`jieba.Tokenizer` instance: never the global ``jieba.dt``,
  never ``jieba.add_word`` (that would change every other user of jieba in
  the process).
* The prefix-dictionary cache is kept in a stable per-user location
  (``$LINLI_CACHE_DIR`` or ``$XDG_CACHE_HOME/linli`` or ``~/.cache/linli``),
  so only the very first start-up on a machine pays the 1-3 s build.
* Built once per process (:func:`get_tokenizer`), never per message.
* ``HMM=False`` everywhere, so new-word discovery cannot split domain words.
"""

from __future__ import annotations

import logging
import os
import threading
from importlib import resources
from pathlib import Path

import jieba

__all__ = ["get_tokenizer", "cut", "userdict_path", "cache_dir", "DomainTokenizer"]

_lock = threading.Lock()
_instance: "DomainTokenizer | None" = None


def userdict_path() -> Path:
    return Path(str(resources.files("nlp") / "data" / "userdict.txt"))


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


class DomainTokenizer:
    """Wraps one initialised ``jieba.Tokenizer`` plus the domain dictionary."""

    def __init__(self, extra_words: tuple[str, ...] = ()) -> None:
        tok = jieba.Tokenizer()
        tok.tmp_dir = str(cache_dir())
        tok.cache_file = "jieba.linli.cache"
        # jieba logs "Building prefix dict..." at DEBUG/INFO; keep it quiet
        jieba.setLogLevel(logging.WARNING)
        tok.initialize()
        tok.load_userdict(str(userdict_path()))
        for w in extra_words:
            if w and w not in tok.FREQ:
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
