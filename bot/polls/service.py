"""Scheduled polls (民意调查): create, open, remind, close and publish, recur.

Every step is a Timer row ("poll.open", "poll.remind", "poll.close", ref
"poll:<id>"); every group post goes through the outbox in the same transaction.
Votes are in bot.polls.votes, texts and keyboards in bot.polls.render, export in
bot.polls.export. The timer callbacks and the after-send hook are registered by
`bot.polls.wire()`.

Contracts used by other features:
- ``create_evaluation_poll(...)`` (projects: "satisfaction" evaluations, "approval" decisions);
  every closing poll publishes ``bot.events.PollClosed`` (projects subscribes to it).
- ``report_summary(session, community_id, start, end)`` one line for reports.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events
from bot.config import Settings
from bot.context import AppContext
from bot.db.models import OutboxMessage, Person, Timer
from bot.db.models.polls import Poll, PollDelivery, PollOption
from bot.delivery import outbox
from bot.errors import NotYet, Refusal
from bot.org import service as org
from bot.polls import evaluation, votes
from bot.polls import render as R
from bot.polls import texts as T
from bot.polls.schedule import next_occurrence
from bot.polls.spec import Spec, SpecError, problems
from bot.ui import markup
from scheduler import timers

log = logging.getLogger(__name__)
OPEN, REMIND, CLOSE = "poll.open", "poll.remind", "poll.close"
SENT_HOOK = "poll.sent"


def ref(poll_id: int) -> str:
    return f"poll:{poll_id}"


class PollError(Refusal):
    """A refusal to show the organizer (str() is Chinese); a button shows it as an alert."""

    def __init__(self, message: str, *, alert: bool = True) -> None:
        super().__init__(message, alert=alert)


# --- create --------------------------------------------------------------------------

async def known_chats(session: AsyncSession, community_id: int) -> dict[int, str]:
    """Target groups a poll of this community may use: chat_id -> title."""
    return {g.chat_id: g.title for g in await org.group_chats_of_community(session, community_id)}


def _fill(poll: Poll, spec: Spec, now: datetime) -> None:
    closes = spec.close_time(now)
    assert closes is not None
    poll.community_id, poll.question = spec.community_id, spec.question.strip()
    poll.kind, poll.preset, poll.multiple = spec.kind, spec.preset, spec.multiple
    poll.anonymous, poll.eligibility = spec.anonymous, spec.eligibility
    poll.opens_at, poll.closes_at = spec.open_time(now), closes
    poll.reminders, poll.recurrence = list(spec.reminders), spec.recurrence
    poll.project_id, poll.category = spec.project_id, spec.category
    poll.options = [PollOption(position=i, text=text, slug=slug)
                    for i, (text, slug) in enumerate(zip(spec.options, spec.slugs, strict=True))]
    poll.deliveries = [PollDelivery(chat_id=c) for c in dict.fromkeys(spec.chat_ids)]


async def _schedule(session: AsyncSession, poll: Poll, tz: Any, now: datetime) -> None:
    if poll.opens_at <= now:
        await open_poll(session, poll, tz, now)
    else:
        await timers.schedule(session, OPEN, ref(poll.id), poll.opens_at)
    await timers.schedule(session, CLOSE, ref(poll.id), poll.closes_at)
    for minutes in sorted(set(poll.reminders), reverse=True):
        due = poll.closes_at - timedelta(minutes=int(minutes))
        if due > max(poll.opens_at, now):
            await timers.schedule(session, REMIND, ref(poll.id), due)


async def create(session: AsyncSession, ctx: AppContext, spec: Spec, *,
                 created_by_id: int | None, now: datetime, series: Poll | None = None,
                 check: bool = True) -> Poll:
    """Validate and save a poll, schedule its timers (opens at once when due)."""
    return await _create(session, ctx.tz, spec, created_by_id=created_by_id, now=now,
                         series=series, check=check)


async def _create(session: AsyncSession, tz: Any, spec: Spec, *, created_by_id: int | None,
                  now: datetime, series: Poll | None = None,
                  check: bool = True) -> Poll:
    if check:
        found = problems(spec, now, set(await known_chats(session, spec.community_id)), tz)
        if found:
            raise SpecError(found)
    poll = Poll(created_by_id=created_by_id, status="scheduled")
    _fill(poll, spec, now)
    if series is not None:
        poll.series_id = series.series_id or series.id
        poll.occurrence = series.occurrence + 1
    session.add(poll)
    await session.flush()
    await _schedule(session, poll, tz, now)
    return poll


async def update(session: AsyncSession, ctx: AppContext, poll_id: int, spec: Spec, *,
                 now: datetime) -> Poll:
    """Replace a poll that has not opened yet."""
    poll = await scheduled(session, poll_id)
    found = problems(spec, now, set(await known_chats(session, spec.community_id)), ctx.tz)
    if found:
        raise SpecError(found)
    await _cancel_timers(session, poll.id)
    poll.options, poll.deliveries = [], []
    await session.flush()
    _fill(poll, spec, now)
    await session.flush()
    await _schedule(session, poll, ctx.tz, now)
    return poll


def spec_of(poll: Poll) -> Spec:
    return Spec(community_id=poll.community_id, question=poll.question, options=poll.texts,
                preset=poll.preset, multiple=poll.multiple, anonymous=poll.anonymous,
                chat_ids=poll.chat_ids, opens_at=poll.opens_at, closes_at=poll.closes_at,
                recurrence=poll.recurrence, eligibility=poll.eligibility,
                project_id=poll.project_id, category=poll.category,
                reminders=list(poll.reminders))


async def create_evaluation_poll(
    session: AsyncSession, *, community_id: int, question: str, chat_ids: list[int],
    opens_at: datetime, closes_at: datetime, preset: str, project_id: int | None = None,
    created_by_id: int | None = None, now: datetime, ctx: AppContext | None = None,
) -> Poll:
    """A preset poll for another feature (project evaluation / decision)."""
    spec = Spec(community_id=community_id, question=question[:300],
                chat_ids=list(chat_ids) or list(await known_chats(session, community_id)),
                opens_at=max(opens_at, now), closes_at=closes_at, project_id=project_id)
    spec.use_preset(preset)
    spec.preset = evaluation.preset(preset).name
    poll = Poll(created_by_id=created_by_id, status="scheduled")
    _fill(poll, spec, now)
    session.add(poll)
    await session.flush()
    # The callers' contract has no context: the time zone comes from the settings.
    await _schedule(session, poll, ctx.tz if ctx is not None else Settings().tz, now)
    return poll


# --- look-ups --------------------------------------------------------------------------

async def get(session: AsyncSession, poll_id: int) -> Poll:
    poll = await session.get(Poll, poll_id)
    if poll is None:
        raise PollError(T.NOT_FOUND.format(id=poll_id))
    return poll


async def scheduled(session: AsyncSession, poll_id: int) -> Poll:
    poll = await get(session, poll_id)
    if poll.status != "scheduled":
        raise PollError(T.NOT_SCHEDULED.format(id=poll_id))
    return poll


async def visible_to(session: AsyncSession, person: Person, admin_ids: list[int],
                     limit: int = 30) -> list[Poll]:
    communities = [c.id for c in await org.organizer_communities(session, person, admin_ids)]
    if not communities:
        return []
    rows = await session.scalars(
        select(Poll).where(Poll.community_id.in_(communities))
        .order_by(Poll.id.desc()).limit(limit))
    order = {"open": 0, "scheduled": 1, "closed": 2, "cancelled": 3}
    return sorted(rows, key=lambda p: (order[p.status], -p.id))


async def may_manage(session: AsyncSession, person: Person, poll: Poll,
                     admin_ids: list[int]) -> bool:
    return await org.can_organize(session, person, poll.community_id, admin_ids)


async def by_telegram_poll(session: AsyncSession, tg_poll_id: str
                           ) -> tuple[Poll, PollDelivery] | None:
    delivery = await session.scalar(
        select(PollDelivery).where(PollDelivery.tg_poll_id == tg_poll_id))
    if delivery is None:
        return None
    return await get(session, delivery.poll_id), delivery


class PollNotRecordedYet(NotYet):
    """A poll answer for a poll whose Telegram id is not stored yet (retry the update)."""


async def awaiting_poll_ids(session: AsyncSession) -> bool:
    """Whether some open native poll was sent but its Telegram poll id is not stored yet."""
    found = await session.scalar(
        select(PollDelivery.id).join(Poll, Poll.id == PollDelivery.poll_id)
        .where(Poll.status == "open", Poll.kind == "native",
               PollDelivery.tg_poll_id.is_(None)).limit(1))
    return found is not None


async def answered_poll(session: AsyncSession, tg_poll_id: str
                        ) -> tuple[Poll, PollDelivery] | None:
    """The poll (and its group) a native poll update is about; None for a poll not ours.
    Raises PollNotRecordedYet while the sender may not have stored its id yet."""
    found = await by_telegram_poll(session, tg_poll_id)
    if found is not None:
        return found
    if await awaiting_poll_ids(session):
        raise PollNotRecordedYet(tg_poll_id)
    # PostgreSQL reads each statement at its own moment: the sender may have stored the
    # id between the two reads above. Nothing awaits now, so one more read is final.
    return await by_telegram_poll(session, tg_poll_id)


# --- cancel ---------------------------------------------------------------------------

async def _cancel_timers(session: AsyncSession, poll_id: int) -> None:
    for kind in (OPEN, REMIND, CLOSE):
        await timers.cancel(session, kind, ref(poll_id))


async def cancel(session: AsyncSession, poll_id: int) -> Poll:
    poll = await scheduled(session, poll_id)
    poll.status = "cancelled"
    await _cancel_timers(session, poll.id)
    return poll


# --- open, remind, close ---------------------------------------------------------------

def _delivery_ref(poll_id: int, chat_id: int) -> str:
    return f"poll:{poll_id}:{chat_id}"


async def open_poll(session: AsyncSession, poll: Poll, tz: Any, now: datetime,
                    late_due: datetime | None = None) -> None:
    if poll.status != "scheduled":
        return
    poll.status, poll.opened_at = "open", now
    intro = R.open_text(poll, tz, late_due)
    for d in poll.deliveries:
        key = f"poll:{poll.id}:open:{d.chat_id}"
        if poll.kind == "native":
            await outbox.enqueue(session, d.chat_id, now=now, dedupe_key=key + ":intro",
                                 ref=ref(poll.id), text=intro, parse_mode=None)
            await outbox.enqueue(
                session, d.chat_id, "sendPoll", now=now, dedupe_key=key, on_sent=SENT_HOOK,
                ref=_delivery_ref(poll.id, d.chat_id), question=poll.question,
                options=[{"text": t} for t in poll.texts], is_anonymous=poll.anonymous,
                allows_multiple_answers=poll.multiple)
        else:
            await outbox.enqueue(
                session, d.chat_id, now=now, dedupe_key=key, on_sent=SENT_HOOK,
                ref=_delivery_ref(poll.id, d.chat_id), text=intro, parse_mode=None,
                reply_markup=markup(R.vote_keyboard(poll)))
    if poll.recurrence:
        await _next_occurrence(session, poll, tz, now)


async def _next_occurrence(session: AsyncSession, poll: Poll, tz: Any,
                           now: datetime) -> Poll | None:
    series = poll.series_id or poll.id
    existing = await session.scalar(select(Poll.id).where(
        Poll.series_id == series, Poll.occurrence == poll.occurrence + 1))
    if existing is not None:
        return None
    assert poll.recurrence is not None
    opens = next_occurrence(poll.recurrence, max(poll.opens_at, now), tz)
    spec = spec_of(poll)
    spec.opens_at, spec.closes_at = opens, opens + (poll.closes_at - poll.opens_at)
    return await _create(session, tz, spec, created_by_id=poll.created_by_id, now=now,
                         series=poll, check=False)


async def on_sent(session: AsyncSession, row: OutboxMessage, result: Any) -> None:
    """Store where the poll landed; a poll closed before its post went out is stopped now."""
    _, poll_id, chat_id = (row.ref or "").split(":")
    poll = await session.get(Poll, int(poll_id))
    if poll is None or not isinstance(result, dict):
        return
    delivery = next((d for d in poll.deliveries if d.chat_id == int(chat_id)), None)
    if delivery is None:
        return
    delivery.message_id = result.get("message_id")
    tg_poll = result.get("poll") or {}
    delivery.tg_poll_id = tg_poll.get("id")
    if poll.status == "closed":
        await _stop_delivery(session, poll, delivery, row.sent_at or poll.closed_at or
                             poll.closes_at)


async def _stop_delivery(session: AsyncSession, poll: Poll, d: PollDelivery,
                         now: datetime) -> None:
    if d.message_id is None or d.stopped:
        return
    d.stopped = True
    key = f"poll:{poll.id}:stop:{d.chat_id}"
    if poll.kind == "native":
        await outbox.enqueue(session, d.chat_id, "stopPoll", now=now, dedupe_key=key,
                             ref=ref(poll.id), message_id=d.message_id)
    else:
        await outbox.enqueue(session, d.chat_id, "editMessageReplyMarkup", now=now,
                             dedupe_key=key, ref=ref(poll.id), message_id=d.message_id,
                             reply_markup={"inline_keyboard": []})


async def remind(session: AsyncSession, poll: Poll, ctx: AppContext, now: datetime,
                 due: datetime) -> None:
    if poll.status != "open":
        return
    quiet = outbox.parse_quiet_hours(ctx.settings.quiet_hours)
    not_before = outbox.after_quiet_hours(now, quiet, ctx.tz)
    if not_before >= poll.closes_at:
        return  # quiet hours last until the close: the result post says it all
    text = R.remind_text(poll, await votes.voter_count(session, poll.id), ctx.tz)
    for d in poll.deliveries:
        reply = ({"reply_parameters": {"message_id": d.message_id,
                                       "allow_sending_without_reply": True}}
                 if d.message_id else {})
        await outbox.enqueue(session, d.chat_id, now=now, not_before=not_before,
                             dedupe_key=f"poll:{poll.id}:remind:{due.isoformat()}:{d.chat_id}",
                             ref=ref(poll.id), text=text, parse_mode=None, **reply)


async def close(session: AsyncSession, poll: Poll, ctx: AppContext, now: datetime,
                late_due: datetime | None = None) -> evaluation.Tally | None:
    """Stop the polls, count, store and publish the result; publish PollClosed."""
    if poll.status == "scheduled":  # opened and closed in one downtime: open first
        await open_poll(session, poll, ctx.tz, now, late_due=poll.opens_at)
    if poll.status != "open":
        return None
    poll.status, poll.closed_at = "closed", now
    await timers.cancel(session, REMIND, ref(poll.id))
    for d in poll.deliveries:
        await _stop_delivery(session, poll, d, now)
    tally = await votes.count(session, poll)
    poll.result = tally.as_dict()
    names = None if poll.anonymous else await votes.voters_by_option(session, poll)
    text = R.result_text(poll, tally, ctx.tz, names, late_due)
    for d in poll.deliveries:
        key = f"poll:{poll.id}:result:{d.chat_id}"
        await outbox.enqueue(session, d.chat_id, now=now, dedupe_key=key, ref=ref(poll.id),
                             text=text, parse_mode=None)
        await outbox.enqueue(session, d.chat_id, "sendPhoto", now=now, dedupe_key=key + ":chart",
                             ref=ref(poll.id), photo=outbox.deferred(R.CHART, poll.id),
                             caption=R.chart_caption(poll, tally), parse_mode=None)
    await events.publish(session, ctx, events.PollClosed(
        poll_id=poll.id, project_id=poll.project_id, preset=poll.preset,
        counts=tuple((r.label, r.count) for r in tally.rows), voters=tally.voters,
        closed_at=now))
    return tally


async def current_tally(session: AsyncSession, poll: Poll) -> evaluation.Tally:
    if poll.result is not None:
        return evaluation.Tally.from_dict(poll.result)
    return await votes.count(session, poll)


# --- timers ----------------------------------------------------------------------------

async def _timer_poll(session: AsyncSession, timer: Timer) -> Poll | None:
    poll = await session.get(Poll, int(timer.ref.split(":")[1]))
    if poll is None:
        log.warning("timer %s: poll gone", timer.ref)
    return poll


async def on_open_timer(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    if (poll := await _timer_poll(session, timer)) is not None:
        now = ctx.clock.now()
        await open_poll(session, poll, ctx.tz, now,
                        late_due=timer.due_at if timer.late else None)


async def on_remind_timer(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    now = ctx.clock.now()
    later = [t for t in await timers.pending(session, REMIND, timer.ref) if t.due_at <= now]
    if later:
        return  # a later reminder is due too (after downtime): send that one only
    if (poll := await _timer_poll(session, timer)) is not None:
        await remind(session, poll, ctx, now, timer.due_at)


async def on_close_timer(session: AsyncSession, timer: Timer, ctx: AppContext) -> None:
    if (poll := await _timer_poll(session, timer)) is not None:
        await close(session, poll, ctx, ctx.clock.now(),
                    late_due=timer.due_at if timer.late else None)


# --- reports ---------------------------------------------------------------------------

async def report_summary(session: AsyncSession, community_id: int, start: datetime,
                         end: datetime) -> str | None:
    """One line on the polls closed in [start, end): voters against eligible members."""
    polls = list(await session.scalars(select(Poll).where(
        Poll.community_id == community_id, Poll.status == "closed",
        Poll.closed_at >= start, Poll.closed_at < end)))
    if not polls:
        return None
    results = [evaluation.Tally.from_dict(p.result) for p in polls if p.result]
    voters = sum(t.voters for t in results)
    eligible = sum(t.eligible or 0 for t in results)
    turnout = f"{100 * min(voters / eligible, 1):.1f}%" if eligible else T.REPORT_NA
    return T.REPORT_LINE.format(polls=len(polls), voters=voters, eligible=eligible,
                                turnout=turnout)
