"""Evaluation presets and vote counting, shared by polls, case ratings and project
final evaluations (群众评价机制).

API (small on purpose):

- ``PRESETS[name] -> Preset`` with ``name``, ``label`` and ``choices`` (``Choice(slug, text)``).
  Names: ``"satisfaction"`` (满意 / 基本满意 / 不满意 -> satisfied / basic / unsatisfied),
  ``"score"`` (1..5 -> slugs "1".."5"), ``"agree"`` (同意 / 不同意 / 弃权 -> agree / disagree /
  abstain); ``"approval"`` is an alias of ``"agree"``. ``preset(name)`` raises ``KeyError``
  for an unknown name.
- ``tally(options, ballots, eligible=None) -> Tally``: ``options`` are the option labels in
  order, ``ballots`` one sequence of chosen option indexes per voter (multiple choice allowed).
  ``Tally.rows`` gives count and percentage (of voters) per option, ``voters``, ``eligible``
  and ``turnout`` (voters / eligible, or None when eligible is unknown or 0).
  ``Tally.as_dict()`` / ``Tally.from_dict()`` store it as JSON.
- ``tally_slugs(preset_name, slugs, eligible=None) -> Tally``: the same from one slug per voter
  (e.g. case ratings ``["satisfied", "basic", ...]``); unknown slugs are ignored.
- ``satisfaction_rate(t) -> float | None``: share of voters who chose 满意 or 基本满意 (the
  usual 满意率); ``None`` with no voters.
- ``score_average(t) -> float | None``: mean score for a "score" tally.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Choice:
    slug: str
    text: str


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    choices: tuple[Choice, ...]

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.choices]

    @property
    def slugs(self) -> list[str]:
        return [c.slug for c in self.choices]


SATISFACTION = Preset("satisfaction", "满意度", (
    Choice("satisfied", "满意"), Choice("basic", "基本满意"), Choice("unsatisfied", "不满意"),
))
SCORE_1_5 = Preset("score", "1–5 分评分", tuple(
    Choice(str(n), f"{n} 分") for n in range(1, 6)
))
AGREE = Preset("agree", "同意 / 不同意 / 弃权", (
    Choice("agree", "同意"), Choice("disagree", "不同意"), Choice("abstain", "弃权"),
))
PRESETS: dict[str, Preset] = {p.name: p for p in (SATISFACTION, SCORE_1_5, AGREE)}
# Other names for a preset: projects ask for "approval" decision polls (同意/不同意/弃权).
ALIASES: dict[str, str] = {"approval": "agree"}
SATISFIED_SLUGS = ("satisfied", "basic")


def preset(name: str) -> Preset:
    return PRESETS[ALIASES.get(name, name)]


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    percent: float  # of voters, 0..100
    slug: str | None = None


@dataclass(frozen=True)
class Tally:
    rows: tuple[Row, ...]
    voters: int
    eligible: int | None = None

    @property
    def turnout(self) -> float | None:
        if not self.eligible:
            return None
        return min(self.voters / self.eligible, 1.0)

    @property
    def counts(self) -> list[int]:
        return [r.count for r in self.rows]

    @property
    def labels(self) -> list[str]:
        return [r.label for r in self.rows]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": [[r.label, r.count, r.percent, r.slug] for r in self.rows],
            "voters": self.voters,
            "eligible": self.eligible,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tally:
        rows = tuple(Row(label, count, percent, slug) for label, count, percent, slug in data["rows"])
        return cls(rows, data["voters"], data.get("eligible"))


def tally(
    options: Sequence[str],
    ballots: Iterable[Sequence[int]],
    eligible: int | None = None,
    slugs: Sequence[str | None] | None = None,
) -> Tally:
    counts = [0] * len(options)
    voters = 0
    for ballot in ballots:
        chosen = {i for i in ballot if 0 <= i < len(options)}
        if not chosen:
            continue
        voters += 1
        for i in chosen:
            counts[i] += 1
    slugs = list(slugs) if slugs is not None else [None] * len(options)
    rows = tuple(
        Row(label, count, round(100.0 * count / voters, 1) if voters else 0.0, slug)
        for label, count, slug in zip(options, counts, slugs, strict=True)
    )
    return Tally(rows, voters, eligible)


def tally_counts(
    options: Sequence[str],
    counts: Sequence[int],
    voters: int,
    eligible: int | None = None,
    slugs: Sequence[str | None] | None = None,
) -> Tally:
    """A tally from totals only (an anonymous Telegram poll: nobody's ballot is known)."""
    counts = [int(n) for n in counts] + [0] * (len(options) - len(counts))
    slugs = list(slugs) if slugs is not None else [None] * len(options)
    rows = tuple(
        Row(label, count, round(100.0 * count / voters, 1) if voters else 0.0, slug)
        for label, count, slug in zip(options, counts[:len(options)], slugs, strict=True)
    )
    return Tally(rows, voters, eligible)


def tally_slugs(preset_name: str, slugs: Iterable[str | None], eligible: int | None = None) -> Tally:
    p = preset(preset_name)
    index = {slug: i for i, slug in enumerate(p.slugs)}
    ballots = [[index[s]] for s in slugs if s in index]
    return tally(p.texts, ballots, eligible, p.slugs)


def satisfaction_rate(t: Tally) -> float | None:
    """满意率: (满意 + 基本满意) / voters, as 0..1."""
    if not t.voters:
        return None
    happy = sum(r.count for r in t.rows if r.slug in SATISFIED_SLUGS)
    return happy / t.voters


def score_average(t: Tally) -> float | None:
    total = sum(r.count for r in t.rows)
    if not total:
        return None
    return sum(int(r.slug or 0) * r.count for r in t.rows) / total
