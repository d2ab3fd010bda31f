"""How projects look: progress bar, group post, card with timeline, digest lines,
keyboards, and splitting within Telegram's limits. Shared by handlers and services."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from html import escape

from bot.db.models.projects import (
    ACTIVE,
    DONE,
    PLEDGE_KINDS,
    STAGES,
    Milestone,
    Project,
    ProjectUpdate,
)
from bot.projects import texts as T
from bot.projects.buttons import ProjFollow, ProjJoin, ProjPledge
from bot.ui import Button, Keyboard

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
BAR_CELLS = 10
TIMELINE_SHOWN = 12


def progress(project: Project) -> int:
    """The last update's percent, else the weighted share of milestones done."""
    if project.percent is not None:
        return project.percent
    total = sum(m.weight for m in project.milestones)
    if not total:
        return 100 if project.stage in STAGES[STAGES.index(DONE):] else 0
    done = sum(m.weight for m in project.milestones if m.done_at is not None)
    return round(100 * done / total)


def bar(percent: int) -> str:
    filled = max(0, min(BAR_CELLS, percent * BAR_CELLS // 100))
    return "▓" * filled + "░" * (BAR_CELLS - filled)


def next_milestone(project: Project) -> Milestone | None:
    pending = [m for m in project.milestones if m.done_at is None]
    return min(pending, key=lambda m: (m.due_date or date.max, m.position)) if pending else None


def _d(day: date) -> str:
    return day.isoformat()


def header(project: Project) -> list[str]:
    pct = progress(project)
    return [
        T.HEADER.format(id=project.id, title=escape(project.title)),
        T.STAGE_LINE.format(stage=T.STAGES[project.stage]),
        T.PROGRESS_LINE.format(bar=bar(pct), percent=pct),
    ]


def next_line(project: Project) -> str | None:
    if not project.milestones:
        return None
    nxt = next_milestone(project)
    if nxt is None:
        return T.ALL_MILESTONES_DONE
    if nxt.due_date is None:
        return T.NEXT_MILESTONE_NODATE.format(title=escape(nxt.title))
    return T.NEXT_MILESTONE.format(title=escape(nxt.title), date=_d(nxt.due_date))


def post_text(project: Project, change: str, author: str | None = None) -> str:
    """The group post: title, stage, progress bar, what changed, next milestone."""
    lines = header(project)
    lines.append(T.CHANGE_LINE.format(text=escape(change)))
    if (nl := next_line(project)) is not None and project.stage in ACTIVE:
        lines.append(nl)
    if author:
        lines.append(T.BY_LINE.format(name=escape(author)))
    return "\n".join(lines)


@dataclass
class PledgeTotals:
    counts: dict[str, int]
    money: int

    def line(self) -> str | None:
        parts = []
        for kind in PLEDGE_KINDS:
            count = self.counts.get(kind, 0)
            if not count:
                continue
            if kind == "money" and self.money:
                parts.append(T.PLEDGE_MONEY_PART.format(count=count, amount=self.money))
            else:
                parts.append(T.PLEDGE_PART.format(kind=T.PLEDGE_KINDS[kind], count=count))
        return T.PLEDGES_LINE.format(parts="，".join(parts)) if parts else None


def entry_text(entry: ProjectUpdate) -> str:
    text = escape(entry.text)
    if entry.percent is not None and entry.kind == "update":
        text += T.TIMELINE_PERCENT.format(percent=entry.percent)
    if entry.photos:
        text += " 📷"
    return text


def card_text(project: Project, *, totals: PledgeTotals, followers: int, case_number: str | None,
              tz: object) -> str:
    lines = header(project)
    if project.budget:
        lines.append(T.BUDGET_LINE.format(budget=project.budget))
    if project.stage == "shelved" and project.shelved_reason:
        lines.append(T.SHELVED_LINE.format(reason=escape(project.shelved_reason)))
    if case_number:
        lines.append(T.FROM_CASE_LINE.format(number=escape(case_number)))
    if project.pending_stage:
        lines.append(T.POLL_PENDING_LINE.format(stage=T.STAGES[project.pending_stage]))
    if project.evaluation:
        lines.append(T.EVALUATION_LINE.format(summary=escape(project.evaluation["summary"])))
    if (pl := totals.line()) is not None:
        lines.append(pl)
    lines.append(T.FOLLOWERS_LINE.format(count=followers))
    if project.description:
        lines.append("\n" + escape(project.description))
    if project.milestones:
        lines.append(T.MILESTONES_HEADER)
        for m in project.milestones:
            lines.append(T.MILESTONE_LINE.format(
                mark="✅" if m.done_at else "⬜", pos=m.position, title=escape(m.title),
                date=T.MILESTONE_DATE.format(date=_d(m.due_date)) if m.due_date else "",
                weight=T.MILESTONE_WEIGHT.format(weight=m.weight) if m.weight != 1 else ""))
    if project.entries:
        lines.append(T.TIMELINE_HEADER)
        for entry in project.entries[-TIMELINE_SHOWN:]:
            day = entry.at.astimezone(tz).strftime("%m-%d")  # type: ignore[arg-type]
            lines.append(T.TIMELINE_LINE.format(date=day, text=entry_text(entry)))
    return "\n".join(lines)


def list_text(community: str, projects: Iterable[Project]) -> str:
    rows = [T.LIST_LINE.format(id=p.id, title=escape(p.title), stage=T.STAGES[p.stage],
                               percent=progress(p)) for p in projects]
    if not rows:
        return T.LIST_HEADER.format(community=escape(community)) + "\n" + T.LIST_EMPTY
    return "\n".join([T.LIST_HEADER.format(community=escape(community)), *rows, "", T.LIST_FOOTER])


def digest_text(items: list[tuple[Project, str]]) -> str:
    lines = [T.DIGEST_HEADER]
    for project, change in items:
        pct = progress(project)
        lines.append(T.DIGEST_LINE.format(id=project.id, title=escape(project.title),
                                          stage=T.STAGES[project.stage], bar=bar(pct),
                                          percent=pct, change=escape(change)))
    lines.append(T.DIGEST_FOOTER)
    return "\n".join(lines)


def _safe_cut(line: str, cut: int) -> int:
    """Move a cut back so it does not fall inside an HTML entity like &amp;."""
    amp = line.rfind("&", 0, cut)
    if amp != -1 and ";" not in line[amp:cut] and ";" in line[cut:cut + 8]:
        return amp
    return cut


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut at line ends where possible, never inside an HTML entity; each part <= limit."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one very long line: hard cuts
            room = limit - len(current) - (1 if current else 0)
            cut = _safe_cut(line, room) if room > 0 else 0
            if cut <= 0 and not current:
                cut = limit
            if cut <= 0:
                parts.append(current)
                current = ""
                continue
            parts.append(f"{current}\n{line[:cut]}" if current else line[:cut])
            current, line = "", line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def card_keyboard(project_id: int, *, following: bool | None = None) -> Keyboard:
    return [[Button(T.BTN_UNFOLLOW if following else T.BTN_FOLLOW,
                    ProjFollow(project_id=project_id, on=0 if following else 1)),
             Button(T.BTN_JOIN, ProjJoin(project_id=project_id))]]


def join_keyboard(project_id: int) -> Keyboard:
    return [[Button(T.PLEDGE_KINDS[kind], ProjPledge(project_id=project_id, kind=index))
             for index, kind in enumerate(PLEDGE_KINDS)]]
