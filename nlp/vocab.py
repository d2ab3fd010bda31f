"""The curated vocabulary and the general rules (``nlp/rules/default.yaml``).

The file has two parts:

* ``vocabulary``: phrases the learner may give a weight to, found as
  substrings of the normalised message (jieba tokens are features too; a
  phrase is listed when jieba splits it or when a short phrase says more than
  its tokens).  Grouping by topic is for the reader only: ``linli nlp train``
  learns a weight for every phrase and every label.
* general rules the labelled data cannot teach well, applied after the
  learned weights: negation, hypothetical questions, "already fixed" cues and
  the life-safety urgency cues.

Pure Python + PyYAML; loaded once per classifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from .rules import RulesError, _norm_word

__all__ = ["Vocabulary", "default_vocab_path", "load_vocab"]


def default_vocab_path() -> Path:
    return Path(str(resources.files("nlp") / "rules" / "default.yaml"))


@dataclass(frozen=True)
class Vocabulary:
    path: str
    phrases: tuple[str, ...]
    negators: tuple[str, ...]
    negation_window: int
    hypothetical: tuple[str, ...]
    question: tuple[str, ...]
    resolved: tuple[str, ...]
    still_broken: tuple[str, ...]
    notice: tuple[str, ...]
    # life-safety cues: (family, compiled regex)
    safety: tuple[tuple[str, re.Pattern[str]], ...]
    # past-tense openers that cancel a safety cue
    past: re.Pattern[str] | None
    settings: dict[str, float] = field(default_factory=dict)

    def setting(self, name: str, default: float) -> float:
        return float(self.settings.get(name, default))


def _words(node, what: str, errors: list[str]) -> tuple[str, ...]:
    if node is None:
        return ()
    if isinstance(node, dict):  # topic -> [words]
        out: list[str] = []
        for topic, ws in node.items():
            out.extend(_words(ws, f"{what}.{topic}", errors))
        return tuple(out)
    if not isinstance(node, list):
        errors.append(f"{what}: expected a list of words")
        return ()
    out = []
    for w in node:
        if not isinstance(w, (str, int)) or not str(w).strip():
            errors.append(f"{what}: bad entry {w!r}")
            continue
        out.append(_norm_word(str(w).strip()))
    return tuple(out)


def parse_vocab(text: str, path: str = "<vocab>") -> Vocabulary:
    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        raise RulesError(path, [(None, f"YAML syntax error: {e}")]) from e
    if not isinstance(doc, dict):
        raise RulesError(path, [(None, "expected a mapping at the top level")])
    errors: list[str] = []
    phrases = _words(doc.get("vocabulary"), "vocabulary", errors)
    seen: set[str] = set()
    uniq = []
    for p in phrases:
        if p not in seen:
            seen.add(p)
            uniq.append(p)
    g = doc.get("general") or {}
    safety: list[tuple[str, re.Pattern[str]]] = []
    for fam, pats in (g.get("safety") or {}).items():
        for src in pats if isinstance(pats, list) else [pats]:
            try:
                safety.append((str(fam), re.compile(str(src))))
            except re.error as e:
                errors.append(f"general.safety.{fam}: broken regular expression {src!r}: {e}")
    past = None
    if g.get("past"):
        try:
            past = re.compile(str(g["past"]))
        except re.error as e:
            errors.append(f"general.past: broken regular expression: {e}")
    settings = {k: float(v) for k, v in (doc.get("settings") or {}).items()}
    if errors:
        raise RulesError(path, [(None, e) for e in errors])
    return Vocabulary(
        path=path,
        phrases=tuple(sorted(uniq)),
        negators=_words(g.get("negators"), "general.negators", errors),
        negation_window=int(settings.get("negation_window", 2)),
        hypothetical=_words(g.get("hypothetical"), "general.hypothetical", errors),
        question=_words(g.get("question"), "general.question", errors),
        resolved=_words(g.get("resolved"), "general.resolved", errors),
        still_broken=_words(g.get("still_broken"), "general.still_broken", errors),
        notice=_words(g.get("notice"), "general.notice", errors),
        safety=tuple(safety),
        past=past,
        settings=settings,
    )


def load_vocab(path: str | Path | None = None) -> Vocabulary:
    p = Path(path) if path is not None else default_vocab_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise RulesError(str(p), [(None, f"cannot read file: {e}")]) from e
    return parse_vocab(text, str(p))
