"""Texts and keyboards (bot.ui) of scheduled polls, shared by the service and the
chat layer, and the outbox resolver that draws the result chart at send time."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import charts
from bot.db.models import GroupChat
from bot.db.models.polls import Poll
from bot.polls import evaluation
from bot.polls import texts as T
from bot.polls.buttons import (
    ELIGIBILITY,
    PRESET_NAMES,
    DialogButton,
    Dlg,
    ListAct,
    ListButton,
    VoteButton,
)
from bot.polls.schedule import describe
from bot.polls.spec import FIELDS, Spec, fmt
from bot.taxonomy import CATEGORIES, category_name
from bot.ui import Button, Keyboard, Upload, rows

MAX_NAMES = 30


CHART = "poll.chart"  # the outbox resolver of result charts


def vote_keyboard(poll: Poll) -> Keyboard:
    width = 1 if len(poll.options) > 4 or max(len(t) for t in poll.texts) > 8 else 3
    return rows((Button(o.text, VoteButton(p=poll.id, i=o.position)) for o in poll.options),
                width)


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


def chart_caption(poll: Poll, tally: evaluation.Tally) -> str:
    """What the result chart shows, as its caption (a chart never arrives bare)."""
    return T.CHART_CAPTION.format(id=poll.id, question=poll.question, voters=tally.voters)


async def chart_file(session: AsyncSession, poll_id: Any) -> Upload:
    """The outbox resolver CHART: the result chart, drawn at send time."""
    poll = await session.get(Poll, int(poll_id))
    if poll is None or poll.result is None:
        raise LookupError(f"no result for poll {poll_id}")
    png = chart_png(poll, evaluation.Tally.from_dict(poll.result))
    return Upload(png, filename=f"poll-{poll.id}.png")


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
    warning = "" if spec.anonymous else "\n\n" + T.PUBLIC_WARNING
    return T.SUMMARY_HEAD + "\n\n" + body + warning


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


def list_keyboard(polls: list[Poll]) -> Keyboard:
    keyboard: list[list[Button]] = []
    for poll in polls:
        if poll.status == "scheduled":
            keyboard.append([
                Button(T.BTN_LIST_EDIT.format(id=poll.id), ListButton(a=ListAct.EDIT, p=poll.id)),
                Button(T.BTN_LIST_CANCEL.format(id=poll.id),
                       ListButton(a=ListAct.CANCEL, p=poll.id))])
        elif poll.status == "closed":
            keyboard.append([Button(T.BTN_LIST_RESULTS.format(id=poll.id),
                                    ListButton(a=ListAct.RESULTS, p=poll.id))])
    return keyboard


# --- the /poll_new dialog -----------------------------------------------------------

def _dlg(pairs: list[tuple[str, DialogButton]], width: int = 3) -> Keyboard:
    return rows((Button(text, data) for text, data in pairs), width)


def communities_keyboard(communities: list[tuple[int, str]]) -> Keyboard:
    return _dlg([(name, DialogButton(a=Dlg.COMMUNITY, v=cid)) for cid, name in communities], 1)


def summary_keyboard() -> Keyboard:
    return _dlg([(T.BTN_CONFIRM, DialogButton(a=Dlg.CONFIRM)),
                 (T.BTN_EDIT, DialogButton(a=Dlg.EDIT)),
                 (T.BTN_CANCEL, DialogButton(a=Dlg.CANCEL))])


def fields_keyboard() -> Keyboard:
    return _dlg([(T.FIELDS[f], DialogButton(a=Dlg.FIELD, v=i)) for i, f in enumerate(FIELDS)])


def _groups_keyboard(spec: Spec, groups: list[GroupChat]) -> Keyboard:
    chosen = set(spec.chat_ids)
    pairs = [(("✅ " if g.chat_id in chosen else "") + (g.title or str(g.chat_id)),
              DialogButton(a=Dlg.GROUP, v=g.id)) for g in groups]
    pairs += [(T.BTN_ALL_GROUPS, DialogButton(a=Dlg.ALL_GROUPS)),
              (T.BTN_DONE, DialogButton(a=Dlg.GROUPS_DONE))]
    return _dlg(pairs, 1)


def field_keyboard(name: str, spec: Spec, groups: list[GroupChat]) -> Keyboard | None:
    """The buttons under the question for one dialog field (`groups`: the community's)."""
    if name == "groups":
        return _groups_keyboard(spec, groups)
    fixed: dict[str, tuple[list[tuple[str, DialogButton]], int]] = {
        "options": ([(evaluation.preset(p).label, DialogButton(a=Dlg.PRESET, v=i))
                     for i, p in enumerate(PRESET_NAMES)], 1),
        "multiple": ([(T.BTN_SINGLE, DialogButton(a=Dlg.MULTIPLE, v=0)),
                      (T.BTN_MULTIPLE, DialogButton(a=Dlg.MULTIPLE, v=1))], 2),
        "anonymous": ([(T.BTN_PUBLIC, DialogButton(a=Dlg.ANONYMOUS, v=0)),
                       (T.BTN_ANONYMOUS, DialogButton(a=Dlg.ANONYMOUS, v=1))], 2),
        "opens": ([(T.BTN_NOW, DialogButton(a=Dlg.OPEN_NOW))], 3),
        "closes": ([(label, DialogButton(a=Dlg.DURATION, v=m)) for label, m in T.DURATIONS], 3),
        "recurrence": ([(T.BTN_NO_REPEAT, DialogButton(a=Dlg.NO_REPEAT))], 3),
        "eligibility": ([(T.ELIGIBILITY[e], DialogButton(a=Dlg.ELIGIBILITY, v=i))
                         for i, e in enumerate(ELIGIBILITY)], 1),
        "link": ([(T.BTN_NO_LINK, DialogButton(a=Dlg.NO_LINK))]
                 + [(label, DialogButton(a=Dlg.CATEGORY, v=i))
                    for i, label in enumerate(CATEGORIES.values())], 3),
    }
    if name not in fixed:
        return None
    pairs, width = fixed[name]
    return _dlg(pairs, width)
