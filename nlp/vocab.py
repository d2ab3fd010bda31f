"""The curated vocabulary and general rules (``nlp/rules/general.yaml``) and a
community's own word file (``LINLI_RULES_FILE``).

Both are small YAML files a community organizer can read.  Loading errors are
:class:`~nlp.labels.RulesError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from .labels import CATEGORIES, INTENTS, RulesError
from .normalize import normalize

__all__ = [
    "USER_LABELS",
    "General",
    "UserWords",
    "default_general_path",
    "load_general",
    "load_user_words",
    "parse_user_words",
]

USER_LABELS = (*INTENTS, *CATEGORIES, "urgent")
_LIST_KEYS = ("hypothetical", "question", "resolved", "still_broken", "notice", "worry",
              "negated")
_CLAUSE_END = ",.!?;:"


def default_general_path() -> Path:
    return Path(str(resources.files("nlp") / "rules" / "general.yaml"))


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RulesError(str(path), [(None, f"cannot read file: {e}")]) from e
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise RulesError(str(path), [(line, f"not valid YAML: {e}")]) from e


@dataclass(frozen=True)
class General:
    """General rules: which life-safety cues a message holds, and when they do not count."""

    path: str
    phrases: tuple[str, ...]
    hypothetical: tuple[str, ...]
    question: tuple[str, ...]
    resolved: tuple[str, ...]
    still_broken: tuple[str, ...]
    notice: tuple[str, ...]
    past: re.Pattern[str]
    safety: tuple[tuple[str, re.Pattern[str]], ...]  # (family, pattern)
    force_urgent: frozenset[str] = frozenset()  # families that make a complaint urgent
    worry: tuple[str, ...] = ()  # a cue after one of these in its clause does not count
    past_clause: bool = False  # "past" also applies to the cue's own clause
    negated: tuple[str, ...] = ()  # a cue right after one of these does not count ("不是着火")

    def cue_families(self, norm: str) -> list[str]:
        """The families of :meth:`safety_cues`, once each (learned features)."""
        return sorted({fam for fam, _ in self.safety_cues(norm)})

    def safety_cues(self, norm: str) -> list[tuple[str, str]]:
        """(family, matched text) of every life-safety cue in the normalised
        message, or [] when the message is a hypothetical question, a notice,
        opens in the past, or says the problem is over.  A cue whose clause
        opens with a worry ("一旦起火", "担心漏电") does not count."""
        hits = []
        for fam, rx in self.safety:
            m = rx.search(norm)
            if m is not None and self._discounted(norm, m.start()):
                m = next((m for m in rx.finditer(norm)
                          if not self._discounted(norm, m.start())), None)
            if m is not None:
                hits.append((fam, m.group(0)))
        if not hits:
            return []
        if any(w in norm for w in self.notice) or self.past.search(norm):
            return []
        if self.is_hypothetical_question(norm):
            return []
        if self.is_resolved(norm):
            return []
        return hits

    def is_hypothetical_question(self, norm: str) -> bool:
        """"万一电梯困人了找谁?": a what-if question, not a report."""
        return any(w in norm for w in self.hypothetical) and any(w in norm for w in self.question)

    def is_resolved(self, norm: str) -> bool:
        """The message says the problem is over ("已经修好了") and not that it is back."""
        return any(w in norm for w in self.resolved) and not any(w in norm for w in self.still_broken)


    def _discounted(self, norm: str, start: int) -> bool:
        """The cue at ``start`` is denied, feared or over, not happening: it follows a
        negation ("不是着火"), a worry or a hypothesis opens its clause ("一旦起火",
        "担心漏电", "哪天着火了"), or the
        clause opens in the past and does not come back to now ("前天厨房着火了,
        好在人没事")."""
        i = start
        while i > 0 and norm[i - 1] not in _CLAUSE_END:
            i -= 1
        before = norm[i:start]
        if any(w in before for w in self.worry) or before.endswith(self.negated):
            return True
        if not self.past_clause:
            return False
        j = start
        while j < len(norm) and norm[j] not in _CLAUSE_END:
            j += 1
        return self.past.search(norm[i:j]) is not None


def load_general(path: str | Path | None = None) -> General:
    p = Path(path) if path is not None else default_general_path()
    doc = _read_yaml(p)
    errors: list[tuple[int | None, str]] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("general"), dict):
        raise RulesError(str(p), [(None, 'expected a mapping with "general" and "vocabulary"')])
    g = doc["general"]
    lists: dict[str, tuple[str, ...]] = {}
    for key in _LIST_KEYS:
        v = g.get(key, [])
        if not isinstance(v, list):
            errors.append((None, f"general.{key}: expected a list of words"))
            v = []
        lists[key] = tuple(normalize(str(w)) for w in v if str(w).strip())
    try:
        past = re.compile(str(g.get("past", "(?!)")))
    except re.error as e:
        errors.append((None, f"general.past: bad regular expression: {e}"))
        past = re.compile("(?!)")
    safety: list[tuple[str, re.Pattern[str]]] = []
    for fam, pats in (g.get("safety") or {}).items():
        for src in pats or []:
            try:
                safety.append((str(fam), re.compile(str(src))))
            except re.error as e:
                errors.append((None, f"general.safety.{fam}: bad regular expression {src!r}: {e}"))
    force = g.get("force_urgent", [])
    families = {fam for fam, _ in safety}
    if not isinstance(force, list) or not set(map(str, force)) <= families:
        errors.append((None, f"general.force_urgent: a list of safety families {sorted(families)}"))
        force = []
    phrases: set[str] = set()
    for topic, words in (doc.get("vocabulary") or {}).items():
        if not isinstance(words, list):
            errors.append((None, f"vocabulary.{topic}: expected a list of words"))
            continue
        phrases.update(normalize(str(w)) for w in words if str(w).strip())
    if errors:
        raise RulesError(str(p), errors)
    return General(str(p), tuple(sorted(phrases)), past=past, safety=tuple(safety),
                   force_urgent=frozenset(map(str, force)),
                   past_clause=bool(g.get("past_clause", False)), **lists)


@dataclass(frozen=True)
class UserWords:
    """A community's own words: label -> {word: weight}, added on top of the
    learned weights when the word occurs in the (normalised) message."""

    path: str
    words: dict[str, dict[str, float]]

    def scores(self, norm: str) -> dict[str, list[tuple[str, float]]]:
        out: dict[str, list[tuple[str, float]]] = {}
        for label, ws in self.words.items():
            hit = [(w, x) for w, x in ws.items() if w in norm]
            if hit:
                out[label] = hit
        return out


def parse_user_words(doc: object, path: str) -> UserWords:
    """``{"words": {label: {word: weight}}}``; labels are intents, categories or ``urgent``."""
    if not isinstance(doc, dict) or not isinstance(doc.get("words"), dict):
        raise RulesError(path, [(None, 'expected "words:" with one block per label')])
    errors: list[tuple[int | None, str]] = []
    words: dict[str, dict[str, float]] = {}
    for label, ws in doc["words"].items():
        if label not in USER_LABELS:
            errors.append((None, f"unknown label {label!r} (use one of: {', '.join(USER_LABELS)})"))
            continue
        if not isinstance(ws, dict):
            errors.append((None, f"{label}: expected 'word: weight' lines"))
            continue
        for w, x in ws.items():
            if isinstance(x, bool) or not isinstance(x, int | float):
                errors.append((None, f"{label}.{w}: weight must be a number, not {x!r}"))
                continue
            nw = normalize(str(w))
            if not nw:
                errors.append((None, f"{label}: empty word"))
                continue
            words.setdefault(label, {})[nw] = float(x)
    if errors:
        raise RulesError(path, errors)
    return UserWords(path, words)


OLD_RULE_FILE = (
    'an old full rule file (top-level "categories:"): the hand-rule engine was removed. '
    'Convert it to a word file: a top-level "words:" with one block per label (an intent, '
    'a category or "urgent") of "word: weight" lines, e.g. "words: {noise: {敲锣: 3}}" '
    '(docs/nlp.md, "Your own words"), or unset LINLI_RULES_FILE to use the packaged '
    "classifier alone")
OLD_RULE_FILE_ZH = (
    "{path} 是旧版的完整规则文件（顶层是 categories:）。手写规则引擎已经停用，这种文件不能再加载。\n"
    "请把它改写成词表文件：顶层写 words:，每个标签（意图、类别或 urgent）下面写“词语: 权重”，例如：\n"
    "words:\n  noise: {{敲锣: 3}}\n  urgent: {{跑气: 4}}\n"
    "只需搬入本社区自己加的词；权重叠加在内置分类器学到的权重之上。"
    "也可以不设置 LINLI_RULES_FILE，只用内置分类器。")


def load_user_words(path: str | Path) -> UserWords:
    p = Path(path)
    doc = _read_yaml(p)
    if isinstance(doc, dict) and "categories" in doc:
        raise RulesError(str(p), [(None, OLD_RULE_FILE)], zh=OLD_RULE_FILE_ZH.format(path=p))
    return parse_user_words(doc, str(p))
