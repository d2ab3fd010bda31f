"""Loading, validating and compiling the YAML rule file.

The file format is documented in ``docs/nlp.md`` and by example in
``nlp/rules/default.yaml``.  Validation collects *every* problem and raises a
single :class:`RulesError` whose message lists them as ``file:line: message``
(1-based line numbers), so a community editor can fix them all in one go.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = [
    "CATEGORIES",
    "INTENTS",
    "CoRule",
    "CompiledRules",
    "RuleGroup",
    "RulesError",
    "Settings",
    "default_rules_path",
    "load_rules",
    "parse_rules",
]

INTENTS = ("complaint", "suggestion", "inquiry", "chatter")
CATEGORIES = (
    "sanitation",
    "noise",
    "parking",
    "ebike",
    "street_order",
    "elevator",
    "water",
    "heating_gas",
    "facilities",
    "property",
    "greenery",
    "safety",
    "neighbour",
    "other",
)


class RulesError(ValueError):
    """The rule file is invalid.  ``errors`` holds ``(line, message)`` pairs."""

    def __init__(self, path: str, errors: list[tuple[int | None, str]]):
        self.path = path
        self.errors = list(errors)
        lines = [
            f"{path}:{line}: {msg}" if line is not None else f"{path}: {msg}"
            for line, msg in self.errors
        ]
        super().__init__(
            f"{len(self.errors)} error(s) in rule file {path}:\n  " + "\n  ".join(lines)
        )


def default_rules_path() -> Path:
    """The packaged default rule file."""
    return Path(str(resources.files("nlp") / "rules" / "default.yaml"))


# --------------------------------------------------------------------------- compiled form


@dataclass(frozen=True)
class CoRule:
    """Co-occurrence: every slot in ``all`` (each a tuple of alternatives) is
    present and no word of ``unless`` is present."""

    all: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...]
    weight: float
    label: str
    line: int


@dataclass
class RuleGroup:
    """Evidence for one target (a category, an intent, urgency, resolution)."""

    name: str
    keywords: dict[str, float] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], float, str]] = field(default_factory=list)
    cooccur: list[CoRule] = field(default_factory=list)
    negative: dict[str, float] = field(default_factory=dict)
    priority: int = 0
    label: str = ""


@dataclass(frozen=True)
class Settings:
    urgent_threshold: float = 3.0
    min_category_score: float = 1.0
    category_to_complaint: float = 0.5
    category_cap: float = 4.0
    negation_window: int = 2
    min_intent_score: float = 0.5
    first_mention_bonus: float = 0.5
    urgency_to_complaint: float = 0.5
    topic_only_factor: float = 1.0


@dataclass
class CompiledRules:
    path: str
    settings: Settings
    categories: dict[str, RuleGroup]
    intents: dict[str, RuleGroup]
    urgency: RuleGroup
    resolved: RuleGroup
    negators: tuple[str, ...]

    def all_groups(self) -> list[RuleGroup]:
        return [*self.categories.values(), *self.intents.values(), self.urgency, self.resolved]

    def literals(self) -> set[str]:
        """Every literal string that the matcher must find in a text."""
        out: set[str] = set(self.negators)
        for g in self.all_groups():
            out.update(k for k in g.keywords if not k.startswith("="))
            out.update(k for k in g.negative if not k.startswith("="))
            for co in g.cooccur:
                for slot in co.all:
                    out.update(a for a in slot if not a.startswith("="))
                out.update(a for a in co.unless if not a.startswith("="))
        out.discard("")
        return out

    def category_words(self, category: str) -> set[str]:
        g = self.categories[category]
        words = {k.lstrip("=") for k in g.keywords}
        for co in g.cooccur:
            for slot in co.all:
                words.update(a.lstrip("=") for a in slot)
        return words


# --------------------------------------------------------------------------- loading


def _norm_word(w: str) -> str:
    """Rule words are matched against normalised text, so normalise them the
    same way (full-width -> half-width, Traditional -> Simplified, lower case)."""
    from .normalize import t2s, to_halfwidth

    return t2s(to_halfwidth(w)).lower()


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Validator:
    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[tuple[int | None, str]] = []

    def err(self, node: Node | None, msg: str) -> None:
        self.errors.append((_line(node) if node is not None else None, msg))

    # -- scalar helpers
    def string(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            self.err(node, f"{what}: expected a string, got {self._kind(node)}")
            return None
        if not node.value.strip():
            self.err(node, f"{what}: empty string")
            return None
        return node.value.strip()

    def number(self, node: Node, what: str) -> float | None:
        if isinstance(node, ScalarNode) and node.tag in (
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
        ):
            try:
                v = float(yaml.safe_load(node.value))
            except (ValueError, TypeError):
                v = math.nan
            if math.isfinite(v):
                return v
        self.err(node, f"{what}: expected a number, got {self._kind(node)}")
        return None

    @staticmethod
    def _kind(node: Node) -> str:
        if isinstance(node, MappingNode):
            return "a mapping"
        if isinstance(node, SequenceNode):
            return "a list"
        tag = node.tag.rsplit(":", 1)[-1]
        return f"{tag} {node.value!r}"

    def mapping(self, node: Node, what: str) -> list[tuple[ScalarNode, Node]] | None:
        if not isinstance(node, MappingNode):
            self.err(node, f"{what}: expected a mapping, got {self._kind(node)}")
            return None
        return node.value  # type: ignore[return-value]

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.err(node, f"{what}: expected a list, got {self._kind(node)}")
            return None
        return node.value

    def keys(self, pairs, what: str, allowed: tuple[str, ...] | None = None) -> dict[str, Node]:
        out: dict[str, Node] = {}
        lines: dict[str, int] = {}
        for k, v in pairs:
            key = self.string(k, f"{what} key")
            if key is None:
                continue
            if key in out:
                self.err(k, f"{what}: duplicate key {key!r} (already on line {lines[key]})")
                continue
            if allowed is not None and key not in allowed:
                self.err(k, f"{what}: unknown key {key!r} (allowed: {', '.join(allowed)})")
                continue
            out[key] = v
            lines[key] = _line(k)
        return out

    # -- rule parts
    def word(self, node: Node, what: str) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:int":
            return node.value  # a number used as a word, e.g. 12345 (the hotline)
        w = self.string(node, what)
        if w is None:
            return None
        w = _norm_word(w)
        if w.startswith("=") and len(w) == 1:
            self.err(node, f"{what}: '=' needs a word after it")
            return None
        return w

    def weights(self, node: Node, what: str, seen: dict[str, int]) -> dict[str, float]:
        out: dict[str, float] = {}
        pairs = self.mapping(node, what)
        if pairs is None:
            return out
        for k, v in pairs:
            w = self.word(k, f"{what} word")
            num = self.number(v, f"{what}[{k.value if isinstance(k, ScalarNode) else '?'}] weight")
            if w is None:
                continue
            if w in seen:
                self.err(k, f"{what}: duplicate keyword {w!r} (already on line {seen[w]})")
                continue
            seen[w] = _line(k)
            if num is not None:
                out[w] = num
        return out

    def patterns(self, node: Node, what: str) -> list[tuple[re.Pattern[str], float, str]]:
        out: list[tuple[re.Pattern[str], float, str]] = []
        pairs = self.mapping(node, what)
        if pairs is None:
            return out
        seen: dict[str, int] = {}
        for k, v in pairs:
            src = self.string(k, f"{what} pattern")
            num = self.number(v, f"{what} pattern weight")
            if src is None:
                continue
            if src in seen:
                self.err(k, f"{what}: duplicate pattern {src!r} (already on line {seen[src]})")
                continue
            seen[src] = _line(k)
            try:
                rx = re.compile(src, re.IGNORECASE)
            except re.error as e:
                self.err(k, f"{what}: broken regular expression {src!r}: {e}")
                continue
            if num is not None:
                out.append((rx, num, src))
        return out

    def alternatives(self, node: Node, what: str) -> tuple[str, ...] | None:
        s = self.string(node, what)
        if s is None:
            return None
        alts = tuple(_norm_word(a.strip()) for a in s.split("|"))
        if any(not a or a == "=" for a in alts):
            self.err(node, f"{what}: empty alternative in {s!r}")
            return None
        return alts

    def cooccur(self, node: Node, what: str) -> list[CoRule]:
        out: list[CoRule] = []
        items = self.sequence(node, what)
        if items is None:
            return out
        seen: dict[tuple, int] = {}
        for item in items:
            pairs = self.mapping(item, f"{what} item")
            if pairs is None:
                continue
            d = self.keys(pairs, f"{what} item", ("all", "unless", "weight", "note"))
            if "all" not in d or "weight" not in d:
                self.err(item, f"{what} item: needs 'all' (a list) and 'weight'")
                continue
            slots_n = self.sequence(d["all"], f"{what} item 'all'")
            slots: list[tuple[str, ...]] = []
            ok = slots_n is not None
            for s in slots_n or []:
                alts = self.alternatives(s, f"{what} item 'all' entry")
                if alts is None:
                    ok = False
                else:
                    slots.append(alts)
            if ok and len(slots) < 2:
                self.err(d["all"], f"{what} item 'all': needs at least two entries")
                ok = False
            unless: list[str] = []
            if "unless" in d:
                un = self.sequence(d["unless"], f"{what} item 'unless'")
                for s in un or []:
                    alts = self.alternatives(s, f"{what} item 'unless' entry")
                    if alts is None:
                        ok = False
                    else:
                        unless.extend(alts)
            weight = self.number(d["weight"], f"{what} item weight")
            note = None
            if "note" in d:
                note = self.string(d["note"], f"{what} item note")
            if not ok or weight is None:
                continue
            key = tuple(slots)
            if key in seen:
                self.err(item, f"{what}: duplicate co-occurrence rule (already on line {seen[key]})")
                continue
            seen[key] = _line(item)
            # a note, when given, names the rule in traces (long word lists
            # would otherwise make unreadable trace lines)
            label = note or "+".join("|".join(s) for s in slots)
            out.append(CoRule(tuple(slots), tuple(unless), weight, label, _line(item)))
        return out

    def group(self, node: Node, name: str, what: str, extra: tuple[str, ...] = ()) -> RuleGroup:
        g = RuleGroup(name=name)
        pairs = self.mapping(node, what)
        if pairs is None:
            return g
        d = self.keys(pairs, what, ("keywords", "patterns", "cooccur", "negative", *extra))
        seen: dict[str, int] = {}
        if "keywords" in d:
            g.keywords = self.weights(d["keywords"], f"{what}.keywords", seen)
        if "negative" in d:
            g.negative = self.weights(d["negative"], f"{what}.negative", seen)
        if "patterns" in d:
            g.patterns = self.patterns(d["patterns"], f"{what}.patterns")
        if "cooccur" in d:
            g.cooccur = self.cooccur(d["cooccur"], f"{what}.cooccur")
        if "priority" in d:
            p = self.number(d["priority"], f"{what}.priority")
            if p is not None:
                g.priority = int(p)
        if "name" in d:
            g.label = self.string(d["name"], f"{what}.name") or ""
        return g


_SETTINGS_FIELDS = {
    "urgent_threshold": float,
    "min_category_score": float,
    "category_to_complaint": float,
    "category_cap": float,
    "negation_window": int,
    "min_intent_score": float,
    "first_mention_bonus": float,
    "urgency_to_complaint": float,
    "topic_only_factor": float,
}


def parse_rules(text: str, path: str = "<rules>") -> CompiledRules:
    """Validate and compile rule-file text; raise RulesError listing every problem."""
    v = _Validator(path)
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise RulesError(path, [(line, f"YAML syntax error: {getattr(e, 'problem', e)}")]) from e
    if root is None:
        raise RulesError(path, [(None, "the rule file is empty")])
    pairs = v.mapping(root, "top level")
    if pairs is None:
        raise RulesError(path, v.errors)
    top = v.keys(pairs, "top level", ("version", "settings", "categories", "intents", "urgency", "negation"))

    settings_kw: dict[str, Any] = {}
    if "settings" in top:
        sp = v.mapping(top["settings"], "settings")
        sd = v.keys(sp or [], "settings", tuple(_SETTINGS_FIELDS))
        for k, n in sd.items():
            num = v.number(n, f"settings.{k}")
            if num is not None:
                settings_kw[k] = _SETTINGS_FIELDS[k](num)

    categories: dict[str, RuleGroup] = {}
    if "categories" not in top:
        v.err(root, "missing 'categories'")
    else:
        cp = v.mapping(top["categories"], "categories") or []
        seen: dict[str, int] = {}
        for k, n in cp:
            slug = v.string(k, "category")
            if slug is None:
                continue
            if slug in seen:
                v.err(k, f"duplicate category {slug!r} (already on line {seen[slug]})")
                continue
            seen[slug] = _line(k)
            if slug not in CATEGORIES:
                v.err(k, f"unknown category {slug!r} (known: {', '.join(CATEGORIES)})")
                continue
            categories[slug] = v.group(n, slug, f"categories.{slug}", ("priority", "name"))

    intents: dict[str, RuleGroup] = {i: RuleGroup(name=i) for i in INTENTS}
    if "intents" in top:
        ip = v.mapping(top["intents"], "intents") or []
        seen = {}
        for k, n in ip:
            slug = v.string(k, "intent")
            if slug is None:
                continue
            if slug in seen:
                v.err(k, f"duplicate intent {slug!r} (already on line {seen[slug]})")
                continue
            seen[slug] = _line(k)
            if slug not in INTENTS:
                v.err(k, f"unknown intent {slug!r} (known: {', '.join(INTENTS)})")
                continue
            intents[slug] = v.group(n, slug, f"intents.{slug}")

    urgency = RuleGroup(name="urgent")
    if "urgency" in top:
        urgency = v.group(top["urgency"], "urgent", "urgency")

    resolved = RuleGroup(name="resolved")
    negators: list[str] = []
    if "negation" in top:
        np_ = v.mapping(top["negation"], "negation") or []
        nd = v.keys(np_, "negation", ("negators", "resolved"))
        if "negators" in nd:
            seen_n: dict[str, int] = {}
            for n in v.sequence(nd["negators"], "negation.negators") or []:
                w = v.string(n, "negation.negators entry")
                if w is None:
                    continue
                w = _norm_word(w)
                if w in seen_n:
                    v.err(n, f"negation.negators: duplicate {w!r} (already on line {seen_n[w]})")
                    continue
                seen_n[w] = _line(n)
                negators.append(w)
        if "resolved" in nd:
            resolved = v.group(nd["resolved"], "resolved", "negation.resolved")

    if v.errors:
        raise RulesError(path, v.errors)
    return CompiledRules(
        path=path,
        settings=Settings(**settings_kw),
        categories=categories,
        intents=intents,
        urgency=urgency,
        resolved=resolved,
        negators=tuple(negators),
    )


def load_rules(path: str | Path | None = None) -> CompiledRules:
    p = Path(path) if path is not None else default_rules_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise RulesError(str(p), [(None, f"cannot read file: {e}")]) from e
    except UnicodeDecodeError as e:
        raise RulesError(str(p), [(None, f"not UTF-8: {e}")]) from e
    return parse_rules(text, str(p))
