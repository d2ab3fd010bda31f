"""Texts and keyboards of scheduled polls, shared by the service and the handlers,
and the outbox resolver that draws the result chart at send time."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot import charts
from bot.delivery import outbox
from bot.db.models.polls import Poll
from bot.polls import evaluation
from bot.polls.schedule import describe
from bot.polls.spec import Spec, fmt
from bot.taxonomy import category_name
from bot.polls import texts as T
from handlers.polls.callbacks import OpAct, OpList, OpVote

MAX_NAMES = 30


def vote_keyboard(poll: Poll) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for option in poll.options:
        kb.button(text=option.text, callback_data=OpVote(p=poll.id, i=option.position))
    kb.adjust(1 if len(poll.options) > 4 or max(len(t) for t in poll.texts) > 8 else 3)
    return kb.as_markup()


def open_text(poll: Poll, tz: Any, late_due: datetime | None = None) -> str:
    how = T.OPEN_HOW_NATIVE if poll.kind == "native" else T.OPEN_HOW_BUTTONS.format(
        multi=T.OPEN_MULTI if poll.multiple else "")
    text = T.OPEN_POST.format(
        id=poll.id, question=poll.question, how=how + "\n", closes=fmt(poll.closes_at, tz),
        who=T.WHO[poll.eligibility], anon=T.ANON_NOTE if poll.anonymous else T.PUBLIC_NOTE)
    if late_due is not None:
        text += "\n" + T.LATE_OPEN.format(due=fmt(late_due, tz))
    return text


def remind_text(poll: Poll, voters: int, tz: Any) -> str:
    return T.REMIND.format(id=poll.id, question=poll.question, closes=fmt(poll.closes_at, tz),
                           voters=voters)


def result_text(poll: Poll, tally: evaluation.Tally, tz: Any,
                names: list[list[str]] | None = None, late_due: datetime | None = None) -> str:
    lines = [T.RESULT.format(id=poll.id, question=poll.question)]
    for i, row in enumerate(tally.rows):
        lines.append(T.RESULT_ROW.format(label=row.label, count=row.count, percent=row.percent))
        if names and not poll.anonymous and names[i]:
            shown = names[i][:MAX_NAMES] + (["…"] if len(names[i]) > MAX_NAMES else [])
            lines.append(T.RESULT_VOTERS.format(names="、".join(shown)))
    if not tally.voters:
        lines.append(T.RESULT_NOBODY)
    elif poll.preset == "satisfaction" and (rate := evaluation.satisfaction_rate(tally)) is not None:
        lines.append(T.RESULT_SATISFACTION.format(rate=100 * rate))
    elif poll.preset == "score" and (avg := evaluation.score_average(tally)) is not None:
        lines.append(T.RESULT_SCORE.format(avg=avg))
    if tally.turnout is not None:
        lines.append(T.RESULT_TURNOUT.format(voters=tally.voters, eligible=tally.eligible,
                                             turnout=100 * tally.turnout))
    else:
        lines.append(T.RESULT_TURNOUT_UNKNOWN.format(voters=tally.voters))
    if late_due is not None:
        lines.append(T.LATE_CLOSE.format(due=fmt(late_due, tz)))
    return "\n".join(lines)


def chart_png(poll: Poll, tally: evaluation.Tally) -> bytes:
    question = poll.question if len(poll.question) <= 24 else poll.question[:23] + "…"
    return charts.bar_chart(
        T.CHART_TITLE.format(id=poll.id, question=question), tally.labels, tally.counts,
        annotations=[f"{r.count}（{r.percent:.0f}%）" for r in tally.rows])


@outbox.resolver("poll.chart")
async def chart_file(session: AsyncSession, poll_id: Any) -> BufferedInputFile:
    poll = await session.get(Poll, int(poll_id))
    if poll is None or poll.result is None:
        raise LookupError(f"no result for opinion poll {poll_id}")
    png = chart_png(poll, evaluation.Tally.from_dict(poll.result))
    return BufferedInputFile(png, filename=f"poll-{poll.id}.png")


def link_text(project_number: int | None, category: str | None) -> str:
    if project_number is not None:
        return T.LINK_PROJECT.format(number=project_number)
    if category:
        return T.LINK_CATEGORY.format(name=category_name(category))
    return T.LINK_NONE


def summary_text(spec: Spec, group_names: dict[int, str], now: datetime, tz: Any) -> str:
    closes = spec.close_time(now)
    body = T.SUMMARY.format(
        question=spec.question, options=" / ".join(spec.options),
        kind=T.KINDS[spec.kind], multiple=T.BTN_MULTIPLE if spec.multiple else T.BTN_SINGLE,
        anonymous=T.BTN_ANONYMOUS if spec.anonymous else T.BTN_PUBLIC,
        groups="、".join(group_names.get(c, str(c)) for c in spec.chat_ids) or "—",
        opens=fmt(spec.opens_at, tz) if spec.opens_at else T.OPENS_NOW,
        closes=fmt(closes, tz) if closes else "—",
        recurrence=describe(spec.recurrence), eligibility=T.ELIGIBILITY[spec.eligibility],
        link=link_text(spec.project_id, spec.category))
    return T.SUMMARY_HEAD + "\n\n" + body


def list_text(polls: list[Poll], tz: Any) -> str:
    if not polls:
        return T.LIST_EMPTY
    lines = [T.LIST_HEAD]
    for poll in polls:
        repeat = T.LIST_REPEAT.format(rule=describe(poll.recurrence)) if poll.recurrence else ""
        lines.append(T.LIST_LINE.format(
            id=poll.id, status=T.STATUS[poll.status], question=poll.question,
            opens=fmt(poll.opens_at, tz), closes=fmt(poll.closes_at, tz), repeat=repeat))
    return "\n".join(lines)


def list_keyboard(polls: list[Poll]) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    sizes: list[int] = []
    for poll in polls:
        if poll.status == "scheduled":
            kb.button(text=T.BTN_LIST_EDIT.format(id=poll.id),
                      callback_data=OpList(a=OpAct.EDIT, p=poll.id))
            kb.button(text=T.BTN_LIST_CANCEL.format(id=poll.id),
                      callback_data=OpList(a=OpAct.CANCEL, p=poll.id))
            sizes.append(2)
        elif poll.status == "closed":
            kb.button(text=T.BTN_LIST_RESULTS.format(id=poll.id),
                      callback_data=OpList(a=OpAct.RESULTS, p=poll.id))
            sizes.append(1)
    if not sizes:
        return None
    kb.adjust(*sizes)
    return kb.as_markup()
