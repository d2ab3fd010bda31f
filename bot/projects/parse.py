"""Parsing what organizers type: the /project_new form, update arguments, milestones.
Pure functions; a bad value raises ProjectError with the Chinese answer."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot import numbers
from bot.errors import Refusal
from bot.projects import texts as T


class ProjectError(Refusal):
    """A refusal whose str() is the Chinese answer for the user; nothing was changed.
    A button shows it as an alert."""

    def __init__(self, message: str, *, alert: bool = True) -> None:
        super().__init__(message, alert=alert)


@dataclass
class MilestoneSpec:
    title: str
    due_date: date | None
    weight: int = 1


@dataclass
class ProjectForm:
    title: str
    description: str = ""
    budget: int | None = None
    community: str | None = None
    groups: list[str] | None = None  # None = all groups of the community
    supervisors: list[str] = field(default_factory=list)
    milestones: list[MilestoneSpec] = field(default_factory=list)
    needs_vote: bool = True  # 需要表决：否 = the organizer decides without a residents' vote


@dataclass
class UpdateArgs:
    text: str
    percent: int | None
    milestone: int | None  # 1-based position of a milestone marked done


FIELD_RE = re.compile(r"^\s*([^:：\s]{1,6})\s*[:：]\s*(.*)$")
DATE_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
WEIGHT_RE = re.compile(r"(?:权重|weight)\s*[:：]?\s*(-?\d+)|[x×*]\s*(-?\d+)\s*$", re.I)
PERCENT_RE = re.compile(r"(?:进度\s*[:：]?\s*(-?\d+(?:\.\d+)?)\s*[%％]?)|(-?\d+(?:\.\d+)?)\s*[%％]")
DONE_RE = re.compile(r"(?:完成|节点|里程碑)\s*#?(\d+)\s*(?:完成)?")
FIELDS = {
    "标题": "title", "名称": "title", "说明": "description", "描述": "description",
    "预算": "budget", "社区": "community", "群": "groups", "监督员": "supervisors",
    "监督": "supervisors", "节点": "milestone", "里程碑": "milestone",
    "需要表决": "needs_vote", "表决": "needs_vote",
}
YES_WORDS, NO_WORDS = {"是", "要", "需要", "yes"}, {"否", "不", "不要", "不需要", "无需", "no"}
ALL_GROUPS = {"全部", "所有", "all"}


def parse_form(text: str) -> ProjectForm:
    values: dict[str, str] = {}
    milestones: list[MilestoneSpec] = []
    last: str | None = None
    for raw in text.splitlines():
        match = FIELD_RE.match(raw)
        key = FIELDS.get(match.group(1)) if match else None
        if match and key:
            value = match.group(2).strip()
            if key == "milestone":
                milestones.append(parse_milestone(value))
                last = None
            else:
                values[key] = value
                last = key
        elif last == "description" and raw.strip():
            values["description"] += "\n" + raw.strip()  # a description may span lines
    title = values.get("title", "").strip()
    if not title:
        raise ProjectError(T.NEW_NEED_TITLE)
    if len(title) > 100:
        raise ProjectError(T.NEW_TITLE_TOO_LONG)
    form = ProjectForm(title=title, description=values.get("description", ""),
                       community=values.get("community") or None, milestones=milestones)
    if values.get("budget"):
        form.budget = parse_amount(values["budget"], T.NEW_BAD_BUDGET)
    groups = values.get("groups", "").strip()
    if groups and groups.lower() not in ALL_GROUPS:
        form.groups = [g for g in re.split(r"[,，、\s]+", groups) if g]
    form.supervisors = [s for s in re.split(r"[,，、\s]+", values.get("supervisors", "")) if s]
    vote = values.get("needs_vote", "是").strip().lower()
    if vote not in YES_WORDS | NO_WORDS:
        raise ProjectError(T.NEW_BAD_VOTE.format(value=vote))
    form.needs_vote = vote in YES_WORDS
    return form


def parse_amount(value: str, error: str) -> int:
    cleaned = value.replace(",", "").replace("，", "").replace("元", "").strip()
    amount = numbers.number(cleaned)  # yuan, in an INTEGER column
    if amount is None:
        raise ProjectError(error)
    return amount


def parse_milestone(value: str) -> MilestoneSpec:
    """"开工 2027-01-15 权重3" -> MilestoneSpec (the date check is the service's)."""
    due: date | None = None
    rest = value
    if (m := DATE_RE.search(rest)) is not None:
        try:
            due = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            raise ProjectError(T.BAD_MILESTONE.format(line=value)) from exc
        rest = rest[: m.start()] + rest[m.end():]
    weight = 1
    if (w := WEIGHT_RE.search(rest)) is not None:
        weight = int(w.group(1) or w.group(2))
        if not 1 <= weight <= 100:
            raise ProjectError(T.MILESTONE_BAD_WEIGHT)
        rest = rest[: w.start()] + rest[w.end():]
    title = rest.strip(" ，,;；")
    if not title or len(title) > 100:
        raise ProjectError(T.BAD_MILESTONE.format(line=value))
    return MilestoneSpec(title=title, due_date=due, weight=weight)


def parse_update(args: str) -> UpdateArgs:
    """"电梯井道完工 40% 完成2" -> text, percent 40, milestone 2."""
    percent: int | None = None
    if (m := PERCENT_RE.search(args)) is not None:
        raw = m.group(1) or m.group(2)
        value = float(raw)
        if not value.is_integer() or not 0 <= value <= 100:
            raise ProjectError(T.BAD_PERCENT.format(value=raw))
        percent = int(value)
        args = args[: m.start()] + args[m.end():]
    milestone: int | None = None
    if (d := DONE_RE.search(args)) is not None:
        milestone = int(d.group(1))
        args = args[: d.start()] + args[d.end():]
    text = re.sub(r"[ \t]+", " ", args).strip(" ，,")
    if not text and percent is None and milestone is None:
        raise ProjectError(T.UPDATE_EMPTY)
    return UpdateArgs(text=text, percent=percent, milestone=milestone)


def split_number(args: str | None) -> tuple[int, str]:
    """"12 rest of it" -> (12, "rest of it"); "#12" works too."""
    split = numbers.split_number(args)
    if split is None:
        raise ProjectError(T.NUMBER_HOW)
    return split
