"""What people do with polls, as the chat layer asks for it: the /polls list and its
buttons, /poll_results, ballots by button or native poll answer, and the organizer
look-ups of the /poll_new dialog. No Telegram library: answers are texts and bot.ui keyboards,
refusals are `PollError` (a `bot.errors.Refusal`), raised before anything is written."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot import numbers
from bot import texts as C
from bot.context import AppContext
from bot.db.models import Community, GroupChat, Person
from bot.db.models.polls import Poll
from bot.delivery import outbox
from bot.org import service as org
from bot.polls import evaluation, votes
from bot.polls import render as R
from bot.polls import service as svc
from bot.polls import texts as T
from bot.polls.buttons import (
    CATEGORY_SLUGS,
    ELIGIBILITY,
    PRESET_NAMES,
    DialogButton,
    Dlg,
    VoteButton,
)
from bot.polls.render import CHART
from bot.polls.spec import Spec, fmt
from bot.polls.votes import Outcome
from bot.ui import Keyboard

PRIVATE_NOTE = {
    Outcome.NOT_RESIDENT: T.VOTE_INELIGIBLE_RESIDENT,
    Outcome.NO_HOUSEHOLD: T.VOTE_INELIGIBLE_HOUSEHOLD,
    Outcome.HOUSEHOLD_TAKEN: T.VOTE_HOUSEHOLD_TAKEN,
}
ALERT = {
    Outcome.NOT_OPEN: T.VOTE_NOT_OPEN, Outcome.CLOSED: T.VOTE_CLOSED,
    Outcome.NOT_RESIDENT: T.VOTE_ALERT_RESIDENT, Outcome.NO_HOUSEHOLD: T.VOTE_ALERT_HOUSEHOLD,
    Outcome.HOUSEHOLD_TAKEN: T.VOTE_ALERT_TAKEN,
}


Item = TypeVar("Item")


@dataclass(frozen=True)
class Answer:
    """The answer to a button press (an alert when `alert`)."""

    text: str
    alert: bool = False


# --- the organizer's list ---------------------------------------------------------------

async def listing(session: AsyncSession, person: Person, ctx: AppContext, *,
                  private: bool) -> tuple[str, Keyboard]:
    """/polls: the organizer's polls, newest first, with their buttons."""
    if not private:
        raise svc.PollError(C.PRIVATE_ONLY)
    found = await svc.visible_to(session, person, ctx.settings.admin_ids)
    if not found and not await org.organizer_communities(session, person, ctx.settings.admin_ids):
        raise svc.PollError(C.NOT_ALLOWED)
    return R.list_text(found, ctx.tz), R.list_keyboard(found)


async def result_text(session: AsyncSession, poll: Poll, ctx: AppContext) -> str:
    if poll.status != "closed":
        return T.NO_RESULT_YET.format(id=poll.id, voters=await votes.voter_count(session, poll.id),
                                      closes=fmt(poll.closes_at, ctx.tz))
    tally = await svc.current_tally(session, poll)
    names = None if poll.anonymous else await votes.voters_by_option(session, poll)
    return R.result_text(poll, tally, ctx.tz, names)


async def results(session: AsyncSession, ctx: AppContext, args: str | None, *, chat_id: int,
                  private: bool) -> str:
    """/poll_results N: the result text; a closed poll's chart follows through the outbox."""
    poll_id = numbers.number(args)
    if poll_id is None:
        raise svc.PollError(T.RESULTS_HOW)
    poll = await svc.get(session, poll_id)
    if not private and chat_id not in poll.chat_ids:
        raise svc.PollError(T.NOT_FOUND.format(id=poll.id))
    text = await result_text(session, poll, ctx)
    if poll.status == "closed" and poll.result is not None:
        await outbox.enqueue(session, chat_id, "sendPhoto", now=ctx.clock.now(),
                             ref=svc.ref(poll.id), photo=outbox.deferred(CHART, poll.id),
                             caption=R.chart_caption(poll, evaluation.Tally.from_dict(poll.result)),
                             parse_mode=None)
    return text


async def managed(session: AsyncSession, person: Person, poll_id: int, ctx: AppContext) -> Poll:
    """A poll this person may manage (its community's organizer)."""
    poll = await svc.get(session, poll_id)
    if not await svc.may_manage(session, person, poll, ctx.settings.admin_ids):
        raise svc.PollError(C.NOT_ALLOWED)
    return poll


async def cancel_listed(session: AsyncSession, person: Person, poll_id: int,
                        ctx: AppContext) -> str:
    poll = await svc.cancel(session, (await managed(session, person, poll_id, ctx)).id)
    return T.POLL_CANCELLED.format(id=poll.id)


async def editable(session: AsyncSession, person: Person, poll_id: int,
                   ctx: AppContext) -> Spec:
    """The draft of a scheduled poll, for the dialog to edit."""
    poll = await svc.scheduled(session, (await managed(session, person, poll_id, ctx)).id)
    return svc.spec_of(poll)


async def listed_result(session: AsyncSession, person: Person, poll_id: int,
                        ctx: AppContext) -> str:
    return await result_text(session, await managed(session, person, poll_id, ctx), ctx)


# --- ballots ------------------------------------------------------------------------------

async def tell_ineligible(session: AsyncSession, poll: Poll, person: Person,
                          result: votes.VoteResult, now: datetime) -> None:
    """A refused ballot: say why privately (when the person has started the bot)."""
    if result.outcome not in PRIVATE_NOTE or not person.started_bot or person.tg_id is None:
        return
    text = PRIVATE_NOTE[result.outcome].format(
        id=poll.id, question=poll.question, household=result.household or person.household or "")
    await outbox.enqueue(session, person.tg_id, now=now, text=text, parse_mode=None,
                         dedupe_key=f"poll:{poll.id}:refused:{person.id}")


async def press_vote(session: AsyncSession, person: Person, cb: VoteButton, *,
                     chat_id: int | None, message_id: int | None, now: datetime) -> Answer:
    """An inline-button ballot. A refused ballot is an answer, not a Refusal: the member
    memory and the private note are kept."""
    poll = await session.get(Poll, cb.p)
    delivery = None
    if poll is not None and chat_id is not None:
        # message_id is None for a moment after the post, until the sender stores it
        delivery = next((d for d in poll.deliveries if d.chat_id == chat_id
                         and d.message_id in (message_id, None)), None)
    if poll is None or delivery is None or poll.kind != "buttons" \
            or not 0 <= cb.i < len(poll.options):
        raise svc.PollError(C.BUTTON_UNKNOWN)
    result = await votes.toggle(session, poll, person, cb.i, chat_id=delivery.chat_id, now=now)
    if result.outcome.refused:
        await tell_ineligible(session, poll, person, result, now)
        return Answer(ALERT[result.outcome], alert=True)
    if result.outcome == Outcome.RETRACTED:
        return Answer(T.VOTE_RETRACTED)
    return Answer(T.VOTE_COUNTED.format(choice="、".join(poll.texts[i] for i in result.choices)))


async def record_answer(session: AsyncSession, tg_poll_id: str, person: Person | None,
                        option_ids: list[int], now: datetime) -> None:
    """A native poll answer (an empty list retracts)."""
    found = await svc.answered_poll(session, tg_poll_id)  # not recorded yet: retried
    if found is None or person is None:
        return
    poll, delivery = found
    if poll.anonymous:
        return  # Telegram sends no answers for anonymous polls; never keep one that came
    result = await votes.record(session, poll, person, option_ids, chat_id=delivery.chat_id,
                                now=now)
    await tell_ineligible(session, poll, person, result, now)


async def record_totals(session: AsyncSession, tg_poll_id: str, counts: list[int],
                        voters: int) -> None:
    """A native poll's new totals from Telegram: an anonymous poll is counted from them."""
    found = await svc.answered_poll(session, tg_poll_id)
    if found is None:
        return
    poll, delivery = found
    if not votes.counted_by_telegram(poll) or poll.status != "open":
        return
    delivery.counts, delivery.voters = [int(n) for n in counts], int(voters)


# --- the /poll_new dialog's look-ups ----------------------------------------------------

async def organizer_communities(session: AsyncSession, person: Person,
                                ctx: AppContext) -> list[Community]:
    return await org.organizer_communities(session, person, ctx.settings.admin_ids)


async def may_organize(session: AsyncSession, person: Person, community_id: int,
                       ctx: AppContext) -> bool:
    return await org.can_organize(session, person, community_id, ctx.settings.admin_ids)


async def groups_of(session: AsyncSession, community_id: int) -> list[GroupChat]:
    return await org.group_chats_of_community(session, community_id)


async def save(session: AsyncSession, ctx: AppContext, person: Person, spec: Spec, *,
               editing: int | None, now: datetime) -> tuple[Poll, str]:
    """The dialog's 确认: a new poll, or the edited one; and what to tell the organizer.
    A bad field raises SpecError (the dialog asks it again)."""
    if not await may_organize(session, person, spec.community_id, ctx):
        raise svc.PollError(T.NOT_ORGANIZER)
    if editing:
        poll = await svc.update(session, ctx, editing, spec, now=now)
        return poll, T.UPDATED.format(id=poll.id)
    poll = await svc.create(session, ctx, spec, created_by_id=person.id, now=now)
    when = T.SAVED_OPEN if poll.status == "open" else T.SAVED_LATER.format(
        opens=fmt(poll.opens_at, ctx.tz))
    return poll, T.SAVED.format(id=poll.id, when=when)


def choice(items: Sequence[Item], index: int) -> Item:
    """The item a dialog button's index names; a forged or stale index is refused."""
    if not 0 <= index < len(items):
        raise svc.PollError(T.DIALOG_EXPIRED)
    return items[index]


# --- the dialog's buttons that set a field ----------------------------------------------

def _preset(spec: Spec, v: int) -> str:
    spec.use_preset(choice(PRESET_NAMES, v))
    return "options"


def _multiple(spec: Spec, v: int) -> str:
    spec.multiple = bool(v)
    return "multiple"


def _anonymous(spec: Spec, v: int) -> str:
    spec.anonymous = bool(v)
    return "anonymous"


def _groups_done(spec: Spec, v: int) -> str:
    if not spec.chat_ids:
        raise svc.PollError(T.ERR_GROUPS_NONE)
    return "groups"


def _open_now(spec: Spec, v: int) -> str:
    spec.opens_at = None
    return "opens"


def _duration(spec: Spec, v: int) -> str:
    if v <= 0:
        raise svc.PollError(T.DIALOG_EXPIRED)
    spec.closes_at, spec.duration_minutes = None, v
    return "closes"


def _no_repeat(spec: Spec, v: int) -> str:
    spec.recurrence = None
    return "recurrence"


def _eligibility(spec: Spec, v: int) -> str:
    spec.eligibility = choice(ELIGIBILITY, v)
    return "eligibility"


def _no_link(spec: Spec, v: int) -> str:
    spec.project_id, spec.category = None, None
    return "link"


def _category(spec: Spec, v: int) -> str:
    spec.project_id, spec.category = None, choice(CATEGORY_SLUGS, v)
    return "link"


SETTERS: dict[Dlg, Callable[[Spec, int], str]] = {
    Dlg.PRESET: _preset, Dlg.MULTIPLE: _multiple, Dlg.ANONYMOUS: _anonymous,
    Dlg.GROUPS_DONE: _groups_done, Dlg.OPEN_NOW: _open_now, Dlg.DURATION: _duration,
    Dlg.NO_REPEAT: _no_repeat, Dlg.ELIGIBILITY: _eligibility, Dlg.NO_LINK: _no_link,
    Dlg.CATEGORY: _category,
}


def choose(spec: Spec, cb: DialogButton) -> str:
    """A dialog button that sets a field (one of SETTERS): set it; returns the field."""
    return SETTERS[cb.a](spec, cb.v)
