"""Texts and inline keyboards of cases, shared by handlers and services (the outbox
stores keyboards as plain dicts)."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.db.models import Case, CaseEvent, Person
from bot.polls import evaluation
from bot.cases.mask import mask
from bot.taxonomy import CATEGORIES, URGENCY, category_name
from bot.cases import texts as T
from handlers.cases.callbacks import Act, CaseBtn, CasePick, CaseRate, WhistleAck

EXCERPT = 300
_SATISFACTION = evaluation.preset("satisfaction")
RATINGS = tuple(_SATISFACTION.slugs)  # CaseRate.v - 1: satisfied, basic, unsatisfied


def rating_label(slug: str | None) -> str:
    return {c.slug: c.text for c in _SATISFACTION.choices}.get(slug or "", slug or "")


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


def plus_keyboard(case: Case) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=T.PLUS_BUTTON.format(n=case.plus_count),
              callback_data=CaseBtn(a=Act.PLUS, c=case.id))
    return kb.as_markup()


def due_line(case: Case, now: datetime, tz: ZoneInfo) -> str:
    if case.status == "open" and case.accept_due:
        line = T.DUE_ACCEPT.format(due=when(case.accept_due, tz))
    elif case.status == "accepted" and case.resolve_due:
        line = T.DUE_RESOLVE.format(due=when(case.resolve_due, tz))
    else:
        return ""
    due = case.accept_due if case.status == "open" else case.resolve_due
    return (T.OVERDUE if due and due <= now else "") + line


def place_text(case: Case) -> str:
    return case.place or T.PLACE_UNKNOWN


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
        households=households(case), place=place_text(case),
        reporter=reporter_text(case, reporter), owner=name_of(owner),
        text=excerpt(case.text), due=due_line(case, now, tz),
    ).rstrip()


def public_card(case: Case, reporter: Person | None, owner: Person | None) -> str:
    return T.PUBLIC_CARD.format(number=case.number, status=T.STATUS[case.status],
                                category=category_name(case.category), owner=name_of(owner))


def staff_keyboard(case: Case, organizer: bool = False) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()

    def add(text: str, act: Act) -> None:
        kb.button(text=text, callback_data=CaseBtn(a=act, c=case.id))

    if case.status == "open":
        add(T.BTN_ACCEPT, Act.ACCEPT)
        add(T.BTN_TRANSFER, Act.TRANSFER)
    elif case.status == "accepted":
        add(T.BTN_PROGRESS, Act.PROGRESS)
        add(T.BTN_RESOLVE, Act.RESOLVE)
        add(T.BTN_TRANSFER, Act.TRANSFER)
        add(T.BTN_WHISTLE, Act.WHISTLE)
        add(T.BTN_ESCALATE, Act.ESCALATE)
    if organizer and case.status != "closed":
        add(T.BTN_REASSIGN, Act.REASSIGN)
        add(T.BTN_RECLASSIFY, Act.RECLASSIFY)
        if case.kind == "suggestion":
            add(T.BTN_TO_PROJECT, Act.PROJECT)
    if not kb.buttons:
        return None
    kb.adjust(2)
    return kb.as_markup()


def detail_keyboard(case: Case) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=T.BTN_DETAIL, callback_data=CaseBtn(a=Act.DETAIL, c=case.id))
    return kb.as_markup()


def pick_keyboard(case: Case, act: Act, choices: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for target, label in choices:
        kb.button(text=label, callback_data=CasePick(a=act, c=case.id, t=target))
    kb.adjust(2)
    return kb.as_markup()


def category_choices() -> list[tuple[int, str]]:
    return [(i, name) for i, name in enumerate(CATEGORIES.values())]


def category_by_index(index: int) -> str | None:
    slugs = list(CATEGORIES)
    return slugs[index] if 0 <= index < len(slugs) else None


def rate_keyboard(case: Case) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for v, slug in enumerate(RATINGS, start=1):
        kb.button(text=rating_label(slug), callback_data=CaseRate(c=case.id, r=case.reopened_count, v=v))
    kb.adjust(3)
    return kb.as_markup()


def ack_keyboard(whistle_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=T.BTN_ACK, callback_data=WhistleAck(w=whistle_id))
    return kb.as_markup()


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
