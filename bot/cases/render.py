"""Texts and inline keyboards of cases (plain bot.ui keyboards: the outbox stores
them as dicts via bot.ui.markup)."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cases import sla
from bot.cases import texts as T
from bot.cases.buttons import Act, CaseBtn, CaseList, CasePick, CaseRate, WhistleAck
from bot.db.models import Case, CaseEvent, Person
from bot.db.models.cases import PATROL
from bot.polls import evaluation
from bot.privacy.mask import mask
from bot.taxonomy import CATEGORIES, URGENCY, category_name
from bot.ui import Button, Keyboard, rows
from nlp import explain_matched

EXCERPT = 300
_SATISFACTION = evaluation.preset("satisfaction")
RATINGS = tuple(_SATISFACTION.slugs)  # CaseRate.v - 1: satisfied, basic, unsatisfied


def rating_label(slug: str | None) -> str:
    return {c.slug: c.text for c in _SATISFACTION.choices}.get(slug or "", slug or "")


def rating_text(value: int) -> str:
    """The label of CaseRate.v."""
    return rating_label(RATINGS[value - 1])


def when(dt: datetime | None, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).strftime("%m-%d %H:%M") if dt else T.NO_DEADLINE


def excerpt(text: str, limit: int = EXCERPT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def urgent_mark(case: Case) -> str:
    return f" {T.URGENT_MARK}" if case.urgency == "urgent" else ""


def name_of(person: Person | None, default: str = T.WORKER_PENDING) -> str:
    return (person.name or (f"@{person.username}" if person.username else "")) if person else default


def rooms_of(case: Case, reporter: Person | None) -> list[str | None]:
    return [case.room, reporter.household if reporter else None]


def public_text(case: Case, reporter: Person | None, text: str) -> str:
    """Anything about this case that is posted to a group goes through here."""
    return mask(text, rooms_of(case, reporter))


def households(case: Case) -> int:
    return 1 + case.plus_count


def group_card(case: Case, worker: Person | None) -> str:
    return T.GROUP_CARD.format(number=case.number, category=category_name(case.category),
                               urgent=urgent_mark(case), worker=name_of(worker))


def plus_keyboard(case: Case, link: str | None = None) -> Keyboard:
    """我也遇到 (+N), and with a link (bot.cases.notify.case_link) 查看进度 beside it."""
    row = [Button(T.PLUS_BUTTON.format(n=case.plus_count), CaseBtn(a=Act.PLUS, c=case.id))]
    if link:
        row.append(Button(T.BTN_VIEW, url=link))
    return [row]


def due_line(case: Case, now: datetime, tz: ZoneInfo) -> str:
    """The deadline being chased now; ⏰ when a deadline was missed (it stays missed)."""
    due = sla.current_due(case)
    if due is None or case.status not in ("open", "accepted"):
        return ""
    line = (T.DUE_ACCEPT if case.status == "open" else T.DUE_RESOLVE).format(due=when(due, tz))
    if due <= now:
        return T.OVERDUE + line
    if sla.overdue(case, now):  # the SLA deadline was missed; the one chased now is ahead
        missed = case.accept_due if case.status == "open" else case.resolve_due
        return T.OVERDUE_BEFORE.format(missed=when(missed, tz)) + line
    return line


def place_text(case: Case) -> str:
    return case.place or T.PLACE_UNKNOWN


def source_text(source: str | None, chat_id: int | None, group_title: str | None = None) -> str:
    """How a case came in, as every screen names it: found on a round, a group (with its
    title when known), or a private report."""
    if source == PATROL:
        return T.SOURCE_PATROL
    if chat_id is not None and chat_id < 0:
        return T.SOURCE_GROUP.format(title=group_title) if group_title else T.SOURCE_GROUP_ANY
    return T.SOURCE_PRIVATE


def reasons_line(case: Case) -> str:
    """判断依据 of the automatic labels, for staff; none once an organizer re-labelled it."""
    if not case.matched or case.category != case.category_auto:
        return ""
    return explain_matched(case.matched) + "\n"


def reporter_text(case: Case, reporter: Person | None) -> str:
    if reporter is None:
        return T.ANONYMOUS
    who = name_of(reporter, T.ANONYMOUS)
    extra = " ".join(filter(None, [reporter.household, reporter.phone]))
    return f"{who}{'（' + extra + '）' if extra else ''}{'（匿名）' if case.anonymous else ''}"


def staff_card(case: Case, reporter: Person | None, owner: Person | None, now: datetime,
               tz: ZoneInfo) -> str:
    return T.CASE_CARD.format(
        number=case.number, urgent=urgent_mark(case), status=T.STATUS[case.status],
        level=T.LEVEL[case.level], category=category_name(case.category),
        source=source_text(case.source, case.source_chat_id), reasons=reasons_line(case),
        households=households(case),
        place=place_text(case),
        reporter=reporter_text(case, reporter), owner=name_of(owner),
        text=excerpt(case.text), due=due_line(case, now, tz),
    ).rstrip()


def public_card(case: Case, reporter: Person | None, owner: Person | None) -> str:
    return T.PUBLIC_CARD.format(number=case.number, status=T.STATUS[case.status],
                                category=category_name(case.category), owner=name_of(owner))


def staff_keyboard(case: Case, organizer: bool = False) -> Keyboard | None:
    acts: list[tuple[str, Act]] = []
    if case.status == "open":
        acts += [(T.BTN_ACCEPT, Act.ACCEPT), (T.BTN_TRANSFER, Act.TRANSFER)]
    elif case.status == "accepted":
        acts += [(T.BTN_PROGRESS, Act.PROGRESS), (T.BTN_RESOLVE, Act.RESOLVE),
                 (T.BTN_TRANSFER, Act.TRANSFER), (T.BTN_WHISTLE, Act.WHISTLE),
                 (T.BTN_ESCALATE, Act.ESCALATE)]
    if organizer and case.status != "closed":
        acts += [(T.BTN_REASSIGN, Act.REASSIGN), (T.BTN_RECLASSIFY, Act.RECLASSIFY)]
        if case.kind == "suggestion":
            acts.append((T.BTN_TO_PROJECT, Act.PROJECT))
    if not acts:
        return None
    return rows((Button(text, CaseBtn(a=act, c=case.id)) for text, act in acts), 2)


def pick_keyboard(case: Case, act: Act, choices: list[tuple[int, str]]) -> Keyboard:
    return rows((Button(label, CasePick(a=act, c=case.id, t=target))
                 for target, label in choices), 2)


def category_choices() -> list[tuple[int, str]]:
    return [(i, name) for i, name in enumerate(CATEGORIES.values())]


def category_by_index(index: int) -> str | None:
    slugs = list(CATEGORIES)
    return slugs[index] if 0 <= index < len(slugs) else None


def view_keyboard(link: str | None) -> Keyboard:
    """The 查看进度 link (bot.cases.notify.case_link) alone; empty without a link."""
    return [[Button(T.BTN_VIEW, url=link)]] if link else []


def rate_keyboard(case: Case, link: str | None = None) -> Keyboard:
    """满意 / 基本满意 / 不满意, and with a link 查看进度 below them."""
    return [*rows((Button(rating_label(slug), CaseRate(c=case.id, r=case.reopened_count, v=v))
                   for v, slug in enumerate(RATINGS, start=1)), 3), *view_keyboard(link)]


def ack_keyboard(whistle_id: int) -> Keyboard:
    return [[Button(T.BTN_ACK, WhistleAck(w=whistle_id))]]


def list_keyboard(cases: list[Case], nav: list[tuple[str, CaseList]] | None = None
                  ) -> Keyboard | None:
    """Case numbers two to a row (each opens the case), then the page buttons."""
    keyboard = rows((Button(c.number, CaseBtn(a=Act.DETAIL, c=c.id)) for c in cases), 2)
    if nav:
        keyboard.append([Button(label, data) for label, data in nav])
    return keyboard or None


def event_line(event: CaseEvent) -> str:
    data: dict[str, Any] = {"text": event.text, **(event.data or {})}
    template = T.EVENT.get(event.kind, "{text}")
    try:
        return template.format_map(_Missing(data))
    except (KeyError, ValueError):
        return event.text


class _Missing(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def timeline(events: list[CaseEvent], tz: ZoneInfo, public_only: bool) -> str:
    lines = [T.TIMELINE_HEADER]
    for event in events:
        if public_only and not event.public:
            continue
        lines.append(T.TIMELINE_LINE.format(at=when(event.at, tz), line=event_line(event)))
    return "\n".join(lines)


def urgency_name(slug: str) -> str:
    return URGENCY.get(slug, slug)
